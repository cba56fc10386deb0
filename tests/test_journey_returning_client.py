"""The returning client's journey, in Chromium, on a desktop and on a phone: live server, real
worker, sandbox provider, and the server's clock moved forward as the days pass.

A member shares a video with a client through a link that works for a week. The client
comments on two moments and asks for changes; the member makes version 2 from both comments.
Five days later the client opens the same link, in the same browser: version 2 comes first,
version 1 is a click away with both comments addressed, written five days ago, and the client
approves version 2. Eight days after it was made, the link has expired: it says so plainly,
and shows nothing of the work. Screenshots of every step go to test-artifacts/screenshots/.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from review.models import Comment, Verdict
from tests.factories import add_member, make_key, make_project, make_user, make_workspace
from tests.helpers import (
    DESKTOP,
    PHONE,
    browser_page,
    comment_at_the_playhead,
    comment_on_the_timeline,
    generate_in_project,
    log_in,
    make_the_version,
    open_as_guest,
    open_the_revision,
    share_with_a_client,
    until,
)
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYABLE = "document.querySelector('[data-review-video]').duration > 3"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_client_comes_back_days_later_to_the_newest_version(
    size, browser, live_server, start_worker, reachable, user, screenshot
):
    start_worker()
    base = live_server.url
    agency = make_workspace(user, "Acme Agency")
    add_member(agency, make_user("member"), Membership.Role.MEMBER)
    make_key(user, workspace=agency, label="Team key")
    make_project(agency, client="Northwind", name="Spring launch")
    viewport = DESKTOP if size == "desktop" else PHONE
    errors: list[str] = []
    step = 0

    def shot(page, name):
        nonlocal step
        step += 1
        screenshot(page, f"journey-returning-client-{step:02d}-{name}-{size}")

    # Day 0: the member shares the video through a link that works for a week.
    member_context, member = browser_page(browser, viewport, errors)
    log_in(member, base, "member")
    generate_in_project(
        member,
        base,
        agency,
        "Northwind — Spring launch",
        "[sandbox:clips=1] Spring launch teaser: sneakers on a sunny street",
    )
    first = VideoJob.objects.get()
    share_link = share_with_a_client(member, "Northwind review", works_for_days=7)
    shared_at = timezone.now()

    # The client comments on two moments and asks for changes.
    client_context, client = browser_page(browser, viewport, errors)
    open_as_guest(client, share_link, "Dana")
    until_date = timezone.localtime(shared_at + timedelta(days=7))
    assert f"This link works until {until_date:%-d %b %Y}" in client.locator("main").inner_text()
    shot(client, "day-0-the-shared-video")
    client.get_by_role("link", name="Review").click()
    until(client, PLAYABLE)
    bar = client.locator("header.topbar").inner_text()  # the link's frame, not the app's
    assert "Acme Agency" in bar and "Viewing as Dana" in bar and "MarketOS" not in bar
    assert comment_at_the_playhead(client, "Make the logo bigger", 1.5) == "0:01"
    assert comment_on_the_timeline(client, "Warmer colours at the end", 0.8) == "0:03"
    client.get_by_role("button", name="Request changes").click()
    client.locator("#verdicts .badge", has_text="Changes requested").wait_for()
    shot(client, "day-0-comments-and-changes-requested")

    # The member makes version 2 from both comments.
    assert "Make the logo bigger" in open_the_revision(member, base, first)
    make_the_version(member, base, 2)
    second = VideoJob.objects.get(version=2)
    assert Comment.objects.filter(addressed_by=second).count() == 2
    member_context.close()
    commented_at = timezone.now()

    # Day 5: the client opens the same link again, in the same browser.
    with time_machine.travel(commented_at + timedelta(days=5), tick=True):
        client.goto(share_link)
        cards = client.locator(".clip-card")
        assert cards.count() == 1 and "Version 2" in cards.inner_text()
        assert "newest" in cards.inner_text()
        earlier = client.locator(".earlier-versions").inner_text()
        assert "Version 1" in earlier and "You asked for changes to version 1" in earlier
        shot(client, "day-5-version-2-first")

        # Version 1 is a click away, its comments addressed by version 2, five days old.
        client.get_by_role("link", name="Version 1", exact=True).click()
        for body in ("Make the logo bigger", "Warmer colours at the end"):
            comment = client.locator(".comment", has_text=body)
            assert "Addressed in version 2" in comment.inner_text()
            assert "5\xa0days ago" in comment.inner_text()  # as naturaltime writes it
        assert "0 open" in client.locator("#thread-title").inner_text()
        assert "No open time-coded comments" in client.locator(".timeline-label").inner_text()
        shot(client, "day-5-version-1-comments-addressed")

        # The client approves version 2.
        client.locator(".newer-version").get_by_role("link", name="see version 2").click()
        client.get_by_text("Made from 2 comments on version 1").wait_for()
        client.get_by_role("button", name="Approve").click()
        client.get_by_role("button", name="Yes, approve it").click()
        client.locator("#verdicts .badge", has_text="Approved").wait_for()
        shot(client, "day-5-version-2-approved")
    assert Verdict.objects.get(state="approved").clip.job == second

    # Day 8: the week is over; the link says so plainly and shows nothing of the work.
    with time_machine.travel(shared_at + timedelta(days=8), tick=True):
        # A comment written on the page left open is refused, and says why; it stays typed.
        client.get_by_role("textbox", name="Comment").fill("Can we also try it in green?")
        client.get_by_role("button", name="Comment", exact=True).click()
        refusal = client.locator(".comment-form [role=alert]")
        refusal.wait_for()
        assert refusal.inner_text().startswith("This link does not open anything now. It may")
        assert "Ask whoever sent it to you for a new one" in refusal.inner_text()
        body = client.get_by_role("textbox", name="Comment")
        assert body.input_value() == "Can we also try it in green?"
        shot(client, "day-8-a-comment-on-the-open-page")
        response = client.goto(share_link)
        assert response.status == 404
        heading = client.get_by_role("heading", name="This link does not open anything now")
        assert heading.is_visible()
        text = client.locator("main").inner_text()
        assert "It may have expired" in text and "Ask whoever sent it to you for a new one" in text
        assert "Spring launch" not in text and "Version" not in text
        shot(client, "day-8-the-link-has-expired")
    # The refused comment (the browser and htmx each log it) and the dead link: 404s only.
    assert len(errors) == 3 and all("404" in error for error in errors), errors
    client_context.close()
