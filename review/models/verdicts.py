"""Where a clip stands with each reviewer, and with all of them."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from videos.models import Clip

from .events import ReviewEvent
from .reviewers import Reviewer, ReviewRuleBroken
from .share_links import ShareLink


class Verdict(models.Model):
    """Where a clip stands with one reviewer: in review, approved, or changes requested."""

    class State(models.TextChoices):
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"

    clip = models.ForeignKey(Clip, on_delete=models.CASCADE, related_name="verdicts")
    state = models.CharField(max_length=20, choices=State, default=State.IN_REVIEW)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_name = models.CharField(max_length=80, blank=True)
    link = models.ForeignKey(
        ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="verdicts"
    )
    # Who for the trail, kept when the user or the link is gone.
    reviewer_name = models.CharField(max_length=150)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clip", "author"],
                condition=models.Q(author__isnull=False),
                name="one_verdict_per_member_and_clip",
            ),
            models.UniqueConstraint(
                fields=["clip", "link", "guest_name"],
                condition=models.Q(author__isnull=True),
                name="one_verdict_per_guest_and_clip",
            ),
        ]

    def __str__(self):
        return f"{self.reviewer_name}: {self.get_state_display()} ({self.clip})"

    @classmethod
    def decide(cls, clip: Clip, state: str, *, by: Reviewer) -> "Verdict":
        """``by``'s verdict on this version of the clip, replacing their earlier one."""
        if state not in cls.State.values:
            raise ReviewRuleBroken("Choose approve or request changes.")
        if by.is_guest and not by.link.can_approve:
            raise PermissionDenied("This link does not allow approving.")
        if clip.status != Clip.Status.READY:
            raise ReviewRuleBroken("Only a clip in storage can be reviewed.")
        mine = {"author": by.user} if by.user else {"link": by.link, "guest_name": by.guest_name}
        with transaction.atomic():
            verdict, _ = cls.objects.update_or_create(
                clip=clip,
                **mine,
                defaults={"state": state, "reviewer_name": by.name, "decided_at": timezone.now()},
            )
            kind = {
                cls.State.APPROVED: ReviewEvent.Kind.APPROVED,
                cls.State.CHANGES_REQUESTED: ReviewEvent.Kind.CHANGES_REQUESTED,
                cls.State.IN_REVIEW: ReviewEvent.Kind.BACK_IN_REVIEW,
            }[state]
            ReviewEvent.record(kind, by, clip=clip, detail=f"version {clip.job.version}")
        return verdict


def standing(verdicts) -> str:
    """Where a clip stands with all its reviewers: changes requested if anyone asks for them,
    approved if someone approved and nobody objects, else in review."""
    states = {verdict.state for verdict in verdicts}
    if Verdict.State.CHANGES_REQUESTED in states:
        return Verdict.State.CHANGES_REQUESTED
    if Verdict.State.APPROVED in states:
        return Verdict.State.APPROVED
    return Verdict.State.IN_REVIEW


# --- the trail -----------------------------------------------------------------------------
