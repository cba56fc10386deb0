import uuid

from django.conf import settings
from django.db import models


class WorkspaceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The workspaces ``user`` is a member of, whatever the role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def generating_for(self, user):
        """The workspaces where ``user`` may start jobs."""
        return self._where_role_in(user, Membership.GENERATORS)

    def managed_by(self, user):
        """The workspaces where ``user`` may manage provider keys."""
        return self._where_role_in(user, Membership.KEY_MANAGERS)

    def _where_role_in(self, user, roles):
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role__in=roles)


class Workspace(models.Model):
    """Where keys and videos live: shared by its members, each with a role."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    # Every user has one, made with the account; they are its owner.
    personal = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's place in a workspace; the role says what they may do there."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    GENERATORS = (Role.OWNER, Role.ADMIN, Role.MEMBER)
    KEY_MANAGERS = (Role.OWNER, Role.ADMIN)

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workspace", "user"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="one_membership_per_user")
        ]

    def __str__(self):
        return f"{self.user} in {self.workspace} ({self.get_role_display()})"

    @property
    def can_generate(self) -> bool:
        """Start, continue, resubmit and cancel jobs, and retry copying their clips."""
        return self.role in self.GENERATORS

    @property
    def can_manage_keys(self) -> bool:
        """Add, replace, verify and delete the workspace's provider keys."""
        return self.role in self.KEY_MANAGERS

    @property
    def can_review(self) -> bool:
        """See the workspace's videos and keys (masked); every member may."""
        return True
