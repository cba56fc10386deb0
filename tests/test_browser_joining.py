"""In Chromium, as people live it: an owner invites a teammate who has no account from the
members page; the teammate opens the e-mailed link in their own browser, makes an account and
lands in the workspace with the role, seeing its pages; someone who has an account logs in from
their invitation; a used link then says it was used. Desktop and phone."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import make_job, make_user
from tests.helpers import (
    DESKTOP,
    PHONE,
    browser_page,
    invite_from_the_members_page,
    link_of,
    log_in,
)
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_teammate_joins_from_the_invitation_email(
    size, browser, live_server, settings, agency, user, screenshot
):
    viewport = DESKTOP if size == "desktop" else PHONE
    base = live_server.url
    settings.PUBLIC_URL = base
    make_job(
        user, workspace=agency, prompt="Harbour at dawn for Acme", status=VideoJob.Status.READY
    )
    errors: list[str] = []

    # The owner invites Carol, who has no account, as a member.
    owner_context, owner = browser_page(browser, viewport, errors)
    log_in(owner, base)
    link = invite_from_the_members_page(owner, base, agency, "carol@example.com", "Member")
    assert owner.get_by_text("carol@example.com").first.is_visible()  # pending, with its link
    screenshot(owner, f"joining-1-invited-{size}")

    # Carol opens the link in her own browser: she makes her account there.
    context, page = browser_page(browser, viewport, errors)
    page.goto(link)
    assert page.get_by_role("heading", name="Join Acme Agency").is_visible()
    assert page.get_by_text("as member").is_visible()
    email = page.get_by_label("E-mail address")
    assert email.input_value() == "carol@example.com" and not email.is_editable()
    screenshot(page, f"joining-2-invitation-{size}")
    page.get_by_label("Your name").fill("Carol Jones")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_label("Password again").fill("password")
    page.get_by_role("button", name="Make my account and join").click()
    page.wait_for_load_state()
    assert page.get_by_text("This password is too common.").is_visible()
    assert page.get_by_label("Your name").input_value() == "Carol Jones"  # nothing lost
    screenshot(page, f"joining-3-weak-password-{size}")
    page.get_by_label("Password", exact=True).fill("harbour-lights-at-dawn")
    page.get_by_label("Password again").fill("harbour-lights-at-dawn")
    page.get_by_role("button", name="Make my account and join").click()

    # She lands in the workspace, as a member, and sees its work.
    page.wait_for_url(base + reverse("videos:videos", args=[agency.slug]))
    assert page.get_by_text(
        "Welcome, Carol Jones! You are in “Acme Agency” as member."
    ).is_visible()
    assert page.get_by_text("Harbour at dawn for Acme").first.is_visible()
    screenshot(page, f"joining-4-in-the-workspace-{size}")
    page.goto(base + reverse("workspaces:members", args=[agency.slug]))
    row = page.locator(".key-row", has_text="carol")
    assert row.get_by_text("Member", exact=True).is_visible()
    assert row.get_by_text("(you)").is_visible()
    page.goto(base + reverse("videos:generate", args=[agency.slug]))
    assert page.get_by_role("heading", level=1).is_visible()
    context.close()
    assert agency.memberships.get(user__username="carol").role == Membership.Role.MEMBER

    # Dave has an account already: his invitation asks him to log in, and he is in.
    make_user("dave")
    link = invite_from_the_members_page(owner, base, agency, "dave@example.com", "Viewer")
    # The owner trying the link herself is told it is Dave's.
    owner.goto(link)
    assert owner.get_by_role("heading", name="This invitation is for someone else").is_visible()
    assert owner.get_by_text("This invitation is for dave@example.com").is_visible()
    assert owner.get_by_role("button", name="Log out and open the invitation").is_visible()
    screenshot(owner, f"joining-5-someone-elses-invitation-{size}")
    context, page = browser_page(browser, viewport, errors)
    page.goto(link)
    assert page.get_by_role("heading", name="Log in to join").is_visible()
    assert page.get_by_label("Username").input_value() == "dave"
    screenshot(page, f"joining-6-log-in-to-join-{size}")
    page.get_by_label("Password").fill("dave-pw-1234")
    page.get_by_role("button", name="Log in and join").click()
    page.wait_for_url(base + reverse("videos:videos", args=[agency.slug]))
    assert page.get_by_text("You are in “Acme Agency” as viewer.").is_visible()
    context.close()

    # Carol's link, opened again by anyone, says it was used.
    context, page = browser_page(browser, viewport, errors)
    page.goto(link_of(mail.outbox[0], base + "/invitations/"))
    assert page.get_by_role("heading", name="This invitation cannot be used").is_visible()
    assert page.get_by_text("This invitation has already been used.").is_visible()
    screenshot(page, f"joining-7-used-link-{size}")
    context.close()
    owner_context.close()

    # In the demo, the login page says where its password is printed.
    settings.DEMO = True
    context, page = browser_page(browser, viewport, errors)
    page.goto(base + reverse("login"))
    assert page.get_by_text("with the password printed in the terminal").is_visible()
    assert page.get_by_label("Username").input_value() == "demo"
    screenshot(page, f"joining-8-demo-login-{size}")
    context.close()
    # The refused password and the used link are answered 400 (as a refused form is), the
    # link opened by someone else 403.
    assert sorted(errors) == sorted(
        f"Failed to load resource: the server responded with a status of {status}"
        for status in ("400 (Bad Request)", "403 (Forbidden)", "400 (Bad Request)")
    )
