"""Review: where each clip stands with each reviewer, time-coded comments, client share links,
and the trail of every review event; one module per concern, every name re-exported here, so
that ``from review.models import ShareLink`` keeps working.

A reviewer is either a workspace member (a user whose role grants ``can_review``) or a guest
holding a share link (a name, no account). Every state change here is a model method taking
the acting ``Reviewer``, and records a ``ReviewEvent``.

The modules build on one another in this order, each importing only those before it:
``reviewers`` (who acts, and the rule error), ``versions`` (the versions of a video),
``events`` (the trail), ``share_links``, ``comments``, ``verdicts``.
"""

from .comments import Comment, CommentQuerySet, _moment
from .events import ReviewEvent, ReviewEventQuerySet, send_overdue_client_emails
from .reviewers import Reviewer, ReviewRuleBroken
from .share_links import ShareLink, ShareLinkQuerySet, _digest
from .verdicts import Verdict, standing
from .versions import chains, version_stack

__all__ = [
    "Comment",
    "CommentQuerySet",
    "ReviewEvent",
    "ReviewEventQuerySet",
    "ReviewRuleBroken",
    "Reviewer",
    "ShareLink",
    "ShareLinkQuerySet",
    "Verdict",
    "_digest",
    "_moment",
    "chains",
    "send_overdue_client_emails",
    "standing",
    "version_stack",
]
