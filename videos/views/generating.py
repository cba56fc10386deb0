"""The generate page: its form, its options as settings change, presets saved from it, a
new prompt started from an earlier video."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brand.models import Preset
from common.models import PendingUpload
from workspaces import access
from workspaces.models import OverBudget, TeamRuleBroken, Workspace

from .. import lifecycle
from ..forms import (
    IMAGE_FIELDS,
    AudioBox,
    GenerateForm,
    preset_initial,
)
from ..generate_page import generate_context, summary
from ..images import chosen_inputs, forget_inputs, save_inputs
from ..models import VideoJob


def home(request):
    return redirect("videos:generate")


def generate(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    source = _copy_source(request)
    initial = {"idempotency_key": uuid.uuid4().hex, **(source.form_initial() if source else {})}
    if preset := _chosen_preset(request):
        initial.update(preset_initial(preset))
    if source and source.image_inputs and request.method == "GET":
        initial.update(_copied_images(request, source, initial))
    if request.method == "POST":
        replayed = VideoJob.objects.filter(
            owner=request.user, idempotency_key=request.POST.get("idempotency_key", "")
        ).first()
        if replayed is not None:  # a form already sent (a double click): its job
            return redirect(replayed)
    if request.method == "POST" and request.POST.get("preview"):
        # Without JavaScript: the page again with what the kit adds, nothing sent.
        sent = GenerateForm(request.POST, request.FILES, user=request.user, workspace=scope)
        form = GenerateForm(user=request.user, workspace=scope, initial=sent.shown_values())
        for errors in sent.keep_errors.values():  # images it brings that could not be kept
            for error in errors:
                messages.error(request, error)
        return render(request, "videos/generate.html", generate_context(request, form, scope))
    form = GenerateForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        workspace=scope,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid() and form.variant_count > 1:
        form.add_error(
            None,
            f"These settings make {form.variant_count} videos: press “Plan the campaign” "
            "to see each of them and their total cost before anything is sent.",
        )
    if request.method == "POST" and form.is_valid() and (job := _start(request, form)):
        return redirect(job)
    status = 400 if form.errors else 200
    context = generate_context(request, form, scope)
    return render(request, "videos/generate.html", context, status=status)


def _start(request, form) -> VideoJob | None:
    """The job a checked generate form asks for, with the images it holds (pending uploads
    taken over, no copy); None, and the reason on the form, when a budget refuses it."""
    # The job goes to its key's workspace, which must let the visitor generate.
    access.require(request.user, form.cleaned_data["key"].workspace, "can_generate")
    images = save_inputs(form.spec.images, form.kept_paths)
    try:
        job, _ = lifecycle.start_job(
            request.user,
            form.cleaned_data["key"],
            form.spec,
            form.cleaned_data["idempotency_key"],
            images,
            estimate=form.estimate,
            project=form.cleaned_data.get("project"),
            brand_kit=form.kit,
            preset=form.preset,
        )
    except OverBudget as exc:
        forget_inputs(images, kept=form.kept_paths.values())
        form.add_error(None, exc.message)
        return None
    PendingUpload.objects.consume(form.pending)  # the job's now
    return job


def _chosen_preset(request) -> Preset | None:
    """The preset a page starts from (``?preset=<id>``), among those the visitor may use."""
    wanted = request.GET.get("preset")
    if not wanted:
        return None
    try:
        return Preset.objects.visible_to(request.user).get(public_id=wanted)
    except (Preset.DoesNotExist, ValidationError):
        raise Http404("No such preset.") from None


def generate_options(request):
    """The model list, the fields the chosen model accepts and the price of the settings as
    they stand (htmx, whenever a setting changes); choices that would be invalid are gone.
    A preset chosen fills in its prompt template and settings. Another model or key keeps
    every setting and image it can take (its nearest where it offers others), and says in one
    line what it cannot take."""
    current = GenerateForm.values_of(request.GET)
    before = dict(current)
    changed = current.get("changed")
    if changed in ("key", "model", "preset"):
        if changed == "preset" or AudioBox.shown_name("generate_audio") not in current:
            # No choice was made (the model before had no audio switch), or the preset
            # makes one: this model's default.
            current.pop("generate_audio", None)
        else:
            current.setdefault("generate_audio", "")  # left unticked: it stays so
        if changed == "key":
            current.pop("model", None)
            current.pop("also_models", None)  # another key offers other models
        if changed == "preset" and (preset := _chosen_preset_of(request, current)):
            current.update(preset_initial(preset))
            if preset.model_hint:
                current.pop("model", None)
    else:
        current.setdefault("generate_audio", "")  # a box left unticked sends nothing
        if current.get("changed") == "ad_format":
            current.pop("duration", None)  # the format's usual length, where the model has it
    form = GenerateForm(initial=current, user=request.user, initial_model=current.get("model"))
    if changed in ("key", "model"):
        form.settings_note = form.note_changes(before)
    elif changed == "ad_format":
        form.settings_note = form.note_format_length(before)
    if changed != "preset":
        # What the person typed while this answer was on its way stays as typed (htmx keeps
        # the element on the page); only choosing a preset rewrites the prompt.
        for name, field in form.fields.items():
            if name == "prompt" or name.startswith("fill_"):
                field.widget.attrs["hx-preserve"] = "true"
    context = {"form": form, "summary_oob": True, **summary(request, form)}
    return render(request, "videos/generate.html#model-options", context)


def _chosen_preset_of(request, current) -> Preset | None:
    try:
        return Preset.objects.visible_to(request.user).get(public_id=current.get("preset"))
    except (Preset.DoesNotExist, ValidationError):
        return None


@require_POST
def preset_save(request, slug):
    """The generate form's prompt (placeholders kept) and settings, saved as a preset of the
    workspace. The form comes back exactly as it was (key, model, brand kit, the values typed
    for placeholders, images), saved or not: with htmx only its model options, which then
    list the new preset; without, the whole page."""
    workspace, _ = access.get_for_user(
        Workspace.objects, request.user, needs="can_edit_brand", slug=slug
    )
    sent = GenerateForm(request.POST, request.FILES, user=request.user)
    spec = sent.draft_spec()
    data = request.POST.copy()
    for name, ids in sent.kept_ids().items():
        data.setlist(name, ids)
    try:
        preset = Preset.save_as(
            workspace,
            request.POST.get("preset_name", ""),
            request.POST.get("prompt", ""),
            VideoJob.parameters_of(spec) if spec else {},
            model=spec.model if spec else "",
            by=request.user,
        )
    except TeamRuleBroken as exc:
        error, saved = exc.message, None
    else:
        error, saved = None, f"Saved the preset “{preset.name}”; choose it under Preset."
        data["preset_name"] = ""
    # Shown as sent (the new preset now among the choices); its refusals wait for Generate.
    form = GenerateForm(data, user=request.user)
    form.full_clean()
    form.errors.clear()
    for name, errors in sent.keep_errors.items():  # images it brought that could not be kept
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    if error:
        form.add_error("preset_name" if "preset_name" in form.fields else None, error)
    if request.htmx:  # 200 even with an error: htmx swaps in nothing else
        context = {"form": form, "summary_oob": True, "preset_saved": saved}
        context |= summary(request, form)
        return render(request, "videos/generate.html#model-options", context)
    if saved:
        messages.success(request, saved)
    context = generate_context(request, form)
    return render(request, "videos/generate.html", context, status=200 if saved else 400)


def _copy_source(request) -> VideoJob | None:
    """The earlier job (``?from=<job>``) whose settings a new prompt starts from."""
    public_id = request.GET.get("from")
    if not public_id:
        return None
    job, _ = access.get_for_user(VideoJob.objects, request.user, public_id=public_id)
    return job


def _copied_images(request, job, initial) -> dict:
    """The images the visitor chose for ``job``, as their pending uploads again (each with its
    own copy of the file; showing the page again reuses them), by field; a plain line on
    those that cannot come back."""
    chosen = chosen_inputs(job.image_inputs, had_kit=job.brand_kit_id is not None)
    if chosen is None:
        messages.info(
            request,
            "The images of that video are not copied (its brand kit's images cannot be told "
            "from yours): choose yours again to use them.",
        )
        return {}
    ids, lost = {}, False
    for entry in chosen:
        if entry["role"] not in (*IMAGE_FIELDS, "reference"):
            continue
        try:
            upload = PendingUpload.copy_of(
                request.user, entry["path"], entry["mime_type"], name="image of the earlier video"
            )
        except ValidationError as exc:
            messages.info(request, exc.messages[0])
            break
        except OSError:
            lost = True
            continue
        ids.setdefault(entry["role"], []).append(str(upload.public_id))
    if lost:
        messages.info(request, "Some images of that video are no longer stored: choose them again.")
    kit_images = len(job.image_inputs) > len(chosen)
    if kit_images and job.brand_kit and initial.get("brand_kit") != str(job.brand_kit.public_id):
        messages.info(
            request,
            f"The brand kit's images are not among yours: choose the brand kit "
            f"“{job.brand_kit.name}” to add them again.",
        )
    return ids
