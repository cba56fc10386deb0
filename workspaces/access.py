"""The one access check: who may see and do what in a workspace.

Views fetch every workspace-owned object through ``get_for_user``, which gives back the object
and the visitor's membership of its workspace together (a 404 for anything the visitor may not
see, so a stranger learns nothing about what exists); an action is guarded by ``needs=`` or by
the membership's ``require`` (a 403 for a member whose role does not allow it).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils.text import slugify

from .models import Membership, Workspace

CAPABILITIES = (
    "can_generate",
    "can_manage_keys",
    "can_review",
    "can_manage_members",
    "can_share",
    "can_star",
    "can_edit_brand",
    "can_set_budgets",
)


def membership_of(user, workspace) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, workspace=workspace).first()


def role_of(user, workspace) -> str | None:
    """The user's role in the workspace, or None if they are not a member."""
    membership = membership_of(user, workspace)
    return membership.role if membership else None


def can(user, workspace, capability: str) -> bool:
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}")
    membership = membership_of(user, workspace)
    return membership is not None and getattr(membership, capability)


def require(user, workspace, capability: str) -> Membership:
    """``user``'s membership of ``workspace``; PermissionDenied unless its role grants
    ``capability``."""
    return _granting(membership_of(user, workspace), capability)


def _granting(membership: Membership | None, capability: str) -> Membership:
    """``membership``, if there is one and its role grants ``capability`` (else 403)."""
    if capability not in CAPABILITIES:
        raise ValueError(f"Unknown capability {capability!r}")
    if membership is None:
        raise PermissionDenied("Your role in this workspace does not allow this.")
    return membership.require(capability)


def get_for_user(queryset, user, *, needs: str | None = None, **lookup):
    """``(object, membership)``: the one object matching ``lookup`` among those ``user`` may
    see (their workspaces'), else Http404, and ``user``'s membership of its workspace, so that
    what the view does next asks nothing again. Seeing takes membership; ``needs`` names a
    capability the action takes on top (PermissionDenied without it). Something shipped with
    the app, in no workspace (a preset), comes with no membership."""
    if needs is not None and needs not in CAPABILITIES:  # before any query: a typo, not a 404
        raise ValueError(f"Unknown capability {needs!r}")
    queryset = queryset.all()  # a manager or a queryset
    try:
        visible = queryset.visible_to(user)
        found = visible.annotate(_visited_workspace=F(queryset.workspace_path)).get(**lookup)
    except (queryset.model.DoesNotExist, ValidationError, ValueError, TypeError):
        # A lookup value that cannot name one (``?from=<not an id>``) finds nothing either.
        raise Http404(f"No such {queryset.model._meta.verbose_name}.") from None
    membership = (
        Membership.objects.filter(user=user, workspace=found._visited_workspace).first()
        if found._visited_workspace is not None
        else None
    )
    if needs is not None:
        _granting(membership, needs)
    return found, membership


def workspace_in_url(request, slug: str | None) -> Workspace | None:
    """The workspace a page's URL names (``w/<slug>/...``), if the visitor belongs to it
    (else Http404); None for a page over all their workspaces. The last one named is kept in
    the session, so that the menu leads back to it."""
    if slug is None:
        return None
    try:
        workspace = Workspace.objects.visible_to(request.user).get(slug=slug)
    except Workspace.DoesNotExist:
        raise Http404("No such workspace.") from None
    if request.session.get(CURRENT_WORKSPACE) != slug:
        request.session[CURRENT_WORKSPACE] = slug
    return workspace


CURRENT_WORKSPACE = "workspaces.current"


def unique_slug(name: str) -> str:
    """A slug made from ``name``, numbered when the plain one is taken."""
    base = slugify(name)[:50] or "workspace"
    slug, number = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_workspace(user, name: str) -> Workspace:
    """A new shared workspace (an agency's, a team's) named ``name``, owned by ``user``."""
    name = name.strip()
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=unique_slug(name))
        Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.OWNER)
    return workspace


def personal_workspace(user) -> Workspace:
    """The user's own workspace, where they are the owner; made the first time it is asked for."""
    found = Workspace.objects.filter(
        personal=True, memberships__user=user, memberships__role=Membership.Role.OWNER
    ).first()
    if found is not None:
        return found
    with transaction.atomic():
        # Lock the user's row: two first requests at once make one workspace, not two.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        found = Workspace.objects.filter(
            personal=True, memberships__user=user, memberships__role=Membership.Role.OWNER
        ).first()
        if found is not None:
            return found
        name = user.get_username()
        workspace = Workspace.objects.create(name=name, slug=unique_slug(name), personal=True)
        Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.OWNER)
    return workspace
