import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from videos.forms import GenerateForm
from videos.media import serving
from videos.models import Clip, VideoJob
from videos.views import generate_context, is_mobile
from workspaces import access
from workspaces.models import OverBudget, TeamRuleBroken

from . import package as packages
from . import planning
from .models import Campaign, CampaignNotStarted


def _campaign(request, public_id, needs=None) -> Campaign:
    return access.get_for_user(
        Campaign.objects.select_related("workspace", "project__client", "key", "created_by"),
        request.user,
        needs=needs,
        public_id=public_id,
    )


# What a campaign's videos count for in spend (VideoJob.charged_amount), by the database.
_spent = (
    VideoJob.objects.filter(variant__campaign=OuterRef("pk"))
    .order_by()
    .values("variant__campaign")
    .annotate(total=Sum(VideoJob.objects.charged_amount()))
    .values("total")
)


def campaigns(request, workspace=None):
    """The campaigns of the visitor's workspaces (or of the one in the URL), newest first."""
    scope = access.workspace_in_url(request, workspace)
    found = Campaign.objects.visible_to(request.user).select_related("workspace", "project__client")
    if scope:
        found = found.filter(workspace=scope)
    # Distinct: the joins to jobs and clips would count a video once per clip.
    found = found.annotate(
        made=Count("variants", distinct=True),
        ready=Count(
            "variants", filter=Q(variants__job__status=VideoJob.Status.READY), distinct=True
        ),
        winners=Count(
            "variants__job__clips", filter=Q(variants__job__clips__starred=True), distinct=True
        ),
        spent=Subquery(_spent),
    ).order_by("-created_at")
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(request, "campaigns/list.html", {"page": page, "scope": scope})


@require_POST
def plan(request):
    """The generate form, sent to plan a campaign: every video it makes and their total,
    shown on the campaign's page before anything is sent (nothing is sent here)."""
    form = GenerateForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        access.require(request.user, form.cleaned_data["key"].workspace, "can_generate")
        replayed = Campaign.objects.filter(
            created_by=request.user, idempotency_key=form.cleaned_data["idempotency_key"]
        ).first()
        if replayed is not None:  # the same form sent again (a double click)
            return redirect(replayed)
        try:
            planned = planning.fan_out(form)
        except planning.NotPlannable as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(Campaign.draft(form, planned, by=request.user))
    # The form again, errors and all; its Generate button still makes one video.
    context = generate_context(request, form) | {"generate_url": reverse("videos:generate")}
    return render(request, "videos/generate.html", context, status=400)


def campaign(request, public_id):
    """A plan to confirm, or the campaign's videos by format (htmx polls the board while
    some are still being made)."""
    campaign = _campaign(request, public_id)
    if campaign.is_draft:
        return render(request, "campaigns/campaign.html", _plan_context(request, campaign))
    context = _board_context(request, campaign)
    if request.htmx:
        response = render(request, "campaigns/campaign.html#board", context)
        # Every video has ended: this board is the last, and polling stops (HTTP 286).
        return response if context["live"] else HttpResponseStopPolling(response.content)
    return render(request, "campaigns/campaign.html", context)


def _plan_context(request, campaign) -> dict:
    by_format = {}
    for entry in campaign.plan:
        by_format.setdefault(entry["format_name"], []).append(entry)
    # What is true of every video is said once, above them.
    notes = [set(entry["notes"]) for entry in campaign.plan]
    first = campaign.plan[0]["notes"] if campaign.plan else []
    shared = [n for n in first if all(n in each for each in notes)]
    prompts = {(entry["prompt"], entry["negative_prompt"]) for entry in campaign.plan}
    return {
        "campaign": campaign,
        "by_format": by_format,
        "shared_notes": shared if len(campaign.plan) > 1 else [],
        # One prompt for every video (no other wordings): shown once, whole, as it is sent.
        "shared_prompt": campaign.plan[0] if len(prompts) == 1 else None,
        "can_start": access.can(request.user, campaign.workspace, "can_generate"),
    }


def campaign_jobs(campaign):
    return VideoJob.objects.filter(variant__campaign=campaign)


def _board_context(request, campaign) -> dict:
    ready = Clip.objects.filter(status=Clip.Status.READY).prefetch_related("renditions")
    variants = list(
        campaign.variants.select_related("job").prefetch_related(
            Prefetch("job__clips", queryset=ready, to_attr="ready_clips")
        )
    )
    by_format = {}
    for variant in variants:
        variant.clips = variant.job.ready_clips
        for clip in variant.clips:
            clip.job = variant.job
        by_format.setdefault(variant.format_name, []).append(variant)
    return {
        "campaign": campaign,
        "by_format": by_format,
        "variants": variants,
        "live": any(not v.job.is_terminal for v in variants),
        "winners": sum(1 for v in variants for clip in v.clips if clip.starred),
        "ready_clips": sum(len(v.clips) for v in variants),
        "cost": campaign_jobs(campaign).charged_total(),
        "can_star": access.can(request.user, campaign.workspace, "can_generate"),
        "desktop": not is_mobile(request),
    }


@require_POST
def start(request, public_id):
    """Start every planned video, once: a second click finds it started."""
    campaign = _campaign(request, public_id, needs="can_generate")
    try:
        if not campaign.start(by=request.user):
            messages.info(request, "This campaign had already started.")
    except (OverBudget, TeamRuleBroken, CampaignNotStarted) as exc:
        messages.error(request, f"{exc.message} Nothing was sent.")
    return redirect(campaign)


@require_POST
def discard(request, public_id):
    campaign = _campaign(request, public_id, needs="can_generate")
    if campaign.discard():
        messages.success(request, "Discarded the plan; nothing was sent.")
        return redirect("campaigns:list")
    messages.info(request, "This campaign has started: its videos stay.")
    return redirect(campaign)


MAX_COMPARED = 4


def compare(request, public_id):
    """Two to four clips of the campaign side by side, played in step (``?clip=<job>:<n>``)."""
    campaign = _campaign(request, public_id)
    wanted = list(dict.fromkeys(request.GET.getlist("clip")))
    if not 2 <= len(wanted) <= MAX_COMPARED:
        messages.error(request, f"Tick 2 to {MAX_COMPARED} clips to compare them.")
        return redirect(campaign)
    clips = []
    for value in wanted:
        job_id, _, number = value.partition(":")
        clip = None
        if number.isascii() and number.isdigit() and len(number) <= 4 and _is_uuid(job_id):
            clip = (
                Clip.objects.filter(job__variant__campaign=campaign, status=Clip.Status.READY)
                .filter(job__public_id=job_id, index=int(number) - 1)
                .select_related("job__variant")
                .first()
            )
        if clip is None:
            raise Http404("No such clip in this campaign.")
        clips.append(clip)
    context = {
        "campaign": campaign,
        "clips": clips,
        "can_star": access.can(request.user, campaign.workspace, "can_generate"),
        "here": request.get_full_path(),
    }
    return render(request, "campaigns/compare.html", context)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def package(request, public_id):
    """Every ready clip (``?winners=1``: the starred ones) as one zip, by format, with a
    manifest in JSON and CSV."""
    campaign = _campaign(request, public_id)
    winners_only = request.GET.get("winners") == "1"
    ready = Clip.objects.filter(status=Clip.Status.READY).prefetch_related("renditions")
    variants = list(
        campaign.variants.select_related("job").prefetch_related(
            Prefetch("job__clips", queryset=ready, to_attr="ready_clips")
        )
    )
    for variant in variants:
        variant.clips = variant.job.ready_clips
    files, extras = packages.contents(campaign, variants, winners_only=winners_only)
    if not files:
        raise Http404("No starred clip yet." if winners_only else "No clip is ready yet.")
    name = f"{slugify(campaign.name)[:50] or 'campaign'}{'-winners' if winners_only else ''}"
    return serving.stored_zip_response(files, extras, f"{name}.zip")
