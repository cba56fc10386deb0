"""What a workspace's videos cost, added up by the database: by client and project, by key,
by month, and against the budgets. Every figure is one aggregate query, however many jobs."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from videos.models import VideoJob
from workspaces.models import Budget, month_of

ZERO = Decimal(0)


@dataclass
class Group:
    name: str
    total: Decimal = ZERO
    jobs: int = 0
    detail: str = ""
    rows: list = field(default_factory=list)


@dataclass
class Bar:
    """One month of the chart, drawn as an SVG rectangle (coordinates in the viewBox)."""

    month: object
    total: Decimal
    x: int
    y: int
    height: int
    current: bool


class SpendReport:
    CHART_HEIGHT = 160  # the tallest bar
    CHART_TOP = 20
    SLOT = 50  # one month's width
    BAR = 34

    def __init__(self, user, scope, filters):
        jobs = VideoJob.objects.visible_to(user)
        if scope is not None:
            jobs = jobs.filter(workspace=scope)
        self.user, self.scope = user, scope
        self.all_jobs = jobs  # budgets count every job of their month, whatever the filters
        self.jobs = filters.apply(jobs)
        self.month = filters.period
        self.month_jobs = self.jobs.in_month(self.month)

    def totals(self) -> dict:
        charged = VideoJob.objects.charged_amount()
        found = self.month_jobs.aggregate(
            total=Sum(charged),
            reported=Sum("cost"),
            jobs=Count("pk"),
            # Jobs whose provider reported a cost that could not be used: at their estimate.
            unusable=Count("pk", filter=~Q(unusable_cost="")),
        )
        return {name: value if value is not None else ZERO for name, value in found.items()}

    def by_client(self) -> list[Group]:
        """Clients (then "No client") with their projects, biggest spend first."""
        rows = (
            self.month_jobs.values(
                "workspace__name", "project__client__name", "project__name", "project_id"
            )
            .annotate(total=Sum(VideoJob.objects.charged_amount()), jobs=Count("pk"))
            .order_by("workspace__name", "project__client__name", "project__name")
        )
        clients: dict[tuple, Group] = {}
        for row in rows:
            name = row["project__client__name"] or "No client"
            group = clients.setdefault(
                (row["workspace__name"], name), Group(name, detail=row["workspace__name"])
            )
            project = row["project__name"] or "No project"
            group.rows.append(Group(project, row["total"], row["jobs"]))
            group.total += row["total"]
            group.jobs += row["jobs"]
        return sorted(clients.values(), key=lambda g: (g.name == "No client", -g.total, g.name))

    def by_key(self) -> list[Group]:
        rows = (
            self.month_jobs.values("key_id", "key__label", "key__masked", "workspace__name")
            .annotate(total=Sum(VideoJob.objects.charged_amount()), jobs=Count("pk"))
            .order_by("-total", "key__label")
        )
        return [
            Group(
                row["key__label"] or "A deleted key",
                row["total"],
                row["jobs"],
                detail=f"{row['key__masked']} · {row['workspace__name']}"
                if row["key_id"]
                else row["workspace__name"],
            )
            for row in rows
        ]

    def by_month(self) -> list[Bar]:
        """The twelve months up to the chosen one, as chart bars (empty months included)."""
        months = [self.month]
        for _ in range(11):
            months.insert(0, month_of(months[0] - timedelta(days=1))[0])
        rows = (
            self.jobs.filter(created_at__gte=months[0], created_at__lt=month_of(self.month)[1])
            .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
            .values("month")
            .annotate(total=Sum(VideoJob.objects.charged_amount()))
            .order_by("month")
        )
        totals = {(r["month"].year, r["month"].month): r["total"] for r in rows}
        amounts = [totals.get((m.year, m.month), ZERO) for m in months]
        top = max(amounts) or Decimal(1)
        bars = []
        for number, (month, total) in enumerate(zip(months, amounts, strict=True)):
            height = int(total / top * self.CHART_HEIGHT) if total else 0
            if total and not height:
                height = 1  # a month with any spend shows
            bars.append(
                Bar(
                    month=month,
                    total=total,
                    x=number * self.SLOT + (self.SLOT - self.BAR) // 2,
                    y=self.CHART_TOP + self.CHART_HEIGHT - height,
                    height=height,
                    current=month == self.month,
                )
            )
        return bars

    def budgets(self) -> list:
        """Each budget in view with the chosen month's spend (every job of its workspace or
        client, whatever the filters) and what is left: ``budget_standings``, the one count
        that also decides whether a job or a campaign may start."""
        budgets = (
            Budget.objects.visible_to(self.user)
            .select_related("workspace", "client")
            .order_by("workspace__name", "client__name")
        )
        if self.scope is not None:
            budgets = budgets.filter(workspace=self.scope)
        return VideoJob.objects.budget_standings(budgets, self.month)
