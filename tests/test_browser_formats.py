"""In Chromium: the Ad format choice sets the ratio and the usual duration, the job page says
an export is rendered, and the Safe zones toggle shows the bands without blocking the video's
controls (under the Content Security Policy: no inline styles)."""

import pytest

from tests.factories import OPENROUTER_KEY, make_key
from tests.helpers import DESKTOP, browser_page, log_in, run_in_process, settled, until
from videos import renditions
from videos.models import VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(browser, live_server, reachable, user):
    errors = []
    context, page = browser_page(browser, DESKTOP, errors)
    page.errors = errors
    log_in(page, live_server.url)
    yield live_server.url, page
    context.close()


def test_a_feed_portrait_ad_from_the_form_to_its_safe_zones(site, user, screenshot):
    base, page = site
    make_key(user, OPENROUTER_KEY, label="Agency")
    page.goto(f"{base}/generate/")
    page.get_by_label("Model").select_option("google/veo-3.1")
    page.locator(".estimate", has_text="$3.20").wait_for()  # 8 s with audio: settled
    page.wait_for_timeout(200)
    page.get_by_label("Duration").select_option("4")
    page.locator(".estimate", has_text="$1.60").wait_for()  # 4 s: the settings have settled
    page.wait_for_timeout(200)
    page.get_by_label("Ad format").select_option("landscape")
    page.locator("#id_aspect_ratio[disabled]").wait_for()
    settled(page)
    assert page.locator("#id_duration").input_value() == "6"  # YouTube's usual length
    page.get_by_label("Ad format").select_option("portrait")
    page.get_by_text("This model does not make 4:5").wait_for()
    assert page.locator("#id_aspect_ratio").input_value() == "9:16"
    page.get_by_label("Prompt", exact=True).fill("Our bottle on a beach")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(f"{base}/videos/**")
    job = run_in_process(VideoJob.objects.get())
    renditions.render(job.clips.get().renditions.get().pk)

    page.goto(f"{base}{job.get_absolute_url()}")
    assert page.get_by_text("Made at 9:16; a 4:5 export is rendered.").is_visible()
    export = page.locator(".export").first
    toggle = export.get_by_role("button", name="Safe zones: Feed portrait (4:5)")
    assert toggle.get_attribute("aria-pressed") == "false"
    assert export.locator("[data-safe-zones]").is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    until(page, "document.querySelector('.export .safe-bottom').offsetHeight > 0")
    video = export.locator("video")
    box, band = video.bounding_box(), export.locator(".safe-bottom").bounding_box()
    # Over the picture only (the element is wider than the 4:5 picture it shows).
    shown = export.locator("[data-safe-zones]").bounding_box()
    assert shown["width"] == pytest.approx(shown["height"] * 180 / 224, abs=2)
    assert shown["width"] < box["width"] - 100
    assert band["height"] == pytest.approx(shown["height"] * 0.12, abs=2)
    # The band lies over the controls, yet a click there reaches the video.
    video.click(position={"x": box["width"] / 2, "y": box["height"] - 8}, trial=True, timeout=3000)
    screenshot(page, "formats-safe-zones")
    toggle.click()
    assert export.locator("[data-safe-zones]").is_hidden()
    assert page.errors == []
