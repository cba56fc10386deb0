from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .forms import ProviderKeyForm, ReplaceSecretForm
from .models import ProviderKey


def home(request):
    return redirect("videos:keys")


def _own_key(request, public_id) -> ProviderKey:
    return get_object_or_404(ProviderKey.objects.owned_by(request.user), public_id=public_id)


def _report(request, works: bool | None, message: str) -> None:
    level = {True: messages.SUCCESS, False: messages.ERROR, None: messages.WARNING}[works]
    messages.add_message(request, level, message)


def _report_saved(request, key: ProviderKey, saved: str) -> None:
    """Say what was saved and, in the same breath, whether the provider accepts it."""
    works, message = key.verify()
    _report(request, works, f"{saved} {message}")


@sensitive_post_parameters("secret")
def keys(request):
    form = ProviderKeyForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        key = form.save()
        _report_saved(request, key, f"Saved “{key.label}” as {key.masked}.")
        return redirect("videos:keys")
    user_keys = ProviderKey.objects.owned_by(request.user)
    status = 400 if form.errors else 200
    return render(request, "videos/keys.html", {"form": form, "keys": user_keys}, status=status)


def key_detail(request, public_id):
    key = _own_key(request, public_id)
    return render(
        request, "videos/key_detail.html", {"key": key, "form": ReplaceSecretForm(key=key)}
    )


@sensitive_post_parameters("secret")
@require_POST
def key_replace(request, public_id):
    key = _own_key(request, public_id)
    form = ReplaceSecretForm(request.POST, key=key)
    if not form.is_valid():
        return render(request, "videos/key_detail.html", {"key": key, "form": form}, status=400)
    form.save()
    _report_saved(request, key, f"Replaced the secret of “{key.label}”; it is now {key.masked}.")
    return redirect("videos:keys")


@require_POST
def key_verify(request, public_id):
    key = _own_key(request, public_id)
    works, message = key.verify()
    if request.htmx:
        return render(
            request, "videos/keys.html#key-row", {"key": key, "verdict": (works, message)}
        )
    _report(request, works, f"“{key.label}”: {message}")
    return redirect("videos:keys")


def key_delete(request, public_id):
    key = _own_key(request, public_id)
    if request.method == "POST":
        key.delete()
        messages.success(request, f"Deleted the key “{key.label}” ({key.masked}).")
        return redirect("videos:keys")
    return render(request, "videos/key_delete.html", {"key": key})
