"""A clip's actions (rename, star, delete, copy again, export) and its files: the video, its
poster, its exports, and the zip of a job's clips."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from common.redirects import redirect_back

from .. import formats, lifecycle, renditions
from ..forms import (
    ClipTitleForm,
)
from ..media import packages, serving
from ..models import Clip, Rendition
from .job import _job_page
from .lookup import _clip, _job, _ready_clip


@require_POST
def clip_rename(request, public_id, number):
    clip, membership = _ready_clip(request, public_id, number, needs="can_generate")
    form = ClipTitleForm(request.POST, clip=clip)
    if form.is_valid():
        clip.rename(form.cleaned_data["title"])
    if request.htmx:  # 200 even with an error: htmx swaps in nothing else
        return _job_page(request, clip.job, membership, "#live", title_form=form)
    if form.errors:
        return _job_page(request, clip.job, membership, title_form=form, status=400)
    messages.success(request, f"Clip {clip.number} is now called “{clip.name}”.")
    return redirect_back(request, clip.job.get_absolute_url())


@require_POST
def clip_star(request, public_id, number):
    """Star the clip, or take its star away (a toggle)."""
    clip, _ = _ready_clip(request, public_id, number, needs="can_generate")
    clip.star(not clip.starred)
    if request.htmx:
        context = {"clip": clip, "next": request.POST.get("next", "")}
        response = render(request, "videos/library.html#star", context)
        # What counts winners on the page (a campaign's board) refreshes itself on this.
        return trigger_client_event(response, "clip-starred")
    return redirect_back(request, f"{clip.job.get_absolute_url()}#clip-{clip.number}")


def clip_delete(request, public_id, number):
    """Delete a clip for good (GET asks first, saying what goes and what stays)."""
    clip, membership = _ready_clip(request, public_id, number, needs="can_generate")
    if request.method != "POST":
        comments = clip.comments.count()
        context = {"clip": clip, "job": clip.job, "comments": comments}
        return render(request, "videos/clip_delete.html", context)
    clip.discard()
    if request.htmx:
        return _job_page(request, clip.job, membership, "#live")
    messages.success(request, f"Deleted “{clip.name}”: its file is no longer stored.")
    return redirect_back(request, clip.job.get_absolute_url())


@require_POST
def clip_retry(request, public_id, number):
    clip, _ = _clip(request, public_id, number, needs="can_generate")
    if lifecycle.retry_clip(clip):
        messages.success(request, f"Copying clip {number} again.")
    return redirect(clip.job)


def clip_file(request, public_id, number):
    clip, _ = _ready_clip(request, public_id, number)
    return serving.serve(request, clip.file.name, clip.content_type or "video/mp4")


def clip_poster(request, public_id, number):
    clip, _ = _ready_clip(request, public_id, number)
    if not clip.poster:  # a clip whose poster frame could not be made
        raise Http404("This clip has no poster.")
    return serving.serve(request, clip.poster.name, "image/jpeg")


def clip_download(request, public_id, number):
    clip, _ = _ready_clip(request, public_id, number)
    total = clip.job.clips.count()
    return serving.serve(
        request, clip.file.name, clip.content_type, download_as=clip.download_name(total)
    )


@require_POST
def clip_export(request, public_id, number, format):
    """Render the clip reframed into an ad format (again, if that failed before)."""
    clip, _ = _ready_clip(request, public_id, number, needs="can_generate")
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
    clip, _ = _ready_clip(request, public_id, number)
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
    job, _ = _job(request, public_id)
    clips = list(job.clips.filter(status=Clip.Status.READY).prefetch_related("renditions"))
    if not clips:
        raise Http404("No clip of this job is ready yet.")
    for clip in clips:
        clip.job = job
    package = packages.job_package(job, clips, total=job.clips.count())
    return package.response(f"{job.file_stem}.zip")
