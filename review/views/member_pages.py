"""The review pages of workspace members: a clip's review page and its actions, and a project's
review overview."""

from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from videos.models import Clip
from workspaces import access
from workspaces.models import Project

from ..models import (
    ShareLink,
    Verdict,
    chains,
    standing,
)
from .desk import add_comment, clip_context, decide, member_desk, reply, resolve


@require_safe
def clip_review(request, public_id, number):
    return render(
        request, "review/clip.html", clip_context(member_desk(request, public_id, number))
    )


@require_POST
def comment_add(request, public_id, number):
    return add_comment(request, member_desk(request, public_id, number, acting=True))


@require_POST
def comment_reply(request, public_id, number, comment):
    return reply(request, member_desk(request, public_id, number, acting=True), comment)


@require_POST
def comment_resolve(request, public_id, number, comment):
    return resolve(request, member_desk(request, public_id, number, acting=True), comment)


@require_POST
def comment_reopen(request, public_id, number, comment):
    desk = member_desk(request, public_id, number, acting=True)
    return resolve(request, desk, comment, reopen=True)


@require_POST
def verdict(request, public_id, number):
    return decide(request, member_desk(request, public_id, number, acting=True))


# --- guests of a share link -------------------------------------------------------------------


def _live_links(project) -> dict:
    """How many live links show the project's work: to the whole project, to one video."""
    counts = (
        ShareLink.objects.of_project(project)
        .live()
        .aggregate(
            project=Count("pk", filter=Q(project=project)),
            video=Count("pk", filter=Q(job__isnull=False)),
        )
    )
    return counts | {"total": counts["project"] + counts["video"]}


@require_safe
def project_review(request, slug, public_id):
    """Where every clip of a project stands, and the project's review trail."""
    project, membership = access.get_for_user(
        Project.objects.select_related("client__workspace"),
        request.user,
        public_id=public_id,
        client__workspace__slug=slug,
    )
    open_comments = Count(
        "comments", filter=Q(comments__parent__isnull=True, comments__resolved_at__isnull=True)
    )
    ready = (
        Clip.objects.filter(status=Clip.Status.READY)
        .annotate(open_comments=open_comments)
        .prefetch_related("verdicts")
    )
    jobs = list(
        project.video_jobs.select_related("parent")
        .with_takes()
        .prefetch_related(Prefetch("clips", queryset=ready, to_attr="ready_clips"))
        .order_by("created_at")
    )
    for job in jobs:
        for clip in job.ready_clips:
            clip.job = job
            clip.verdict_list = list(clip.verdicts.all())
            clip.standing = Verdict.State(standing(clip.verdict_list))
    events = project.review_events.select_related("clip__job")[:50]
    context = {
        "project": project,
        "workspace": project.client.workspace,
        "chains": chains(jobs),
        "events": events,
        "live_links": _live_links(project),
        "can_share": membership.can_share,
    }
    return render(request, "review/project.html", context)
