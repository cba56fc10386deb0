"""Review: where each clip stands with each reviewer, time-coded comments, client share links,
and the trail of every review event.

A reviewer is either a workspace member (a user whose role grants ``can_review``) or a guest
holding a share link (a name, no account). Every state change here is a model method taking
the acting ``Reviewer``, and records a ``ReviewEvent``.
"""

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from inbox.models import EmailDigest, Notification, notify
from videos import lifecycle
from videos.models import Clip, VideoJob
from workspaces.models import Membership, Project, Workspace


class ReviewRuleBroken(Exception):
    """A review action its rules forbid (the message says why, in plain words)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Reviewer:
    """Who acts: a member (``user``) or a guest (``guest_name`` through ``link``)."""

    user: object = None
    guest_name: str = ""
    link: "ShareLink | None" = None

    @classmethod
    def member(cls, membership: Membership) -> "Reviewer":
        if not membership.can_review:
            raise PermissionDenied("Your role in this workspace does not allow reviewing.")
        return cls(user=membership.user)

    @classmethod
    def guest(cls, link: "ShareLink", name: str) -> "Reviewer":
        name = " ".join((name or "").split())[:80]
        if not name:
            raise ReviewRuleBroken("Tell us your name first: the team sees who said what.")
        return cls(guest_name=name, link=link)

    @property
    def is_guest(self) -> bool:
        return self.link is not None

    @property
    def name(self) -> str:
        if self.is_guest:
            return self.guest_name
        return self.user.get_full_name() or self.user.get_username()

    def fields(self) -> dict:
        """The author fields of a comment, verdict or event this reviewer makes."""
        return {"author": self.user, "guest_name": self.guest_name, "link": self.link}


# --- share links ---------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinkQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The links of the workspaces ``user`` belongs to."""
        return self.filter(workspace__in=Workspace.objects.visible_to(user))

    def live(self):
        """Neither revoked nor expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def of_project(self, project: Project):
        """The links to ``project`` and those to one of its videos."""
        return self.filter(models.Q(project=project) | models.Q(job__project=project))

    def of_video(self, job: VideoJob):
        """The links made on any version of ``job``'s video that share ``job`` too."""
        links = self.filter(job__in=version_stack(job))
        if job.project_id:
            links = links.filter(job__project_id=job.project_id)
        return links

    def from_token(self, token: str) -> "ShareLink | None":
        """The live link a token opens, or None (unknown, revoked and expired look the same)."""
        if not token or len(token) > 100:
            return None
        return (
            self.live()
            .select_related("workspace", "project__client", "job")
            .filter(token_digest=_digest(token))
            .first()
        )


class ShareLink(models.Model):
    """A link that shows a client one project (or one video, with every version of it, those
    made later too) without an account.

    Only a digest of its token is stored: the link itself is shown once, when it is made.
    """

    # Links made before this rule keep their shorter passwords.
    PASSWORD_MIN_LENGTH = 8

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="share_links")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    job = models.ForeignKey(
        VideoJob, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    label = models.CharField(max_length=100, blank=True)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    can_comment = models.BooleanField("guests may comment", default=True)
    can_approve = models.BooleanField("guests may approve or request changes", default=False)
    can_download = models.BooleanField("guests may download", default=False)
    password = models.CharField(max_length=128, blank=True, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False, job__isnull=True)
                | models.Q(project__isnull=True, job__isnull=False),
                name="share_link_shares_a_project_or_a_job",
            )
        ]

    def __str__(self):
        return self.label or f"Link to {self.shared}"

    @classmethod
    def create(
        cls,
        *,
        by: Membership,
        project: Project | None = None,
        job: VideoJob | None = None,
        label: str = "",
        can_comment=True,
        can_approve=False,
        can_download=False,
        password: str = "",
        expires_in_days: int | None = None,
        token: str = "",
    ) -> tuple["ShareLink", str]:
        """A new link to ``project`` or ``job`` of ``by``'s workspace, and its token (shown to
        its maker once; only its digest is kept). ``token``: one the caller already knows (the
        demo's sample link), else a fresh random one."""
        if not by.can_generate:
            raise PermissionDenied("Your role in this workspace does not allow sharing.")
        if (project is None) == (job is None):
            raise ReviewRuleBroken("A link shares one project or one video.")
        workspace_id = project.workspace.pk if project else job.workspace_id
        if workspace_id != by.workspace_id:
            raise PermissionDenied("That belongs to another workspace.")
        token = token or secrets.token_urlsafe(24)
        now = timezone.now()
        with transaction.atomic():
            link = cls.objects.create(
                workspace_id=workspace_id,
                project=project,
                job=job,
                label=label.strip()[:100],
                token_digest=_digest(token),
                can_comment=can_comment,
                can_approve=can_approve,
                can_download=can_download,
                password=make_password(password) if password else "",
                expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
                created_by=by.user,
                created_at=now,
            )
            link.record(ReviewEvent.Kind.LINK_CREATED, Reviewer(user=by.user), detail=link.grants)
        return link, token

    @property
    def shared(self):
        return self.project or self.job

    @property
    def grants(self) -> str:
        rights = ["view"]
        rights += ["comment"] * self.can_comment + ["approve"] * self.can_approve
        rights += ["download"] * self.can_download
        return ", ".join(rights)

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    @cached_property
    def paused_minutes(self) -> int:
        """The minutes until the link takes passwords again, after too many wrong ones were
        tried on it (0: it takes them)."""
        from review import throttle  # the counts live with the guests' other budgets

        if not self.has_password or not self.is_live:
            return 0
        return math.ceil(throttle.paused_wait(self) / 60)

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def check_password(self, raw: str) -> bool:
        return not self.password or check_password(raw or "", self.password)

    def revoke(self, *, by: Membership) -> bool:
        """Close the link at once (True), unless it was revoked already."""
        if by.workspace_id != self.workspace_id or not by.can_generate:
            raise PermissionDenied("Your role in this workspace does not allow this.")
        now = timezone.now()
        with transaction.atomic():
            revoked = ShareLink.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                revoked_at=now
            )
            if revoked:
                self.revoked_at = now
                self.record(ReviewEvent.Kind.LINK_REVOKED, Reviewer(user=by.user))
        return bool(revoked)

    def opened_by(self, reviewer: Reviewer) -> None:
        """A guest gave their name and started a visit: recorded (once per visit)."""
        now = timezone.now()
        ShareLink.objects.filter(pk=self.pk).update(last_used_at=now)
        self.last_used_at = now
        self.record(ReviewEvent.Kind.LINK_USED, reviewer)

    @property
    def links_page_url(self) -> str:
        """The page where the team manages this link (and the others to the same work)."""
        if self.project_id:
            return reverse(
                "share:project_links", args=[self.workspace.slug, self.project.public_id]
            )
        return reverse("share:job_links", args=[self.job.public_id])

    def paused_for_wrong_passwords(self, attempts: int, seconds: int) -> None:
        """Tell whoever made the link, and the workspace's owners and admins, that ``attempts``
        wrong passwords paused it for ``seconds``: an in-app notification and one e-mail each."""
        minutes = max(1, round(seconds / 60))
        text = (
            f"Share link “{self}” had {attempts} wrong passwords and refuses every password for "
            f"the next {minutes} minutes. If nobody you sent it to is locked out, someone may be "
            "guessing: revoke it and send a new link with a new password."
        )
        members = Membership.objects.filter(workspace_id=self.workspace_id)
        told = members.filter(
            models.Q(role__in=Membership.MEMBER_MANAGERS) | models.Q(user_id=self.created_by_id)
        )
        notify(
            [membership.user for membership in told.select_related("user")],
            workspace=self.workspace,
            kind=Notification.Kind.LINK_PAUSED,
            text=text,
            url=self.links_page_url,
            email_subject="A share link was paused after too many wrong passwords",
        )

    def jobs(self):
        """The jobs this link shows: the project's, or every version of its video (those made
        after the link too, so the link follows the work without a new one) filed under the
        same project as the shared one."""
        if self.project_id:
            return VideoJob.objects.filter(project_id=self.project_id)
        versions = VideoJob.objects.filter(pk__in=self.stack, workspace_id=self.workspace_id)
        if self.job.project_id:  # a version filed under another client's project stays theirs
            versions = versions.filter(project_id=self.job.project_id)
        return versions

    @cached_property
    def stack(self) -> list[int]:
        """The ids of the versions of the video a video link shares (asked once per visit)."""
        return version_stack(self.job) if self.job_id else []

    def clips(self):
        """The clips this link shows: every ready clip of its jobs."""
        return Clip.objects.filter(job__in=self.jobs(), status=Clip.Status.READY)

    def record(self, kind: str, by: Reviewer, *, clip: Clip | None = None, detail: str = ""):
        return ReviewEvent.objects.create(
            workspace_id=self.workspace_id,
            project_id=self.project_id or (self.job.project_id if self.job_id else None),
            clip=clip,
            kind=kind,
            actor=by.user,
            actor_name=by.name,
            link=self,
            detail=detail,
        )


def version_stack(job: VideoJob, limit: int = 200) -> list[int]:
    """The ids of every version of ``job``'s video: its first version and every job made from
    it, directly or through later versions (other takes of a version included). One query per
    step up and per generation down, bounded."""
    root_id, parent_clip = job.pk, job.parent_id
    for _ in range(50):
        if parent_clip is None:
            break
        found = Clip.objects.filter(pk=parent_clip).values_list("job_id", "job__parent_id").first()
        if found is None:
            break
        root_id, parent_clip = found
    stack, step = [root_id], [root_id]
    while step and len(stack) < limit:
        made = VideoJob.objects.filter(parent__job_id__in=step).exclude(pk__in=stack)
        step = list(made.values_list("pk", flat=True)[: limit - len(stack)])
        stack += step
    return stack


def chains(jobs) -> list[list]:
    """``jobs`` grouped by the video they are versions of, newest activity first, each chain
    newest version first (``job.parent`` is read: select it along)."""
    by_pk = {job.pk: job for job in jobs}

    def first_version(job):
        for _ in range(50):
            earlier = by_pk.get(job.parent.job_id) if job.parent_id else None
            if earlier is None:
                return job
            job = earlier
        return job

    grouped = {}
    for job in jobs:
        grouped.setdefault(first_version(job).pk, []).append(job)
    ordered = sorted(grouped.values(), key=lambda c: max(j.created_at for j in c), reverse=True)
    for chain in ordered:
        chain.sort(key=lambda j: (j.version, j.created_at), reverse=True)
    return ordered


# --- comments and verdicts -----------------------------------------------------------------


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(clip__job__workspace__in=Workspace.objects.visible_to(user))

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


class ReviewEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(workspace__in=Workspace.objects.visible_to(user))


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
        ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
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
