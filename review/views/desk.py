"""The clip review page, written once for both kinds of reviewer: a ``Desk`` says who is
reviewing (a workspace member, or a guest of a share link) and what the page lets them do; the
page, its fragments and its actions (comment, reply, resolve, decide) take a desk."""

import functools
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse

from videos.models import Clip
from workspaces import access

from .. import guests, throttle
from ..forms import CommentForm, ReplyForm, VerdictForm
from ..models import (
    Comment,
    Reviewer,
    ReviewRuleBroken,
    Verdict,
    standing,
)

CLIP_RELATED = ("job__workspace", "job__project__client", "job__key")


@dataclass
class Desk:
    """Who reviews a clip, and what the page lets them do."""

    clip: Clip
    reviewer: Reviewer
    token: str = ""  # a guest's link token
    can_comment: bool = False
    can_approve: bool = False
    can_download: bool = False
    can_generate: bool = False

    @property
    def is_guest(self) -> bool:
        return bool(self.token)

    def url(self, action: str, *extra) -> str:
        job = self.clip.job
        if self.is_guest:
            args = [self.token, job.public_id, self.clip.number, *extra]
            return reverse(f"review:guest_{action}", args=args)
        return reverse(f"review:{action}", args=[job.public_id, self.clip.number, *extra])

    def media_url(self, kind: str) -> str:
        """The clip's video (``file``), ``poster`` or ``download``; "" where there is none."""
        job = self.clip.job
        if not self.is_guest:
            return reverse(f"videos:clip_{kind}", args=[job.public_id, self.clip.number])
        # Guests' media is served through their link, by the share-link pages.
        return reverse(f"share:clip_{kind}", args=[self.token, job.public_id, self.clip.number])

    def require(self, allowed: bool, what: str) -> None:
        if not allowed:
            who = "This link" if self.is_guest else "Your role in this workspace"
            raise PermissionDenied(f"{who} does not allow {what}.")


def member_desk(request, public_id, number, *, acting=False) -> Desk:
    """The clip (ready, in one of the visitor's workspaces: else 404) and what the visitor's
    role lets them do with it; ``acting`` (a POST) takes ``can_review`` (else 403)."""
    clip, membership = access.get_for_user(
        Clip.objects.select_related(*CLIP_RELATED),
        request.user,
        needs="can_review" if acting else None,
        job__public_id=public_id,
        index=number - 1,
    )
    if clip.status != Clip.Status.READY:
        raise Http404("This clip is not in storage (yet).")
    return Desk(
        clip=clip,
        reviewer=Reviewer(user=request.user),
        can_comment=membership.can_review,
        can_approve=membership.can_review,
        can_download=True,
        can_generate=membership.can_generate,
    )


def guest_desk(request, token, public_id, number) -> Desk:
    """The admitted guest of ``token`` and a clip their link shows (else 404)."""
    reviewer = guests.guest_for(request, token)
    clip = (
        reviewer.link.clips()
        .select_related(*CLIP_RELATED)
        .filter(job__public_id=public_id, index=number - 1)
        .first()
    )
    if clip is None:
        raise Http404("This link does not show that clip.")
    link = reviewer.link
    return Desk(
        clip=clip,
        reviewer=reviewer,
        token=token,
        can_comment=link.can_comment,
        can_approve=link.can_approve,
        can_download=link.can_download,
    )


def guest_view(view):
    """A page for the holder of a share link: no account needed; a visitor who has not given
    their name yet is sent to the link's gate first."""

    @functools.wraps(view)
    def wrapped(request, token, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        except guests.NotAdmitted:
            return redirect(reverse("share:gate", args=[token]))

    return login_not_required(wrapped)


# --- the clip page ----------------------------------------------------------------------------


def _versions(desk: Desk) -> list:
    """The video's versions, each with the page to review it on and the page comparing it
    with this clip's version (for those with a clip the visitor may see)."""
    versions = desk.clip.job.versions()
    first_ready = {}
    clips = Clip.objects.filter(job__in=versions, status=Clip.Status.READY)
    if desk.is_guest:
        clips = clips.filter(pk__in=desk.reviewer.link.clips())
    for job_id, index in clips.order_by("-index").values_list("job_id", "index"):
        first_ready[job_id] = index + 1
    if desk.is_guest:  # a guest learns nothing of the versions their link does not show
        versions = [v for v in versions if v.pk in first_ready]
        if len(versions) < 2:
            return []
    job = desk.clip.job
    if desk.is_guest:
        compare_url = reverse("share:compare", args=[desk.token, job.public_id])
    else:
        compare_url = reverse("videos:job_compare", args=[job.public_id])
    for version in versions:
        number = first_ready.get(version.pk)
        version.review_url = version.compare_url = ""
        if number:
            if desk.is_guest:
                args = [desk.token, version.public_id, number]
                version.review_url = reverse("review:guest_clip", args=args)
            else:
                version.review_url = reverse("review:clip", args=[version.public_id, number])
            if version != job:
                version.compare_url = f"{compare_url}?{urlencode({'with': version.public_id})}"
    return versions


def clip_context(
    desk: Desk,
    *,
    form=None,
    reply_errors=None,
    confirming="",
    verdict_error="",
    thread_error="",
    oob=False,
) -> dict:
    clip, job = desk.clip, desk.clip.job
    versions = _versions(desk)
    replies = Comment.objects.select_related("author").order_by("created_at")
    comments = list(
        clip.comments.filter(parent=None)
        .order_by(F("at_seconds").asc(nulls_first=True), "created_at")
        .select_related("author", "addressed_by")
        .prefetch_related(Prefetch("replies", queryset=replies))
    )
    version_urls = {version.pk: version.review_url for version in versions}
    for comment in comments:
        comment.clip = clip
        comment.addressed_url = version_urls.get(comment.addressed_by_id, "")
        comment.reply_form = (reply_errors or {}).get(comment.pk) or ReplyForm.for_comment(comment)
        comment.reply_url = desk.url("reply", comment.public_id)
        comment.resolve_url = desk.url("resolve", comment.public_id)
        comment.reopen_url = desk.url("reopen", comment.public_id)
        comment.changeable = comment.changeable_by(desk.reviewer)
        comment.percent = None
        if comment.at_seconds is not None and clip.duration:
            comment.percent = min(100.0, float(comment.at_seconds) / clip.duration * 100)
    verdicts = list(clip.verdicts.all())
    open_comments = [c for c in comments if c.resolved_at is None]
    # The remarks on earlier versions this version was made to answer.
    addressed = list(
        Comment.objects.filter(addressed_by=clip.job, parent=None)
        .select_related("author", "clip__job")
        .order_by("clip__job__version", F("at_seconds").asc(nulls_first=True), "created_at")
    )
    here = (job.version, job.created_at)
    newer = [v for v in versions if v.review_url and (v.version, v.created_at) > here]
    return {
        "desk": desk,
        "clip": clip,
        "job": clip.job,
        "clip_count": clip.job.clips.count(),
        "comments": comments,
        "open_count": len(open_comments),
        "markers": [c for c in open_comments if c.at_seconds is not None],
        "form": form or CommentForm(),
        "verdicts": verdicts,
        "standing": Verdict.State(standing(verdicts)),
        "confirming": confirming,
        "verdict_error": verdict_error,
        "thread_error": thread_error,
        "versions": versions,
        "newest": newer[-1] if newer else None,
        "addressed": addressed,
        "revise_url": reverse("review:revise", args=[job.public_id, clip.number])
        if desk.can_generate and open_comments
        else "",
        "video_url": desk.media_url("file"),
        "poster_url": desk.media_url("poster") if clip.poster else "",
        "download_url": desk.media_url("download") if desk.can_download else "",
        "page_url": desk.url("clip"),
        "comment_url": desk.url("comment"),
        "verdict_url": desk.url("verdict"),
        "oob": oob,
    }


def _respond(request, desk: Desk, fragment: str, *, status=200, **context):
    """The whole page, or for htmx the ``fragment`` it swaps (the thread brings the timeline
    along, since its markers are the open comments). Errors travel inside the fragment, so an
    htmx answer is always 200: htmx swaps nothing on a 4xx."""
    context = clip_context(desk, **context)
    if not request.htmx:
        return render(request, "review/clip.html", context, status=status)
    html = render_to_string(f"review/clip.html#{fragment}", context, request)
    if fragment == "thread":
        html += render_to_string("review/clip.html#timeline", context | {"oob": True}, request)
    return HttpResponse(html)


def _done(request, desk: Desk, fragment: str, message: str, anchor: str = ""):
    if request.htmx:
        return _respond(request, desk, fragment)
    messages.success(request, message)
    return redirect(desk.url("clip") + anchor)


def _comment_of(desk: Desk, public_id) -> Comment | None:
    return desk.clip.comments.select_related("clip").filter(public_id=public_id).first()


def _slowed_down(request, desk: Desk, written, **context):
    """None for a member or a guest within their comment budget; else the form is answered with
    what was written kept and when to post it (429 with Retry-After)."""
    wait = throttle.comment_wait(request, desk.reviewer) if desk.is_guest else 0
    if not wait:
        return None
    minutes = math.ceil(wait / 60)
    written.add_error(
        "body",
        f"You have posted many comments in a short time. Wait {minutes} minute"
        f"{'s' if minutes != 1 else ''}, then post this one again: it is kept here.",
    )
    response = _respond(request, desk, "thread", status=429, **context)
    response["Retry-After"] = str(wait)
    return response


def add_comment(request, desk: Desk):
    desk.require(desk.can_comment, "comments")
    form = CommentForm(request.POST)
    if form.is_valid():
        if refused := _slowed_down(request, desk, form, form=form):
            return refused
        try:
            comment = Comment.add(
                desk.clip,
                form.cleaned_data["body"],
                by=desk.reviewer,
                at_seconds=form.cleaned_data["at"],
            )
        except ReviewRuleBroken as exc:  # the body passed the form: the moment is wrong
            form.add_error("at", exc.message)
        else:
            return _done(request, desk, "thread", "Comment added.", f"#comment-{comment.public_id}")
    return _respond(request, desk, "thread", status=400, form=form)


def reply(request, desk: Desk, comment_id):
    desk.require(desk.can_comment, "comments")
    parent = _comment_of(desk, comment_id)
    if parent is None:
        # Keep what they wrote: offered back as a new comment, saying why.
        form = CommentForm({"body": request.POST.get("body", ""), "at": ""})
        form.add_error(
            None,
            "The comment you replied to no longer exists. Your reply is below: post it as "
            "a new comment.",
        )
        return _respond(request, desk, "thread", status=400, form=form)
    form = ReplyForm.for_comment(parent, request.POST)
    if form.is_valid():
        if refused := _slowed_down(request, desk, form, reply_errors={parent.pk: form}):
            return refused
        try:
            Comment.add(desk.clip, form.cleaned_data["body"], by=desk.reviewer, parent=parent)
        except ReviewRuleBroken as exc:
            form.add_error("body", exc.message)
        else:
            return _done(request, desk, "thread", "Reply added.", f"#comment-{parent.public_id}")
    return _respond(request, desk, "thread", status=400, reply_errors={parent.pk: form})


def resolve(request, desk: Desk, comment_id, *, reopen=False):
    desk.require(desk.can_comment, "comments")
    comment = _comment_of(desk, comment_id)
    if comment is None:
        raise Http404("That comment no longer exists.")
    try:
        (comment.reopen if reopen else comment.resolve)(by=desk.reviewer)
    except ReviewRuleBroken as exc:
        return _respond(request, desk, "thread", status=400, thread_error=exc.message)
    message = "Comment reopened." if reopen else "Comment resolved."
    return _done(request, desk, "thread", message, f"#comment-{comment.public_id}")


def decide(request, desk: Desk):
    desk.require(desk.can_approve, "approving")
    form = VerdictForm(request.POST)
    if not form.is_valid():
        error = "Choose approve or request changes."
        return _respond(request, desk, "verdicts", status=400, verdict_error=error)
    state = form.cleaned_data["state"]
    # A client's approval tells the team the clip is final: asked once more before it counts.
    if desk.is_guest and state == Verdict.State.APPROVED and not form.cleaned_data["confirm"]:
        return _respond(request, desk, "verdicts", confirming=state)
    try:
        Verdict.decide(desk.clip, state, by=desk.reviewer)
    except ReviewRuleBroken as exc:
        return _respond(request, desk, "verdicts", status=400, verdict_error=exc.message)
    said = (
        "You approved this version."
        if state == Verdict.State.APPROVED
        else ("You asked for changes: say what to change in a comment.")
    )
    return _done(request, desk, "verdicts", said, "#verdicts")
