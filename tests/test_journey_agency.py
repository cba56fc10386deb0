"""The agency's journey, in Chromium, on a desktop and on a phone: live server, real worker,
sandbox provider.

Alice owns Acme Agency, which has a team key. She invites Carol, who has no account, from the
members page; Carol joins from the link in the e-mail Django sent, choosing a name and a
password, and lands in the workspace. She generates in a client's project with the team key
(its secret never on any page she sees) and shares the video from beside Download, with a
password. The client, in a browser of their own, comments at two moments they choose (the At
button and the timeline) and asks for changes. Carol makes version 2 from both comments at
once; the client's same link shows version 2 first, version 1 a click away with its comments
addressed, and the client approves version 2. Alice sees the trail and the spend, which adds
up with the two job pages. Screenshots of every step go to test-artifacts/screenshots/.
"""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from review.models import Comment, Verdict
from tests.factories import OPENROUTER_KEY, make_key, make_project, make_workspace
from tests.helpers import (
    DESKTOP,
    PHONE,
    browser_page,
    comment_at_the_playhead,
    comment_on_the_timeline,
    generate_in_project,
    invite_from_the_members_page,
    log_in,
    make_the_version,
    open_as_guest,
    open_the_revision,
    read_everything,
    share_with_a_client,
    until,
)
from videos.models import VideoJob
from workspaces.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYABLE = "document.querySelector('[data-review-video]').duration > 3"


def dollars(text: str) -> Decimal:
    return Decimal(re.search(r"\$(\d+\.\d\d)", text).group(1))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_agency_invites_shares_revises_and_gets_approval(
    size, browser, live_server, settings, start_worker, reachable, user, screenshot
):
    start_worker()
    base = live_server.url
    settings.PUBLIC_URL = base
    agency = make_workspace(user, "Acme Agency")
    make_key(user, workspace=agency, label="Team key")
    project = make_project(agency, client="Northwind", name="Spring launch")
    viewport = DESKTOP if size == "desktop" else PHONE
    errors: list[str] = []
    step = 0

    def seen(page, name):
        """A step Carol lives: the team key's secret is nowhere on the page she sees."""
        html = page.content()
        assert OPENROUTER_KEY not in html and OPENROUTER_KEY[-12:] not in html, name
        shot(page, name)

    def shot(page, name):
        nonlocal step
        step += 1
        screenshot(page, f"journey-agency-{step:02d}-{name}-{size}")

    # Alice invites Carol, who has no account, as a member.
    owner_context, owner = browser_page(browser, viewport, errors)
    log_in(owner, base)
    link = invite_from_the_members_page(owner, base, agency, "carol@example.com", "Member")
    assert link.startswith(f"{base}/invitations/") and re.fullmatch(r"\S+/", link)
    shot(owner, "owner-invites")

    # Carol opens the e-mail's link in her own browser and makes her account.
    carol_context, carol = browser_page(browser, viewport, errors)
    carol_read = read_everything(carol_context)
    carol.goto(link)
    assert carol.get_by_role("heading", name="Join Acme Agency").is_visible()
    assert carol.get_by_label("E-mail address").input_value() == "carol@example.com"
    carol.get_by_label("Your name").fill("Carol Jones")
    carol.get_by_label("Username").fill("carol")
    carol.get_by_label("Password", exact=True).fill("harbour-lights-at-dawn")
    carol.get_by_label("Password again").fill("harbour-lights-at-dawn")
    seen(carol, "teammate-joins")
    carol.get_by_role("button", name="Make my account and join").click()
    carol.wait_for_url(base + reverse("videos:videos", args=[agency.slug]))
    welcome = "Welcome, Carol Jones! You are in “Acme Agency” as member."
    assert carol.get_by_text(welcome).is_visible()
    seen(carol, "teammate-in-the-workspace")
    assert agency.memberships.get(user__username="carol").role == Membership.Role.MEMBER

    # She generates in the client's project with the team key, which she never sees.
    carol.goto(base + reverse("videos:generate", args=[agency.slug]))
    assert "Team key" in carol.get_by_label("Key").inner_text()
    seen(carol, "teammate-generate-form")
    generate_in_project(
        carol,
        base,
        agency,
        "Northwind — Spring launch",
        "[sandbox:clips=1] Spring launch teaser: sneakers on a sunny street",
    )
    first = VideoJob.objects.get()
    assert first.owner.username == "carol" and first.key.label == "Team key"
    assert first.project == project
    seen(carol, "teammate-video-ready")

    # She shares it from beside Download, with a password.
    share_link = share_with_a_client(carol, "Northwind review", "spring-2026")
    assert share_link.startswith(f"{base}/s/")
    seen(carol, "teammate-shares")

    # The client opens it in a browser of their own and comments at two moments they choose.
    client_context, client = browser_page(browser, viewport, errors)
    open_as_guest(client, share_link, "Dana", "spring-2026")
    client.get_by_role("link", name="Review").click()
    until(client, PLAYABLE)
    bar = client.locator("header.topbar").inner_text()  # the link's frame, not the app's
    assert "Acme Agency" in bar and "Viewing as Dana" in bar and "MarketOS" not in bar
    assert comment_at_the_playhead(client, "Make the logo bigger", 1.5) == "0:01"
    assert comment_on_the_timeline(client, "Warmer colours at the end", 0.8) == "0:03"
    assert sorted(client.locator(".comments .timecode").all_inner_texts()) == ["0:01", "0:03"]
    client.get_by_role("button", name="Request changes").click()
    client.locator("#verdicts .badge", has_text="Changes requested").wait_for()
    assert "Spring launch teaser" not in client.content()  # never the prompt
    shot(client, "client-comments-and-asks-for-changes")

    # Carol makes version 2 from both comments at once.
    prompt = open_the_revision(carol, base, first)
    assert carol.locator("input[name=comments]:checked").count() == 2
    assert "- At 0:01: Make the logo bigger\n- At 0:03: Warmer colours at the end" in prompt
    seen(carol, "teammate-revises-from-both")
    make_the_version(carol, base, 2)
    second = VideoJob.objects.get(version=2)
    assert second.parent.job == first and second.key == first.key
    assert Comment.objects.filter(addressed_by=second).count() == 2
    seen(carol, "teammate-version-2-ready")

    # The client's same link shows version 2 first, version 1 a click away, answered.
    client.goto(share_link)
    cards = client.locator(".clip-card")
    assert cards.count() == 1 and "Version 2" in cards.inner_text()
    assert "You asked for changes to version 1" in client.locator(".earlier-versions").inner_text()
    shot(client, "client-sees-version-2")
    client.get_by_role("link", name="Version 1", exact=True).click()
    assert client.locator(".badge", has_text="Addressed in version 2").count() == 2
    shot(client, "client-sees-version-1-addressed")
    client.locator(".newer-version").get_by_role("link", name="see version 2").click()
    client.get_by_text("Made from 2 comments on version 1").wait_for()

    # The client approves version 2.
    client.get_by_role("button", name="Approve").click()
    client.get_by_role("button", name="Yes, approve it").click()
    client.locator("#verdicts .badge", has_text="Approved").wait_for()
    assert "Dana (guest): Approved version 2" in client.locator("#verdicts").inner_text()
    shot(client, "client-approves-version-2")
    assert Verdict.objects.get(state="approved").clip.job == second

    # Alice sees the trail of the review...
    owner.goto(base + reverse("review:project", args=[agency.slug, project.public_id]))
    trail = owner.locator(".trail-list").inner_text().lower()
    for event in (
        "created a share link",
        "opened a share link",
        "commented",
        "requested changes",
        "started a revision",
        "approved on version 2",
    ):
        assert event in trail, event
    shot(owner, "owner-sees-the-trail")

    # ... and the spend: the month's total is the two videos' counted costs, as their pages say.
    costs = []
    for job in (first, second):
        owner.goto(base + reverse("videos:job", args=[job.public_id]))
        label = owner.locator("dt", has_text=re.compile(r"^Cost$"))
        cost = label.locator("xpath=following-sibling::dd[1]")
        costs.append(dollars(cost.inner_text()))
        job.refresh_from_db()
        assert costs[-1] == job.cost.quantize(Decimal("0.01"))
    owner.goto(base + reverse("spend:overview", args=[agency.slug]))
    total = owner.locator(".spend-figure").inner_text()
    assert dollars(total) == sum(costs) and "for 2 videos" in total
    northwind = owner.locator("tr.table-group", has_text="Northwind").inner_text()
    assert dollars(northwind) == sum(costs)
    shot(owner, "owner-sees-the-spend")

    # Nothing Carol's browser was sent (pages, fragments, answers) carried the key's secret.
    assert len(carol_read) >= 10 and any("Team key" in text for _, text in carol_read)
    assert not [url for url, text in carol_read if OPENROUTER_KEY[-12:] in text]
    assert errors == []
    for context in (client_context, carol_context, owner_context):
        context.close()
