"""The client review loop in Chromium, on a desktop and on a phone: live server, real worker,
sandbox provider.

A member generates a video for a client's project and shares the project with a link that
lets guests comment and approve. The client (a fresh browser, no account) comments at 0:02 and
asks for changes; the member is told, revises from the comment and gets version 2; the client
compares version 1 and 2 and approves version 2; the project's trail shows every step; the
link is revoked and opens nothing. Screenshots go to test-artifacts/screenshots/.
"""

import re

import pytest
from django.urls import reverse

from inbox.models import Notification
from tests.factories import add_member, make_key, make_project, make_user, make_workspace
from tests.helpers import (
    DESKTOP,
    PHONE,
    accessible,
    browser_page,
    generate_in_project,
    log_in,
    until,
)
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_client_reviews_and_the_next_version_comes_from_their_feedback(
    browser, live_server, start_worker, reachable, user, screenshot, device
):
    start_worker()
    base = live_server.url
    agency = make_workspace(user, "Acme Agency")
    add_member(agency, make_user("member"), Membership.Role.MEMBER)
    make_key(user, workspace=agency, label="Agency")
    project = make_project(agency, client="Northwind", name="Spring launch")
    viewport = DESKTOP if device == "desktop" else PHONE
    errors = []

    # A member generates in the client's project, inside the agency's workspace.
    member_context, page = browser_page(browser, viewport, errors)
    log_in(page, base, "member")
    generate_in_project(
        page,
        base,
        agency,
        "Northwind — Spring launch",
        "[sandbox:clips=1] Spring launch teaser: sneakers on a sunny street",
    )
    first = VideoJob.objects.get()
    assert first.project == project and first.owner.username == "member"

    # It shares the project with a link that lets guests comment and approve.
    page.goto(f"{base}{reverse('workspaces:clients', args=[agency.slug])}")
    page.get_by_role("link", name="Share links").click()
    page.get_by_label("Label").fill("Northwind review")
    page.get_by_label("Guests may approve or request changes").check()
    page.get_by_role("button", name="Make the link").click()
    link_url = page.get_by_label("Send this link to your client").input_value()

    # The client, in a browser of their own, gives a name and reviews version 1.
    guest_context, guest = browser_page(browser, viewport, errors)
    guest.goto(link_url)
    guest.get_by_label("Your name").fill("Dana")
    guest.get_by_role("button", name="Show me the videos").click()
    guest.get_by_role("heading", name="Acme Agency shares Spring launch with you").wait_for()
    guest.get_by_role("link", name="Review").click()
    guest.get_by_role("textbox", name="Comment").fill("Make the logo bigger here")
    guest.get_by_label("At (m:ss)").fill("0:02")
    guest.get_by_role("button", name="Comment", exact=True).click()
    guest.locator(".comment", has_text="Make the logo bigger here").wait_for()
    marker = guest.locator(".timeline-strip a[data-seek]")
    assert marker.inner_text().strip().endswith("0:02")
    marker.click()  # the marker seeks the video to its moment
    until(guest, "Math.abs(document.querySelector('[data-review-video]').currentTime - 2) < 0.2")
    guest.get_by_role("button", name="Request changes").click()
    guest.locator("#verdicts .badge", has_text="Changes requested").wait_for()
    assert "Spring launch teaser" not in guest.content()  # guests never see the prompt
    accessible(guest, "guest review")
    screenshot(guest, f"review-loop-guest-{device}")

    # The member is told, and revises from the comment, seeing the price first.
    page.goto(f"{base}{reverse('review:project', args=[agency.slug, project.public_id])}")
    told = Notification.objects.filter(recipient__username="member", read_at=None)
    assert {n.kind for n in told} >= {"client_comment", "client_verdict", "job_ready"}
    assert re.sub(r"\D", "", page.locator(".nav-badge").inner_text()) == str(told.count())
    page.locator(".review-clip", has_text="Changes requested").wait_for()
    page.get_by_role("link", name="Review").first.click()
    page.get_by_role("link", name="Revise from feedback").click()
    prompt = page.get_by_label("Prompt sent to the provider").input_value()
    assert "Spring launch teaser" in prompt and "Make the logo bigger here" in prompt
    assert "Estimated cost" in page.locator(".estimate").inner_text()
    page.get_by_role("button", name="Make version 2").click()
    page.wait_for_url(f"{base}/videos/*/")
    page.locator(".badge-job-ready").wait_for(timeout=60_000)
    second = VideoJob.objects.get(version=2)
    assert second.parent.job == first and second.continuation == "revise"
    assert second.project == project and second.key == first.key

    # The client sees version 2, compares it with version 1, and approves it (confirming).
    guest.goto(link_url)
    guest.get_by_role("link", name="Compare with version 1").click()
    guest.locator("[data-compare-video]").nth(1).wait_for()
    assert guest.locator("[data-compare-video]").count() == 2
    until(
        guest,
        "Array.from(document.querySelectorAll('[data-compare-video]'))"
        ".every(v => v.readyState >= 1 && v.duration > 1)",
    )
    screenshot(guest, f"review-loop-compare-{device}")
    guest.goto(link_url)
    guest.locator(".clip-card", has_text="Version 2").get_by_role("link", name="Review").click()
    guest.get_by_role("button", name="Approve").click()
    guest.get_by_text("This tells the team the clip is final").wait_for()
    guest.get_by_role("button", name="Yes, approve it").click()
    guest.locator("#verdicts .badge", has_text="Approved").wait_for()
    verdict = second.clips.get().verdicts.get()
    assert (verdict.reviewer_name, verdict.state) == ("Dana", "approved")

    # The project's trail shows every step.
    page.goto(f"{base}{reverse('review:project', args=[agency.slug, project.public_id])}")
    trail = page.locator(".trail-list").inner_text().lower()
    for step in (
        "created a share link",
        "opened a share link",
        "commented",
        "requested changes",
        "started a revision",
        "approved on version 2",
    ):
        assert step in trail, step
    accessible(page, "project review")
    screenshot(page, f"review-loop-project-{device}")

    # Revoked, the link opens nothing, at once.
    page.goto(f"{base}{reverse('share:project_links', args=[agency.slug, project.public_id])}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()
    page.get_by_text("opens nothing any more").wait_for()
    assert errors == []
    assert guest.reload().status == 404
    guest_context.close()
    member_context.close()
