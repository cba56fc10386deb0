import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from prometheus_client import CONTENT_TYPE_LATEST

from brand.models import Preset
from common.models import PendingUpload
from providers import registry
from providers.base import InvalidSpec
from workspaces import access
from workspaces.models import OverBudget, TeamRuleBroken, Workspace

from . import comparison, formats, lifecycle, live, observability, renditions
from .forms import (
    IMAGE_FIELDS,
    AudioBox,
    ClientProjectFilter,
    ClipTitleForm,
    CompareForm,
    ConfirmForm,
    ContinueForm,
    GenerateForm,
    LibraryFilter,
    MoveProjectForm,
    ProviderKeyForm,
    ReplaceSecretForm,
    preset_initial,
)
from .images import chosen_inputs, forget_inputs, save_inputs
from .media import serving
from .models import Clip, ProviderKey, Rendition, VideoJob

MOBILE_AGENTS = ("Mobile", "Android", "iPhone", "iPad", "iPod")


def is_mobile(request) -> bool:
    """Phones get the single-clip download only (the zip of all clips is for desktops)."""
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in MOBILE_AGENTS)


@login_not_required
def health(request):
    """For load balancers and uptime checks: the app answers."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
def ready(request):
    """For orchestrators: 503 while the database is unreachable or no worker is alive."""
    is_ready, why = observability.readiness()
    return HttpResponse(why, content_type="text/plain", status=200 if is_ready else 503)


@login_not_required
def metrics(request):
    """Prometheus metrics, for a scraper holding ``MARKETOS_METRICS_TOKEN`` (else 404)."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not constant_time_compare(given, token):
        raise Http404("No metrics here.")
    return HttpResponse(observability.metrics_text(), content_type=CONTENT_TYPE_LATEST)


def home(request):
    return redirect("videos:generate")


def _managed_key(request, public_id) -> ProviderKey:
    """A key the visitor may see (else 404) and manage (else 403)."""
    return access.get_for_user(
        ProviderKey.objects.select_related("workspace"),
        request.user,
        needs="can_manage_keys",
        public_id=public_id,
    )


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
    return render(request, "videos/keys.html", context, status=400 if form.errors else 200)


def key_detail(request, public_id):
    key = _managed_key(request, public_id)
    return render(
        request, "videos/key_detail.html", {"key": key, "form": ReplaceSecretForm(key=key)}
    )


@sensitive_post_parameters("secret")
@require_POST
def key_replace(request, public_id):
    key = _managed_key(request, public_id)
    form = ReplaceSecretForm(request.POST, key=key)
    if not form.is_valid():
        return render(request, "videos/key_detail.html", {"key": key, "form": form}, status=400)
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
            "videos/keys.html#key-row",
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
    running = key.jobs.exclude(status__in=VideoJob.TERMINAL).count()
    return render(request, "videos/key_delete.html", {"key": key, "running": running})


# --- generating -------------------------------------------------------------------------------


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


def generate_context(request, form, scope=None) -> dict:
    """The form, its summary, the visitor's latest jobs (in the page's workspace), and for
    someone who has made nothing yet, the shipped presets to start from."""
    recent = _in_scope(VideoJob.objects.visible_to(request.user), scope)
    recent = list(recent.filter(owner=request.user).order_by("-created_at")[:5])
    first_time = not recent and not VideoJob.objects.filter(owner=request.user).exists()
    return {
        "form": form,
        "scope": scope,
        "recent": recent,
        "examples": list(Preset.objects.shipped().order_by("pk")) if first_time else [],
        **_summary(request, form),
    }


def _summary(request, form) -> dict:
    """What the summary beside the form needs besides the form (which knows the format, kit
    and price): how long a job of the chosen model usually takes among the visitor's jobs,
    and what is left this month of the budget the video must fit (the chosen key's
    workspace's, or the chosen project's client's), counted as the spend page counts it."""
    if form.model_info is None:
        return {"typical_wait": None, "budgets": []}
    wait = VideoJob.objects.visible_to(request.user).typical_wait(form.model_info.id)
    project = next((p for p in form.projects if str(p.public_id) == form.value("project")), None)
    budgets = VideoJob.budgets_left(form.chosen_key.workspace, project.client if project else None)
    return {"typical_wait": _in_words(wait) if wait is not None else None, "budgets": budgets}


def _in_words(span) -> str:
    """A duration as people say it: "about 45 s", "about 2 min 10 s"."""
    minutes, seconds = divmod(round(span.total_seconds()), 60)
    if not minutes:
        return f"about {seconds} s"
    return f"about {minutes} min {seconds} s" if seconds else f"about {minutes} min"


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
    context = {"form": form, "summary_oob": True, **_summary(request, form)}
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
    workspace = access.get_for_user(Workspace.objects, request.user, slug=slug)
    access.require(request.user, workspace, "can_generate")
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
        context |= _summary(request, form)
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
    return access.get_for_user(VideoJob.objects, request.user, public_id=public_id)


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


# --- jobs -------------------------------------------------------------------------------------


# What the job page and its live panel show of a job, fetched with it (the campaign of a
# campaign's video through its reverse one-to-one).
JOB_PAGE_RELATED = ("key", "project__client", "owner", "brand_kit", "preset", "variant__campaign")


def _job(request, public_id, *related, needs=None) -> VideoJob:
    """A job the visitor may see (else 404) and, if ``needs`` says so, act on (else 403)."""
    return access.get_for_user(
        VideoJob.objects.select_related("workspace", *related),
        request.user,
        needs=needs,
        public_id=public_id,
    )


def _job_context(request, job):
    # Fetched once onto the job: what the panel says of the job (its length) reads them too.
    prefetch_related_objects([job], "clips__renditions")
    clips = list(job.clips.all())
    for clip in clips:
        clip.job = job
    live = (
        not job.is_terminal
        or any(c.status not in Clip.TERMINAL for c in clips)
        or any(r.in_progress for c in clips for r in c.renditions.all())
    )
    # A viewer reviews: actions that would spend money are not offered at all.
    can_generate = access.can(request.user, job.workspace, "can_generate")
    if can_generate:
        for clip in clips:
            clip.title_form = ClipTitleForm(initial={"title": clip.title}, clip=clip)
    return {
        "job": job,
        "clips": clips,
        "ready_clips": [c for c in clips if c.status == Clip.Status.READY],
        # Keep refreshing while the job runs or a clip is still being copied.
        "live": live,
        "can_generate": can_generate,
        "offer_save_all": not is_mobile(request),
        "offers": [] if live or not can_generate else lifecycle.clip_offers(clips),
        # Whether the version this one was made from still has a clip to compare with.
        "earlier_in_storage": job.parent_id is not None
        and Clip.objects.filter(job__clips=job.parent_id, status=Clip.Status.READY).exists(),
    }


def job_detail(request, public_id):
    job = _job(request, public_id, *JOB_PAGE_RELATED)
    return _job_page(request, job)


def _job_page(request, job, part="", *, move_form=None, title_form=None, status=200):
    """The job page, or its ``part`` (``"#live"``: the panel htmx swaps in after a clip
    action); forms that were sent come back as sent, errors and all."""
    version = VideoJob.objects.visible_to(request.user).live_version(job.public_id)
    context = _job_context(request, job) | {
        "poll_url": live.poll_url(request, job.public_id, version),
        "move_form": move_form or MoveProjectForm(job=job, user=request.user),
    }
    if not part:
        # The version chain sits outside the live panel: worked out once, for the whole page.
        context["versions"] = job.versions()
    if title_form is not None:
        for clip in context["clips"]:
            if clip.number == title_form.clip_number:
                clip.title_form = title_form
    return render(request, f"videos/job.html{part}", context, status=status)


def _back(request, default):
    """Back where the form was (a local ``next``), else to ``default``."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else default)


@require_POST
def job_project(request, public_id):
    """File the job under another project of its workspace, or none."""
    job = _job(request, public_id, "project__client", needs="can_generate")
    form = MoveProjectForm(request.POST, job=job, user=request.user)
    if form.is_valid():
        try:
            job.move_to(form.cleaned_data["project"], by=request.user)
        except TeamRuleBroken as exc:
            form.add_error("project", str(exc))
    if request.htmx:
        # 200 even with an error: htmx swaps in nothing else, and the form shows the error.
        context = {"job": job, "move_form": form, "can_generate": True}
        return render(request, "videos/job.html#project", context)
    if form.errors:
        return _job_page(request, job, move_form=form, status=400)
    if job.project:
        messages.success(request, f"Filed under {job.project.client.name} — {job.project.name}.")
    else:
        messages.success(request, "This video is no longer filed under a project.")
    return _back(request, job.get_absolute_url())


@require_POST
def clip_rename(request, public_id, number):
    clip = _ready_clip(request, public_id, number, needs="can_generate")
    form = ClipTitleForm(request.POST, clip=clip)
    if form.is_valid():
        clip.rename(form.cleaned_data["title"])
    if request.htmx:  # 200 even with an error: htmx swaps in nothing else
        return _job_page(request, clip.job, "#live", title_form=form)
    if form.errors:
        return _job_page(request, clip.job, title_form=form, status=400)
    messages.success(request, f"Clip {clip.number} is now called “{clip.name}”.")
    return _back(request, clip.job.get_absolute_url())


@require_POST
def clip_star(request, public_id, number):
    """Star the clip, or take its star away (a toggle)."""
    clip = _ready_clip(request, public_id, number, needs="can_generate")
    clip.star(not clip.starred)
    if request.htmx:
        context = {"clip": clip, "next": request.POST.get("next", "")}
        response = render(request, "videos/library.html#star", context)
        # What counts winners on the page (a campaign's board) refreshes itself on this.
        response["HX-Trigger"] = "clip-starred"
        return response
    return _back(request, f"{clip.job.get_absolute_url()}#clip-{clip.number}")


def clip_delete(request, public_id, number):
    """Delete a clip for good (GET asks first, saying what goes and what stays)."""
    clip = _ready_clip(request, public_id, number, needs="can_generate")
    if request.method != "POST":
        comments = clip.comments.count()
        context = {"clip": clip, "job": clip.job, "comments": comments}
        return render(request, "videos/clip_delete.html", context)
    clip.discard()
    if request.htmx:
        return _job_page(request, clip.job, "#live")
    messages.success(request, f"Deleted “{clip.name}”: its file is no longer stored.")
    return _back(request, clip.job.get_absolute_url())


def job_live(request, public_id):
    """The status panel and results, polled by htmx every 2 s. Nothing changed since the
    version the page shows: 204, which htmx leaves alone (usually answered even sooner, by
    ``live.UnchangedPanelMiddleware``). A poll whose pass has gone stale gets the panel again,
    with a new pass. HTTP 286 stops the polling once the job is done."""
    version = VideoJob.objects.visible_to(request.user).live_version(public_id)
    if version is None:
        raise Http404("No such video.")
    if request.GET.get("v") == version and live.pass_holds(request, public_id):
        return HttpResponse(status=204)
    job = _job(request, public_id, *JOB_PAGE_RELATED)
    context = _job_context(request, job) | {"poll_url": live.poll_url(request, public_id, version)}
    response = render(request, "videos/job.html#live", context)
    if not context["live"]:
        response.status_code = 286
    return response


def job_resubmit(request, public_id):
    """Submit again with the same settings: a new job, paid again, so the price is shown and
    the question asked once (GET) before anything is sent (POST)."""
    job = _job(request, public_id, "key", needs="can_generate")
    if job.key is None or not job.key.usable:
        reason = "was deleted" if job.key is None else "cannot start jobs now"
        messages.error(request, f"The key this job used {reason}; pick another key.")
        return redirect(f"{reverse('videos:generate')}?from={job.public_id}")
    form = ConfirmForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        try:
            new, _ = lifecycle.resubmit(job, form.cleaned_data["idempotency_key"], by=request.user)
        except OverBudget as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(new)
    context = {"job": job, "form": form}
    status = 400 if form.non_field_errors() else 200  # refused (a budget), not a bad click
    return render(request, "videos/job_resubmit.html", context, status=status)


@require_POST
def job_cancel(request, public_id):
    job = _job(request, public_id, "key", needs="can_generate")
    if lifecycle.cancel(job):
        messages.success(request, "Cancelled.")
    else:
        messages.error(request, "This job can no longer be cancelled.")
    return redirect(job)


def clip_continue(request, public_id, number, kind):
    """Extend a clip, or edit it with a prompt: a new job whose result is the clip's next
    version. The price is shown before anything is sent."""
    clip = _ready_clip(request, public_id, number, needs="can_generate")
    job = clip.job
    # Asked of the provider before anything is offered: it may have forgotten the clip's job.
    offer = lifecycle.kept_offer(clip, kind)
    form = ContinueForm(
        request.POST or None,
        kind=kind,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if not offer.allowed and request.method != "POST":
        messages.error(request, offer.reason)
        return redirect(job)
    if not offer.allowed:  # it was, when the form was shown: said there, what was typed kept
        form.add_error(None, offer.reason)
    elif request.method == "POST" and form.is_valid():
        try:
            new, _ = lifecycle.continue_clip(
                clip,
                kind,
                form.cleaned_data["prompt"],
                form.cleaned_data["idempotency_key"],
                by=request.user,
                offer=offer,
            )
        except (InvalidSpec, OverBudget) as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(new)
    context = {"job": job, "clip": clip, "form": form, "offer": offer, "kind": kind}
    return render(request, "videos/clip_continue.html", context, status=400 if form.errors else 200)


def job_compare(request, public_id):
    """A version beside another of the same video (by default the one it was made from),
    the earlier on the left, played in step."""
    job = _job(request, public_id, "parent__job")
    ready = Clip.objects.filter(status=Clip.Status.READY)
    try:
        pair = comparison.compare(job, request.GET.get("with", "").strip(), ready)
    except comparison.NotComparable as exc:
        raise Http404(exc.message) from exc
    context = {"job": job, "pair": pair, "form": CompareForm(pair)}
    return render(request, "videos/job_compare.html", context)


@require_POST
def clip_retry(request, public_id, number):
    clip = _clip(request, public_id, number, needs="can_generate")
    if lifecycle.retry_clip(clip):
        messages.success(request, f"Copying clip {number} again.")
    return redirect(clip.job)


def videos(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    jobs = _in_scope(VideoJob.objects.visible_to(request.user), scope).prefetch_related(
        Prefetch("clips", queryset=Clip.objects.filter(status=Clip.Status.READY), to_attr="ready")
    )
    status, provider = request.GET.get("status", ""), request.GET.get("provider", "")
    if status in VideoJob.Status.values:
        jobs = jobs.filter(status=status)
    if provider in registry.ADAPTERS:
        jobs = jobs.filter(provider=provider)
    work = ClientProjectFilter(request.GET, user=request.user, workspace=scope)
    jobs = work.apply(jobs.select_related("project__client", "variant__campaign").with_takes())
    page = Paginator(jobs, 12).get_page(request.GET.get("page"))
    return render(
        request,
        "videos/videos.html",
        {
            "page": page,
            "status": status,
            "provider": provider,
            "work": work,
            "statuses": VideoJob.Status.choices,
            "providers": registry.choices(),
        },
    )


def _in_scope(queryset, scope, path="workspace"):
    """``queryset`` narrowed to the workspace the page's URL names, if it names one."""
    return queryset.filter(**{path: scope}) if scope is not None else queryset


def library(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    clips = _in_scope(Clip.objects.visible_to(request.user), scope, "job__workspace")
    clips = clips.filter(status=Clip.Status.READY).select_related("job__workspace")
    search = LibraryFilter(request.GET)
    work = ClientProjectFilter(request.GET, user=request.user, workspace=scope)
    clips = work.apply(search.apply(clips), path="job__")
    page = Paginator(clips.order_by("-ready_at"), 24).get_page(request.GET.get("page"))
    generating = set(Workspace.objects.generating_for(request.user).values_list("pk", flat=True))
    return render(
        request,
        "videos/library.html",
        {
            "page": page,
            "search": search,
            "work": work,
            "generating": generating,
            "next": request.get_full_path(),
        },
    )


# --- media ------------------------------------------------------------------------------------


def _clip(request, public_id, number, needs=None) -> Clip:
    return access.get_for_user(
        Clip.objects.select_related("job__workspace"),
        request.user,
        needs=needs,
        job__public_id=public_id,
        index=number - 1,
    )


def _ready_clip(request, public_id, number, needs=None) -> Clip:
    clip = _clip(request, public_id, number, needs)
    if clip.status != Clip.Status.READY:
        raise Http404("This clip is not in storage (yet).")
    return clip


def clip_file(request, public_id, number):
    clip = _ready_clip(request, public_id, number)
    return serving.serve(request, clip.file.name, clip.content_type or "video/mp4")


def clip_poster(request, public_id, number):
    clip = _ready_clip(request, public_id, number)
    if not clip.poster:  # a clip whose poster frame could not be made
        raise Http404("This clip has no poster.")
    return serving.serve(request, clip.poster.name, "image/jpeg")


def clip_download(request, public_id, number):
    clip = _ready_clip(request, public_id, number)
    total = clip.job.clips.count()
    return serving.serve(
        request, clip.file.name, clip.content_type, download_as=clip.download_name(total)
    )


@require_POST
def clip_export(request, public_id, number, format):
    """Render the clip reframed into an ad format (again, if that failed before)."""
    clip = _ready_clip(request, public_id, number, needs="can_generate")
    ad_format = formats.get(format)
    if ad_format is None:
        raise Http404("There is no such ad format.")
    rendition = renditions.ask(clip, ad_format.key)
    if rendition.status == Rendition.Status.READY:
        messages.info(request, f"The {ad_format.ratio} export of {clip.name} is ready.")
    else:
        messages.success(
            request, f"Rendering a {ad_format.ratio} export of {clip.name}; the original is kept."
        )
    return redirect(f"{clip.job.get_absolute_url()}#clip-{clip.number}")


def _ready_rendition(request, public_id, number, format) -> Rendition:
    """A ready export of a clip the visitor may see (the clip's own check), else 404."""
    clip = _ready_clip(request, public_id, number)
    rendition = clip.renditions.filter(format=format, status=Rendition.Status.READY).first()
    if rendition is None:
        raise Http404("This export is not ready.")
    rendition.clip = clip
    return rendition


def rendition_file(request, public_id, number, format):
    rendition = _ready_rendition(request, public_id, number, format)
    return serving.serve(request, rendition.file.name, "video/mp4")


def rendition_download(request, public_id, number, format):
    rendition = _ready_rendition(request, public_id, number, format)
    total = rendition.clip.job.clips.count()
    name = rendition.download_name(total)
    return serving.serve(request, rendition.file.name, "video/mp4", download_as=name)


def job_zip(request, public_id):
    job = _job(request, public_id)
    clips = list(job.clips.filter(status=Clip.Status.READY).prefetch_related("renditions"))
    if not clips:
        raise Http404("No clip of this job is ready yet.")
    for clip in clips:
        clip.job = job
    manifest = job.manifest(clips, total=job.clips.count())
    return serving.zip_response(job, clips, manifest, f"{job.file_stem}.zip")
