"""The people the tests meet, one table for every module.

An owner (alice) with an agency or a personal workspace; an admin, a member and a viewer of the
owner's workspace (users named after their role); an outsider (bob) who belongs to none of the
owner's workspaces; and a guest of a share link, who is no user at all but a name given at the
link's gate. Every user's e-mail address is ``<username>@example.com`` and their password
``<username>-pw-1234`` (what ``tests.factories.make_user`` and ``tests.helpers.log_in`` use).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    username: str
    # Their role in the owner's workspace (a Membership.Role value); None: no member of it.
    role: str | None

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"

    @property
    def password(self) -> str:
        return f"{self.username}-pw-1234"


OWNER = Persona("alice", "owner")
ADMIN = Persona("admin", "admin")
MEMBER = Persona("member", "member")
VIEWER = Persona("viewer", "viewer")
OUTSIDER = Persona("bob", None)
# A share link's guest: the name they give at the link's gate.
GUEST = "Dana"

PERSONAS = {
    "owner": OWNER,
    "admin": ADMIN,
    "member": MEMBER,
    "viewer": VIEWER,
    "outsider": OUTSIDER,
}
# The owner's teammates, by their role.
TEAMMATES = {persona.role: persona for persona in (ADMIN, MEMBER, VIEWER)}
