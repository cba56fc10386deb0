"""Shared workspaces: starting one, members and their roles, invitations by e-mail, and keys
added to a chosen workspace."""

import re
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from inbox.models import Notification
from tests.factories import (
    OPENROUTER_KEY,
    add_member,
    logged_in,
    make_job,
    make_key,
    make_ready_clip,
    make_user,
    make_workspace,
    member,
)
from tests.personas import ADMIN, MEMBER, OUTSIDER, OWNER, VIEWER
from videos.models import ProviderKey, VideoJob
from workspaces import access
from workspaces.models import Invitation, Membership, TeamRuleBroken, Workspace

pytestmark = pytest.mark.django_db
Role = Membership.Role


# --- starting a workspace ---------------------------------------------------------------------


def test_a_new_workspace_is_owned_by_its_maker_and_gets_a_unique_slug(user, other_user):
    first = make_workspace(user, "Acme Agency")
    second = make_workspace(other_user, "Acme Agency")
    assert (first.slug, second.slug) == ("acme-agency", "acme-agency-2")
    assert not first.personal
    assert access.role_of(user, first) == Role.OWNER
    assert access.role_of(other_user, first) is None


def test_the_workspaces_page_lists_them_with_roles_and_creates_one(alice, user, other_user):
    add_member(make_workspace(other_user, "Bob's Shop"), user, Role.VIEWER)
    page = alice.get(reverse("workspaces:list")).content.decode()
    assert "Bob&#x27;s Shop" in page and "Viewer" in page and "Owner" in page

    response = alice.post(reverse("workspaces:list"), {"name": "  Northwind  "})
    workspace = Workspace.objects.get(name="Northwind")
    assert response.status_code == 302 and response["Location"] == workspace.get_absolute_url()
    assert access.role_of(user, workspace) == Role.OWNER

    response = alice.post(reverse("workspaces:list"), {"name": "   "})
    assert response.status_code == 400
    assert "Give the workspace a name." in response.content.decode()


def test_the_navigation_links_to_workspaces(alice):
    page = alice.get(reverse("videos:videos")).content.decode()
    assert f'href="{reverse("workspaces:list")}"' in page


# --- roles and the rules for changing them ----------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.OWNER, True), (Role.ADMIN, True), (Role.MEMBER, False), (Role.VIEWER, False)],
)
def test_who_may_manage_members(role, allowed, agency, user):
    assert Membership(role=role).can_manage_members is allowed
    mate = {Role.OWNER: user}.get(role) or member(agency, role.value).user
    assert access.can(mate, agency, "can_manage_members") is allowed
    if not allowed:
        with pytest.raises(PermissionDenied):
            access.require(mate, agency, "can_manage_members")


def test_an_owner_changes_any_role_including_making_owners(agency):
    owner = member(agency, OWNER)
    viewer = member(agency, VIEWER)
    viewer.change_role(Role.ADMIN, by=owner)
    viewer.change_role(Role.OWNER, by=owner)
    assert member(agency, VIEWER).role == Role.OWNER
    # With two owners, one may step down.
    owner.change_role(Role.MEMBER, by=owner)
    assert agency.owner_count() == 1


def test_an_admin_cannot_make_or_touch_owners(agency):
    admin, owner = member(agency, ADMIN), member(agency, OWNER)
    target = member(agency, MEMBER)
    with pytest.raises(PermissionDenied):
        target.change_role(Role.OWNER, by=admin)
    with pytest.raises(PermissionDenied):
        owner.change_role(Role.MEMBER, by=admin)
    with pytest.raises(PermissionDenied):
        owner.remove(by=admin)
    target.change_role(Role.VIEWER, by=admin)
    assert member(agency, MEMBER).role == Role.VIEWER
    assert member(agency, OWNER).role == Role.OWNER


@pytest.mark.parametrize("actor", ["member", "viewer"])
def test_members_and_viewers_change_nobody(actor, agency):
    by = member(agency, actor)
    target = member(agency, "viewer" if actor == "member" else "member")
    with pytest.raises(PermissionDenied):
        target.change_role(Role.ADMIN, by=by)
    with pytest.raises(PermissionDenied):
        target.remove(by=by)


def test_the_last_owner_can_be_neither_demoted_nor_removed(agency):
    owner = member(agency, OWNER)
    with pytest.raises(TeamRuleBroken, match="at least one owner"):
        owner.change_role(Role.ADMIN, by=owner)
    with pytest.raises(TeamRuleBroken, match="at least one owner"):
        owner.remove(by=owner)
    assert member(agency, OWNER).role == Role.OWNER


def test_a_membership_of_another_workspace_gives_no_rights_here(agency, other_user):
    elsewhere = make_workspace(other_user, "Elsewhere")
    outsider = member(elsewhere, OUTSIDER)
    with pytest.raises(PermissionDenied):
        member(agency, VIEWER).remove(by=outsider)
    with pytest.raises(PermissionDenied):
        agency.invite("x@example.com", Role.MEMBER, by=outsider)


def test_a_personal_workspace_keeps_its_owner(user, other_user):
    personal = access.personal_workspace(user)
    owner = member(personal, OWNER)
    add_member(personal, other_user, Role.MEMBER)
    with pytest.raises(TeamRuleBroken, match="personal workspace"):
        owner.remove(by=owner)
    with pytest.raises(TeamRuleBroken, match="exactly one owner"):
        member(personal, OUTSIDER).change_role(Role.OWNER, by=owner)
    # Others come and go.
    member(personal, OUTSIDER).remove(by=member(personal, OUTSIDER))
    assert access.role_of(other_user, personal) is None


def test_members_leave_and_admins_remove_members(agency):
    member(agency, VIEWER).remove(by=member(agency, VIEWER))
    member(agency, MEMBER).remove(by=member(agency, ADMIN))
    assert sorted(agency.memberships.values_list("user__username", flat=True)) == [
        "admin",
        "alice",
    ]


def test_every_member_sees_the_member_list_but_only_managers_get_the_controls(agency):
    for name, controls in (("admin", True), ("member", False), ("viewer", False)):
        page = logged_in(member(agency, name).user).get(agency.get_absolute_url())
        html = page.content.decode()
        assert page.status_code == 200
        assert all(who in html for who in ("alice", "admin", "member", "viewer")), name
        assert ("Send invitation" in html) is controls, name
        assert ("Change role" in html) is controls, name


def test_the_only_owner_is_offered_no_change_and_no_way_out(alice, agency, user):
    """The buttons would only end in "a workspace keeps an owner": they are not shown."""
    mine = f'id="member-{member(agency, OWNER).pk}"'

    def own_row() -> str:
        html = alice.get(agency.get_absolute_url()).content.decode()
        return html.split(mine)[1].split("</li>")[0]

    assert "Change role" not in own_row() and "Leave workspace" not in own_row()
    member(agency, ADMIN).change_role(Role.OWNER, by=member(agency, OWNER))
    assert "Change role" in own_row() and "Leave workspace" in own_row()


def test_role_changes_and_removals_through_the_page(alice, agency, user):
    target = member(agency, MEMBER)
    url = reverse("workspaces:member_role", args=[agency.slug, target.pk])
    assert alice.post(url, {"role": Role.ADMIN}).status_code == 302
    assert member(agency, MEMBER).role == Role.ADMIN

    # A broken rule is a message on the page, not an error page.
    own = reverse("workspaces:member_role", args=[agency.slug, member(agency, OWNER).pk])
    response = alice.post(own, {"role": Role.VIEWER}, follow=True)
    assert response.status_code == 200
    assert "at least one owner" in response.content.decode()

    # An admin asking to make an owner is refused outright.
    admin = logged_in(member(agency, ADMIN).user)
    viewer_url = reverse("workspaces:member_role", args=[agency.slug, member(agency, VIEWER).pk])
    assert admin.post(viewer_url, {"role": Role.OWNER}).status_code == 403

    remove = reverse("workspaces:member_remove", args=[agency.slug, target.pk])
    assert alice.post(remove).status_code == 302
    assert not agency.memberships.filter(pk=target.pk).exists()


def test_leaving_through_the_page(agency):
    viewer = member(agency, VIEWER)
    client = logged_in(viewer.user)
    response = client.post(reverse("workspaces:member_remove", args=[agency.slug, viewer.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("workspaces:list")
    assert client.get(agency.get_absolute_url()).status_code == 404


def test_deleting_a_user_leaves_their_jobs_and_keys_to_the_workspace(alice, agency):
    leaver = member(agency, MEMBER).user
    key = make_key(leaver, workspace=agency, label="Leaver's key")
    job = make_job(leaver, key=key, prompt="Harbour at dawn", status=VideoJob.Status.COLLECTING)
    make_ready_clip(job)
    # Another leaver's job with the same idempotency key: owner-less jobs may share one.
    other = make_user("other-leaver")
    add_member(agency, other, Role.MEMBER)
    make_job(other, workspace=agency, idempotency_key=job.idempotency_key)
    leaver.delete()
    other.delete()
    job.refresh_from_db()
    key.refresh_from_db()
    assert job.owner is None and key.owner is None
    assert VideoJob.objects.filter(workspace=agency, owner=None).count() == 2
    page = alice.get(job.get_absolute_url()).content.decode()
    assert " by Someone who has left</dd>" in page
    assert "Leaver" in alice.get(reverse("videos:keys")).content.decode()
    # The job still ends normally; nobody is told.
    assert job.finish_if_collected() and not Notification.objects.exists()
    assert alice.get(job.get_absolute_url()).status_code == 200


def test_the_job_page_says_who_started_it(alice, user):
    job = make_job(user, prompt="Harbour at dawn")
    assert " by alice</dd>" in alice.get(job.get_absolute_url()).content.decode()


# --- invitations ------------------------------------------------------------------------------


def invite(client, workspace, email="carol@example.com", role=Role.MEMBER):
    return client.post(
        reverse("workspaces:invite", args=[workspace.slug]), {"email": email, "role": role}
    )


def link_in(message) -> str:
    return re.search(r"http://testserver(/invitations/\S+/)", message.body).group(1)


def test_invite_accept_and_see_the_workspaces_videos(alice, agency, user):
    job = make_job(user, workspace=agency, prompt="Harbour at dawn for Acme")
    assert invite(alice, agency, "Carol@Example.com", Role.VIEWER).status_code == 302

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.com"] and "Acme Agency" in message.subject
    link = link_in(message)

    carol = logged_in(make_user("carol"))
    assert "Harbour at dawn" not in carol.get(reverse("videos:videos")).content.decode()
    page = carol.get(link).content.decode()
    assert "Acme Agency" in page and "viewer" in page

    response = carol.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("videos:videos", args=[agency.slug])
    membership = agency.memberships.get(user__username="carol")
    assert membership.role == Role.VIEWER
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == membership.user and invitation.accepted_at is not None
    assert job.prompt in carol.get(reverse("videos:videos")).content.decode()

    # Accepting twice is harmless: one membership, the same answer.
    assert carol.post(link).status_code == 302
    assert agency.memberships.filter(user__username="carol").count() == 1
    # The invitation is no longer pending.
    page = alice.get(agency.get_absolute_url()).content.decode()
    assert f"invitation-{invitation.public_id}" not in page


def test_anonymous_visitors_see_the_invitation_and_the_way_in(alice, agency):
    invite(alice, agency)
    link = link_in(mail.outbox[0])
    response = Client().get(link)
    assert response.status_code == 200
    assert "Join Acme Agency" in response.content.decode()


def test_a_used_invitation_cannot_be_used_by_someone_else(alice, agency):
    invite(alice, agency)
    link = link_in(mail.outbox[0])
    logged_in(make_user("carol")).post(link)
    dave = logged_in(make_user("dave"))
    for method in (dave.get, dave.post):
        response = method(link)
        assert response.status_code == 400
        assert "already been used" in response.content.decode()
    assert not agency.memberships.filter(user__username="dave").exists()


def test_an_expired_invitation_says_so(alice, agency, settings, monkeypatch):
    settings.INVITATION_DAYS = 2
    invitation = agency.invite("carol@example.com", Role.MEMBER, by=member(agency, OWNER))
    now = time.time()
    # A link signed three days ago.
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - 3 * 86400)
    old_link = invitation.get_absolute_url()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - 1 * 86400)
    recent_link = invitation.get_absolute_url()
    monkeypatch.undo()

    carol = logged_in(make_user("carol"))
    response = carol.post(old_link)
    assert response.status_code == 400 and "expired" in response.content.decode()
    assert not agency.memberships.filter(user__username="carol").exists()
    assert carol.get(recent_link).status_code == 200


def test_a_tampered_link_says_so(alice, agency):
    invite(alice, agency)
    link = link_in(mail.outbox[0])
    carol = logged_in(make_user("carol"))
    forged = link.replace(
        str(Invitation.objects.get().public_id), "00000000-0000-0000-0000-000000000000"
    )
    for bad in (forged, link[:-3] + "xx/", "/invitations/nonsense/"):
        response = carol.post(bad)
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
    assert not agency.memberships.filter(user__username="carol").exists()


def test_a_revoked_invitation_says_so(alice, agency):
    invite(alice, agency)
    invitation = Invitation.objects.get()
    link = link_in(mail.outbox[0])
    page = alice.get(agency.get_absolute_url()).content.decode()
    assert "carol@example.com" in page and "Revoke" in page

    revoke = reverse("workspaces:invitation_revoke", args=[agency.slug, invitation.public_id])
    assert alice.post(revoke).status_code == 302
    page = alice.get(agency.get_absolute_url()).content.decode()
    assert f"invitation-{invitation.public_id}" not in page

    carol = logged_in(make_user("carol"))
    response = carol.post(link)
    assert response.status_code == 400 and "withdrawn" in response.content.decode()
    assert not agency.memberships.filter(user__username="carol").exists()


def test_invitations_are_never_for_owners_and_need_a_manager(alice, agency):
    response = invite(alice, agency, role=Role.OWNER)
    assert response.status_code == 400
    response = invite(alice, agency, email="not an address")
    assert response.status_code == 400 and "valid email" in response.content.decode()
    response = invite(alice, agency, email="admin@example.com")
    assert response.status_code == 400 and "already a member" in response.content.decode()
    with pytest.raises(TeamRuleBroken):
        agency.invite("x@example.com", Role.OWNER, by=member(agency, OWNER))
    for name in ("member", "viewer"):
        assert invite(logged_in(member(agency, name).user), agency).status_code == 403
    assert invite(logged_in(member(agency, ADMIN).user), agency).status_code == 302
    assert not mail.outbox[1:]  # only the admin's went out
    assert Invitation.objects.count() == 1


def test_inviting_an_address_again_renews_its_pending_invitation(alice, agency):
    assert invite(alice, agency, "carol@example.com", Role.VIEWER).status_code == 302
    first = Invitation.objects.get()
    Invitation.objects.update(created_at=first.created_at - Invitation.lifetime())  # expired
    assert not agency.invitations.pending().exists()
    admin = logged_in(member(agency, ADMIN).user)
    assert invite(admin, agency, "Carol@Example.com", Role.MEMBER).status_code == 302
    renewed = Invitation.objects.get()  # still one
    assert renewed.pk == first.pk and renewed.role == Role.MEMBER
    assert renewed.invited_by.username == "admin" and renewed.created_at > first.created_at
    assert list(agency.invitations.pending()) == [renewed]
    assert len(mail.outbox) == 2  # the address gets the renewed link
    page = alice.get(agency.get_absolute_url()).content.decode()
    assert page.count('id="invitation-') == 1 and f"invitation-{first.public_id}" in page
    # Both links work; either joins as a member, once.
    carol = logged_in(make_user("carol"))
    assert carol.post(link_in(mail.outbox[1])).status_code == 302
    assert member(agency, "carol").role == Role.MEMBER
    # Withdrawn or used, it is no longer open: inviting again makes a new one.
    agency.memberships.filter(user__username="carol").delete()
    invitation = agency.invite("carol@example.com", Role.VIEWER, by=member(agency, OWNER))
    assert invitation.pk != first.pk and Invitation.objects.count() == 2
    assert invitation.revoke(by=member(agency, OWNER))
    again = agency.invite("carol@example.com", Role.VIEWER, by=member(agency, OWNER))
    assert again.pk not in (first.pk, invitation.pk)


def test_an_existing_member_keeps_their_role_when_accepting(alice, agency):
    invitation = agency.invite("someone@example.com", Role.VIEWER, by=member(agency, OWNER))
    # Made an admin some other way meanwhile.
    add_member(agency, make_user("someone"), Role.ADMIN)
    invitation.accept(member(agency, "someone").user)
    assert member(agency, "someone").role == Role.ADMIN


# --- keys in a chosen workspace ---------------------------------------------------------------


def test_one_workspace_no_choice(alice):
    page = alice.get(reverse("videos:keys")).content.decode()
    assert 'name="workspace"' not in page


def test_keys_go_to_the_chosen_workspace(alice, user, agency, other_user, providers):
    # Alice is only a viewer in Bob's workspace: it is not offered.
    bobs = make_workspace(other_user, "Bob's Shop")
    add_member(bobs, user, Role.VIEWER)
    page = alice.get(reverse("videos:keys")).content.decode()
    assert 'name="workspace"' in page
    assert f'value="{agency.slug}"' in page and f'value="{bobs.slug}"' not in page
    assert re.search(r'<option value="alice" selected>', page)

    form = {"provider": "openrouter", "label": "Agency", "secret": OPENROUTER_KEY}
    assert alice.post(reverse("videos:keys"), form | {"workspace": agency.slug}).status_code == 302
    assert ProviderKey.objects.get().workspace == agency

    response = alice.post(reverse("videos:keys"), form | {"workspace": bobs.slug})
    assert response.status_code == 400
    assert not ProviderKey.objects.filter(workspace=bobs).exists()

    # The same name may be used in another workspace, not twice in one.
    assert alice.post(reverse("videos:keys"), form | {"workspace": "alice"}).status_code == 302
    response = alice.post(reverse("videos:keys"), form | {"workspace": agency.slug})
    assert response.status_code == 400 and "already has a key" in response.content.decode()

    # The list says where each key lives.
    page = alice.get(reverse("videos:keys")).content.decode()
    assert "in Acme Agency" in page and "in your personal workspace" in page


def test_a_key_list_for_one_workspace_names_it_too(alice, user):
    make_key(user)
    assert "in your personal workspace" in alice.get(reverse("videos:keys")).content.decode()
