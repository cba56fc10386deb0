"""Getting in: an invitation lets a person without an account make one (with the invited
address) or log in with the account that has it; used, expired and withdrawn links say so; a
forgotten password is reset by e-mail; one changes one's own name and password; open sign-up
only when it is turned on. E-mails are plain text whose links are absolute and whole."""

import html
import io
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import add_member, logged_in, make_job, make_user, member
from tests.helpers import link_of, printed
from tests.personas import OWNER
from workspaces.models import Invitation, InvitationInvalid, Membership

pytestmark = pytest.mark.django_db
Role = Membership.Role
User = get_user_model()

NEWCOMER = {
    "name": "Carol Jones",
    "username": "carol",
    "password1": "harbour-lights-at-dawn",
    "password2": "harbour-lights-at-dawn",
}


def invite(client, workspace, email="carol@example.com", role=Role.MEMBER):
    response = client.post(
        reverse("workspaces:invite", args=[workspace.slug]), {"email": email, "role": role}
    )
    assert response.status_code == 302, response.content
    return mail.outbox[-1]


def path_of(link: str) -> str:
    return link.removeprefix("http://testserver")


# --- e-mails ----------------------------------------------------------------------------------


def test_the_invitation_email_invites_a_newcomer_to_make_an_account(alice, agency):
    message = invite(alice, agency)
    assert "ask for an account" not in message.body
    assert "make one there" in message.body and "carol@example.com" in message.body
    # The pending invitation's link, to copy when the e-mail went astray, is absolute too (and
    # names the same invitation; its signature carries the moment it was made).
    page = alice.get(reverse("workspaces:members", args=[agency.slug])).content.decode()
    public_id = Invitation.objects.get().public_id
    assert link_of(message).startswith(f"http://testserver/invitations/{public_id}:")
    assert f'href="http://testserver/invitations/{public_id}:' in page


def test_e_mailed_links_are_whole_on_one_line_as_the_console_prints_them(alice, agency):
    """Quoted-printable cut the invitation link in two with a "=" (a link longer than 76
    characters); bodies are now sent as written."""
    message = invite(alice, agency, "a-rather-long-address-for-a-teammate@agency.example.com")
    text = printed(message)
    assert "quoted-printable" not in text.lower() and "base64" not in text.lower()
    assert "=\n" not in text and "=3D" not in text
    link = link_of(message)
    assert len(link) > 76 and re.fullmatch(r"http://testserver/invitations/\S+/", link)
    assert link == message.body.split("\n\n")[2]
    # Non-ASCII text (the workspace's name in curly quotes) is sent 8-bit, readable as is.
    assert "“Acme Agency”" in text


def test_what_goes_to_the_smtp_server_keeps_the_link_whole_too(alice, agency):
    import email.policy

    message = invite(alice, agency)
    sent = message.message(policy=email.policy.SMTP).as_bytes().decode()
    assert link_of(message) + "\r\n" in sent
    assert "Content-Transfer-Encoding: 8bit" in sent


def test_a_notification_e_mail_links_to_the_public_url_and_prints_whole(
    user, agency, settings, django_capture_on_commit_callbacks
):
    from inbox.models import notify

    settings.PUBLIC_URL = "https://video.example.com"
    job = make_job(user, workspace=agency, prompt="Harbour at dawn")
    path = job.get_absolute_url() + "review/some/long/part/of/the/address/to/pass/76/characters/"
    with django_capture_on_commit_callbacks(execute=True):
        notify([user], workspace=agency, kind="job_ready", text="Your video is ready", url=path)
    (message,) = mail.outbox
    assert link_of(message, "https://video.example.com/") == "https://video.example.com" + path
    assert f"\n{path}" not in message.body  # never the bare path


def test_production_requires_the_public_url_through_check_deploy(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.PUBLIC_URL = ""
    with pytest.raises(SystemCheckError, match="MARKETOS_PUBLIC_URL is not set"):
        call_command("check", "--deploy", "--tag", "security", stdout=io.StringIO())
    settings.PUBLIC_URL = "https://video.example.com"
    call_command("check", "--deploy", "--tag", "security", stdout=io.StringIO())
    # Plain http is warned about: the links would open unencrypted.
    from workspaces.mail import check_public_url

    assert check_public_url(None) == []
    settings.PUBLIC_URL = "http://video.example.com"
    assert [problem.id for problem in check_public_url(None)] == ["marketos.W002"]


def test_the_demo_sets_the_public_url_where_it_answers(tmp_path):
    from demo import env as demo_env

    path = tmp_path / "demo.env"
    demo_env.write(path)
    assert "MARKETOS_PUBLIC_URL=http://127.0.0.1:8000\n" in path.read_text()


# --- the login page ---------------------------------------------------------------------------


def test_the_login_page_tells_how_to_get_in_and_offers_a_reset():
    page = Client().get(reverse("login")).content.decode()
    assert "created by your MarketOS administrator" not in page
    assert "invite you" in page
    assert reverse("password_reset") in page
    assert reverse("signup") not in page  # no open sign-up by default
    assert "make demo" not in page


def test_the_demos_login_page_says_where_its_password_is_printed(settings):
    settings.DEMO = True
    page = Client().get(reverse("login")).content.decode()
    assert "make demo" in page and "var/demo.env" in page and "banner" in page
    assert 'value="demo"' in page  # its user name is filled in


# --- an invitation, for someone without an account --------------------------------------------


def test_a_newcomer_makes_an_account_from_the_invitation_and_lands_in_the_workspace(
    alice, agency, user
):
    job = make_job(user, workspace=agency, prompt="Harbour at dawn for Acme")
    link = path_of(link_of(invite(alice, agency, "Carol@Example.com", Role.VIEWER)))
    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Make your account" in html and "carol@example.com" in html and "viewer" in html
    assert 'name="email"' not in html  # the address is the invitation's, not a field
    assert 'name="username" value="carol"' in html  # suggested from the address

    # The address cannot be changed by sending another one.
    response = visitor.post(link, NEWCOMER | {"email": "mallory@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("videos:videos", args=[agency.slug])
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.com" and carol.get_full_name() == "Carol Jones"
    assert member(agency, "carol").role == Role.VIEWER
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == carol and invitation.accepted_at is not None
    # Logged in, in the workspace, seeing its videos.
    page = visitor.get(response["Location"]).content.decode()
    assert "You are in “Acme Agency” as viewer" in page and job.prompt in page
    assert visitor.get(reverse("workspaces:members", args=[agency.slug])).status_code == 200

    # The link is used now: it says so (to anyone else) and no second account can be made.
    again = Client().post(link, NEWCOMER | {"username": "carol2"})
    assert again.status_code == 400 and "already been used" in again.content.decode()
    assert User.objects.filter(email="carol@example.com").count() == 1


def test_a_password_the_validators_refuse_loses_nothing_and_makes_nobody(alice, agency):
    link = path_of(link_of(invite(alice, agency)))
    for password, says in (
        ("short1", "too short"),
        ("password123", "too common"),
        ("83759201447", "entirely numeric"),
        ("carol@example.com", "too similar"),
    ):
        response = Client().post(link, NEWCOMER | {"password1": password, "password2": password})
        assert response.status_code == 400, password
        html = response.content.decode()
        assert says in html, (password, html)
        assert 'value="Carol Jones"' in html and 'value="carol"' in html  # kept
    mismatch = Client().post(link, NEWCOMER | {"password2": "something-else-entirely"})
    assert mismatch.status_code == 400 and "passwords differ" in mismatch.content.decode()
    taken = Client().post(link, NEWCOMER | {"username": "admin"})
    assert taken.status_code == 400 and "already exists" in taken.content.decode()
    assert not User.objects.filter(email="carol@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_invitation_withdrawn_while_the_form_was_open_makes_no_account(alice, agency):
    link = path_of(link_of(invite(alice, agency)))
    visitor = Client()
    assert visitor.get(link).status_code == 200
    Invitation.objects.get().revoke(by=member(agency, OWNER))
    response = visitor.post(link, NEWCOMER)
    assert response.status_code == 400 and "withdrawn" in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


# --- an invitation, for someone with an account -----------------------------------------------


def test_someone_with_an_account_of_that_address_logs_in_from_the_invitation(alice, agency):
    make_user("carol")
    link = path_of(link_of(invite(alice, agency, role=Role.ADMIN)))
    visitor = Client()
    html = visitor.get(link).content.decode()
    assert "Log in to join" in html and "Make your account" not in html
    assert 'value="carol"' in html and reverse("password_reset") in html

    wrong = visitor.post(link, {"username": "carol", "password": "not-hers"})
    assert wrong.status_code == 400 and "correct username and password" in wrong.content.decode()
    assert not agency.memberships.filter(user__username="carol").exists()

    response = visitor.post(link, {"username": "carol", "password": "carol-pw-1234"})
    assert response.status_code == 302
    assert response["Location"] == reverse("videos:videos", args=[agency.slug])
    assert member(agency, "carol").role == Role.ADMIN
    assert visitor.get(reverse("workspaces:members", args=[agency.slug])).status_code == 200


def test_logging_in_from_an_invitation_with_another_account_joins_nobody(alice, agency):
    make_user("carol")
    link = path_of(link_of(invite(alice, agency)))
    make_user("bob")
    response = Client().post(link, {"username": "bob", "password": "bob-pw-1234"})
    assert response.status_code == 400
    assert "address is not carol@example.com" in response.content.decode()
    assert not agency.memberships.filter(user__username__in=["bob", "carol"]).exists()


def test_logging_in_from_an_invitation_is_protected_like_the_login_page(alice, agency, settings):
    make_user("carol")
    link = path_of(link_of(invite(alice, agency)))
    wrong = {"username": "carol", "password": "guess"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert Client(REMOTE_ADDR="198.51.100.7").post(link, wrong).status_code == 400
    locked = Client(REMOTE_ADDR="198.51.100.7").post(link, wrong)
    assert locked.status_code == 429 and "Too many failed log-ins" in locked.content.decode()
    right = {"username": "carol", "password": "carol-pw-1234"}
    assert Client(REMOTE_ADDR="198.51.100.7").post(link, right).status_code == 429
    assert not agency.memberships.filter(user__username="carol").exists()


def test_someone_logged_in_with_another_address_is_told_whom_it_is_for(alice, agency):
    link = path_of(link_of(invite(alice, agency)))
    bob = logged_in(make_user("bob"))
    for method in (bob.get, bob.post):
        response = method(link)
        assert response.status_code == 403
        html = response.content.decode()
        assert "for someone else" in html
        assert "This invitation is for carol@example.com" in html and "bob@example.com" in html
        assert "Log out and open the invitation" in html
    assert not agency.memberships.filter(user__username="bob").exists()
    # Logging out from there comes back to the invitation.
    response = bob.post(reverse("logout"), {"next": link})
    assert response.status_code == 302 and response["Location"] == link


def test_someone_logged_in_with_the_invited_address_accepts(alice, agency):
    carol = logged_in(make_user("carol"))
    link = path_of(link_of(invite(alice, agency)))
    assert "Accept and join" in carol.get(link).content.decode()
    response = carol.post(link)
    assert response["Location"] == reverse("videos:videos", args=[agency.slug])
    assert member(agency, "carol").role == Role.MEMBER


def test_an_invitation_is_accepted_only_by_the_account_of_its_address(agency):
    from workspaces.models import InvitationForSomeoneElse

    invitation = agency.invite("Carol@Example.com", Role.MEMBER, by=member(agency, OWNER))
    with pytest.raises(InvitationForSomeoneElse, match=r"for carol@example\.com"):
        invitation.accept(make_user("bob"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    carol = make_user("carol")
    carol.email = "CAROL@example.com"  # addresses compare without case
    assert invitation.accept(carol).role == Role.MEMBER


# --- links that cannot be used ----------------------------------------------------------------


@pytest.mark.parametrize("visitor", ["anonymous", "someone"])
def test_used_expired_withdrawn_and_altered_links_say_so_plainly(
    visitor, alice, agency, settings, monkeypatch
):
    settings.INVITATION_DAYS = 2
    owner = member(agency, OWNER)
    client = Client() if visitor == "anonymous" else logged_in(make_user("dave"))

    used = agency.invite("used@example.com", Role.MEMBER, by=owner)
    used.accept(add_member(agency, make_user("used"), Role.VIEWER).user)
    withdrawn = agency.invite("gone@example.com", Role.MEMBER, by=owner)
    withdrawn.revoke(by=owner)
    expiring = agency.invite("late@example.com", Role.MEMBER, by=owner)
    now = time.time()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now - 3 * 86400)
    expired_link = expiring.get_absolute_url()
    monkeypatch.undo()

    cases = {
        used.get_absolute_url(): "already been used",
        withdrawn.get_absolute_url(): "withdrawn",
        expired_link: "expired",
        "/invitations/nonsense/": "not valid",
    }
    for url, says in cases.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 400, (url, says)
            html = response.content.decode()
            assert "This invitation cannot be used" in html and says in html, (url, html)
    assert not User.objects.filter(username__in=["carol"]).exists()


def test_an_expired_invitation_never_lets_anyone_in_even_with_a_newly_made_link(
    alice, agency, settings
):
    """Its link, however recently it was copied from the members page or e-mailed, stops
    working when the invitation expires: for the invited account already logged in (or
    logging in from it, or after logging in elsewhere), and for a newcomer."""
    settings.INVITATION_DAYS = 7
    invitation = agency.invite("carol@example.com", Role.MEMBER, by=member(agency, OWNER))
    created = invitation.created_at - timedelta(days=7, minutes=1)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=created)
    invitation.refresh_from_db()
    link = invitation.get_absolute_url()  # a link made just now
    carol = make_user("carol")
    for visitor in (logged_in(carol), Client()):
        for method in (visitor.get, visitor.post):
            response = method(link, {"username": "carol", "password": "carol-pw-1234"})
            assert response.status_code == 400
            html = response.content.decode()
            assert "This invitation has expired. Ask the person who invited you" in html
    # Logged in first, then following the link.
    after = Client()
    after.post(reverse("login"), {"username": "carol", "password": "carol-pw-1234"})
    assert after.post(link).status_code == 400
    assert "_auth_user_id" not in Client().session
    with pytest.raises(InvitationInvalid, match="expired"):
        invitation.accept(carol)
    # A newcomer's account is not made either.
    newcomer = agency.invite("erin@example.com", Role.MEMBER, by=member(agency, OWNER))
    Invitation.objects.filter(pk=newcomer.pk).update(created_at=created)
    newcomer.refresh_from_db()
    erin = NEWCOMER | {"name": "Erin", "username": "erin"}
    assert Client().post(newcomer.get_absolute_url(), erin).status_code == 400
    assert not User.objects.filter(username="erin").exists()
    assert not agency.memberships.exclude(
        user__username__in=["alice", "admin", "member", "viewer"]
    ).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- password reset ---------------------------------------------------------------------------


def test_a_forgotten_password_is_reset_through_an_e_mailed_link(user, settings):
    settings.PUBLIC_URL = "https://video.example.com"  # not the host the request came to
    page = Client().get(reverse("password_reset")).content.decode()
    assert "Forgot your password?" in page and 'name="email"' in page
    response = Client().post(reverse("password_reset"), {"email": "ALICE@example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert "Check your e-mail" in Client().get(response["Location"]).content.decode()

    (message,) = mail.outbox
    assert message.to == ["alice@example.com"] and "alice" in message.body
    link = link_of(message, start="https://video.example.com/account/reset/")
    link = link.removeprefix("https://video.example.com")

    visitor = Client()
    form = visitor.get(link, follow=True)
    assert "Set a new password" in form.content.decode()
    url = form.redirect_chain[-1][0]
    weak = visitor.post(url, {"new_password1": "password", "new_password2": "password"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()
    done = visitor.post(
        url, {"new_password1": "new-harbour-123", "new_password2": "new-harbour-123"}
    )
    assert done["Location"] == reverse("password_reset_complete")
    assert "Your new password is set" in visitor.get(done["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password("new-harbour-123")
    # Used once: the link says so.
    again = Client().get(link, follow=True).content.decode()
    assert "This link cannot be used" in again


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(user):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_e_mails_have_a_budget_per_address_and_per_client(user, settings):
    """Nobody floods an inbox with reset links, or tries address after address from one
    place; over budget nothing is sent and nothing says whether an account exists."""
    settings.PASSWORD_RESET_RATE = (2, 3600)
    for _ in range(2):
        response = Client().post(reverse("password_reset"), {"email": "alice@example.com"})
        assert response.status_code == 302
    assert len(mail.outbox) == 2
    # The same inbox, even in other letters' case: refused, with when to try again.
    refused = Client().post(reverse("password_reset"), {"email": "Alice@Example.com"})
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert "Too many reset requests" in refused.content.decode()
    assert len(mail.outbox) == 2
    # From another client address, another inbox is still served; from this one, no more.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(reverse("password_reset"), {"email": "bob@example.com"}).status_code == 302
    assert Client().post(reverse("password_reset"), {"email": "b@x.org"}).status_code == 429
    # An unknown address counts the same: the answer does not tell whether it has an account.
    assert other.post(reverse("password_reset"), {"email": "c@x.org"}).status_code == 302
    assert other.post(reverse("password_reset"), {"email": "d@x.org"}).status_code == 429


# --- one's own account ------------------------------------------------------------------------


def test_a_person_changes_their_name_and_reaches_the_password_change(alice, user):
    page = alice.get(reverse("account")).content.decode()
    assert "alice@example.com" in page and reverse("password_change") in page
    assert alice.post(reverse("account"), {"name": " "}).status_code == 400
    response = alice.post(reverse("account"), {"name": "Alice Martin"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.get_full_name() == "Alice Martin"
    assert "Your name is now “Alice Martin”" in alice.get(reverse("account")).content.decode()
    assert reverse("account") in alice.get(reverse("workspaces:list")).content.decode()


def test_a_person_changes_their_password_and_logs_in_with_the_new_one(alice, user):
    form = alice.get(reverse("password_change")).content.decode()
    assert 'name="old_password"' in form and 'name="new_password1"' in form
    # The validators' rules, drawn as the list they are (never as escaped markup).
    assert "<li>Your password must contain at least 8 characters.</li>" in form
    assert "&lt;li&gt;" not in form
    wrong = alice.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "Tide-pool-42",
            "new_password2": "Tide-pool-42",
        },
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in html.unescape(wrong.content.decode())
    weak = alice.post(
        reverse("password_change"),
        {"old_password": "alice-pw-1234", "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    done = alice.post(
        reverse("password_change"),
        {
            "old_password": "alice-pw-1234",
            "new_password1": "Tide-pool-42",
            "new_password2": "Tide-pool-42",
        },
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_change_done")
    assert alice.get(reverse("account")).status_code == 200  # still logged in here
    user.refresh_from_db()
    assert user.check_password("Tide-pool-42") and not user.check_password("alice-pw-1234")
    # The login page takes the new password.
    login = Client().post(reverse("login"), {"username": "alice", "password": "Tide-pool-42"})
    assert login.status_code == 302


# --- open sign-up -----------------------------------------------------------------------------


def test_open_sign_up_is_off_unless_turned_on(settings):
    assert Client().get(reverse("signup")).status_code == 404
    assert Client().post(reverse("signup"), NEWCOMER).status_code == 404
    settings.OPEN_SIGNUP = True
    assert reverse("signup") in Client().get(reverse("login")).content.decode()
    visitor = Client()
    assert visitor.get(reverse("signup")).status_code == 200
    response = visitor.post(reverse("signup"), NEWCOMER | {"email": "Erin@Example.com"})
    assert response.status_code == 302
    erin = User.objects.get(username="carol")
    assert erin.email == "erin@example.com" and erin.get_full_name() == "Carol Jones"
    assert visitor.get(reverse("workspaces:list")).status_code == 200
    # One account per address.
    response = Client().post(
        reverse("signup"), NEWCOMER | {"username": "other", "email": "erin@example.com"}
    )
    assert response.status_code == 400 and "already an account" in response.content.decode()
