"""The guarded link's journey, in Chromium, on a desktop and on a phone: live server, real
worker, sandbox provider, and the server's clock moved forward past the pause.

A member shares a video through a link that lets the client watch and comment but not
download; a 5-character password is refused with the minimum named, a longer one makes the
link. Someone guesses passwords from many addresses until the link pauses: the real client,
with the right password, gets the plain paused page; the member finds the alert in the app's
inbox and in one e-mail whose link opens the link's page. When the pause is over the client
gets in and watches (the video plays; a request for the whole file says the link is for
watching), and comments three times in a row: the team gets the first by e-mail at once and
the other two as one digest when the interval ends. The client cannot resolve the team's
comment, only their own; the member resolves the client's. Screenshots of every step go to
test-artifacts/screenshots/.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.tasks import TaskResultStatus
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inbox.models import Notification, send_email_digest
from review.models import Comment
from tests.factories import add_member, make_key, make_project, make_user, make_workspace
from tests.helpers import (
    DESKTOP,
    PHONE,
    accessible,
    browser_page,
    comment_on_the_timeline,
    fill_the_share_form,
    generate_in_project,
    link_of,
    log_in,
    make_the_link,
    open_as_guest,
    open_the_share_form,
    until,
)
from tests.test_browser_no_overlap import problems_on
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "spring-2026"
# Wrong passwords the link takes from every address together, and the minutes it then pauses.
GUESSES, PAUSE_MINUTES = 4, 10
PLAYS = "(v => v.readyState >= 2 && v.duration > 3)(document.querySelector('[data-review-video]'))"
PAUSED_SUBJECT = "A share link was paused after too many wrong passwords"
FEEDBACK_SUBJECT = "Client feedback through share link “Northwind review”"


def mails_to(address: str, subject: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and m.subject == subject]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_guessed_link_pauses_then_lets_the_client_watch_and_comment(
    size, browser, live_server, settings, start_worker, reachable, user, screenshot
):
    worker = start_worker()
    base = live_server.url
    settings.PUBLIC_URL = base
    settings.GUEST_LINK_PASSWORD_RATE = (GUESSES, PAUSE_MINUTES * 60)
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
        accessible(page, name)
        page.evaluate("window.scrollTo(0, 0)")  # the review's player sticks where it is seen
        assert not problems_on(page, f"{name} ({size})", screenshot)
        screenshot(page, f"journey-guarded-link-{step:02d}-{name}-{size}")

    # The member makes a video, and a link to it with a password: five characters are too few.
    member_context, member = browser_page(browser, viewport, errors)
    log_in(member, base, "member")
    generate_in_project(
        member,
        base,
        agency,
        "Northwind — Spring launch",
        "[sandbox:clips=1] Spring launch teaser: sneakers on a sunny street",
    )
    worker.stop()  # the video is made: what is queued from now on runs when the test says
    job = VideoJob.objects.get()
    open_the_share_form(member)
    assert not member.get_by_label("Guests may download").is_checked()
    fill_the_share_form(member, "Northwind review", "abc12")
    error = member.locator(".field-error", has_text="at least 8 characters")
    error.wait_for()
    assert "at least 8 characters long (this one has 5)" in error.inner_text()
    assert member.get_by_label("Label").input_value() == "Northwind review"
    assert member.get_by_label("Password").input_value() == ""  # never sent back
    shot(member, "member-password-too-short")
    share_link = make_the_link(member, "Northwind review", PASSWORD)
    assert share_link.startswith(f"{base}/s/")
    shot(member, "member-makes-the-link")

    # She leaves a word on the clip for the client.
    clip_url = base + reverse("review:clip", args=[job.public_id, 1])
    member.goto(clip_url)
    until(member, PLAYS)
    comment_on_the_timeline(member, "Logo stays small, as agreed", 0.5)

    # Someone guesses, from a new address each time, until the link pauses.
    gate = share_link.removeprefix(base)
    for n in range(GUESSES + 2):
        guess = Client(REMOTE_ADDR=f"203.0.113.{n + 1}")
        answer = guess.post(gate, {"name": "Eve", "password": f"guess-{n}"})
        assert answer.status_code == (400 if n < GUESSES else 429), n

    # The real client, with the right password, is told to wait; nothing of the work shows.
    client_context, client = browser_page(browser, viewport, errors)
    open_as_guest(client, share_link, "Dana", PASSWORD)
    heading = client.get_by_role("heading", name="This link is paused for a while")
    heading.wait_for()
    text = client.locator("main").inner_text()
    assert "Too many wrong passwords" in text and "not even the right one" in text
    assert f"about {PAUSE_MINUTES} minutes" in text and "they have been told" in text
    assert "Spring launch" not in text
    shot(client, "client-finds-the-link-paused")

    # The member was told once, in the app and by one e-mail, whose link opens the link's page.
    member.goto(base + reverse("inbox:list"))
    intro = member.locator(".page-head").inner_text()
    assert "share links paused after wrong passwords" in intro
    alert = member.locator(".notification", has_text="Northwind review")
    assert alert.count() == 1 and "New" in alert.inner_text()
    said = alert.inner_text()
    assert f"had {GUESSES} wrong passwords" in said and "revoke it" in said
    shot(member, "member-sees-the-alert-in-the-inbox")
    (message,) = mails_to("member@example.com", PAUSED_SUBJECT)
    assert f"had {GUESSES} wrong passwords" in message.body and "Eve" not in message.body
    member.goto(link_of(message, start=base))
    assert member.get_by_role("heading", name="Share this video with a client").is_visible()
    row = member.locator(".key-row", has_text="Northwind review")
    assert row.locator(".badge").inner_text() == "Paused" and "Revoke" in row.inner_text()
    assert f"For about {PAUSE_MINUTES} more minutes: too many wrong passwords" in row.inner_text()
    shot(member, "member-opens-the-e-mail-s-link")
    links_page = member.url

    # Past the pause, the client gets in and watches.
    with time_machine.travel(timezone.now() + timedelta(minutes=PAUSE_MINUTES + 1), tick=True):
        open_as_guest(client, share_link, "Dana", PASSWORD)
        client.get_by_role("link", name="Review").click()
        until(client, PLAYS)
        assert client.get_by_role("link", name="Download").count() == 0
        team = client.locator(".comment", has_text="Logo stays small, as agreed")
        assert team.get_by_role("button", name="Resolve").count() == 0
        shot(client, "client-watches")
        review_page = client.url
        assert "/clip/" in review_page

        # A request for the whole file (Save video as, a download tool) is refused plainly.
        source = client.evaluate("document.querySelector('[data-review-video]').currentSrc")
        refused = client.goto(source)
        assert refused.status == 403
        client.get_by_role("heading", name="This link is for watching").wait_for()
        assert "does not let you download" in client.locator("main").inner_text()
        shot(client, "client-cannot-download")
        client.get_by_role("link", name="Back to the videos").click()
        client.get_by_role("link", name="Review").click()
        client.wait_for_url(review_page)
        until(client, PLAYS)

        # The member's page of the link says it takes passwords again.
        member.goto(links_page)
        row = member.locator(".key-row", has_text="Northwind review")
        assert row.locator(".badge").inner_text() == "Live" and "Paused" not in row.inner_text()

        # Three comments in a row: the team hears of the first at once.
        remarks = ["Brighter sky, please", "Shoes a little larger", "Music ends too soon"]
        moments = [
            comment_on_the_timeline(client, remark, fraction)
            for remark, fraction in zip(remarks, (0.1, 0.3, 0.9), strict=True)
        ]
        assert moments == ["0:00", "0:01", "0:03"]
        own = client.locator(".comment", has_text=remarks[0])
        assert own.get_by_role("button", name="Resolve").count() == 1
        assert team.get_by_role("button", name="Resolve").count() == 0
        shot(client, "client-comments-three-times")
        (first,) = mails_to("member@example.com", FEEDBACK_SUBJECT)
        told = "Dana (client, via “Northwind review”) commented on"
        assert first.body.count(told) == 1 and "new since" not in first.body
        assert Notification.objects.filter(
            recipient__username="member", kind=Notification.Kind.CLIENT_COMMENT
        ).count() == len(remarks)

        # The other two wait for the interval's end, queued: then they come as one e-mail.
        queued = DBTaskResult.objects.filter(
            task_path=send_email_digest.module_path, status=TaskResultStatus.READY
        )
        assert queued.count() == 2  # the member's and the owner's
        for row in queued:
            assert 290 < (row.run_after - timezone.now()).total_seconds() <= 300
            send_email_digest.call(*row.args_kwargs["args"])
        first_then_digest = mails_to("member@example.com", FEEDBACK_SUBJECT)
        assert len(first_then_digest) == 2
        digest = first_then_digest[1].body
        assert "2 new since the last e-mail:" in digest
        assert digest.count(told) == 2

        # The member resolves the client's first comment; the client sees it resolved.
        member.goto(clip_url)
        theirs = member.locator(".comment", has_text=remarks[0])
        theirs.get_by_role("button", name="Resolve").click()
        theirs = member.locator(".comment", has_text=remarks[0])
        theirs.locator(".badge", has_text="Resolved").wait_for()
        shot(member, "member-resolves-the-client-s-comment")
        client.reload()
        resolved = client.locator(".comment", has_text=remarks[0])
        assert "Resolved" in resolved.inner_text()
        assert Comment.objects.get(body=remarks[0]).resolved_at is not None
        assert Comment.objects.get(body="Logo stays small, as agreed").resolved_at is None
        shot(client, "client-sees-it-resolved")

    # What the browsers logged: the refused password, the paused gate and the refused
    # whole-file request, nothing else.
    refusals = [re.search(r"status of (\d+) ", error) for error in errors]
    assert [found and found.group(1) for found in refusals] == ["400", "429", "403"], errors
    client_context.close()
    member_context.close()
