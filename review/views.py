"""Review pages: a clip's review page (for workspace members, and the same page for the guests
of a share link), a project's review overview, and a clip's revision made from a comment.

A ``Desk`` says who is reviewing and what the page lets them do; the clip page, its fragments
and its actions are written once for both kinds of reviewer.
"""

import functools
import math
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from providers.base import InvalidSpec
from videos import lifecycle
from videos.models import Clip
from workspaces import access
from workspaces.models import OverBudget, Project

from . import guests, throttle
from .forms import CommentForm, ReplyForm, ReviseForm, VerdictForm
from .models import (
    Comment,
    Reviewer,
    ReviewEvent,
    ReviewRuleBroken,
    ShareLink,
    Verdict,
    chains,
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


def _member_desk(request, public_id, number, *, acting=False) -> Desk:
    """The clip (ready, in one of the visitor's workspaces: else 404) and what the visitor's
    role lets them do with it; ``acting`` (a POST) takes ``can_review`` (else 403)."""
    clip = access.get_for_user(
        Clip.objects.select_related(*CLIP_RELATED),
        request.user,
        needs="can_review" if acting else None,
        job__public_id=public_id,
        index=number - 1,
    )
    if clip.status != Clip.Status.READY:
        raise Http404("This clip is not in storage (yet).")
    membership = access.membership_of(request.user, clip.workspace)
    return Desk(
        clip=clip,
        reviewer=Reviewer(user=request.user),
        can_comment=membership.can_review,
        can_approve=membership.can_review,
        can_download=True,
        can_generate=membership.can_generate,
    )


def _guest_desk(request, token, public_id, number) -> Desk:
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


def _clip_context(
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
    context = _clip_context(desk, **context)
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


def _add_comment(request, desk: Desk):
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


def _reply(request, desk: Desk, comment_id):
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


def _resolve(request, desk: Desk, comment_id, *, reopen=False):
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


def _decide(request, desk: Desk):
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


# --- members ----------------------------------------------------------------------------------


@require_safe
def clip_review(request, public_id, number):
    return render(
        request, "review/clip.html", _clip_context(_member_desk(request, public_id, number))
    )


@require_POST
def comment_add(request, public_id, number):
    return _add_comment(request, _member_desk(request, public_id, number, acting=True))


@require_POST
def comment_reply(request, public_id, number, comment):
    return _reply(request, _member_desk(request, public_id, number, acting=True), comment)


@require_POST
def comment_resolve(request, public_id, number, comment):
    return _resolve(request, _member_desk(request, public_id, number, acting=True), comment)


@require_POST
def comment_reopen(request, public_id, number, comment):
    desk = _member_desk(request, public_id, number, acting=True)
    return _resolve(request, desk, comment, reopen=True)


@require_POST
def verdict(request, public_id, number):
    return _decide(request, _member_desk(request, public_id, number, acting=True))


# --- guests of a share link -------------------------------------------------------------------


@guest_view
@require_safe
def guest_clip(request, token, public_id, number):
    desk = _guest_desk(request, token, public_id, number)
    return render(request, "review/clip.html", _clip_context(desk))


@guest_view
@require_POST
def guest_comment(request, token, public_id, number):
    return _add_comment(request, _guest_desk(request, token, public_id, number))


@guest_view
@require_POST
def guest_reply(request, token, public_id, number, comment):
    return _reply(request, _guest_desk(request, token, public_id, number), comment)


@guest_view
@require_POST
def guest_resolve(request, token, public_id, number, comment):
    return _resolve(request, _guest_desk(request, token, public_id, number), comment)


@guest_view
@require_POST
def guest_reopen(request, token, public_id, number, comment):
    desk = _guest_desk(request, token, public_id, number)
    return _resolve(request, desk, comment, reopen=True)


@guest_view
@require_POST
def guest_verdict(request, token, public_id, number):
    return _decide(request, _guest_desk(request, token, public_id, number))


# --- revising a clip from feedback ------------------------------------------------------------


def revision_prompt(prompt: str, comments) -> str:
    """The clip's prompt with the comments added as what to change, each with its moment."""
    changes = "\n".join(f"- {comment.quoted}" for comment in comments)
    if not changes:
        return prompt
    return f"{prompt.rstrip()}\n\nChanges from the previous version:\n{changes}"


def edit_instruction(comments) -> str:
    return "\n".join(comment.quoted for comment in comments)


def _written_from(request, job, open_comments, editing, *, rewrite) -> ReviseForm:
    """The form with its prompt written from the ticked comments: on a first visit those named
    by ``?comments=`` (or every open one), on a rewrite those ticked."""
    named = request.POST.getlist("comments") if rewrite else request.GET.getlist("comments")
    chosen = [c for c in open_comments if str(c.public_id) in named]
    chosen = chosen or ([] if rewrite else list(open_comments))
    prompt = edit_instruction(chosen) if editing else revision_prompt(job.prompt, chosen)
    key = request.POST.get("idempotency_key", "")[:64] or uuid.uuid4().hex
    initial = {"idempotency_key": key, "prompt": prompt, "comments": chosen}
    return ReviseForm(comments=open_comments, initial=initial)


def _start_revision(request, clip, form, editing):
    """The next version of ``clip`` as ``form`` says (a replayed key: the one made the first
    time), its comments resolved by it; None with the refusal added to ``form``."""
    reviewer = Reviewer.member(access.membership_of(request.user, clip.workspace))
    prompt, key = form.cleaned_data["prompt"], form.cleaned_data["idempotency_key"]
    answered = list(form.cleaned_data["comments"])
    try:
        with transaction.atomic():
            if editing:
                new, created = lifecycle.continue_clip(clip, "edit", prompt, key, request.user)
            else:
                new, created = lifecycle.revise_clip(clip, prompt, key, by=request.user)
            if created:
                Comment.address(answered, new, by=reviewer)
                detail = "; ".join(f"{c.who}, {c.quoted}" for c in answered)
                ReviewEvent.record(
                    ReviewEvent.Kind.REVISED, reviewer, clip=clip, detail=detail[:2000]
                )
    except (InvalidSpec, OverBudget) as exc:
        form.add_error(None, exc.message)
        return None
    return new


def revise(request, public_id, number):
    """A new version of the clip made from its open comments (those ticked: by default every
    one, or those named by ``?comments=``), the price shown before anything is sent: by
    default a new generation with the same model, settings and key, the prompt with the
    comments added (shown and editable); where the model can edit a clip, ``?way=edit`` sends
    the clip itself to be edited, with the comments as the instruction. The comments are
    resolved by the new version."""
    clip = access.get_for_user(
        Clip.objects.select_related(*CLIP_RELATED),
        request.user,
        needs="can_generate",
        job__public_id=public_id,
        index=number - 1,
    )
    if clip.status != Clip.Status.READY:
        raise Http404("This clip is not in storage (yet).")
    back = reverse("review:clip", args=[public_id, number])
    # Offered: the open comments; taken (a replayed POST too): any remark on the clip.
    remarks = clip.comments.filter(parent=None).select_related("author", "clip")
    remarks = remarks.order_by(F("at_seconds").asc(nulls_first=True), "created_at")
    open_comments = remarks.filter(resolved_at__isnull=True)
    if request.method != "POST" and not open_comments:
        messages.info(request, "There is no open comment to revise from.")
        return redirect(back)
    edit = lifecycle.continuation_offer(clip, "edit")
    editing = edit.allowed and request.GET.get("way") == "edit"
    offer = edit if editing else lifecycle.revision_offer(clip)
    if not offer.allowed:
        messages.error(request, offer.reason)
        return redirect(back)
    job = clip.job
    rewrite = "rewrite" in request.POST
    if request.method == "POST" and not rewrite:
        form = ReviseForm(request.POST, comments=remarks)
        if form.is_valid():
            new = _start_revision(request, clip, form, editing)
            if new is not None:
                return redirect(new)
        form.fields["comments"].queryset = open_comments  # offered again: the open ones
    else:
        form = _written_from(request, job, open_comments, editing, rewrite=rewrite)
    if editing:
        form.fields["prompt"].label = "Edit instruction sent to the provider"
    context = {
        "job": job,
        "clip": clip,
        "form": form,
        "offer": offer,
        "editing": editing,
        "can_edit": edit.allowed,
        "back": back,
    }
    return render(request, "review/revise.html", context, status=400 if form.errors else 200)


# --- a project's review -----------------------------------------------------------------------


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
    project = access.get_for_user(
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
        "can_share": access.can(request.user, project.client.workspace, "can_generate"),
    }
    return render(request, "review/project.html", context)
