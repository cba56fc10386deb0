from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from . import access, mail
from .forms import (
    ClientForm,
    InvitationForm,
    ProjectForm,
    RenameForm,
    RoleForm,
    WorkspaceForm,
)
from .models import (
    Membership,
    Project,
    TeamRuleBroken,
    Workspace,
)


def workspaces(request):
    """The workspaces the visitor belongs to, with their role, and a form to start one."""
    access.personal_workspace(request.user)
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = access.create_workspace(request.user, form.cleaned_data["name"])
        messages.success(request, f"Created “{workspace.name}”; you are its owner.")
        return redirect(workspace)
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("workspace")
        .order_by("-workspace__personal", "workspace__name")
    )
    context = {"form": form, "memberships": memberships}
    return render(
        request, "workspaces/workspaces.html", context, status=400 if form.errors else 200
    )


def _workspace(request, slug, needs="can_review") -> tuple[Workspace, Membership]:
    """A workspace the visitor belongs to (else 404) and their membership, whose role must
    grant ``needs`` (else 403)."""
    return access.get_for_user(Workspace.objects, request.user, needs=needs, slug=slug)


def _role_choices(workspace, actor):
    """The roles ``actor`` may hand out: owners only by owners, never in a personal one."""
    owners_allowed = actor.role == Membership.Role.OWNER and not workspace.personal
    return [
        (value, label)
        for value, label in Membership.Role.choices
        if value != Membership.Role.OWNER or owners_allowed
    ]


def _members_page(request, workspace, actor, invite_form=None, status=200):
    members = list(workspace.memberships.select_related("user").order_by("user__username"))
    choices = _role_choices(workspace, actor)
    owners = sum(member.role == Membership.Role.OWNER for member in members)
    for member in members:
        # The only owner can neither be changed nor leave: the buttons would only say so.
        sole_owner = member.role == Membership.Role.OWNER and owners == 1
        member.manageable = (
            not sole_owner
            and actor.can_manage_members
            and (member.role != Membership.Role.OWNER or actor.role == Membership.Role.OWNER)
        )
        member.removable = (
            not sole_owner
            and (member.manageable or member.pk == actor.pk)
            and not (workspace.personal and member.role == Membership.Role.OWNER)
        )
        if member.manageable:
            member.role_form = RoleForm(
                initial={"role": member.role}, auto_id=f"member-{member.pk}-%s"
            )
            member.role_form.fields["role"].choices = choices
    context = {
        "workspace": workspace,
        "actor": actor,
        "members": members,
        "invitations": _pending_invitations(request, workspace) if actor.can_manage_members else [],
        "invite_form": invite_form or InvitationForm(),
    }
    return render(request, "workspaces/members.html", context, status=status)


def _pending_invitations(request, workspace) -> list:
    """The workspace's pending invitations, each with its link as e-mailed (to copy)."""
    invitations = list(workspace.invitations.pending().select_related("invited_by"))
    for invitation in invitations:
        invitation.link = mail.link(invitation.get_absolute_url(), request)
    return invitations


def members(request, slug):
    workspace, actor = _workspace(request, slug)
    return _members_page(request, workspace, actor)


@require_POST
def member_role(request, slug, pk):
    workspace, actor = _workspace(request, slug, needs="can_manage_members")
    member = get_object_or_404(workspace.memberships.select_related("user", "workspace"), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect(workspace)
    try:
        member.change_role(form.cleaned_data["role"], by=actor)
    except TeamRuleBroken as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{member.user} is now {member.get_role_display().lower()}.")
    return redirect(workspace)


@require_POST
def member_remove(request, slug, pk):
    """Remove a member (owners and admins), or leave (anyone, about themselves)."""
    workspace, actor = _workspace(request, slug)
    member = get_object_or_404(workspace.memberships.select_related("user", "workspace"), pk=pk)
    if member.pk != actor.pk:
        actor.require("can_manage_members")
    try:
        member.remove(by=actor)
    except TeamRuleBroken as exc:
        messages.error(request, exc.message)
        return redirect(workspace)
    if member.pk == actor.pk:
        messages.success(request, f"You left “{workspace.name}”.")
        return redirect("workspaces:list")
    messages.success(request, f"Removed {member.user} from “{workspace.name}”.")
    return redirect(workspace)


@require_POST
def invite(request, slug):
    workspace, actor = _workspace(request, slug, needs="can_manage_members")
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = workspace.invite(
                form.cleaned_data["email"], form.cleaned_data["role"], by=actor
            )
        except TeamRuleBroken as exc:
            form.add_error("email", exc.message)
    if form.errors:
        return _members_page(request, workspace, actor, invite_form=form, status=400)
    if _send_invitation(request, invitation):
        messages.success(
            request,
            f"Invited {invitation.email}; the e-mailed link works until "
            f"{_moment(invitation.expires_at)}.",
        )
    else:
        messages.warning(
            request,
            f"Invited {invitation.email}, but the e-mail could not be sent: copy the link "
            "from the list of pending invitations and send it yourself.",
        )
    return redirect(workspace)


def _moment(value) -> str:
    """A moment as the app writes it everywhere ("23 Nov 2026, 14:05", local time)."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _send_invitation(request, invitation) -> bool:
    inviter = request.user.get_full_name() or request.user.get_username()
    body = (
        f"{inviter} invites you to join “{invitation.workspace.name}” on MarketOS Video as "
        f"{invitation.get_role_display().lower()}.\n\n"
        f"Open this link to join. If you have no account yet, you make one there (with this "
        f"address, {invitation.email}); if you have one, you log in with it:\n\n"
        f"{mail.link(invitation.get_absolute_url(), request)}\n\n"
        f"The link works until {_moment(invitation.expires_at)} "
        f"({timezone.get_current_timezone_name()}). If you did not expect it, ignore this "
        "e-mail.\n"
    )
    return mail.send(
        [invitation.email], f"Join {invitation.workspace.name} on MarketOS Video", body
    )


@require_POST
def invitation_revoke(request, slug, public_id):
    workspace, actor = _workspace(request, slug, needs="can_manage_members")
    invitation = get_object_or_404(workspace.invitations, public_id=public_id)
    if invitation.revoke(by=actor):
        messages.success(request, f"Withdrew the invitation to {invitation.email}.")
    else:
        messages.error(request, "That invitation was already accepted or withdrawn.")
    return redirect(workspace)


# --- clients and projects ---------------------------------------------------------------------


def _clients_page(request, workspace, actor, client_form=None, project_form=None, status=200):
    context = {
        "workspace": workspace,
        "actor": actor,
        "clients": workspace.clients.prefetch_related("projects"),
        "client_form": client_form or ClientForm(),
        "project_form": project_form or ProjectForm(workspace=workspace),
    }
    return render(request, "workspaces/clients.html", context, status=status)


def clients(request, slug):
    """The workspace's clients and their projects; members who generate add them."""
    workspace, actor = _workspace(request, slug)
    return _clients_page(request, workspace, actor)


@require_POST
def client_add(request, slug):
    workspace, actor = _workspace(request, slug, needs="can_generate")
    form = ClientForm(request.POST)
    if form.is_valid():
        try:
            client = workspace.add_client(form.cleaned_data["name"], by=actor)
        except TeamRuleBroken as exc:
            form.add_error("name", exc.message)
    if form.errors:
        return _clients_page(request, workspace, actor, client_form=form, status=400)
    messages.success(request, f"Added the client “{client.name}”.")
    return redirect("workspaces:clients", workspace.slug)


@require_POST
def project_add(request, slug):
    workspace, actor = _workspace(request, slug, needs="can_generate")
    form = ProjectForm(request.POST, workspace=workspace)
    if form.is_valid():
        try:
            project = form.cleaned_data["client"].add_project(form.cleaned_data["name"], by=actor)
        except TeamRuleBroken as exc:
            form.add_error("name", exc.message)
    if form.errors:
        return _clients_page(request, workspace, actor, project_form=form, status=400)
    messages.success(request, f"Added the project “{project}”.")
    return redirect("workspaces:clients", workspace.slug)


def client_edit(request, slug, public_id):
    """Rename a client, or delete it with its projects while no video was made for them."""
    workspace, actor = _workspace(request, slug, needs="can_generate")
    client = get_object_or_404(workspace.clients, public_id=public_id)
    return _edit_page(request, workspace, actor, client, "client")


def project_edit(request, slug, public_id):
    workspace, actor = _workspace(request, slug, needs="can_generate")
    project = get_object_or_404(
        Project.objects.select_related("client").filter(client__workspace=workspace),
        public_id=public_id,
    )
    return _edit_page(request, workspace, actor, project, "project")


def _edit_page(request, workspace, actor, row, what: str):
    """One page for renaming or deleting a client or a project (``what``)."""
    form = RenameForm(request.POST or None, initial={"name": row.name})
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                row.remove(by=actor)
                messages.success(request, f"Deleted the {what} “{row.name}”.")
                return redirect("workspaces:clients", workspace.slug)
            if form.is_valid():
                row.rename(form.cleaned_data["name"], by=actor)
                messages.success(request, f"Renamed the {what} to “{row.name}”.")
                return redirect("workspaces:clients", workspace.slug)
        except TeamRuleBroken as exc:
            form.add_error(None if request.POST.get("action") == "delete" else "name", exc.message)
    status = 400 if form.errors else 200
    context = {"workspace": workspace, "row": row, "what": what, "form": form}
    return render(request, "workspaces/edit.html", context, status=status)
