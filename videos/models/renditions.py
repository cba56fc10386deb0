from django.conf import settings
from django.db import models

from workspaces.models import OwnedQuerySet

from .. import formats
from .clips import Clip
from .compare_and_set import LeasedWork, LeasedWorkQuerySet
from .jobs import VideoJob


class RenditionQuerySet(LeasedWorkQuerySet, OwnedQuerySet):
    workspace_path = "clip__job__workspace"

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
