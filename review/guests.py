"""A share link as a way through the access check: who a guest is, and what their link opens.

A guest opens ``/s/<token>/``, gives a name (and the link's password, if it has one) and is
admitted: the session remembers the name for that link only. Every guest view fetches through
``guest_for``: the link must be live and the visitor admitted, else 404 (a revoked, expired or
made-up link looks the same as none) or a redirect to the gate.
"""

from django.http import Http404

from .models import Reviewer, ShareLink

SESSION_KEY = "review.guests"  # {token digest: guest name}


class DeadLink(Http404):
    """No live link has this token. Unknown, revoked and expired look the same to the visitor,
    who is told plainly to ask for a new link (``share.not_found``)."""


class NotAdmitted(Exception):
    """The visitor holds a live link but has not given their name (or password) yet."""

    def __init__(self, link: ShareLink):
        super().__init__(link)
        self.link = link


def live_link(token: str) -> ShareLink:
    """The live link ``token`` opens, else DeadLink (a 404)."""
    link = ShareLink.objects.from_token(token)
    if link is None:
        raise DeadLink("This link does not exist, has expired or was revoked.")
    return link


def admit(request, link: ShareLink, name: str) -> Reviewer:
    """Let the visitor in as ``name`` (ReviewRuleBroken for an empty name); recorded in the
    trail once per visit."""
    reviewer = Reviewer.guest(link, name)
    admitted = request.session.get(SESSION_KEY, {})
    if admitted.get(link.token_digest) != reviewer.guest_name:
        request.session.cycle_key()  # a new identity: a new session id
        admitted[link.token_digest] = reviewer.guest_name
        request.session[SESSION_KEY] = admitted
        link.opened_by(reviewer)
    return reviewer


def guest_for(request, token: str) -> Reviewer:
    """The admitted guest of the live link ``token``: Http404 for a dead link, NotAdmitted
    (the view sends them to the gate) for a visitor who has not given their name."""
    link = live_link(token)
    name = request.session.get(SESSION_KEY, {}).get(link.token_digest)
    if not name:
        raise NotAdmitted(link)
    return Reviewer(guest_name=name, link=link)
