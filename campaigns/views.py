import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from common.requests import is_mobile
from videos.forms import GenerateForm
from videos.generate_page import generate_context
from workspaces import access
from workspaces.models import Membership, OverBudget, TeamRuleBroken

from . import package as packages
from . import planning
from .models import Campaign, CampaignNotStarted, PlanRefused


def _campaign(request, public_id, needs=None) -> tuple[Campaign, Membership]:
    return access.get_for_user(
        Campaign.objects.select_related("workspace", "project__client", "key", "created_by"),
        request.user,
        needs=needs,
        public_id=public_id,
    )


def campaigns(request, workspace=None):
    """The campaigns of the visitor's workspaces (or of the one in the URL), newest first."""
    scope = access.workspace_in_url(request, workspace)
    found = Campaign.objects.visible_to(request.user).select_related("workspace", "project__client")
    if scope:
        found = found.filter(workspace=scope)
    found = found.with_summary().order_by("-created_at")
    page = Paginator(found, 20).get_page(request.GET.get("page"))
    return render(request, "campaigns/list.html", {"page": page, "scope": scope})


@require_POST
def plan(request):
    """The generate form, sent to plan a campaign: every video it makes and their total,
    shown on the campaign's page before anything is sent (nothing is sent here)."""
    replayed = Campaign.objects.filter(
        created_by=request.user, idempotency_key=request.POST.get("idempotency_key") or "-"
    ).first()
    if replayed is not None:  # the same form sent again (a double click): its images are
        return redirect(replayed)  # the plan's now, so it is not checked again
    form = GenerateForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        access.require(request.user, form.cleaned_data["key"].workspace, "can_generate")
        try:
            return redirect(Campaign.draft(form, planning.fan_out(form), by=request.user))
        except (planning.NotPlannable, PlanRefused) as exc:
            form.add_error(None, exc.message)
    # The form again, errors and all; its Generate button still makes one video.
    context = generate_context(request, form) | {"generate_url": reverse("videos:generate")}
    return render(request, "videos/generate.html", context, status=400)


def campaign(request, public_id):
    """A plan to confirm, or the campaign's videos by format (htmx polls the board while
    some are still being made)."""
    campaign, membership = _campaign(request, public_id)
    if campaign.is_draft:
        context = _plan_context(request, campaign, membership)
        return render(request, "campaigns/campaign.html", context)
    context = _board_context(request, campaign, membership)
    if request.htmx:
        response = render(request, "campaigns/campaign.html#board", context)
        # Every video and export is made: this board is the last, polling stops (HTTP 286).
        return response if context["live"] else HttpResponseStopPolling(response.content)
    return render(request, "campaigns/campaign.html", context)


def _plan_context(request, campaign, membership) -> dict:
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
        "can_start": membership.can_generate,
    }


def _board_context(request, campaign, membership) -> dict:
    variants = campaign.videos()
    by_format = {}
    for variant in variants:
        by_format.setdefault(variant.format_name, []).append(variant)
    return {
        "campaign": campaign,
        "by_format": by_format,
        "variants": variants,
        # Until every video has ended and every reframed export is rendered (the package
        # takes the exports ready when it is downloaded).
        "live": any(not v.job.is_terminal for v in variants)
        or any(r.in_progress for v in variants for c in v.clips for r in c.renditions.all()),
        "winners": sum(1 for v in variants for clip in v.clips if clip.starred),
        "ready_clips": sum(len(v.clips) for v in variants),
        "cost": campaign.spent(),
        "can_star": membership.can_star,
        "desktop": not is_mobile(request),
    }


@require_POST
def start(request, public_id):
    """Start every planned video, once: a second click finds it started."""
    campaign, _ = _campaign(request, public_id, needs="can_generate")
    try:
        if not campaign.start(by=request.user):
            messages.info(request, "This campaign had already started.")
    except OverBudget as exc:
        messages.error(request, exc.message)  # it says what was (not) started and why
    except (TeamRuleBroken, CampaignNotStarted) as exc:
        messages.error(request, f"{exc.message} Nothing was sent.")
    return redirect(campaign)


@require_POST
def discard(request, public_id):
    campaign, _ = _campaign(request, public_id, needs="can_generate")
    if campaign.discard():
        messages.success(request, "Discarded the plan; nothing was sent.")
        return redirect("campaigns:list")
    messages.info(request, "This campaign has started: its videos stay.")
    return redirect(campaign)


MAX_COMPARED = 4


def compare(request, public_id):
    """Two to four clips of the campaign side by side, played in step (``?clip=<job>:<n>``)."""
    campaign, membership = _campaign(request, public_id)
    wanted = list(dict.fromkeys(request.GET.getlist("clip")))
    if not 2 <= len(wanted) <= MAX_COMPARED:
        messages.error(request, f"Tick 2 to {MAX_COMPARED} clips to compare them.")
        return redirect(campaign)
    picks = [_pick(value) for value in wanted]
    try:
        clips = campaign.ready_clips(picks)
    except LookupError:
        raise Http404("No such clip in this campaign.") from None
    context = {
        "campaign": campaign,
        "clips": clips,
        "can_star": membership.can_star,
        "here": request.get_full_path(),
    }
    return render(request, "campaigns/compare.html", context)


def _pick(value: str) -> tuple[uuid.UUID, int]:
    """``<job public id>:<clip number>`` as a pair (Http404 for anything else)."""
    job, _, number = value.partition(":")
    try:
        pick = uuid.UUID(job), int(number)
    except ValueError:
        raise Http404("No such clip in this campaign.") from None
    if not number.isascii() or not 1 <= pick[1] <= 9999:
        raise Http404("No such clip in this campaign.")
    return pick


def package(request, public_id):
    """Every ready clip (``?winners=1``: the starred ones) as one zip, by format, with a
    manifest in JSON and CSV."""
    campaign, _ = _campaign(request, public_id)
    winners_only = request.GET.get("winners") == "1"
    package = packages.contents(campaign, campaign.videos(), winners_only=winners_only)
    if not package:
        raise Http404("No starred clip yet." if winners_only else "No clip is ready yet.")
    name = f"{slugify(campaign.name)[:50] or 'campaign'}{'-winners' if winners_only else ''}"
    return package.response(f"{name}.zip")
