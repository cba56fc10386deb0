"""Who acts in a review, and the error a review rule raises.

A reviewer is either a workspace member (a user whose role grants ``can_review``) or a guest
holding a share link (a name, no account).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from workspaces.models import Membership


class ReviewRuleBroken(Exception):
    """A review action its rules forbid (the message says why, in plain words)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Reviewer:
    """Who acts: a member (``user``) or a guest (``guest_name`` through ``link``)."""

    user: object = None
    guest_name: str = ""
    link: object = None  # the ShareLink a guest came through (a model above this module)

    @classmethod
    def member(cls, membership: Membership) -> "Reviewer":
        if not membership.can_review:
            raise PermissionDenied("Your role in this workspace does not allow reviewing.")
        return cls(user=membership.user)

    @classmethod
    def guest(cls, link, name: str) -> "Reviewer":
        name = " ".join((name or "").split())[:80]
        if not name:
            raise ReviewRuleBroken("Tell us your name first: the team sees who said what.")
        return cls(guest_name=name, link=link)

    @property
    def is_guest(self) -> bool:
        return self.link is not None

    @property
    def name(self) -> str:
        if self.is_guest:
            return self.guest_name
        return self.user.get_full_name() or self.user.get_username()

    def fields(self) -> dict:
        """The author fields of a comment, verdict or event this reviewer makes."""
        return {"author": self.user, "guest_name": self.guest_name, "link": self.link}
