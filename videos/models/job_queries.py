from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from workspaces.models import Budget, OverBudget, OwnedQuerySet, cents, month_of


class VideoJobQuerySet(OwnedQuerySet):
    def _clips(self):
        """All clips (Clip is built on VideoJob: reached through the relation, not imported)."""
        return self.model._meta.get_field("clips").related_model.objects.all()

    def charged_amount(self):
        """What a job counts for in spend and budgets, worked out by the database: the cost the
        provider reported if any; else nothing for a job the provider never charged (blocked by
        its safety filter, failed without making a video, cancelled before it was sent); else
        the estimate (a job queued, being made, or whose outcome is unknown is committed)."""
        status = self.model.Status
        uncharged = (
            models.Q(status=status.BLOCKED)
            | (models.Q(status=status.FAILED) & ~models.Q(failure=self.model.Failure.COPY))
            | models.Q(status=status.CANCELLED, submitted_at__isnull=True)
        )
        money = models.DecimalField(max_digits=12, decimal_places=6)
        zero = models.Value(Decimal(0), output_field=money)
        return Coalesce(
            "cost",
            models.Case(
                models.When(uncharged, then=zero),
                default=Coalesce("estimated_cost", zero),
                output_field=money,
            ),
            output_field=money,
        )

    def with_charged(self):
        return self.annotate(charged=self.charged_amount())

    def in_month(self, moment=None):
        """Jobs started in the calendar month of ``moment`` (this month if None)."""
        start, end = month_of(moment)
        return self.filter(created_at__gte=start, created_at__lt=end)

    def charged_total(self) -> Decimal:
        total = self.aggregate(total=Sum(self.charged_amount()))["total"]
        return total if total is not None else Decimal(0)

    def outputs_per_job(self, provider: str, models) -> dict[str, int]:
        """How many clips the latest finished job of each of ``models`` made (one query,
        over the latest jobs only): what a model that decides it will likely make again."""
        rows = (
            self._clips()
            .filter(
                job__provider=provider,
                job__model__in=models,
                job__status=self.model.Status.READY,
            )
            .values("job__model", "job_id")
            .annotate(clips=Count("pk"))
            .order_by("-job__finished_at", "-job_id")[:200]
        )
        found: dict[str, int] = {}
        for row in rows:
            found.setdefault(row["job__model"], row["clips"])
        return found

    def budget_standings(self, budgets, moment=None) -> list["BudgetStanding"]:
        """Each of ``budgets`` with what its month (that of ``moment``, this month if None)
        has spent or is still making: every job of its workspace, or of its client's projects,
        counted as ``charged_amount`` counts it, in one query. The spend page, the generate
        page and the refusal of what does not fit all read these same figures."""
        budgets = list(budgets)
        if not budgets:
            return []
        rows = list(
            self.model.objects.filter(workspace__in={b.workspace_id for b in budgets})
            .in_month(moment)
            .values("workspace_id", "project__client_id")
            .annotate(total=Sum(self.charged_amount()))
            .order_by()
        )
        return [
            BudgetStanding(
                budget,
                sum(
                    (
                        row["total"]
                        for row in rows
                        if row["workspace_id"] == budget.workspace_id
                        and (not budget.client_id or row["project__client_id"] == budget.client_id)
                    ),
                    Decimal(0),
                ),
            )
            for budget in budgets
        ]

    def typical_wait(self, model: str, last: int = 20) -> timedelta | None:
        """How long a job of ``model`` usually takes from the click to its clips being ready:
        the median over the last ``last`` ready jobs of that model among these (one query);
        None when none has finished yet."""
        spans = sorted(
            finished - created
            for created, finished in self.filter(
                model=model, status=self.model.Status.READY, finished_at__isnull=False
            )
            .order_by("-finished_at")
            .values_list("created_at", "finished_at")[:last]
        )
        if not spans:
            return None
        middle = len(spans) // 2
        return spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2

    def with_takes(self):
        """Each with ``take_number``: which take of its version it is (1 for the first),
        counting the jobs made from the same clip at the same version before it."""
        earlier = (
            self.model.objects.filter(
                parent=models.OuterRef("parent"),
                version=models.OuterRef("version"),
                created_at__lt=models.OuterRef("created_at"),
            )
            .order_by()
            .values("parent")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        count = models.Subquery(earlier, output_field=models.IntegerField())
        return self.annotate(take_number=Coalesce(count, 0) + 1)

    def live_version(self, public_id) -> str | None:
        """A tag that changes whenever anything the status panel shows changes (the job's own
        state, or any of its clips'): one indexed lookup of one column, nothing rendered."""
        version = self.filter(public_id=public_id).values_list("panel_version", flat=True).first()
        return None if version is None else str(version)


@dataclass(frozen=True)
class BudgetStanding:
    """A budget and what its month has spent or is still making (``budget_standings``)."""

    budget: Budget
    spent: Decimal

    @property
    def left(self) -> Decimal:
        return self.budget.monthly_amount - self.spent

    @property
    def over(self) -> bool:
        return self.spent > self.budget.monthly_amount

    @property
    def over_by(self) -> Decimal:
        return self.spent - self.budget.monthly_amount

    def fits(self, amount) -> bool:
        """Counted to the cent, as the spend page shows it: raising a budget by the shortfall
        a refusal names is always enough."""
        return cents(self.spent) + cents(amount or 0) <= self.budget.monthly_amount

    def refusal(self, amount, what: str = "This video") -> OverBudget:
        return OverBudget(self.budget.refusal(self.spent, amount, what), self, amount)


# Sent (sender=VideoJob, job=...) when a job ends, in the transaction of its last move. A
# receiver that tells people about the job itself (a campaign, once all its videos have ended)
