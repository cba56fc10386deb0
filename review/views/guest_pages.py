"""The same clip review page for the guests of a share link, reached through the link's token."""

from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from .desk import add_comment, clip_context, decide, guest_desk, guest_view, reply, resolve


@guest_view
@require_safe
def guest_clip(request, token, public_id, number):
    desk = guest_desk(request, token, public_id, number)
    return render(request, "review/clip.html", clip_context(desk))


@guest_view
@require_POST
def guest_comment(request, token, public_id, number):
    return add_comment(request, guest_desk(request, token, public_id, number))


@guest_view
@require_POST
def guest_reply(request, token, public_id, number, comment):
    return reply(request, guest_desk(request, token, public_id, number), comment)


@guest_view
@require_POST
def guest_resolve(request, token, public_id, number, comment):
    return resolve(request, guest_desk(request, token, public_id, number), comment)


@guest_view
@require_POST
def guest_reopen(request, token, public_id, number, comment):
    desk = guest_desk(request, token, public_id, number)
    return resolve(request, desk, comment, reopen=True)


@guest_view
@require_POST
def guest_verdict(request, token, public_id, number):
    return decide(request, guest_desk(request, token, public_id, number))


# --- revising a clip from feedback ------------------------------------------------------------
