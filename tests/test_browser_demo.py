"""The demo's first run in Chromium, as a newcomer lives it: log in as demo, find the README's
key and model already chosen, open the seeded multi-clip video and play it, see the video shared
with the client at version 2, open the client's link as the client would, then the campaign."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from demo.env import client_link
from tests.helpers import DESKTOP, PHONE, browser_page, log_in, until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(monkeypatch, reachable):
    monkeypatch.setenv("MARKETOS_DEMO", "1")
    monkeypatch.setenv("MARKETOS_DEMO_PASSWORD", "demo-pw-1234")
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_demo_shows_real_work_on_first_run(
    browser, live_server, demo_data, screenshot, viewport
):
    size = "desktop" if viewport is DESKTOP else "phone"
    base = live_server.url
    errors = []
    context, page = browser_page(browser, viewport, errors)
    try:
        log_in(page, base, username="demo")
        # The README's key and model, chosen already.
        key = page.locator("#id_key option:checked")
        assert key.inner_text().startswith("Sandbox OpenRouter")
        assert page.locator("#id_model option:checked").inner_text() == "Sandbox: Multi-clip"
        screenshot(page, f"demo-{size}-1-generate")

        # The videos list: one title per video, its version said.
        page.goto(f"{base}/videos/")
        titles = page.locator(".job-title").all_inner_texts()
        assert "Summer sale hero: a tall glass of iced… · version 2" in titles
        assert "Summer sale hero: a tall glass of iced…" in titles
        assert "Cold brew pour in slow motion, three…" in titles
        assert page.get_by_text("Campaign “Autumn blend launch").count() == 3
        screenshot(page, f"demo-{size}-2-videos")

        # The multi-clip video: three real clips that play.
        page.get_by_role("link", name="Cold brew pour in slow motion, three…", exact=True).click()
        page.wait_for_url("**/videos/*/")
        assert page.locator("h1").inner_text() == "Cold brew pour in slow motion, three…"
        assert page.locator("[data-slide][data-status=ready]").count() == 3
        assert page.locator(".carousel-count").inner_text() == "Clip 1 of 3"
        page.evaluate("document.querySelector('[data-slide] video').load()")
        until(page, "document.querySelector('[data-slide] video').readyState >= 1")
        assert page.evaluate("document.querySelector('[data-slide] video').duration") > 3
        screenshot(page, f"demo-{size}-3-multi-clip")

        # Version 2 of the shared video, made from the client's comment on version 1.
        page.goto(f"{base}/videos/")
        page.get_by_role(
            "link", name="Summer sale hero: a tall glass of iced… · version 2", exact=True
        ).click()
        page.wait_for_url("**/videos/*/")
        assert page.locator("h1").inner_text().endswith("· version 2")
        assert page.locator(".version-list").inner_text().count("Version") == 2
        screenshot(page, f"demo-{size}-4-version-2")

        # The client's link, opened as the client would (no account), shows version 2 first.
        token, password = client_link(settings.SECRET_KEY)
        guest_context, guest = browser_page(browser, viewport, errors)
        try:
            guest.goto(f"{base}/s/{token}/")
            guest.get_by_label("Your name").fill("Dana")
            guest.get_by_label("Password").fill(password)
            guest.get_by_role("button", name="Show me the videos").click()
            guest.wait_for_url(f"**/s/{token}/videos/")
            text = guest.locator("main").inner_text()
            assert text.index("Version 2") < text.index("Version 1")
            assert "Summer sale hero" not in text  # a guest never sees the prompt
            screenshot(guest, f"demo-{size}-5-client-link")
        finally:
            guest_context.close()

        # The finished campaign: its three videos on the board, the winner starred.
        page.goto(f"{base}/campaigns/")
        page.get_by_role("link", name="Autumn blend launch", exact=False).first.click()
        page.wait_for_url("**/campaigns/*/")
        board = page.locator(".board-formats")
        assert board.locator(".clip-card").count() == 3
        assert "take 2" in board.inner_text()
        assert page.locator(".clip-card.is-winner").count() == 1
        screenshot(page, f"demo-{size}-6-campaign")

        # The inbox: the campaign told once, the client's comment.
        page.goto(f"{base}/notifications/")
        inbox = page.locator("main").inner_text()
        assert inbox.count("Your campaign “Autumn blend launch") == 1
        assert "all 3 videos are ready" in inbox and "Dana at Northwind (client" in inbox
        screenshot(page, f"demo-{size}-7-inbox")
        assert errors == []
    finally:
        context.close()
