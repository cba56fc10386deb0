"""A client's video link follows the work, in Chromium, on a desktop and on a phone: live
server, real worker, sandbox provider.

A member generates a video in a client's project and, as soon as it is ready (no reload),
shares it from beside Download with a password. The client (a fresh browser, no account)
writes two comments, each at a moment they choose (the moment is never taken from the
playhead on its own), and asks for changes. The member makes version 2 from both comments at
once. The client's same link now shows version 2 first, version 1 a click away with its
comments answered; the client approves version 2, and the member sees the approval on
version 2 only. Screenshots go to test-artifacts/screenshots/.
"""

import pytest
from django.urls import reverse

from review.models import Comment, Verdict
from tests.factories import add_member, make_key, make_project, make_user, make_workspace
from tests.helpers import (
    DESKTOP,
    PHONE,
    accessible,
    browser_page,
    comment_on_the_timeline,
    generate_in_project,
    log_in,
    moment,
    open_as_guest,
    share_with_a_client,
    until,
)
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYABLE = "document.querySelector('[data-review-video]').duration > 3"


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_client_s_link_follows_the_video_to_version_2(
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
    shot = f"client-link-{device}"

    # A member generates in the client's project and watches it finish on the job page.
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

    # Without a reload, "Share with a client" sits beside Download.
    actions = page.locator(".carousel-actions")
    actions.get_by_role("link", name="Download clip").wait_for()
    share = actions.get_by_role("link", name="Share with a client")
    assert share.is_visible()
    assert page.get_by_role("link", name="Share with a client").count() == 1  # no second one
    screenshot(page, f"{shot}-1-ready")
    link_url = share_with_a_client(page, "Northwind review", "spring-2026")

    # The project's review page counts the video's link.
    project_review = f"{base}{reverse('review:project', args=[agency.slug, project.public_id])}"
    page.goto(project_review)
    assert "1 live share link: 1 to a single video" in page.locator("#share-title + p").inner_text()

    # The client opens the link with the password and reviews version 1.
    guest_context, guest = browser_page(browser, viewport, errors)
    open_as_guest(guest, link_url, "Dana", "spring-2026")
    guest.get_by_role("link", name="Review").click()
    until(guest, PLAYABLE)
    assert guest.get_by_text("Empty: about the whole clip.").is_visible()

    # Writing does not pin the comment to the playhead: the moment is the client's choice.
    guest.evaluate("document.querySelector('[data-review-video]').currentTime = 1.5")
    body = guest.get_by_role("textbox", name="Comment")
    body.click()
    body.fill("Make the logo bigger")
    assert moment(guest) == ""
    at_now = guest.get_by_role("button", name="At 0:01")
    at_now.click()
    assert moment(guest) == "0:01"
    guest.get_by_role("button", name="Whole clip").click()  # changed their mind, then back
    assert moment(guest) == ""
    at_now.click()
    guest.get_by_role("button", name="Comment", exact=True).click()
    guest.locator(".comment", has_text="Make the logo bigger").wait_for()

    # The second comment's moment comes from a click on the timeline, at three quarters.
    assert comment_on_the_timeline(guest, "Warmer colours at the end", 0.8) == "0:03"
    stamps = sorted(guest.locator(".comments .timecode").all_inner_texts())
    assert stamps == ["0:01", "0:03"]
    guest.get_by_role("button", name="Request changes").click()
    guest.locator("#verdicts .badge", has_text="Changes requested").wait_for()
    assert "Spring launch teaser" not in guest.content()
    accessible(guest, "guest comments")
    screenshot(guest, f"{shot}-2-guest-comments")

    # The member makes version 2 from both comments at once.
    page.goto(f"{base}{reverse('review:clip', args=[first.public_id, 1])}")
    page.get_by_role("link", name="Revise from feedback").click()
    ticked = page.locator("input[name=comments]:checked")
    assert ticked.count() == 2
    prompt = page.get_by_label("Prompt sent to the provider").input_value()
    assert "- At 0:01: Make the logo bigger\n- At 0:03: Warmer colours at the end" in prompt
    accessible(page, "revise from feedback")
    screenshot(page, f"{shot}-3-revise")
    page.get_by_role("button", name="Make version 2").click()
    page.wait_for_url(f"{base}/videos/*/")
    page.locator(".badge-job-ready").wait_for(timeout=60_000)
    second = VideoJob.objects.get(version=2)
    assert second.parent.job == first and second.continuation == "revise"
    assert Comment.objects.filter(addressed_by=second).count() == 2

    # The client's same link shows version 2 first, version 1 a click away.
    guest.goto(link_url)
    cards = guest.locator(".clip-card")
    assert cards.count() == 1 and "Version 2" in cards.inner_text()
    assert "You asked for changes to version 1" in guest.locator(".earlier-versions").inner_text()
    screenshot(guest, f"{shot}-4-guest-overview")
    guest.get_by_role("link", name="Version 1", exact=True).click()
    addressed = guest.locator(".comment", has_text="Make the logo bigger")
    assert "Addressed in version 2" in addressed.inner_text()
    assert guest.locator(".badge", has_text="Addressed in version 2").count() == 2
    guest.locator(".newer-version").get_by_role("link", name="see version 2").click()
    guest.get_by_text("Made from 2 comments on version 1").wait_for()
    screenshot(guest, f"{shot}-5-guest-version-2")

    # The client approves version 2, confirming.
    guest.get_by_role("button", name="Approve").click()
    guest.get_by_role("button", name="Yes, approve it").click()
    guest.locator("#verdicts .badge", has_text="Approved").wait_for()
    assert "Dana (guest): Approved version 2" in guest.locator("#verdicts").inner_text()
    guest.goto(link_url)
    assert "You approved version 2" in guest.locator(".clip-card").inner_text()
    accessible(guest, "guest overview")
    screenshot(guest, f"{shot}-6-guest-approved")

    # The member sees the approval bound to version 2; version 1 still has changes requested.
    approval = Verdict.objects.get(state="approved")
    assert approval.clip.job == second and approval.reviewer_name == "Dana"
    page.goto(project_review)
    latest, earlier = page.locator(".review-version").all()
    assert "Version 2" in latest.inner_text() and "Dana (guest): Approved" in latest.inner_text()
    assert "Changes requested" in earlier.inner_text() and "Approved" not in earlier.inner_text()
    assert "approved on version 2" in page.locator(".trail-list").inner_text().lower()
    screenshot(page, f"{shot}-7-member-project")
    assert errors == []
    guest_context.close()
    member_context.close()
