"""Client share links: one project, or one video with every version of it, shown to guests with
a name and no account, within the limits the link grants."""

import hashlib
import math
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from inbox.models import Notification, notify
from videos.models import Clip, VideoJob
from workspaces.models import Membership, OwnedQuerySet, Project, Workspace

from .events import ReviewEvent
from .reviewers import Reviewer, ReviewRuleBroken
from .versions import version_stack


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinkQuerySet(OwnedQuerySet):
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
