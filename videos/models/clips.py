from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from common.storage import remove_when_committed
from workspaces.models import OwnedQuerySet

from .. import formats
from .compare_and_set import LeasedWork, LeasedWorkQuerySet
from .jobs import VideoJob


class ClipQuerySet(LeasedWorkQuerySet, OwnedQuerySet):
    workspace_path = "job__workspace"


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
        return [r for r in self.renditions.all() if r.status == r.Status.READY]

    @property
    def export_offers(self) -> list:
        """The ad formats it has no export in yet (or only a failed one), but for the one it
        already has the shape of."""
        taken = {r.format for r in self.renditions.all() if r.status != r.Status.FAILED}
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
