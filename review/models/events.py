"""The review trail: one event per review action, who did it, when, through which link; the
team is told about what guests do."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from inbox.models import EmailDigest, Notification, notify
from videos import lifecycle
from videos.models import Clip
from workspaces.models import Membership, OwnedQuerySet, Project, Workspace

from .reviewers import Reviewer


class ReviewEventQuerySet(OwnedQuerySet):
    """What belongs to a workspace (see OwnedQuerySet)."""


class ReviewEvent(models.Model):
    """One line of the review trail: who did what, when, to which clip, through which link."""

    class Kind(models.TextChoices):
        COMMENTED = "commented", "Commented"
        REPLIED = "replied", "Replied"
        RESOLVED = "resolved", "Resolved a comment"
        REOPENED = "reopened", "Reopened a comment"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Requested changes"
        BACK_IN_REVIEW = "back_in_review", "Put back in review"
        REVISED = "revised", "Started a revision"
        LINK_CREATED = "link_created", "Created a share link"
        LINK_USED = "link_used", "Opened a share link"
        LINK_REVOKED = "link_revoked", "Revoked a share link"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="review_events")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_events"
    )
    clip = models.ForeignKey(
        Clip, null=True, blank=True, on_delete=models.SET_NULL, related_name="review_events"
    )
    link = models.ForeignKey(
        "ShareLink", null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ReviewEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.actor_name} {self.get_kind_display().lower()}"

    VERDICTS = (Kind.APPROVED, Kind.CHANGES_REQUESTED, Kind.BACK_IN_REVIEW)

    @property
    def shown_detail(self) -> str:
        """The detail worth showing beside "… on version N": a verdict's only says the version."""
        return "" if self.kind in self.VERDICTS and self.clip_id else self.detail

    @property
    def by_guest(self) -> bool:
        return self.actor_id is None and self.link_id is not None

    # What a guest does that the team hears about, and as which kind of notification.
    TOLD_TO_TEAM = {
        Kind.COMMENTED: ("commented on", Notification.Kind.CLIENT_COMMENT),
        Kind.REPLIED: ("replied on", Notification.Kind.CLIENT_COMMENT),
        Kind.APPROVED: ("approved", Notification.Kind.CLIENT_VERDICT),
        Kind.CHANGES_REQUESTED: ("requested changes on", Notification.Kind.CLIENT_VERDICT),
    }

    @classmethod
    def record(cls, kind: str, by: Reviewer, *, clip: Clip, detail: str = "") -> "ReviewEvent":
        job = clip.job
        event = cls.objects.create(
            workspace_id=job.workspace_id,
            project_id=job.project_id,
            clip=clip,
            link=by.link,
            kind=kind,
            actor=by.user,
            actor_name=by.name,
            detail=detail,
        )
        # Told here, where every review action is recorded (rather than by a post_save signal,
        # which would also fire for admin edits and fixtures and hide the call): inside the
        # action's transaction, so an action rolled back tells nobody.
        if event.by_guest and kind in cls.TOLD_TO_TEAM:
            event.tell_team(clip)
        return event

    def tell_team(self, clip: Clip) -> None:
        """Notify the workspace's members who make videos, and the job's starter (while a
        member), of a client's comment or verdict on ``clip``."""
        job = clip.job
        verb, notification_kind = self.TOLD_TO_TEAM[self.kind]
        via = f", via “{self.link.label}”" if self.link.label else ""
        where = f" in {job.project.name}" if job.project_id else ""
        text = f"{self.actor_name} (client{via}) {verb} “{job.label}”, clip {clip.number}{where}"
        url = reverse("review:clip", args=[job.public_id, clip.number])
        team = get_user_model().objects.filter(
            models.Q(memberships__role__in=Membership.GENERATORS) | models.Q(pk=job.owner_id),
            memberships__workspace_id=job.workspace_id,
        )
        # E-mailed as a digest per person and link; the subject never carries the guest's
        # name, which is whatever they typed.
        notify(
            team.distinct(),
            workspace=job.workspace,
            kind=notification_kind,
            text=text,
            url=url,
            email_subject=f"Client feedback through share link “{self.link}”",
            digest=f"share-link:{self.link_id}",
        )


@receiver(lifecycle.recovery_ran)
def send_overdue_client_emails(sender, **kwargs):
    """The team's e-mails about a link's guests that a process died before sending."""
    EmailDigest.send_overdue()
