"""Time-coded comments on a clip, with replies, resolved and reopened."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from videos.models import Clip, VideoJob
from workspaces.models import OwnedQuerySet

from .events import ReviewEvent
from .reviewers import Reviewer, ReviewRuleBroken
from .share_links import ShareLink


class CommentQuerySet(OwnedQuerySet):
    workspace_path = "clip__job__workspace"

    def open(self):
        return self.filter(resolved_at__isnull=True)


class Comment(models.Model):
    """A remark on a clip, pinned to a moment of it (or to the whole clip), with replies."""

    MAX_LENGTH = 2000

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Seconds into the clip the remark is about; None: the whole clip (and every reply).
    at_seconds = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    body = models.TextField(max_length=MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(max_length=80, blank=True)
    link = models.ForeignKey(
        ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_name = models.CharField(max_length=150, blank=True)
    # The next version made from this remark (it is resolved by it): the client, back on the
    # link, sees the remark answered there.
    addressed_by = models.ForeignKey(
        VideoJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="addressed_comments",
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["at_seconds", "created_at"]
        indexes = [models.Index(fields=["clip", "created_at"])]

    def __str__(self):
        return f"{self.who} on {self.clip}: {self.body[:40]}"

    @property
    def who(self) -> str:
        if self.guest_name:
            return self.guest_name
        if self.author is None:
            return "Someone who has left"
        return self.author.get_full_name() or self.author.get_username()

    @property
    def is_guest(self) -> bool:
        return bool(self.guest_name)

    def changeable_by(self, reviewer: Reviewer) -> bool:
        """Whether ``reviewer`` may resolve or reopen it: any member who reviews; a guest only
        their own (the same name through the same link), never the team's or another guest's."""
        if not reviewer.is_guest:
            return True
        return (
            self.author_id is None
            and self.link_id == reviewer.link.pk
            and self.guest_name == reviewer.guest_name
        )

    def _require_changeable_by(self, reviewer: Reviewer) -> None:
        if reviewer.is_guest and not reviewer.link.can_comment:
            raise PermissionDenied("This link does not allow comments.")
        if not self.changeable_by(reviewer):
            raise PermissionDenied("You can only resolve or reopen your own comments.")

    @property
    def timecode(self) -> str:
        """``m:ss`` of the moment the comment pins, or ""."""
        if self.at_seconds is None:
            return ""
        whole = int(self.at_seconds)
        return f"{whole // 60}:{whole % 60:02d}"

    @property
    def quoted(self) -> str:
        """The remark as a revision quotes it, with its moment: "At 0:02: make the logo
        bigger"."""
        where = f"At {self.timecode}" if self.timecode else "Whole clip"
        return f"{where}: {' '.join(self.body.split())}"

    @classmethod
    def address(cls, comments, version: VideoJob, *, by: "Reviewer") -> int:
        """Mark the open ``comments`` resolved by ``version``, the next version made from them;
        how many were (one already resolved is left as it is)."""
        now = timezone.now()
        ids = [comment.pk for comment in comments]
        return cls.objects.filter(pk__in=ids, parent=None, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by_name=by.name, addressed_by=version
        )

    @classmethod
    def add(
        cls,
        clip: Clip,
        body: str,
        *,
        by: Reviewer,
        at_seconds=None,
        parent: "Comment | None" = None,
    ) -> "Comment":
        """A new comment (or a reply to ``parent``) on ``clip``, recorded in the trail."""
        body = (body or "").strip()
        if not body:
            raise ReviewRuleBroken("Write something first.")
        if len(body) > cls.MAX_LENGTH:
            raise ReviewRuleBroken(f"Keep it under {cls.MAX_LENGTH} characters.")
        if by.is_guest and not by.link.can_comment:
            raise PermissionDenied("This link does not allow comments.")
        if parent is not None:
            if parent.clip_id != clip.pk:
                raise ReviewRuleBroken("That reply belongs to another clip.")
            parent = parent.parent or parent  # replies stay one level deep
            at_seconds = None
        at_seconds = _moment(at_seconds, clip)
        with transaction.atomic():
            comment = cls.objects.create(
                clip=clip, parent=parent, at_seconds=at_seconds, body=body, **by.fields()
            )
            kind = ReviewEvent.Kind.REPLIED if parent else ReviewEvent.Kind.COMMENTED
            where = f" at {comment.timecode}" if comment.timecode else ""
            ReviewEvent.record(kind, by, clip=clip, detail=f"{body[:200]}{where}")
        return comment

    def resolve(self, *, by: Reviewer) -> bool:
        """Mark the remark dealt with (True), unless it is resolved already."""
        self._require_changeable_by(by)
        if self.parent_id is not None:
            raise ReviewRuleBroken("Resolve the comment a reply belongs to.")
        now = timezone.now()
        with transaction.atomic():
            done = Comment.objects.filter(pk=self.pk, resolved_at__isnull=True).update(
                resolved_at=now, resolved_by_name=by.name
            )
            if done:
                self.resolved_at, self.resolved_by_name = now, by.name
                ReviewEvent.record(
                    ReviewEvent.Kind.RESOLVED, by, clip=self.clip, detail=self.body[:200]
                )
        return bool(done)

    def reopen(self, *, by: Reviewer) -> bool:
        """Open the remark again (True), unless it is open already."""
        self._require_changeable_by(by)
        with transaction.atomic():
            done = Comment.objects.filter(pk=self.pk, resolved_at__isnull=False).update(
                resolved_at=None, resolved_by_name="", addressed_by=None
            )
            if done:
                self.resolved_at, self.resolved_by_name, self.addressed_by = None, "", None
                ReviewEvent.record(
                    ReviewEvent.Kind.REOPENED, by, clip=self.clip, detail=self.body[:200]
                )
        return bool(done)


def _moment(value, clip: Clip):
    """``value`` (seconds, ``m:ss`` or "") as seconds within the clip, or None."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if ":" in text:
            minutes, seconds = text.split(":", 1)
            seconds = Decimal(int(minutes) * 60) + Decimal(seconds)
        else:
            seconds = Decimal(text)
    except (ArithmeticError, ValueError):
        raise ReviewRuleBroken("Give the moment as seconds or m:ss, like 0:02.") from None
    if not seconds.is_finite() or seconds < 0 or seconds > 99999:
        raise ReviewRuleBroken("That moment is not within the clip.")
    if clip.duration and seconds > Decimal(str(clip.duration)) + 1:
        raise ReviewRuleBroken("That moment is past the end of the clip.")
    return seconds.quantize(Decimal("0.01"))
