"""The generate page's summary in Chromium: it follows the settings as they change (an htmx
answer brings it out of band) without touching what is typed, and on a phone it comes after
the form."""

import pytest

from brand.models import BrandKit
from tests.factories import make_key
from tests.helpers import DESKTOP, PHONE, browser_page, log_in, settled
from workspaces.access import personal_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server, reachable, user):
    make_key(user, label="Sandbox")
    BrandKit.objects.create(workspace=personal_workspace(user), name="House style")
    return live_server.url


def test_the_summary_follows_the_settings(browser, site, screenshot):
    errors = []
    context, page = browser_page(browser, DESKTOP, errors)
    log_in(page, site)
    summary = page.locator("#generate-summary")
    page.get_by_label("Model").select_option("google/veo-3.1")
    summary.get_by_text("Google: Veo 3.1").wait_for()
    settled(page)
    assert "$3.20" in summary.inner_text()  # 8 s with audio
    assert "No past jobs with this model yet" in summary.inner_text()
    page.get_by_label("Prompt", exact=True).fill("Our bottle on a beach")
    page.get_by_label("Duration").select_option("4")
    summary.get_by_text("$1.60").wait_for()
    settled(page)
    page.get_by_label("Ad format").select_option("vertical")
    summary.get_by_text("Reels, TikTok, Shorts (9:16)").wait_for()
    settled(page)
    page.get_by_label("Brand kit", exact=True).select_option(label="House style")
    summary.get_by_text("House style").wait_for()
    settled(page)
    assert page.get_by_label("Prompt", exact=True).input_value() == "Our bottle on a beach"
    # One summary on the page, beside the form.
    assert page.locator("#generate-summary").count() == 1
    form, side = page.locator("form.generate").bounding_box(), summary.bounding_box()
    assert side["x"] > form["x"] + form["width"] - 1
    screenshot(page, "generate-summary-desktop")
    context.close()
    assert not errors, errors


def test_on_a_phone_the_summary_comes_after_the_form(browser, site, screenshot):
    errors = []
    context, page = browser_page(browser, PHONE, errors)
    log_in(page, site)
    form = page.locator("form.generate").bounding_box()
    summary = page.locator("#generate-summary").bounding_box()
    assert summary["y"] >= form["y"] + form["height"]
    assert summary["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows
    context.close()
    assert not errors, errors
