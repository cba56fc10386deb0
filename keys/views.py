"""The Keys pages: a workspace's provider keys, added, replaced, verified, deleted."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from providers import registry
from workspaces import access
from workspaces.models import Workspace

from .forms import ProviderKeyForm, ReplaceSecretForm
from .models import ProviderKey


def _managed_key(request, public_id) -> ProviderKey:
    """A key the visitor may see (else 404) and manage (else 403)."""
    key, _ = access.get_for_user(
        ProviderKey.objects.select_related("workspace"),
        request.user,
        needs="can_manage_keys",
        public_id=public_id,
    )
    return key


def _report(request, works: bool | None, message: str) -> None:
    level = {True: messages.SUCCESS, False: messages.ERROR, None: messages.WARNING}[works]
    messages.add_message(request, level, message)


def _report_saved(request, key: ProviderKey, saved: str) -> None:
    """Say what was saved and, in the same breath, whether the provider accepts it."""
    works, message = key.verify()
    _report(request, works, f"{saved} {message}")


@sensitive_post_parameters("secret")
def keys(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    # New keys go to the page's workspace (else the visitor's own) unless they choose another
    # they manage keys in.
    form = ProviderKeyForm(
        request.POST or None,
        owner=request.user,
        workspace=scope or access.personal_workspace(request.user),
        workspaces=None
        if scope
        else Workspace.objects.managed_by(request.user).order_by("-personal", "name"),
    )
    if request.method == "POST" and form.is_valid():
        access.require(request.user, form.instance.workspace, "can_manage_keys")
        key = form.save()
        _report_saved(request, key, f"Saved “{key.label}” as {key.masked}.")
        return redirect(request.path)
    keys = ProviderKey.objects.visible_to(request.user).select_related("workspace")
    context = {
        "form": form,
        "keys": keys.filter(workspace=scope) if scope else keys,
        "managed": set(Workspace.objects.managed_by(request.user).values_list("pk", flat=True)),
        "providers": registry.ADAPTERS.values(),
    }
    return render(request, "keys/keys.html", context, status=400 if form.errors else 200)


def key_detail(request, public_id):
    key = _managed_key(request, public_id)
    return render(request, "keys/key_detail.html", {"key": key, "form": ReplaceSecretForm(key=key)})


@sensitive_post_parameters("secret")
@require_POST
def key_replace(request, public_id):
    key = _managed_key(request, public_id)
    form = ReplaceSecretForm(request.POST, key=key)
    if not form.is_valid():
        return render(request, "keys/key_detail.html", {"key": key, "form": form}, status=400)
    form.save()
    _report_saved(request, key, f"Replaced the secret of “{key.label}”; it is now {key.masked}.")
    return redirect("videos:keys")


@require_POST
def key_verify(request, public_id):
    key = _managed_key(request, public_id)
    works, message = key.verify()
    if request.htmx:
        return render(
            request,
            "keys/keys.html#key-row",
            {
                "key": key,
                "verdict": (works, message),
                "managed": {key.workspace_id},
            },
        )
    _report(request, works, f"“{key.label}”: {message}")
    return redirect("videos:keys")


def key_delete(request, public_id):
    key = _managed_key(request, public_id)
    if request.method == "POST":
        key.delete()
        messages.success(request, f"Deleted the key “{key.label}” ({key.masked}).")
        return redirect("videos:keys")
    # The jobs are the videos app's, built on keys: their model reached through the relation.
    running = key.jobs.exclude(status__in=key.jobs.model.TERMINAL).count()
    return render(request, "keys/key_delete.html", {"key": key, "running": running})
