import contextlib
import dataclasses
import logging
import operator
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.debug import sensitive_variables

from common.storage import remove_when_committed
from inbox.models import Notification, notify
from providers import registry
from providers.base import InvalidKey, KeyCheck, ProviderError
from workspaces import access
from workspaces.models import Budget, OverBudget, Project, Workspace, cents, month_of

from . import formats, vault
from .media import claims

log = logging.getLogger(__name__)


class ProviderKeyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Keys of the workspaces ``user`` belongs to (shown masked, whatever the role)."""
        return self.filter(workspace__in=Workspace.objects.visible_to(user))

    def usable_by(self, user):
        """Keys ``user`` may start jobs with: those of workspaces where they may generate."""
        return self.filter(workspace__in=Workspace.objects.generating_for(user))


class ProviderKey(models.Model):
    """A workspace's API key for one provider, encrypted at rest; only its mask is ever shown."""

    class Status(models.TextChoices):
        UNVERIFIED = "unverified", "Not verified yet"
        VALID = "valid", "Works"
        NO_CREDIT = "no_credit", "No credits left"
        NO_MODELS = "no_models", "Offers no video model"
        INVALID = "invalid", "Refused by the provider"

    # Keys in these states cannot start a job until they are verified again.
    UNUSABLE = (Status.NO_CREDIT, Status.NO_MODELS, Status.INVALID)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: a workspace's keys and paid-for videos are not deleted as a side effect; they
    # are deleted (or, later, moved) on purpose before the workspace can go.
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="provider_keys")
    # SET_NULL: a key added by someone who has since left stays the workspace's key.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider_keys",
        verbose_name="added by",
        help_text="Who added the key; the workspace it belongs to decides who may use it.",
    )
    # Fixed once created: the secret belongs to this provider and is only ever sent to it.
    provider = models.CharField(max_length=20, choices=registry.choices)
    label = models.CharField(max_length=100)
    secret_encrypted = models.TextField(editable=False)
    masked = models.CharField(max_length=40, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.UNVERIFIED)
    status_message = models.CharField(max_length=300, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderKeyQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider", "label"], name="unique_key_label_per_provider"
            )
        ]

    def __str__(self):
        return f"{self.label} ({self.get_provider_display()}, {self.masked})"

    def __repr__(self):
        # Never include the ciphertext or the secret in debugging output.
        return f"<ProviderKey {self.pk} {self.provider} {self.masked}>"

    @sensitive_variables("secret")
    def set_secret(self, secret: str) -> None:
        """Store a new secret (encrypted) and forget what we knew about the old one."""
        self.secret_encrypted = vault.encrypt(secret)
        self.masked = vault.mask(secret)
        self.status = self.Status.UNVERIFIED
        self.status_message = ""
        self.last_verified_at = None

    def reveal(self) -> str:
        """The secret in clear text, for the provider adapter only. Raises vault.VaultError."""
        return vault.decrypt(self.secret_encrypted)

    def provider_client(self):
        return registry.get_provider(self.provider, self.reveal())

    def models(self) -> list:
        """The key's video models (cached), each priced for as many clips a job of it makes
        (a model that decides that itself: as many as its latest job here made). Raises
        ProviderError or vault.VaultError."""
        from providers.catalog import models_for

        models = models_for(self.provider, self.reveal())
        decides = [m.id for m in models if m.max_outputs == 1]
        made = VideoJob.objects.outputs_per_job(self.provider, decides) if decides else {}
        return [
            dataclasses.replace(m, outputs_per_job=made[m.id], outputs_known=True)
            if m.id in made
            else m
            for m in models
        ]

    def model_name(self, model_id: str) -> str:
        """``model_id``'s name from the key's cached catalogue ("" when not cached): the
        generate form has just listed it, so starting a job never waits for the provider."""
        from providers.catalog import cached_name

        try:
            return cached_name(self.provider, self.reveal(), model_id)
        except vault.VaultError:
            return ""

    @property
    def usable(self) -> bool:
        return self.status not in self.UNUSABLE

    def verify(self) -> tuple[bool | None, str]:
        """Ask the provider whether the key works and record the answer.

        Returns (works, message): True/False when the provider gave a verdict (False also for
        a key without credits), None when it could not be asked (unreachable, garbage reply);
        then the stored status is left as it was.
        """
        try:
            check: KeyCheck = self.provider_client().verify_key(timeout=settings.VERIFY_TIMEOUT)
        except vault.VaultError:
            message = "This key cannot be decrypted with the server's vault keys; add it again."
            self._record(self.Status.INVALID, message)
            return False, message
        except InvalidKey as exc:
            message = exc.message + self._wrong_provider_hint()
            self._record(self.Status.INVALID, message)
            return False, message
        except ProviderError as exc:
            log.warning("Verifying key %s failed: %s", self.pk, exc.message)
            return None, f"Could not check the key: {exc.message} The key is kept as it was."
        if not check.usable:
            status = (
                self.Status.NO_MODELS if check.problem == "no_models" else self.Status.NO_CREDIT
            )
            self._record(status, check.detail)
            return False, check.detail
        self._record(self.Status.VALID, check.detail)
        return True, check.detail

    def _wrong_provider_hint(self) -> str:
        issuer = registry.issuer_of(self.masked)
        if issuer and issuer != self.provider:
            return f" It looks like {registry.key_name(issuer)}: add it under that provider."
        return ""

    def _record(self, status: str, message: str) -> None:
        with contextlib.suppress(vault.VaultError):  # an unreadable key has nothing to hide
            message = vault.redact(message, self.reveal())
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            status=status, status_message=message[:300], last_verified_at=now, updated_at=now
        )
        self.status, self.status_message, self.last_verified_at = status, message[:300], now

    def mark_used(self) -> None:
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now

    def mark_accepted(self) -> None:
        """The provider just took a job with this key: it works, whatever we knew before."""
        if self.status != self.Status.VALID:
            self._record(self.Status.VALID, "The provider accepted a job with this key.")

    def mark_refused(self, message: str) -> None:
        self._record(self.Status.INVALID, message)

    def mark_out_of_credit(self, message: str) -> None:
        self._record(self.Status.NO_CREDIT, message)


def _now():
    return timezone.now()


class CompareAndSet:
    """State changes by conditional UPDATE: only the caller that finds the old state wins.

    Messages stored along the way (``error``, ``raw_error``) never keep the key in clear, even
    when a provider echoes it back.
    """

    def provider_key(self):
        raise NotImplementedError

    def _redacted(self, fields: dict) -> dict:
        texts = {name: fields[name] for name in ("error", "raw_error") if fields.get(name)}
        key = self.provider_key() if texts else None
        if key is None:
            return fields
        try:
            secret = key.reveal()
        except vault.VaultError:
            return fields
        return fields | {name: vault.redact(text, secret) for name, text in texts.items()}

    def _fence(self) -> dict:
        """Extra conditions a state change must still meet (a clip: the same claim)."""
        return {}

    def _update_if(self, condition: models.Q, **fields) -> bool:
        """Set ``fields`` only if the row still meets ``condition`` (and the fence); the one
        primitive every state change goes through. True if this caller won."""
        fields = self._redacted(fields)
        changed = type(self).objects.filter(condition, pk=self.pk, **self._fence()).update(**fields)
        if changed:
            for name, value in fields.items():
                if hasattr(value, "resolve_expression"):
                    # Worked out by the database (a counter): read again when next asked for.
                    self.__dict__.pop(name, None)
                else:
                    setattr(self, name, value)
            self._changed(fields)
        return bool(changed)

    def _changed(self, fields: dict) -> None:
        """Called after this caller's update won (``fields`` as written)."""

    def _move(self, from_statuses, to_status, condition=None, **fields) -> bool:
        """``from_statuses`` → ``to_status`` (and ``fields``), if the row is in one of them
        (and also meets ``condition``, a Q, when given)."""
        if isinstance(from_statuses, str):
            from_statuses = [from_statuses]
        where = models.Q(status__in=from_statuses) & (condition or models.Q())
        return self._update_if(where, status=to_status, **fields)


class LeasedWorkQuerySet(models.QuerySet):
    def lapsed_leases(self):
        """Work whose worker's lease has lapsed: it died, or stalled past its lease."""
        return self.filter(status=self.model.WORKING, lease_until__lt=timezone.now())


class LeasedWork(CompareAndSet, models.Model):
    """Work a worker claims for a while: copying a clip, rendering an export, and whatever a
    worker copies or renders next. Kinds of work get all of this by being built on it.

    - A claim moves the work to its kind's ``WORKING`` status with a lease (renewed by the
      worker's heartbeat, ``claims.Heartbeat``) and counts an attempt. ``attempts`` is the
      fence: a worker whose lease lapsed and was taken over holds an older count, so whatever
      it tries to record changes nothing (and two workers that read the same count cannot
      both win a claim).
    - The attempt cap is checked at every claim and by recovery (``give_up_if_exhausted``):
      work whose workers keep dying ends failed with a plain message, never done again
      without end.
    - Each attempt has a time and size budget (``max_seconds``, ``max_bytes``; None: none);
      work over it ends failed (trying again would take as long again).
    - Partial files are named for the claim that writes them (``partial_prefix``) and
      removed only when no live lease holds them (``remove_abandoned_partials``).

    A kind has a ``Status`` with PENDING, READY and FAILED, names its working status
    ``WORKING`` and its partial files ``PARTIAL_KIND``, and says its ``max_attempts`` and
    ``lease_seconds``.
    """

    WORKING: str
    PARTIAL_KIND: str
    # Its over-budget messages: "Rendering stopped after 5 minutes: an export may take …"
    DOING: str
    WHAT: str

    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def max_attempts(self) -> int:
        raise NotImplementedError

    @property
    def lease_seconds(self) -> float:
        raise NotImplementedError

    # The budget of one attempt (None: none).
    max_seconds: float | None = None
    max_bytes: int | None = None

    def _fence(self) -> dict:
        return {"attempts": self.attempts}

    def _failure(self, message: str, raw: str = "") -> dict:
        """The fields that record an error (the provider's own words too, for kinds that keep
        them)."""
        fields = {"error": message}
        if any(field.name == "raw_error" for field in self._meta.fields):
            fields["raw_error"] = raw
        return fields

    def _retry_fields(self, delay: float | None) -> dict:
        """What else a retry records (a kind that waits before trying again: when)."""
        return {}

    def _unheld(self) -> models.Q:
        """Nobody holds it: waiting, or working under a lapsed lease (its worker died)."""
        return models.Q(status=self.Status.PENDING) | models.Q(
            status=self.WORKING, lease_until__lt=timezone.now()
        )

    def claim(self) -> bool:
        """Waiting (or working under a lapsed lease) → working, for one worker; the earlier
        attempts' partial files, nobody's now, are removed. Work that has used up its attempts
        is not claimed: it ends failed."""
        if self.attempts >= self.max_attempts:
            self.give_up_if_exhausted()
            return False
        claimed = self._update_if(
            self._unheld(),
            status=self.WORKING,
            lease_until=timezone.now() + timedelta(seconds=self.lease_seconds),
            attempts=self.attempts + 1,
        )
        if claimed:
            for partial in claims.partials(self.PARTIAL_KIND):
                if partial.pk == self.pk and partial.attempt < self.attempts:
                    partial.path.unlink(missing_ok=True)
        return claimed

    def give_up_if_exhausted(self) -> bool:
        """End work that used up its attempts and that nobody holds now."""
        if self.attempts < self.max_attempts:
            return False
        last = self.error or "Each one stopped before it finished."
        return self._update_if(
            self._unheld(),
            status=self.Status.FAILED,
            lease_until=None,
            error=f"Gave up after {self.attempts} attempts. {last}",
        )

    def extend_lease(self) -> bool:
        """Renew this worker's claim; False when another worker has taken the work over."""
        return self._update_if(
            models.Q(status=self.WORKING),
            lease_until=timezone.now() + timedelta(seconds=self.lease_seconds),
        )

    def heartbeat(self) -> claims.Heartbeat:
        """What the worker calls as it goes, from just after its claim: keeps the lease,
        stops the work when the lease is lost or the attempt's budget is spent."""
        return claims.Heartbeat(
            self.extend_lease,
            every=self.lease_seconds / 3,
            max_seconds=self.max_seconds,
            max_bytes=self.max_bytes,
            over_time=(
                f"{self.DOING} stopped after {_duration_words(self.max_seconds or 0)}: "
                f"{self.WHAT} may take no longer on this server, so it is not tried again. "
                "An admin can raise the limit."
            ),
            over_size=(
                f"{self.DOING} stopped at {_size_words(self.max_bytes or 0)}: "
                f"{self.WHAT} may be no larger on this server, so it is not tried again. "
                "An admin can raise the limit."
            ),
        )

    @property
    def partial_prefix(self) -> str:
        """How this claim's partial files are named."""
        return claims.partial_prefix(self.PARTIAL_KIND, self.pk, self.attempts)

    def partial_is_abandoned(self, attempt: int) -> bool:
        """Whether a partial file written by ``attempt`` can no longer be anyone's work."""
        holding = self.status == self.WORKING and self.lease_until > timezone.now()
        return attempt != self.attempts or not holding

    @classmethod
    def remove_abandoned_partials(cls) -> int:
        """Delete the partial files of this kind no live lease holds: a dead attempt's, or
        one of work that ended or is gone. A slow worker still holding its lease keeps its
        file, however old."""
        files = claims.partials(cls.PARTIAL_KIND)
        works = cls.objects.in_bulk({partial.pk for partial in files})
        removed = 0
        for partial in files:
            work = works.get(partial.pk)
            if work is None or work.partial_is_abandoned(partial.attempt):
                partial.path.unlink(missing_ok=True)
                removed += 1
        return removed

    def mark_ready(self, **facts) -> bool:
        return self._move(
            self.WORKING,
            self.Status.READY,
            ready_at=timezone.now(),
            lease_until=None,
            **self._failure(""),
            **facts,
        )

    def retry_later(self, message: str, raw: str = "", delay: float | None = None) -> bool:
        """A failed attempt: waiting again (to be tried again), or failed with ``message``
        once the attempts are used up."""
        if self.attempts >= self.max_attempts:
            return self.give_up(f"{message} Gave up after {self.attempts} attempts.", raw)
        return self._move(
            self.WORKING,
            self.Status.PENDING,
            lease_until=None,
            **self._retry_fields(delay),
            **self._failure(message, raw),
        )

    def give_up(self, message: str, raw: str = "", status: str | None = None) -> bool:
        return self._move(
            [self.WORKING, self.Status.PENDING],
            status or self.Status.FAILED,
            lease_until=None,
            **self._failure(message, raw),
        )


def _size_words(size: int) -> str:
    """512 MB, 4 KB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


def _duration_words(seconds: float) -> str:
    """5 minutes, 90 seconds."""
    seconds = round(seconds)
    if seconds % 60 == 0 and seconds >= 60:
        return f"{seconds // 60} minute{'s' if seconds != 60 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


class VideoJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Jobs of the workspaces ``user`` belongs to."""
        return self.filter(workspace__in=Workspace.objects.visible_to(user))

    def charged_amount(self):
        """What a job counts for in spend and budgets, worked out by the database: the cost the
        provider reported if any; else nothing for a job the provider never charged (blocked by
        its safety filter, failed without making a video, cancelled before it was sent); else
        the estimate (a job queued, being made, or whose outcome is unknown is committed)."""
        status = VideoJob.Status
        uncharged = (
            models.Q(status=status.BLOCKED)
            | (models.Q(status=status.FAILED) & ~models.Q(failure=VideoJob.Failure.COPY))
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
            Clip.objects.filter(
                job__provider=provider, job__model__in=models, job__status=VideoJob.Status.READY
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
            VideoJob.objects.filter(workspace__in={b.workspace_id for b in budgets})
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
                model=model, status=VideoJob.Status.READY, finished_at__isnull=False
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
            VideoJob.objects.filter(
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
# returns True; then its starter is not told about this one video.
job_ended = Signal()


class VideoJob(CompareAndSet, models.Model):
    """One generation request: submitted once, followed until it ends, its clips copied home.

    Every state change is a compare-and-set update (``_move``): a task that lost a race to
    another worker changes nothing and learns so from the return value.
    """

    class Status(models.TextChoices):
        # The labels are what people read wherever a job's state shows (pages, admin, lists).
        QUEUED = "queued", "Waiting to start"
        SUBMITTING = "submitting", "Starting"
        WAITING = "waiting", "Generating"
        COLLECTING = "collecting", "Saving clips"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        BLOCKED = "blocked", "Blocked by the safety filter"
        EXPIRED = "expired", "Took too long"
        CANCELLED = "cancelled", "Cancelled"
        NEEDS_ATTENTION = "needs_attention", "Needs your attention"

    TERMINAL = (
        Status.READY,
        Status.FAILED,
        Status.BLOCKED,
        Status.EXPIRED,
        Status.CANCELLED,
        Status.NEEDS_ATTENTION,
    )

    class Failure(models.TextChoices):
        """Why a job ended without clips: decides the one piece of advice and action shown."""

        KEY = "key", "Replace or verify the key on the Keys page, then submit again."
        CREDIT = (
            "credit",
            "Add credits to your provider account, verify the key, then submit again.",
        )
        REQUEST = "request", "Change the prompt or settings and try again."
        SAFETY = "safety", "Rephrase the prompt or change the images, then try again."
        PROVIDER = "provider", "This can be temporary at the provider: submit it again."
        TIMEOUT = (
            "timeout",
            "Submit it again; if it keeps happening, try a shorter or simpler video.",
        )
        CANCELLED = "cancelled", "Submit it again whenever you like."
        COPY = "copy", "Try copying the clips again below."

    # The actions each failure offers first: "resubmit" (same settings) or "edit" (a new prompt).
    RETRY_WITH_SAME_SETTINGS = (Failure.PROVIDER, Failure.TIMEOUT, Failure.CANCELLED)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The key's workspace, fixed when the job starts (PROTECT: see ProviderKey.workspace).
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="video_jobs")
    # SET_NULL: a job belongs to its workspace, and stays when the person who started it is
    # deleted. Their jobs then have no owner; the (owner, idempotency_key) constraint lets such
    # jobs share a key (NULLs are distinct), which is harmless: nobody can retry their POSTs.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="video_jobs",
        verbose_name="started by",
        help_text="Who started the job; its idempotency keys are theirs.",
    )
    # Deleting a key keeps its jobs; they just cannot be followed any further.
    key = models.ForeignKey(
        ProviderKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    idempotency_key = models.CharField(max_length=64)
    provider = models.CharField(max_length=20, choices=registry.choices)
    model = models.CharField(max_length=200)
    # The model's name as its catalogue gave it when the job started: what people
    # read; ``model`` (the id) is what the provider is sent.
    model_name = models.CharField(max_length=200, blank=True)
    prompt = models.TextField(blank=True)
    negative_prompt = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    # [{"role": "first_frame", "mime_type": "image/png", "path": "<storage name>"}]
    image_inputs = models.JSONField(default=list, blank=True)
    # A job that extends, edits or revises (from review feedback) an earlier clip is that
    # clip's next version.
    parent = models.ForeignKey(
        "Clip", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_versions"
    )
    continuation = models.CharField(max_length=20, blank=True)  # "extend", "edit", "revise"
    # The client's campaign the job was made for (one of the job's workspace: lifecycle.start_job
    # checks). PROTECT: a project that has videos is part of their record.
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="video_jobs"
    )
    version = models.PositiveIntegerField(default=1)
    # What the job was made with: its prompt and settings keep what they added either way.
    brand_kit = models.ForeignKey(
        "brand.BrandKit", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    preset = models.ForeignKey(
        "brand.Preset", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )

    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED, db_index=True)
    provider_job_id = models.CharField(max_length=300, blank=True)
    polling_url = models.CharField(max_length=1000, blank=True)
    provider_status = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    raw_error = models.TextField(blank=True)
    # What the job should cost, worked out before it was sent; then what it did cost: as the
    # provider reported it, or computed by us from the usage it reported (an estimate).
    estimated_cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    cost_is_estimate = models.BooleanField(default=False)
    # A cost the provider reported that could not be counted (not a number, not finite, negative
    # or absurd), as it was sent, for a person to see; the job is counted at its estimate.
    unusable_cost = models.CharField(max_length=100, blank=True)
    failure = models.CharField(max_length=20, choices=Failure, blank=True)

    created_at = models.DateTimeField(default=_now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    submit_attempts = models.PositiveIntegerField(default=0)
    next_submit_at = models.DateTimeField(null=True, blank=True)
    poll_count = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Bumped whenever a poll sweep takes the job or a fresh poll is asked for, so that the
    # answer of an older poll still in flight is not written over a newer one.
    poll_generation = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField(null=True, blank=True)
    # Counts the changes a status panel would show (every move of the job, every claim and move
    # of one of its clips): a poll that finds the number it showed last has nothing to redraw.
    panel_version = models.PositiveIntegerField(default=0, editable=False)

    objects = VideoJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"], name="one_job_per_idempotency_key"
            )
        ]

    def __str__(self):
        return f"{self.model}: {self.prompt[:40]}"

    def get_absolute_url(self):
        return reverse("videos:job", args=[self.public_id])

    @classmethod
    def panel_version_of(cls, public_id) -> str | None:
        """``live_version`` of any job, for a poll already allowed to see it (``videos.live``),
        in plain SQL: building the ORM query would cost more than running it, on the request
        the server answers most often."""
        try:
            value = cls._meta.get_field("public_id").get_db_prep_value(
                uuid.UUID(str(public_id)), connection
            )
        except ValueError:
            return None
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('panel_version')} FROM {quote(cls._meta.db_table)} "  # noqa: S608 (names from the model, value a parameter)
                f"WHERE {quote('public_id')} = %s",
                [value],
            )
            row = cursor.fetchone()
        return None if row is None else str(row[0])

    @property
    def short_title(self) -> str:
        """The video's title: its prompt's first line in 40 characters at most, cut at a word.
        The one title every page, list, notification and export gives it."""
        lines = [line for line in self.prompt.splitlines() if line.strip()]
        prompt = " ".join(lines[0].split()) if lines else ""
        if len(prompt) <= 40:
            return prompt or "Untitled video"
        return prompt[:40].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"

    @property
    def take_label(self) -> str:
        """Which take of its version this is ("take 2"), when it is not the first: from
        ``versions()`` (``take``), or ``with_takes()`` (``take_number``)."""
        take = getattr(self, "take", None) or getattr(self, "take_number", None)
        return f"take {take}" if take and take > 1 else ""

    @property
    def version_label(self) -> str:
        """Which version and take of its video this is: "version 2", "version 2, take 2", ""
        for the first take of a first version."""
        words = [f"version {self.version}"] if self.version > 1 else []
        if take := self.take_label:
            words.append(take)
        return ", ".join(words)

    @property
    def label(self) -> str:
        """What a list calls the video: "Summer sale hero · version 2, take 2"."""
        return " · ".join(filter(None, [self.short_title, self.version_label]))

    @property
    def model_label(self) -> str:
        """The model as people read it: its catalogue name, else one made from its id."""
        from providers.catalog import readable_name

        return self.model_name or readable_name(self.model)

    @property
    def started_by(self) -> str:
        """Who started the job, as people read it."""
        if self.owner is None:
            return "Someone who has left"
        return self.owner.get_full_name() or self.owner.get_username()

    @property
    def client(self):
        """The client the job was made for: always its project's, so the two never disagree."""
        return self.project.client if self.project else None

    @classmethod
    def check_budgets(cls, workspace, project, estimate, what: str = "This video") -> None:
        """OverBudget unless ``what`` (a job, or a campaign's jobs) of ``workspace`` for
        ``project`` estimated at ``estimate`` in all fits every budget that applies (the
        workspace's, and its client's), counting what this month's jobs spent or are still
        making, as the spend page does. Call inside the transaction that creates the jobs:
        the budget rows stay locked until it ends (PostgreSQL; SQLite's IMMEDIATE transaction
        holds the whole file), so two starts at once are counted one after the other."""
        client = project.client if project is not None else None
        budgets = (
            Budget.objects.applying_to(workspace, client)
            .select_for_update(of=("self",))
            .select_related("workspace", "client")
            .order_by("pk")
        )
        estimate = estimate or Decimal(0)
        for standing in cls.objects.budget_standings(budgets):
            if not standing.fits(estimate):
                raise standing.refusal(estimate, what)

    @classmethod
    def budgets_left(cls, workspace, client=None) -> list[BudgetStanding]:
        """Every budget a job of ``workspace`` (for ``client``) must fit, with what this month
        has left of it: the client's first, then the workspace's."""
        budgets = Budget.objects.applying_to(workspace, client).select_related(
            "workspace", "client"
        )
        standings = cls.objects.budget_standings(budgets)
        return sorted(standings, key=lambda s: s.budget.client_id is None)

    @property
    def is_terminal(self) -> bool:
        return self.status in self.TERMINAL

    # --- settings: the one place a job's settings are mapped -----------------------------
    # (spec -> stored parameters -> spec again, form initial values, and what people read)

    SETTINGS = (
        "duration",
        "resolution",
        "aspect_ratio",
        "generate_audio",
        "seed",
        "person_generation",
        "sample_count",
        "ad_format",
    )

    @classmethod
    def parameters_of(cls, spec) -> dict:
        """What a JobSpec's settings are stored as (``parameters``)."""
        return {name: value for name in cls.SETTINGS if (value := getattr(spec, name)) is not None}

    def spec_settings(self) -> dict:
        """The stored settings as JobSpec keyword arguments."""
        return self.spec_settings_of(self.parameters)

    @classmethod
    def spec_settings_of(cls, parameters: dict) -> dict:
        """Stored settings (``parameters``: a job's, or a planned one's) as JobSpec keyword
        arguments."""
        settings = {name: parameters.get(name) for name in cls.SETTINGS}
        settings["sample_count"] = settings["sample_count"] or 1
        return settings

    def form_initial(self) -> dict:
        """The generate form's initial values for a new prompt made from this job."""
        return {
            "key": self.key_id,
            "project": str(self.project.public_id) if self.project else "",
            "model": self.model,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            **self.initial_of(self.parameters),
        }

    @classmethod
    def initial_of(cls, parameters: dict) -> dict:
        """Stored settings (a job's or a preset's) as the generate form's initial values."""
        return {k: v for k, v in parameters.items() if k in cls.SETTINGS and v is not None}

    @property
    def made_seconds(self) -> int | None:
        """How long the job's video really is (its first ready clip, probed): an extension
        is longer than the seconds it asked for, an edit as long as its source."""
        lengths = [
            clip.duration
            for clip in self.clips.all()
            if clip.status == Clip.Status.READY and clip.duration
        ]
        return round(lengths[0]) if lengths else None

    @property
    def unusable_cost_note(self) -> str:
        """What is said where the cost is shown when the provider reported one we could not
        use: what it sent, and what the job is counted at instead (as spend counts it)."""
        if not self.unusable_cost:
            return ""
        counted = VideoJob.objects.filter(pk=self.pk).with_charged().values("charged").first()
        return self.cost_note(counted["charged"] if counted else None)

    def cost_note(self, counted) -> str:
        """``unusable_cost_note`` for a job counted at ``counted`` (``with_charged``)."""
        if not self.unusable_cost:
            return ""
        if self.estimated_cost is not None and counted == self.estimated_cost:
            instead = f"counted at the estimate, ${self.estimated_cost:.2f}"
        elif self.estimated_cost is None:
            instead = "counted at nothing, as the model publishes no price (see your bill)"
        else:
            instead = "counted at nothing, as the provider made no video"
        return f"The provider reported a cost we could not use ({self.unusable_cost}); {instead}."

    @property
    def settings_summary(self) -> list[str]:
        """The settings as people read them: ["8 s", "720p", "16:9", "no audio"], the length
        being the video's real one once it is made."""
        p = self.parameters
        seconds = self.made_seconds or p.get("duration")
        words = [f"{seconds} s"] if seconds else []
        words += [p[name] for name in ("resolution", "aspect_ratio") if p.get(name)]
        if ad_format := formats.get(p.get("ad_format")):
            words.append(f"for {ad_format.name}")
        if p.get("generate_audio") is not None:
            words.append("with audio" if p["generate_audio"] else "no audio")
        if (p.get("sample_count") or 1) > 1:
            words.append(f"{p['sample_count']} clips")
        if p.get("seed") is not None:
            words.append(f"seed {p['seed']}")
        return words

    NEXT_STEPS = {
        Status.QUEUED: "It will be sent to the provider in a moment.",
        Status.SUBMITTING: "Sending the request to the provider.",
        Status.WAITING: "The provider is generating the video; this takes from ten seconds to "
        "several minutes. You can leave this page: the job goes on.",
        Status.COLLECTING: "The video is done; its clips are being copied into your library.",
        Status.READY: "Your clips are done: they stay in your library until you delete them, "
        "and you can download a copy of any of them.",
        Status.NEEDS_ATTENTION: "We did not send it again on our own, so you are not charged "
        "twice. Check your provider account: if no video was started there, submit it again.",
    }

    # What a job that ended without clips says first, in a heading of its own.
    PROBLEMS = {
        Status.FAILED: "This video could not be made",
        Status.BLOCKED: "The provider's safety filter blocked this video",
        Status.EXPIRED: "This video took too long and was stopped",
        Status.CANCELLED: "This video was cancelled",
        Status.NEEDS_ATTENTION: "This video needs your attention",
    }
    ANNOUNCEMENTS = {
        Status.READY: "Your video is ready.",
        Status.FAILED: "Your video could not be made.",
        Status.BLOCKED: "Your video was blocked by the safety filter.",
        Status.EXPIRED: "Your video took too long and was stopped.",
        Status.CANCELLED: "Your video was cancelled.",
        Status.NEEDS_ATTENTION: "Your video needs your attention.",
    }

    @property
    def problem(self) -> str:
        """The heading of a job that ended without a clip to show ("" otherwise)."""
        if self.status == self.Status.FAILED and self.failure == self.Failure.COPY:
            return "The clips could not be saved"
        return self.PROBLEMS.get(self.status, "")

    @property
    def announcement(self) -> str:
        """What the page says aloud when the job ends while it is open ("" while it runs)."""
        return self.ANNOUNCEMENTS.get(self.status, "")

    def manifest(self, clips, total: int | None = None) -> dict:
        """What a saved batch says about itself (manifest.json in the zip). ``total``: how
        many clips the job has (its clips keep their numbers when some are not in the batch)."""
        total = total or len(clips)
        return {
            "job": str(self.public_id),
            "provider": self.provider,
            "model": self.model,
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "settings": self.parameters,
            "cost_usd": str(self.cost) if self.cost is not None else None,
            "created_at": self.created_at.isoformat(),
            "clips": [
                {
                    "file": clip.download_name(total),
                    "index": clip.number,
                    "sha256": clip.sha256,
                    "bytes": clip.size,
                    "duration_seconds": clip.duration,
                    "width": clip.width,
                    "height": clip.height,
                    "exports": [
                        {
                            "file": rendition.download_name(total),
                            "format": rendition.ad_format.name,
                            "sha256": rendition.sha256,
                            "bytes": rendition.size,
                            "width": rendition.width,
                            "height": rendition.height,
                        }
                        for rendition in clip.ready_renditions
                    ],
                }
                for clip in clips
            ],
        }

    @property
    def next_step(self) -> str:
        if self.status in self.NEXT_STEPS:
            return self.NEXT_STEPS[self.status]
        if self.failure:
            return self.get_failure_display()
        return "Submit it again, or change the prompt or settings first."

    def versions(self) -> list["VideoJob"]:
        """Version 1, 2, 3... of this video: the jobs it was made from, this one, and every
        job made from it, directly or through later versions (several takes of one version are
        numbered ``take``). Any two of them lie on one line of edits, so any two compare."""
        chain, job = [self], self
        while job.parent_id and len(chain) < 50:
            job = job.parent.job
            chain.insert(0, job)
        later, step = [], [self.pk]
        while step and len(later) < 50:  # one query per generation, bounded
            made = VideoJob.objects.filter(parent__job__in=step).order_by("created_at")
            found = list(made[: 50 - len(later)])
            later += found
            step = [job.pk for job in found]
        chain += sorted(later, key=lambda job: (job.version, job.created_at))
        takes: dict[int, int] = {}
        for job in chain:
            takes[job.version] = takes.get(job.version, 0) + 1
            job.take = takes[job.version]
        for job in chain:
            if takes[job.version] == 1:
                job.take = None
        return chain if len(chain) > 1 else []

    @property
    def cancellable(self) -> bool:
        if self.status == self.Status.QUEUED:
            return True
        adapter = registry.ADAPTERS.get(self.provider)
        return (
            self.status == self.Status.WAITING
            and adapter is not None
            and adapter.can_cancel(self.polling_url)
        )

    @property
    def resubmit_first(self) -> bool:
        """Whether "Submit again with the same settings" is the action that helps most."""
        return self.failure in self.RETRY_WITH_SAME_SETTINGS or (
            self.status == self.Status.NEEDS_ATTENTION
        )

    @property
    def file_stem(self) -> str:
        """A filename from the prompt, cut at a word: "spring-launch-teaser"."""
        slug = slugify(self.prompt)
        if len(slug) > 50:
            slug = slug[:51].rsplit("-", 1)[0]
        return slug.strip("-") or "video"

    @property
    def elapsed(self) -> timedelta:
        return (self.finished_at or timezone.now()) - self.created_at

    @property
    def elapsed_text(self) -> str:
        seconds = int(self.elapsed.total_seconds())
        minutes, seconds = divmod(seconds, 60)
        verb = "took" if self.finished_at else "running for"
        return f"{verb} {minutes} min {seconds} s" if minutes else f"{verb} {seconds} s"

    @property
    def aspect_ratio(self) -> str:
        return self.parameters.get("aspect_ratio", "")

    @property
    def ad_format(self):
        """The ad format the job was made for (a formats.AdFormat), or None."""
        return formats.get(self.parameters.get("ad_format"))

    @property
    def needs_reframe(self) -> bool:
        """Whether its clips are made at another shape than its ad format and get an export."""
        chosen = self.ad_format
        return chosen is not None and formats.needs_reframe(self.aspect_ratio or None, chosen)

    def provider_key(self):
        return self.key

    def move_to(self, project: Project | None, *, by) -> bool:
        """File the job under another ``project`` of its workspace (or none). ``by`` must be
        allowed to generate there (PermissionDenied); a project of another workspace is
        refused with TeamRuleBroken. Its other versions stay where they are."""
        access.require(by, self.workspace, "can_generate")
        if project is not None:
            project.check_in(self.workspace)
        moved = self._update_if(
            models.Q(),
            project=project,
            updated_at=timezone.now(),
            panel_version=models.F("panel_version") + 1,
        )
        if moved:
            self.project = project
        return moved

    # The ends its starter hears about (a cancelled job: they did it themselves).
    TOLD_TO_OWNER = (
        Status.READY,
        Status.FAILED,
        Status.BLOCKED,
        Status.EXPIRED,
        Status.NEEDS_ATTENTION,
    )

    def _move(self, from_statuses, to_status, condition=None, *, redraw=True, **fields) -> bool:
        """A move (see ``CompareAndSet._move``) that the status panel shows, unless ``redraw``
        is False (a waiting job polled again with nothing new to show)."""
        fields["updated_at"] = timezone.now()
        if redraw:
            fields["panel_version"] = models.F("panel_version") + 1
        if to_status in self.TERMINAL:
            fields.setdefault("finished_at", fields["updated_at"])
            fields.setdefault("next_poll_at", None)
        if isinstance(from_statuses, str):
            from_statuses = [from_statuses]
        # Only the move that wins the compare-and-set tells, in the same transaction (a move
        # rolled back tells nobody); a job that had ended already (an admin resolving one that
        # needed attention) was told about then.
        ends = to_status in self.TERMINAL and any(
            status not in self.TERMINAL for status in from_statuses
        )
        if not ends:
            return super()._move(from_statuses, to_status, condition, **fields)
        with transaction.atomic():
            moved = super()._move(from_statuses, to_status, condition, **fields)
            if moved:
                self._ended()
        return moved

    def _ended(self) -> None:
        """The job has just ended: the room it was made for (a campaign) tells about it, once
        for the whole; else its starter hears of it."""
        if any(told for _, told in job_ended.send(sender=VideoJob, job=self)):
            return
        if self.status in self.TOLD_TO_OWNER and self.owner_id is not None:
            self._tell_owner()

    def _tell_owner(self) -> None:
        title = self.label
        if self.status == self.Status.READY:
            kind, text = Notification.Kind.JOB_READY, f"Your video “{title}” is ready"
            if self.error:
                text += f" ({self.error})"
        else:
            kind = Notification.Kind.JOB_FAILED
            text = f"Your video “{title}” failed: {self.error or self.get_status_display()}"
        notify(
            [self.owner],
            workspace=self.workspace,
            kind=kind,
            text=text,
            url=self.get_absolute_url(),
        )

    # --- submitting ----------------------------------------------------------------------

    def claim_for_submit(self) -> bool:
        """queued → submitting. From here on, a lost answer means an unknown outcome."""
        return self._move(
            self.Status.QUEUED, self.Status.SUBMITTING, submit_attempts=self.submit_attempts + 1
        )

    def mark_submitted(self, job_id: str, polling_url: str) -> bool:
        now = timezone.now()
        return self._move(
            self.Status.SUBMITTING,
            self.Status.WAITING,
            provider_job_id=job_id,
            polling_url=polling_url,
            submitted_at=now,
            next_poll_at=now + timedelta(seconds=settings.POLL_MIN_SECONDS),
            deadline=now + timedelta(seconds=settings.JOB_DEADLINE_SECONDS),
            error="",
        )

    def requeue_submit(self, delay: float, message: str, attempts: int) -> bool:
        """The provider refused for now (rate limit, outage), or its model list could not be
        read: nothing was started, try later."""
        return self._move(
            [self.Status.SUBMITTING, self.Status.QUEUED],
            self.Status.QUEUED,
            next_submit_at=timezone.now() + timedelta(seconds=delay),
            submit_attempts=attempts,
            error=message,
        )

    def mark_needs_attention(self, message: str) -> bool:
        return self._move(
            [self.Status.SUBMITTING, self.Status.QUEUED], self.Status.NEEDS_ATTENTION, error=message
        )

    def cancel_before_sending(self) -> bool:
        """queued → cancelled: nothing went to the provider, so nothing is paid for."""
        return self._move(
            self.Status.QUEUED,
            self.Status.CANCELLED,
            error="You cancelled this job before it was sent; nothing was charged.",
            failure=self.Failure.CANCELLED,
        )

    def fail(
        self,
        message: str,
        raw: str = "",
        status: str = Status.FAILED,
        failure: str = "",
        **fields,
    ) -> bool:
        active = [s for s in self.Status.values if s not in self.TERMINAL]
        return self._move(active, status, error=message, raw_error=raw, failure=failure, **fields)

    def mark_cancelled(self) -> bool:
        """waiting → cancelled, after the provider stopped it. A job that finished meanwhile
        (its clips being copied) stays as it is."""
        return self._move(
            self.Status.WAITING,
            self.Status.CANCELLED,
            error="You cancelled this job.",
            failure=self.Failure.CANCELLED,
        )

    def resolve(self) -> bool:
        """An admin has looked at a job whose submit outcome was unknown and closed it."""
        return self._move(
            self.Status.NEEDS_ATTENTION,
            self.Status.FAILED,
            error=self.error + " An administrator marked this job as resolved.",
        )

    # --- polling -------------------------------------------------------------------------

    def poll_delay(self, retry_after: float | None = None) -> float:
        """About 5 s growing to 30 s; a provider's Retry-After wins when it asks for longer."""
        delay = min(
            settings.POLL_MIN_SECONDS * (1.5 ** min(self.poll_count, 20)),
            settings.POLL_MAX_SECONDS,
        )
        return max(delay, retry_after or 0)

    @classmethod
    def claim_due_polls(cls, limit: int, lease: timedelta) -> list["VideoJob"]:
        """Up to ``limit`` waiting jobs whose poll is due, earliest first, taken for one sweep.

        Each claimed job's poll moves ``lease`` ahead (so no other sweep takes it meanwhile,
        and a sweep that dies leaves it due again when the lease lapses) and its generation
        moves on, so that the answer of an older, slower poll can no longer be written.
        """
        now = timezone.now()
        with transaction.atomic():
            ids = list(
                cls.objects.filter(status=cls.Status.WAITING, next_poll_at__lte=now)
                .order_by("next_poll_at")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            if not ids:
                return []
            # The batch form of the compare-and-set: rows still waiting and due (locked above
            # on PostgreSQL; SQLite's write transaction holds the whole file).
            cls.objects.filter(pk__in=ids, status=cls.Status.WAITING, next_poll_at__lte=now).update(
                poll_generation=models.F("poll_generation") + 1, next_poll_at=now + lease
            )
        return list(
            cls.objects.filter(pk__in=ids, status=cls.Status.WAITING)
            .select_related("key")
            .order_by()
        )

    def release_poll(self) -> bool:
        """Hand a claimed job back, due at once, unless a newer poll has taken it over."""
        return self._update_if(
            models.Q(status=self.Status.WAITING, poll_generation=self.poll_generation),
            next_poll_at=timezone.now(),
        )

    @classmethod
    def next_poll_due(cls):
        """When the earliest waiting job is next due for a poll (None if no job is waiting)."""
        return (
            cls.objects.filter(status=cls.Status.WAITING, next_poll_at__isnull=False)
            .order_by("next_poll_at")
            .values_list("next_poll_at", flat=True)
            .first()
        )

    # What the status panel shows of a waiting job that a poll can change.
    SHOWN_WHILE_WAITING = ("provider_status", "error", "cost", "cost_is_estimate")

    def schedule_poll(self, delay: float, **fields) -> bool:
        """Ask again in ``delay`` seconds, unless a newer poll has taken the job over. The
        status panel is redrawn only if the poll brought something it shows: most polls find
        the job as it was, and each of its viewers would otherwise get the panel in full."""
        news = any(
            name in fields and fields[name] != getattr(self, name)
            for name in self.SHOWN_WHILE_WAITING
        )
        return self._move(
            self.Status.WAITING,
            self.Status.WAITING,
            condition=models.Q(poll_generation=self.poll_generation),
            redraw=news,
            next_poll_at=timezone.now() + timedelta(seconds=delay),
            **fields,
        )

    def finds_as_it_was(self, **fields) -> bool:
        """Whether a poll's answer (``fields``, as ``schedule_poll`` would write them) leaves
        every one of them as the row has it already."""
        return all(getattr(self, name) == value for name, value in fields.items())

    @classmethod
    def schedule_polls(cls, delays: list[tuple["VideoJob", float]]) -> int:
        """The batch form of ``schedule_poll`` for polls that found their jobs as they were
        (see ``finds_as_it_was``): each job is asked again after its delay, unless a newer poll
        has taken it over, by one UPDATE per delay instead of one per job; most polls of a
        sweep are such. Returns how many jobs were scheduled."""
        now, by_delay = timezone.now(), defaultdict(list)
        for job, delay in delays:
            by_delay[delay].append(job)
        scheduled = 0
        for delay, jobs in by_delay.items():
            claims = reduce(
                operator.or_,
                (models.Q(pk=job.pk, poll_generation=job.poll_generation) for job in jobs),
            )
            scheduled += cls.objects.filter(claims, status=cls.Status.WAITING).update(
                next_poll_at=now + timedelta(seconds=delay),
                poll_count=models.F("poll_count") + 1,
                updated_at=now,
            )
        return scheduled

    def poll_now(self) -> bool:
        """Make the job due for a poll right away (a webhook said it ended); a poll of it still
        in flight can no longer write its answer."""
        return self._update_if(
            models.Q(status=self.Status.WAITING, poll_generation=self.poll_generation),
            poll_generation=self.poll_generation + 1,
            next_poll_at=timezone.now(),
        )

    def past_deadline(self) -> bool:
        return self.deadline is not None and timezone.now() >= self.deadline

    def record_outputs(
        self, outputs, cost, provider_status: str, estimate=False, unusable_cost=""
    ) -> bool:
        """waiting → collecting, with one pending Clip per output, atomically."""
        with transaction.atomic():
            moved = self._move(
                self.Status.WAITING,
                self.Status.COLLECTING,
                cost=cost,
                cost_is_estimate=estimate,
                unusable_cost=unusable_cost,
                provider_status=provider_status,
                poll_count=self.poll_count + 1,
                next_poll_at=None,
            )
            if moved:
                Clip.objects.bulk_create(
                    Clip(
                        job=self,
                        index=output.index,
                        source_url=output.url,
                        source_fallback_url=output.fallback_url,
                        source_expires_at=output.expires_at,
                    )
                    for output in outputs
                )
        return moved

    # --- collecting ----------------------------------------------------------------------

    def finish_if_collected(self) -> bool:
        """collecting → ready (or failed) once every clip has ended one way or another."""
        clips = list(self.clips.values_list("status", flat=True))
        if not clips or any(s not in Clip.TERMINAL for s in clips):
            return False
        kept = (Clip.Status.READY, Clip.Status.DELETED)  # deleted: it was copied, then removed
        if any(s in kept for s in clips):
            failed = sum(s not in kept for s in clips)
            note = f"{failed} of {len(clips)} clips could not be copied." if failed else ""
            return self._move(self.Status.COLLECTING, self.Status.READY, error=note)
        return self._move(
            self.Status.COLLECTING,
            self.Status.FAILED,
            error="The provider made the video, but none of its clips could be copied.",
            failure=self.Failure.COPY,
        )

    def reopen_for_collecting(self) -> bool:
        """A clip is being copied again: the job is collecting until it ends once more."""
        return self._move(
            [self.Status.READY, self.Status.FAILED],
            self.Status.COLLECTING,
            finished_at=None,
            error="",
            failure="",
        )

    def provider_client(self):
        return self.key.provider_client() if self.key is not None else None


class ClipQuerySet(LeasedWorkQuerySet):
    def visible_to(self, user):
        """Clips of jobs in the workspaces ``user`` belongs to."""
        return self.filter(job__workspace__in=Workspace.objects.visible_to(user))


class Clip(LeasedWork):
    """One video a job returned, copied from the provider into our storage and checked."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be copied"
        COPYING = "copying", "Copying"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be copied"
        EXPIRED = "expired", "Expired at the provider"
        # Deleted for good by a person: the row stays (versions, comments and counts still
        # refer to it), its file and poster are gone from storage.
        DELETED = "deleted", "Deleted"

    TERMINAL = (Status.READY, Status.FAILED, Status.EXPIRED, Status.DELETED)
    WORKING = Status.COPYING
    PARTIAL_KIND = "clip"
    DOING, WHAT = "Copying", "a clip"
    TITLE_MAX = 100

    job = models.ForeignKey(VideoJob, on_delete=models.CASCADE, related_name="clips")
    index = models.PositiveSmallIntegerField()
    # Where the provider keeps it. Signed URLs grant access on their own: admins only.
    source_url = models.TextField()
    # Where to fetch it once ``source_url`` has expired (a keyed endpoint behind a signed copy).
    source_fallback_url = models.TextField(blank=True)
    source_expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    raw_error = models.TextField(blank=True)

    file = models.FileField(upload_to="clips/", max_length=300, blank=True)
    poster = models.FileField(upload_to="posters/", max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A name people give the clip; empty: it is called "Clip 2".
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    starred = models.BooleanField(default=False, db_index=True)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["job", "index"]
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_clip_per_output")]

    def __str__(self):
        return f"Clip {self.index + 1} of job {self.job_id}"

    @property
    def number(self) -> int:
        return self.index + 1

    EXTENSIONS = {"video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm"}

    def provider_key(self):
        return self.job.key

    @property
    def workspace(self):
        return self.job.workspace

    @property
    def max_attempts(self) -> int:
        return settings.CLIP_MAX_ATTEMPTS

    @property
    def lease_seconds(self) -> float:
        return settings.CLIP_LEASE_SECONDS

    def _retry_fields(self, delay: float | None) -> dict:
        # Backoff: the provider may be busy for a while.
        delay = delay or min(2**self.attempts * settings.CLIP_RETRY_SECONDS, 600)
        return {"next_attempt_at": timezone.now() + timedelta(seconds=delay)}

    @property
    def whole_seconds(self) -> int | None:
        """Its probed length in whole seconds (None before it is copied)."""
        return round(self.duration) if self.duration else None

    def forget_source(self) -> bool:
        """The provider no longer keeps this clip (it said so): from now on nothing is offered
        that needs it there. Our own copy stays."""
        now = timezone.now()
        kept = models.Q(source_expires_at__isnull=True) | models.Q(source_expires_at__gt=now)
        self.source_expires_at = now
        return bool(Clip.objects.filter(kept, pk=self.pk).update(source_expires_at=now))

    @property
    def name(self) -> str:
        """What people call the clip: its title, else "Clip 2"."""
        return self.title or f"Clip {self.number}"

    @property
    def file_stem(self) -> str:
        """The title as a safe file name ("Hero cut!" → "hero-cut"), else the job's."""
        slug = slugify(self.title)
        if len(slug) > 50:
            slug = slug[:51].rsplit("-", 1)[0]
        return slug.strip("-") or self.job.file_stem

    def download_name(self, total: int) -> str:
        # The number stays in the name: two clips called alike never overwrite each other.
        extension = self.EXTENSIONS.get(self.content_type, "mp4")
        return f"{self.file_stem}-{self.number}-of-{total}.{extension}"

    @property
    def shape_format(self):
        """The ad format the clip already has the shape of (for its safe zones), or None."""
        if not self.width or not self.height:
            return None
        return formats.matching(self.width, self.height)

    @property
    def ready_renditions(self) -> list:
        """Its exports in storage (from the prefetched ones, when there are)."""
        return [r for r in self.renditions.all() if r.status == Rendition.Status.READY]

    @property
    def export_offers(self) -> list:
        """The ad formats it has no export in yet (or only a failed one), but for the one it
        already has the shape of."""
        taken = {r.format for r in self.renditions.all() if r.status != Rendition.Status.FAILED}
        own = self.shape_format
        return [f for f in formats.FORMATS.values() if f.key not in taken and f != own]

    @classmethod
    def clean_title(cls, title: str) -> str:
        """``title`` with its spaces tidied; ValueError if it is too long."""
        title = " ".join(title.split())
        if len(title) > cls.TITLE_MAX:
            raise ValueError(
                f"A clip's name can be at most {cls.TITLE_MAX} characters (this one has "
                f"{len(title)})."
            )
        return title

    def rename(self, title: str) -> bool:
        """Name the clip (an empty title: back to "Clip N"). False if it was deleted meanwhile."""
        return self._update_if(~models.Q(status=self.Status.DELETED), title=self.clean_title(title))

    def star(self, on: bool) -> bool:
        return self._update_if(~models.Q(status=self.Status.DELETED), starred=bool(on))

    def discard(self) -> bool:
        """ready → deleted, for good: the file and poster leave storage once the change is
        committed (a rolled-back delete keeps them); the row stays, so versions, comments and
        counts still make sense. False if the clip was not ready (deleted already)."""
        names = [name for name in (self.file.name, self.poster.name) if name]
        with transaction.atomic():
            moved = self._move(
                self.Status.READY, self.Status.DELETED, file="", poster="", starred=False
            )
            if moved:
                # Its exports go with it (a render still running finds its row gone).
                exports = self.renditions.all()
                names += [name for name in exports.values_list("file", flat=True) if name]
                exports.delete()
                remove_when_committed(names)
        return moved

    def _changed(self, fields: dict) -> None:
        if "status" in fields or "attempts" in fields:  # a lease renewal shows nothing new
            VideoJob.objects.filter(pk=self.job_id).update(
                panel_version=models.F("panel_version") + 1
            )

    def retry(self) -> bool:
        """A person asks to try a failed copy again."""
        return self._move(
            [self.Status.FAILED],
            self.Status.PENDING,
            attempts=0,
            next_attempt_at=None,
            error="",
            raw_error="",
        )


class RenditionQuerySet(LeasedWorkQuerySet):
    def visible_to(self, user):
        """Exports of clips in the workspaces ``user`` belongs to."""
        return self.filter(clip__job__workspace__in=Workspace.objects.visible_to(user))

    def lapsed(self):
        """Exports waiting with no render queued, or rendering past their lease: their
        worker died (recovery renders them again, or ends those out of attempts)."""
        return self.filter(status=Rendition.Status.PENDING) | self.lapsed_leases()


class Rendition(LeasedWork):
    """A clip reframed into an ad format: a new file beside the original, which is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be rendered"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be rendered"

    WORKING = Status.RENDERING
    PARTIAL_KIND = "rendition"
    DOING, WHAT = "Rendering", "an export"
    MAX_ATTEMPTS = 3

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="renditions")
    format = models.CharField(max_length=20, choices=formats.choices)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING, db_index=True)
    file = models.FileField(upload_to="renditions/", max_length=300, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RenditionQuerySet.as_manager()

    class Meta:
        ordering = ["clip", "format"]
        constraints = [
            models.UniqueConstraint(fields=["clip", "format"], name="one_rendition_per_format")
        ]

    def __str__(self):
        return f"{self.clip} as {self.format}"

    @property
    def ad_format(self):
        return formats.get(self.format)

    @property
    def max_attempts(self) -> int:
        return self.MAX_ATTEMPTS

    @property
    def lease_seconds(self) -> float:
        return settings.CLIP_LEASE_SECONDS

    @property
    def max_seconds(self) -> float:
        return settings.RENDER_MAX_SECONDS

    @property
    def max_bytes(self) -> int:
        return settings.RENDER_MAX_BYTES

    def provider_key(self):
        return None  # our own messages: no provider's words to redact

    def _changed(self, fields: dict) -> None:
        if "status" in fields:
            VideoJob.objects.filter(clips=self.clip_id).update(
                panel_version=models.F("panel_version") + 1
            )

    def download_name(self, total: int) -> str:
        """``<the clip's name>-<format>.mp4``: "spring-launch-1-of-2-9x16.mp4"."""
        stem = self.clip.download_name(total).rsplit(".", 1)[0]
        return f"{stem}-{self.ad_format.ratio.replace(':', 'x')}.mp4"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RENDERING)

    @classmethod
    def ask(cls, clip: Clip, format_key: str) -> tuple["Rendition", bool]:
        """The clip's export in ``format_key``, asked for once; a failed one is asked for
        again. Returns (rendition, whether a render must be queued)."""
        rendition, created = cls.objects.get_or_create(clip=clip, format=format_key)
        if created:
            return rendition, True
        again = rendition._move(cls.Status.FAILED, cls.Status.PENDING, attempts=0, error="")
        return rendition, again


class WebhookDelivery(models.Model):
    """Each provider webhook delivery is accepted once, by its idempotency key."""

    provider = models.CharField(max_length=20, choices=registry.choices)
    idempotency_key = models.CharField(max_length=300)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "idempotency_key"], name="one_delivery_per_key"
            )
        ]

    def __str__(self):
        return f"{self.provider} webhook {self.idempotency_key}"
