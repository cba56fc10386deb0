"""A clip's next version made from its comments: a new generation with the comments added to
the prompt, or (where the model can) an edit of the clip with the comments as the instruction."""

import uuid

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from providers.base import InvalidSpec
from videos import lifecycle
from videos.models import Clip
from workspaces import access
from workspaces.models import OverBudget

from ..forms import ReviseForm
from ..models import (
    Comment,
    Reviewer,
    ReviewEvent,
)
from ..prompts import edit_instruction, revision_prompt
from .desk import CLIP_RELATED


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


def _start_revision(request, clip, membership, form, editing):
    """The next version of ``clip`` as ``form`` says (a replayed key: the one made the first
    time), its comments resolved by it; None with the refusal added to ``form``."""
    reviewer = Reviewer.member(membership)
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
    clip, membership = access.get_for_user(
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
            new = _start_revision(request, clip, membership, form, editing)
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
