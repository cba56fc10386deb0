"""The job page and its live panel, and what is done to a job from it: filing it under a
project, submitting it again, cancelling it, a clip's next version, comparing versions."""

import uuid

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from common.redirects import redirect_back
from common.requests import is_mobile
from providers.base import InvalidSpec
from workspaces.models import OverBudget, TeamRuleBroken

from .. import comparison, lifecycle, live
from ..forms import (
    ClipTitleForm,
    CompareForm,
    ConfirmForm,
    ContinueForm,
    MoveProjectForm,
)
from ..models import Clip, VideoJob
from .lookup import JOB_PAGE_RELATED, _job, _ready_clip


def _job_context(request, job, membership):
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
    can_generate = membership.can_generate
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
    job, membership = _job(request, public_id, *JOB_PAGE_RELATED)
    return _job_page(request, job, membership)


def _job_page(request, job, membership, part="", *, move_form=None, title_form=None, status=200):
    """The job page, or its ``part`` (``"#live"``: the panel htmx swaps in after a clip
    action); forms that were sent come back as sent, errors and all."""
    version = VideoJob.objects.visible_to(request.user).live_version(job.public_id)
    context = _job_context(request, job, membership) | {
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


@require_POST
def job_project(request, public_id):
    """File the job under another project of its workspace, or none."""
    job, membership = _job(request, public_id, "project__client", needs="can_generate")
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
        return _job_page(request, job, membership, move_form=form, status=400)
    if job.project:
        messages.success(request, f"Filed under {job.project.client.name} — {job.project.name}.")
    else:
        messages.success(request, "This video is no longer filed under a project.")
    return redirect_back(request, job.get_absolute_url())


def job_live(request, public_id):
    """The status panel and results, polled by htmx every 2 s. Nothing changed since the
    version the page shows: 204, which htmx leaves alone (usually answered even sooner, by
    ``live.UnchangedPanelMiddleware``). A poll whose pass has gone stale gets the panel again,
    with a new pass. Once the job is done, the panel comes with htmx's stop-polling status."""
    version = VideoJob.objects.visible_to(request.user).live_version(public_id)
    if version is None:
        raise Http404("No such video.")
    if request.GET.get("v") == version and live.pass_holds(request, public_id):
        return HttpResponse(status=204)
    job, membership = _job(request, public_id, *JOB_PAGE_RELATED)
    context = _job_context(request, job, membership) | {
        "poll_url": live.poll_url(request, public_id, version)
    }
    response = render(request, "videos/job.html#live", context)
    return response if context["live"] else HttpResponseStopPolling(response.content)


def job_resubmit(request, public_id):
    """Submit again with the same settings: a new job, paid again, so the price is shown and
    the question asked once (GET) before anything is sent (POST)."""
    job, _ = _job(request, public_id, "key", needs="can_generate")
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
    job, _ = _job(request, public_id, "key", needs="can_generate")
    if lifecycle.cancel(job):
        messages.success(request, "Cancelled.")
    else:
        messages.error(request, "This job can no longer be cancelled.")
    return redirect(job)


def clip_continue(request, public_id, number, kind):
    """Extend a clip, or edit it with a prompt: a new job whose result is the clip's next
    version. The price is shown before anything is sent."""
    clip, _ = _ready_clip(request, public_id, number, needs="can_generate")
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
    job, _ = _job(request, public_id, "parent__job")
    ready = Clip.objects.filter(status=Clip.Status.READY)
    try:
        pair = comparison.compare(job, request.GET.get("with", "").strip(), ready)
    except comparison.NotComparable as exc:
        raise Http404(exc.message) from exc
    context = {"job": job, "pair": pair, "form": CompareForm(pair)}
    return render(request, "videos/job_compare.html", context)
