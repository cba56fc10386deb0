import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone


class TeamRuleBroken(Exception):
    """A change to a team that its rules forbid (the message says why, in plain words)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvitationInvalid(Exception):
    """An invitation link that cannot be used (expired, revoked, used, unknown or altered)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvitationForSomeoneElse(InvitationInvalid):
    """An invitation opened by someone logged in with another address than the invited one."""


def _require_member_manager(by: "Membership") -> None:
    # The capability itself is decided by the role (Membership.can_manage_members); views ask
    # access.require for it, and the methods below check the acting membership they are given.
    if by is None or not by.can_manage_members:
        raise PermissionDenied("Your role in this workspace does not allow managing its members.")


class WorkspaceQuerySet(models.QuerySet):
    workspace_path = "pk"  # a workspace is its own (for the access check)

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


class OwnedQuerySet(models.QuerySet):
    """What belongs to a workspace: the base of every such model's queryset, so that the one
    access check (``access.get_for_user``) asks each of them the same question. A model
    reaching its workspace through another says so in ``workspace_path``."""

    workspace_path = "workspace"

    def visible_to(self, user):
        """What belongs to the workspaces ``user`` is a member of, whatever the role."""
        return self.filter(**{f"{self.workspace_path}__in": Workspace.objects.visible_to(user)})

    def in_scope(self, workspace):
        """Those of ``workspace`` only: the one a page's URL names (all of them for None, a
        page over every workspace of the visitor's)."""
        return self if workspace is None else self.filter(**{self.workspace_path: workspace})


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

    def get_absolute_url(self):
        return reverse("workspaces:members", args=[self.slug])

    def owner_count(self) -> int:
        return self.memberships.filter(role=Membership.Role.OWNER).count()

    def invite(self, email: str, role: str, *, by: "Membership") -> "Invitation":
        """Invite ``email`` to join with ``role`` (never as owner); ``by`` is the inviter's
        membership here."""
        _require_member_manager(by)
        if by.workspace_id != self.pk:
            raise PermissionDenied("You can only invite people to a workspace you manage.")
        if role not in Invitation.ROLES:
            raise TeamRuleBroken("Invite people as an admin, member or viewer.")
        email = email.strip().lower()
        if self.memberships.filter(user__email__iexact=email).exists():
            raise TeamRuleBroken(f"{email} is already a member of {self.name}.")
        # One open invitation per address: inviting again renews it (new role, inviter and
        # lifetime, even if it had expired), so its earlier link keeps working too.
        for _ in range(2):
            renewed = self.invitations.open().filter(email=email)
            if renewed.update(role=role, invited_by=by.user, created_at=timezone.now()):
                return renewed.get()
            try:
                with transaction.atomic():
                    return Invitation.objects.create(
                        workspace=self, email=email, role=role, invited_by=by.user
                    )
            except IntegrityError:  # invited at the same moment by someone else: renew theirs
                continue
        raise TeamRuleBroken(f"{email} was being invited by someone else; try again.")

    def add_client(self, name: str, *, by: "Membership") -> "Client":
        """A new client of this workspace, added by ``by`` (a membership here that may
        generate); a name the workspace already uses is refused with TeamRuleBroken."""
        _require_generator(by, self.pk)
        name = name.strip()
        if self.clients.filter(name__iexact=name).exists():
            raise TeamRuleBroken(f"{self.name} already has a client called “{name}”.")
        try:
            with transaction.atomic():
                return Client.objects.create(workspace=self, name=name)
        except IntegrityError:  # added by someone else meanwhile
            raise TeamRuleBroken(f"{self.name} already has a client called “{name}”.") from None


class Membership(models.Model):
    """A user's place in a workspace; the role says what they may do there."""

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    GENERATORS = (Role.OWNER, Role.ADMIN, Role.MEMBER)
    KEY_MANAGERS = (Role.OWNER, Role.ADMIN)
    MEMBER_MANAGERS = (Role.OWNER, Role.ADMIN)

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

    @property
    def can_manage_members(self) -> bool:
        """Invite people, change members' roles and remove members (owners only by owners)."""
        return self.role in self.MEMBER_MANAGERS

    # Actions named for what they are, each granted to the roles that may do it.
    @property
    def can_share(self) -> bool:
        """Make, change and withdraw share links for clients."""
        return self.role in self.GENERATORS

    @property
    def can_star(self) -> bool:
        """Star a clip (a campaign's winners) and take the star away."""
        return self.role in self.GENERATORS

    @property
    def can_edit_brand(self) -> bool:
        """Make and change brand kits and prompt presets."""
        return self.role in self.GENERATORS

    @property
    def can_set_budgets(self) -> bool:
        """Set and remove the workspace's monthly budgets (those who manage what it spends)."""
        return self.role in self.KEY_MANAGERS

    def require(self, capability: str) -> "Membership":
        """This membership, if its role grants ``capability``; PermissionDenied otherwise."""
        if not getattr(self, capability):
            raise PermissionDenied("Your role in this workspace does not allow this.")
        return self

    def _check_managed_by(self, by: "Membership") -> None:
        """``by`` (a membership of the same workspace) may change this one: an admin cannot
        touch an owner."""
        _require_member_manager(by)
        if by.workspace_id != self.workspace_id:
            raise PermissionDenied("That member belongs to another workspace.")
        if self.role == self.Role.OWNER and by.role != self.Role.OWNER:
            raise PermissionDenied("Only an owner can change or remove an owner.")

    def _check_owner_remains(self) -> None:
        """Whatever happens to this membership, the workspace keeps an owner. Call inside a
        transaction: the owners' rows are locked so two owners cannot demote each other at once."""
        if self.role != self.Role.OWNER:
            return
        if self.workspace.personal:
            raise TeamRuleBroken(
                "A personal workspace always keeps its owner; they cannot leave or be changed."
            )
        owners = list(
            Membership.objects.select_for_update()
            .filter(workspace_id=self.workspace_id, role=self.Role.OWNER)
            .values_list("pk", flat=True)
        )
        if owners == [self.pk]:
            raise TeamRuleBroken(
                "A workspace needs at least one owner: make someone else an owner first."
            )

    def change_role(self, role: str, *, by: "Membership") -> None:
        if role not in self.Role.values:
            raise TeamRuleBroken("Choose one of the roles.")
        self._check_managed_by(by)
        if role == self.Role.OWNER and by.role != self.Role.OWNER:
            raise PermissionDenied("Only an owner can make someone an owner.")
        if role == self.role:
            return
        if role == self.Role.OWNER and self.workspace.personal:
            raise TeamRuleBroken("A personal workspace has exactly one owner.")
        with transaction.atomic():
            if role != self.Role.OWNER:
                self._check_owner_remains()
            # Compare-and-set: a role changed meanwhile by someone else is not overwritten.
            changed = Membership.objects.filter(pk=self.pk, role=self.role).update(role=role)
        if not changed:
            raise TeamRuleBroken("Someone changed this member's role meanwhile; look again.")
        self.role = role

    def remove(self, *, by: "Membership") -> None:
        """``by`` removes this member; a member may also remove themselves (leave)."""
        if by is None or by.pk != self.pk:
            self._check_managed_by(by)
        with transaction.atomic():
            self._check_owner_remains()
            Membership.objects.filter(pk=self.pk, role=self.role).delete()


EXPIRED = "This invitation has expired. Ask the person who invited you for a new one."


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Neither accepted nor revoked (expired or not): at most one per address."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self):
        """Neither accepted, revoked nor expired."""
        return self.open().filter(created_at__gt=timezone.now() - Invitation.lifetime())

    def from_token(self, token: str) -> "Invitation":
        """The invitation a link's token names, if the token is genuine and not expired; else
        InvitationInvalid with a message for the visitor."""
        signer = signing.TimestampSigner(salt=Invitation.SALT)
        try:
            public_id = signer.unsign(token, max_age=Invitation.lifetime())
        except signing.SignatureExpired:
            raise InvitationInvalid(EXPIRED) from None
        except signing.BadSignature:
            raise InvitationInvalid(
                "This invitation link is not valid. Check that you copied all of it."
            ) from None
        try:
            return self.select_related("workspace").get(public_id=public_id)
        except (Invitation.DoesNotExist, ValueError, signing.BadSignature):
            raise InvitationInvalid("This invitation no longer exists.") from None


class Invitation(models.Model):
    """An e-mailed offer to join a workspace with a role; its link carries a signed,
    expiring token."""

    SALT = "workspaces.invitation"
    ROLES = (Membership.Role.ADMIN, Membership.Role.MEMBER, Membership.Role.VIEWER)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=20,
        choices=[(role.value, role.label) for role in ROLES],
        default=Membership.Role.MEMBER,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_address",
            )
        ]

    def __str__(self):
        return f"{self.email} to {self.workspace} ({self.get_role_display()})"

    def get_absolute_url(self):
        return reverse("workspaces:invitation", args=[self.token])

    @staticmethod
    def lifetime() -> timedelta:
        return timedelta(days=settings.INVITATION_DAYS)

    @property
    def token(self) -> str:
        return signing.TimestampSigner(salt=self.SALT).sign(str(self.public_id))

    @property
    def expires_at(self):
        return self.created_at + self.lifetime()

    def revoke(self, *, by: Membership) -> bool:
        """Withdraw the invitation (True), unless it was accepted or revoked already."""
        _require_member_manager(by)
        if by.workspace_id != self.workspace_id:
            raise PermissionDenied("That invitation belongs to another workspace.")
        now = timezone.now()
        revoked = Invitation.objects.filter(
            pk=self.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        if revoked:
            self.revoked_at = now
        return bool(revoked)

    def is_for(self, user) -> bool:
        """Whether ``user``'s account has the address this invitation was sent to."""
        return bool(user.is_authenticated and user.email and user.email.lower() == self.email)

    @property
    def has_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    def check_open(self) -> None:
        """InvitationInvalid unless it can still be used by someone: not withdrawn, not used,
        not expired. Its own expiry counts, not its link's: a link is signed whenever it is
        shown (the members page, a resent e-mail), so a link made late would outlive it."""
        if self.revoked_at is not None:
            raise InvitationInvalid(
                "This invitation was withdrawn. Ask the person who invited you for a new one."
            )
        if self.accepted_at is not None:
            raise InvitationInvalid(
                "This invitation has already been used. If it was you, log in to reach the "
                "workspace; otherwise ask the person who invited you for a new one."
            )
        if self.has_expired:
            raise InvitationInvalid(EXPIRED)

    def check_open_to(self, user) -> None:
        """InvitationInvalid unless ``user`` may (still) accept: not revoked, not used by
        someone else, and ``user``'s account has the invited address."""
        if self.accepted_at is None or self.accepted_by_id != user.pk:
            self.check_open()
        if not self.is_for(user):
            raise InvitationForSomeoneElse(
                f"This invitation is for {self.email}, and you are logged in as "
                f"{user.get_username()}{f' ({user.email})' if user.email else ''}. Log out, "
                f"then open the link again to join with the account of {self.email} (or to "
                "make one)."
            )

    def accept(self, user) -> Membership:
        """``user`` (whose account has the invited address) joins the workspace with the
        invitation's role, once. Accepting again (the same user) is harmless; a revoked, used or
        expired invitation, or another address, says so."""
        if not self.is_for(user):
            self.check_open_to(user)
        with transaction.atomic():
            Invitation.objects.pending().filter(pk=self.pk).update(
                accepted_at=timezone.now(), accepted_by=user
            )
            self.refresh_from_db()
            self.check_open_to(user)
            # Someone already in the workspace keeps the role they have.
            membership, _ = Membership.objects.get_or_create(
                workspace=self.workspace, user=user, defaults={"role": self.role}
            )
        return membership


class ClientQuerySet(OwnedQuerySet):
    def named_by(self, value: str):
        """The one whose public id (or, failing that, number) is ``value``; nothing when
        ``value`` is neither, so a filter by a mistyped or foreign id shows nothing."""
        return _named_by(self, value)


class Client(models.Model):
    """Whom an agency's work is for: a workspace's client, with campaigns (projects)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"], name="one_client_name_per_workspace"
            )
        ]

    def __str__(self):
        return self.name

    def rename(self, name: str, *, by: Membership) -> None:
        """Call the client ``name`` (TeamRuleBroken if another client here has it)."""
        _require_generator(by, self.workspace_id)
        _rename(self, name, Client.objects.filter(workspace_id=self.workspace_id), "a client")

    def remove(self, *, by: Membership) -> None:
        """Delete the client and its projects, unless videos were made for them (their record
        keeps them: TeamRuleBroken says so)."""
        _require_generator(by, self.workspace_id)
        _remove(self, f"Videos were made for {self.name}: they keep it on their record")

    def add_project(self, name: str, *, by: Membership) -> "Project":
        """A new project (campaign) of this client, started by ``by`` (a membership here that
        may generate); a name the client already uses is refused with TeamRuleBroken."""
        _require_generator(by, self.workspace_id)
        name = name.strip()
        if self.projects.filter(name__iexact=name).exists():
            raise TeamRuleBroken(f"{self.name} already has a project called “{name}”.")
        try:
            with transaction.atomic():
                return Project.objects.create(client=self, name=name)
        except IntegrityError:  # added by someone else meanwhile
            raise TeamRuleBroken(f"{self.name} already has a project called “{name}”.") from None


class ProjectQuerySet(OwnedQuerySet):
    workspace_path = "client__workspace"

    def generating_for(self, user):
        """The projects ``user`` may start jobs in."""
        return self.filter(client__workspace__in=Workspace.objects.generating_for(user))

    def named_by(self, value: str):
        return _named_by(self, value)


class Project(models.Model):
    """A client's campaign: the videos made for it are filed under it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["client__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "name"], name="one_project_name_per_client")
        ]

    def __str__(self):
        return f"{self.client.name} — {self.name}"

    @property
    def workspace(self) -> Workspace:
        return self.client.workspace

    def rename(self, name: str, *, by: Membership) -> None:
        _require_generator(by, self.client.workspace_id)
        _rename(self, name, self.client.projects.all(), f"a project of {self.client.name}")

    def remove(self, *, by: Membership) -> None:
        """Delete the project, unless videos were made for it."""
        _require_generator(by, self.client.workspace_id)
        _remove(self, f"Videos were made for {self.name}: they keep it on their record")

    def check_in(self, workspace: Workspace) -> None:
        """TeamRuleBroken unless this project belongs to ``workspace`` (a job's project is
        always one of the job's workspace)."""
        if self.client.workspace_id != workspace.pk:
            raise TeamRuleBroken(
                f"The project “{self}” belongs to another workspace than “{workspace.name}”: "
                "choose one of its projects, or a key of the project's workspace."
            )


def _require_generator(by: Membership | None, workspace_id: int) -> None:
    if by is None or by.workspace_id != workspace_id or not by.can_generate:
        raise PermissionDenied("Your role in this workspace does not allow changing clients.")


def _rename(row, name: str, siblings, what: str) -> None:
    name = (name or "").strip()
    if not name:
        raise TeamRuleBroken("Give it a name.")
    if siblings.exclude(pk=row.pk).filter(name__iexact=name).exists():
        raise TeamRuleBroken(f"There is already {what} called “{name}”.")
    try:
        with transaction.atomic():
            type(row).objects.filter(pk=row.pk).update(name=name)
    except IntegrityError:  # taken by someone else meanwhile
        raise TeamRuleBroken(f"There is already {what} called “{name}”.") from None
    row.name = name


def _remove(row, refusal: str) -> None:
    try:
        with transaction.atomic():
            row.delete()
    except models.ProtectedError as exc:
        count = len(exc.protected_objects)
        videos = "1 video" if count == 1 else f"{count} videos"
        raise TeamRuleBroken(
            f"{refusal} ({videos}). Rename it instead, or move or delete the videos first."
        ) from None


def _named_by(queryset, value):
    value = (value or "").strip()
    try:
        return queryset.filter(public_id=uuid.UUID(value))
    except ValueError:
        pass
    if value.isdigit():
        return queryset.filter(pk=int(value))
    return queryset.none()


# --- budgets ----------------------------------------------------------------------------------


def month_of(moment=None) -> tuple:
    """The calendar month (in the app's time zone) holding ``moment`` (now if None), as
    (first instant, first instant of the next month)."""
    local = timezone.localtime(moment)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def cents(amount) -> Decimal:
    """An amount to the cent, as the app shows money and counts it against a budget (a
    token-priced job costs fractions of a cent, which nobody can see or budget for)."""
    return Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def money(amount) -> str:
    """An amount as the app shows money: "$47.10"."""
    return f"${amount:,.2f}"


class OverBudget(Exception):
    """Starting a job (or a campaign's jobs) would take a workspace or client past its monthly
    budget. ``standing`` is the budget's month as the spend page counts it; ``amount`` what
    was to be started."""

    def __init__(self, message: str, standing=None, amount=None):
        super().__init__(message)
        self.message = message
        self.standing = standing
        self.amount = amount


class BudgetQuerySet(OwnedQuerySet):
    def applying_to(self, workspace, client=None):
        """The budgets a job of ``workspace`` (made for ``client``, if any) must fit."""
        applying = models.Q(client__isnull=True)
        if client is not None:
            applying |= models.Q(client=client)
        return self.filter(applying, workspace=workspace)


class Budget(models.Model):
    """A monthly cap on what a workspace (or one of its clients) may spend on videos.

    Before a job is created, its estimate plus the month's spend so far must fit every budget
    that applies (``videos.models.VideoJob.check_budgets``)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="budgets")
    # Empty: the budget of the whole workspace.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="budgets"
    )
    monthly_amount = models.DecimalField(max_digits=12, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BudgetQuerySet.as_manager()

    class Meta:
        ordering = ["workspace", "client__name"]
        constraints = [
            # NULLs are distinct in a unique index: the workspace-wide budget needs its own.
            models.UniqueConstraint(
                fields=["workspace"],
                condition=models.Q(client__isnull=True),
                name="one_budget_per_workspace",
            ),
            models.UniqueConstraint(
                fields=["workspace", "client"],
                condition=models.Q(client__isnull=False),
                name="one_budget_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gte=0), name="budget_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.name}: {money(self.monthly_amount)} a month"

    @property
    def name(self) -> str:
        """Whose budget it is: the client's name, else the workspace's."""
        return self.client.name if self.client_id else self.workspace.name

    @classmethod
    def set(cls, workspace, client, amount, *, by: Membership) -> "Budget":
        """Set the monthly budget of ``workspace`` (or of its ``client``) to ``amount``;
        ``by`` must be a membership here that manages keys (owners and admins)."""
        if by is None or by.workspace_id != workspace.pk or not by.can_manage_keys:
            raise PermissionDenied("Your role in this workspace does not allow setting budgets.")
        if client is not None and client.workspace_id != workspace.pk:
            raise TeamRuleBroken(f"{client.name} is not a client of {workspace.name}.")
        if amount is None or amount < 0:
            raise TeamRuleBroken("A budget is an amount of zero or more.")
        for _ in range(2):
            if cls.objects.filter(workspace=workspace, client=client).update(
                monthly_amount=amount, updated_at=timezone.now()
            ):
                return cls.objects.get(workspace=workspace, client=client)
            try:
                with transaction.atomic():
                    return cls.objects.create(
                        workspace=workspace, client=client, monthly_amount=amount
                    )
            except IntegrityError:  # set at the same moment by someone else: update theirs
                continue
        raise TeamRuleBroken("This budget was being set by someone else; try again.")

    def remove(self, *, by: Membership) -> None:
        if by is None or by.workspace_id != self.workspace_id or not by.can_manage_keys:
            raise PermissionDenied("Your role in this workspace does not allow setting budgets.")
        Budget.objects.filter(pk=self.pk).delete()

    def refusal(self, spent, amount, what: str = "This video") -> str:
        """Why ``what``, estimated at ``amount``, cannot start when the month has ``spent`` (as
        the spend page counts it): the budget, what is left and how far it falls short."""
        spent, amount = cents(spent), cents(amount)
        left = max(self.monthly_amount - spent, Decimal(0))
        short = amount - left
        return (
            f"{what} is estimated at {money(amount)}, more than is left of {self.name}'s "
            f"monthly budget: {money(self.monthly_amount)} a month, {money(spent)} spent or "
            f"still being made this month, {money(left)} left, so it is {money(short)} short. "
            f"Nothing was started: raise the budget by at least {money(short)}, or choose "
            "cheaper settings."
        )
