"""The lists: every video, and the library of ready clips."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import render

from providers import registry
from workspaces import access
from workspaces.models import Workspace

from ..forms import (
    ClientProjectFilter,
    LibraryFilter,
)
from ..models import Clip, VideoJob


def videos(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    jobs = (
        VideoJob.objects.visible_to(request.user)
        .in_scope(scope)
        .prefetch_related(
            Prefetch(
                "clips", queryset=Clip.objects.filter(status=Clip.Status.READY), to_attr="ready"
            )
        )
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


def library(request, workspace=None):
    scope = access.workspace_in_url(request, workspace)
    clips = Clip.objects.visible_to(request.user).in_scope(scope)
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
