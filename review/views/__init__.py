"""Review pages: a clip's review page (for workspace members, and the same page for the guests
of a share link), a project's review overview, and a clip's revision made from a comment; one
module per concern, the views re-exported here for the URLconf.

The modules build on ``desk`` (the clip page and its actions, written once for both kinds of
reviewer): ``member_pages``, ``guest_pages`` and ``revising``.
"""

from .guest_pages import (
    guest_clip,
    guest_comment,
    guest_reopen,
    guest_reply,
    guest_resolve,
    guest_verdict,
)
from .member_pages import (
    clip_review,
    comment_add,
    comment_reopen,
    comment_reply,
    comment_resolve,
    project_review,
    verdict,
)
from .revising import revise

__all__ = [
    "clip_review",
    "comment_add",
    "comment_reopen",
    "comment_reply",
    "comment_resolve",
    "guest_clip",
    "guest_comment",
    "guest_reopen",
    "guest_reply",
    "guest_resolve",
    "guest_verdict",
    "project_review",
    "revise",
    "verdict",
]
