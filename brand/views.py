from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from workspaces import access
from workspaces.models import TeamRuleBroken, Workspace

from .forms import BrandKitForm, RenamePresetForm
from .models import BrandKit, Preset


def kits(request, slug):
    """The workspace's brand kits and presets (and those shipped with the app); every member
    reads them, members who generate change them."""
    workspace, membership = access.get_for_user(Workspace.objects, request.user, slug=slug)
    context = {
        "workspace": workspace,
        "can_edit": membership.can_edit_brand,
        "kits": workspace.brand_kits.select_related("client").prefetch_related("images"),
        "presets": Preset.objects.offered_for(workspace).order_by("-workspace_id", "name"),
    }
    return render(request, "brand/kits.html", context)


def kit_add(request, slug):
    workspace, _ = access.get_for_user(
        Workspace.objects, request.user, needs="can_edit_brand", slug=slug
    )
    return _kit_page(request, workspace, BrandKit())


def kit_edit(request, slug, public_id):
    kit, _ = access.get_for_user(
        BrandKit.objects.select_related("workspace"),
        request.user,
        needs="can_edit_brand",
        workspace__slug=slug,
        public_id=public_id,
    )
    if request.method == "POST" and request.POST.get("action") == "delete":
        kit.remove()
        messages.success(request, f"Deleted the brand kit “{kit.name}”.")
        return redirect("brand:kits", slug)
    return _kit_page(request, kit.workspace, kit)


def kit_image(request, slug, public_id, number):
    """One of a kit's images (its pk as ``number``), for every member of its workspace."""
    kit, _ = access.get_for_user(
        BrandKit.objects, request.user, workspace__slug=slug, public_id=public_id
    )
    image = kit.images.filter(pk=number).first()
    if image is None or not default_storage.exists(image.path):
        raise Http404("No such image.")
    response = FileResponse(default_storage.open(image.path, "rb"), content_type=image.mime_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _kit_page(request, workspace, kit):
    form = BrandKitForm(
        request.POST or None,
        request.FILES or None,
        instance=kit,
        workspace=workspace,
        owner=request.user,
    )
    if request.method == "POST" and form.is_valid():
        kit = form.save(by=request.user)
        messages.success(request, f"Saved the brand kit “{kit.name}”.")
        return redirect("brand:kits", workspace.slug)
    context = {"workspace": workspace, "kit": kit, "form": form}
    return render(request, "brand/kit.html", context, status=400 if form.errors else 200)


def preset_edit(request, slug, public_id):
    """Rename or delete a workspace's preset (those shipped with the app are not here)."""
    preset, _ = access.get_for_user(
        Preset.objects.filter(workspace__isnull=False).select_related("workspace"),
        request.user,
        needs="can_edit_brand",
        workspace__slug=slug,
        public_id=public_id,
    )
    form = RenamePresetForm(request.POST or None, initial={"name": preset.name})
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            preset.delete()
            messages.success(request, f"Deleted the preset “{preset.name}”.")
            return redirect("brand:kits", slug)
        if form.is_valid():
            try:
                preset.rename(form.cleaned_data["name"])
            except TeamRuleBroken as exc:
                form.add_error("name", exc.message)
            else:
                messages.success(request, f"Renamed the preset to “{preset.name}”.")
                return redirect("brand:kits", slug)
    context = {"workspace": preset.workspace, "preset": preset, "form": form}
    return render(request, "brand/preset.html", context, status=400 if form.errors else 200)
