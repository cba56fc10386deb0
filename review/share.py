"""Client share links: members make and revoke them; a guest opens one by name (and password)
and sees what it shares, and nothing else: no costs, keys, models or other work.

Guests never log in: a member who opens a link is a guest of it too. Every guest view fetches
through ``guests.guest_for`` (a dead link: 404; a visitor who has not given a name: the gate).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views import defaults
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from videos import comparison
from videos.forms import CompareForm
from videos.media import serving
from videos.models import Clip, VideoJob
from workspaces import access
from workspaces.models import Project

from . import guests, throttle
from .forms import GuestForm, ShareLinkForm
from .models import ReviewRuleBroken, ShareLink, Verdict, chains

# --- members: making and revoking links -------------------------------------------------------


@sensitive_post_parameters("password")
def project_links(request, slug, public_id):
    project, membership = access.get_for_user(
        Project.objects.select_related("client__workspace"),
        request.user,
        needs="can_share",
        public_id=public_id,
        client__workspace__slug=slug,
    )
    return _manage(request, project.workspace, membership, project=project)


@sensitive_post_parameters("password")
def job_links(request, public_id):
    job, membership = access.get_for_user(
        VideoJob.objects.select_related("workspace", "project"),
        request.user,
        needs="can_share",
        public_id=public_id,
    )
    return _manage(request, job.workspace, membership, job=job)


def _manage(request, workspace, membership, *, project=None, job=None):
    """The links to ``project`` (or ``job``) and a form to make one (POST). A new link is
    shown once, in the answer to the POST itself: its token is kept nowhere."""
    form = ShareLinkForm(request.POST if request.method == "POST" else None)
    new_link_url = None
    if form.is_bound and form.is_valid():
        _, token = ShareLink.create(by=membership, project=project, job=job, **form.link_options())
        new_link_url = request.build_absolute_uri(reverse("share:gate", args=[token]))
        form = ShareLinkForm()
    if project:
        links = ShareLink.objects.filter(project=project)
        video_links = ShareLink.objects.filter(job__project=project)
    else:  # a link made on any version shares this one too
        links, video_links = ShareLink.objects.of_video(job), None
    context = {
        "workspace": workspace,
        "project": project,
        "job": job,
        "links": links.select_related("workspace", "project", "job"),
        "video_links": video_links.select_related("workspace", "job") if project else None,
        "form": form,
        "new_link_url": new_link_url,
        "create_url": request.path,
    }
    response = render(
        request, "review/share_links.html", context, status=400 if form.errors else 200
    )
    if new_link_url:
        response["Cache-Control"] = "no-store"  # the link must not outlive this page
    return response


@require_POST
def link_revoke(request, slug, public_id):
    link, membership = access.get_for_user(
        ShareLink.objects.select_related("workspace", "project", "job"),
        request.user,
        needs="can_share",
        public_id=public_id,
        workspace__slug=slug,
    )
    if link.revoke(by=membership):
        messages.success(request, f"Revoked “{link}”: it opens nothing any more.")
    else:
        messages.info(request, f"“{link}” was already revoked.")
    return redirect(link.links_page_url)


# --- guests -----------------------------------------------------------------------------------


def not_found(request, exception):
    """The 404 page. A share link that opens nothing tells its guest, who has no account, what
    to do, in the guest's frame and in the same words whether it never existed, was revoked
    or has expired."""
    if isinstance(exception, guests.DeadLink):
        return render(request, "review/share_dead.html", status=404)
    return defaults.page_not_found(request, exception)


def guest_view(view):
    """A view for the admitted guest of a live link: ``view(request, guest, ...)``. A dead
    link is a 404; a visitor who has not given their name is sent to the link's gate."""

    @wraps(view)
    def wrapper(request, token, *args, **kwargs):
        try:
            guest = guests.guest_for(request, token)
        except guests.NotAdmitted:
            return redirect("share:gate", token)
        return view(request, guest, *args, token=token, **kwargs)

    return login_not_required(wrapper)


@login_not_required
@sensitive_post_parameters("password")
def gate(request, token):
    """Who the guest is (and the password, if the link has one); then the shared videos."""
    try:
        guests.guest_for(request, token)
    except guests.NotAdmitted as refused:
        link = refused.link
    else:
        return redirect("share:overview", token)
    form = GuestForm(request.POST if request.method == "POST" else None, link=link)
    if form.is_bound and link.has_password:
        if paused := throttle.paused_wait(link):
            return throttle.paused(request, paused)
        if wait := throttle.password_wait(request, link):
            return throttle.too_many(request, wait, "password attempts")
    if form.is_bound and form.is_valid():
        if link.check_password(form.cleaned_data.get("password", "")):
            try:
                guests.admit(request, link, form.cleaned_data["name"])
            except ReviewRuleBroken as exc:
                form.add_error("name", exc.message)
            else:
                return redirect("share:overview", token)
        else:
            throttle.password_failed(request, link)
            form.add_error(
                "password", "That password is not right. Check it with whoever sent you the link."
            )
    context = {"link": link, "form": form}
    return render(request, "review/share_gate.html", context, status=400 if form.errors else 200)


@guest_view
def overview(request, guest, token):
    """What the link shares, video by video: the newest ready version first (its clips to
    review), the earlier ones a click away, each with the guest's own verdict on it."""
    link = guest.link
    ready = Clip.objects.filter(status=Clip.Status.READY)
    jobs = [
        job
        for job in link.jobs()
        .select_related("parent__job")
        .with_takes()
        .prefetch_related(Prefetch("clips", queryset=ready, to_attr="ready"))
        if job.ready
    ]
    shared = {clip.pk for job in jobs for clip in job.ready}
    mine = {
        verdict.clip_id: verdict
        for verdict in Verdict.objects.filter(
            link=link, guest_name=guest.guest_name, clip_id__in=shared
        )
    }
    for job in jobs:
        job.comparable = job.parent_id in shared
        for clip in job.ready:
            clip.my_verdict = mine.get(clip.pk)
    context = {"link": link, "guest": guest, "token": token, "chains": chains(jobs)}
    return render(request, "review/share_overview.html", context)


@guest_view
def compare(request, guest, public_id, token):
    """A shared version beside another shared version of the same video (by default the one
    it was made from), the earlier on the left, played in step."""
    job = guest.link.jobs().select_related("parent__job").filter(public_id=public_id).first()
    if job is None:
        raise Http404("Nothing to compare here.")
    try:
        pair = comparison.compare(job, request.GET.get("with", "").strip(), guest.link.clips())
    except comparison.NotComparable as exc:
        raise Http404(exc.message) from exc
    context = {
        "link": guest.link,
        "guest": guest,
        "token": token,
        "job": job,
        "pair": pair,
        "playback_only": not guest.link.can_download,
        "form": CompareForm(pair),
    }
    return render(request, "review/share_compare.html", context)


def _shared_clip(guest, public_id, number) -> Clip:
    """A ready clip of what ``guest``'s link shares, else 404."""
    clip = (
        guest.link.clips()
        .select_related("job")
        .filter(job__public_id=public_id, index=number - 1)
        .first()
    )
    if clip is None:
        raise Http404("No such clip.")
    return clip


@guest_view
def clip_file(request, guest, public_id, number, token):
    """The clip as the page's player plays it, inline and with no file name. Through a link
    that does not allow downloads it is only streamed: answered in the ranges players ask for,
    kept in no cache, and a request for the whole file (what "Save video as" and download
    tools send) is refused."""
    clip = _shared_clip(guest, public_id, number)
    kind = clip.content_type or "video/mp4"
    if guest.link.can_download:
        return serving.serve(request, clip.file.name, kind)
    if not serving.asks_for_range(request):
        return _watch_only(request, token)
    response = serving.serve(request, clip.file.name, kind)
    response["Cache-Control"] = "private, no-store"
    return response


@guest_view
def clip_poster(request, guest, public_id, number, token):
    clip = _shared_clip(guest, public_id, number)
    if not clip.poster:
        raise Http404("This clip has no poster.")
    return serving.serve(request, clip.poster.name, "image/jpeg")


@guest_view
def clip_download(request, guest, public_id, number, token):
    if not guest.link.can_download:
        return _watch_only(request, token)
    clip = _shared_clip(guest, public_id, number)
    name = _file_name(guest, clip)
    kind = clip.content_type or "video/mp4"
    return serving.serve(request, clip.file.name, kind, download_as=name)


def _watch_only(request, token):
    """The plain 403 page of a link that does not allow downloads, with the way back."""
    return render(request, "review/share_watch_only.html", {"token": token}, status=403)


def _file_name(guest, clip) -> str:
    """Named after what is shared, not after the prompt (guests do not see prompts)."""
    link = guest.link
    project = link.project or link.job.project
    stem = slugify(project.name if project else "video") or "video"
    extension = Clip.EXTENSIONS.get(clip.content_type, "mp4")
    return f"{stem}-version-{clip.job.version}-clip-{clip.number}.{extension}"
