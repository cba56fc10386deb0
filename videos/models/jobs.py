import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from inbox.models import Notification, notify
from keys.models import ProviderKey
from providers import registry
from workspaces import access
from workspaces.models import Budget, Project, Workspace

from .. import formats
from .job_queries import BudgetStanding, VideoJobQuerySet
from .job_states import JobStateMachine


def _now():
    return timezone.now()


# Sent (sender=VideoJob, job=...) when a job ends, in the transaction of its last move. A
# receiver that tells people about the job itself (a campaign, once all its videos have ended)
# returns True; then its starter is not told about this one video.
job_ended = Signal()


class VideoJob(JobStateMachine, models.Model):
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
            if clip.status == clip.Status.READY and clip.duration
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

    # What a job that ended without clips says first, in a heading of its own.
    PROBLEMS = {
        Status.FAILED: "This video could not be made",
        Status.BLOCKED: "The provider's safety filter blocked this video",
        Status.EXPIRED: "This video took too long and was stopped",
        Status.CANCELLED: "This video was cancelled",
        Status.NEEDS_ATTENTION: "This video needs your attention",
    }

    @property
    def problem(self) -> str:
        """The heading of a job that ended without a clip to show ("" otherwise)."""
        if self.status == self.Status.FAILED and self.failure == self.Failure.COPY:
            return "The clips could not be saved"
        return self.PROBLEMS.get(self.status, "")

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

    def provider_client(self):
        return self.key.provider_client() if self.key is not None else None
