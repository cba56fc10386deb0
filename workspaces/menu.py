"""The workspace menu of every page: which workspace the page is in, and the others to
switch to (the same page in another workspace)."""

from django.utils.functional import SimpleLazyObject

from .access import CURRENT_WORKSPACE
from .models import Workspace

# Pages that exist both over all the visitor's workspaces and inside one (``w/<slug>/...``).
SCOPED_PAGES = (
    "videos:generate",
    "videos:videos",
    "videos:library",
    "videos:keys",
    "spend:overview",
    "campaigns:list",
)


def workspace_menu(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    match = request.resolver_match
    here = match.kwargs.get("workspace") if match else None
    page = match.view_name if match and match.view_name in SCOPED_PAGES else "videos:videos"

    def workspaces():
        return list(
            Workspace.objects.visible_to(request.user)
            .order_by("-personal", "name")
            .only("name", "slug", "personal")
        )

    return {
        "menu_workspaces": SimpleLazyObject(workspaces),
        # The nav's links stay in the workspace the visitor is in (the page's, else the last).
        "nav_workspace": here or request.session.get(CURRENT_WORKSPACE),
        "menu_current": here,
        "menu_page": page,
    }
