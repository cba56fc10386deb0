"""A marketer's whole workflow in Chromium: live server, real worker, sandbox provider.

Log in, add a sandbox key, generate with the multi-clip model, watch the status panel reach
"Ready" without a reload, browse the carousel (buttons, dots, keyboard, swipe, fullscreen), download
one clip and the whole batch, star and name a clip, on a desktop and on a phone. Screenshots go to
test-artifacts/screenshots/.
"""

import hashlib
import json
import zipfile

import pytest

from tests.factories import OPENROUTER_KEY, make_key
from tests.helpers import DESKTOP, PHONE, accessible, log_in, settled, until
from videos.models import Clip, VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sha256(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_generate_review_and_save_on_desktop_and_phone(
    browser, live_server, start_worker, reachable, user, screenshot, tmp_path
):
    start_worker()
    base = live_server.url
    desktop = browser.new_context(**DESKTOP, accept_downloads=True)
    page = desktop.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))

    log_in(page, base)
    assert "Add a provider key first" in page.content()
    page.get_by_role("link", name="Add a key").click()
    page.get_by_label("Provider").select_option("openrouter")
    page.get_by_label("Label").fill("Sandbox")
    page.get_by_label("API key").fill(OPENROUTER_KEY)
    page.get_by_role("button", name="Save and verify").click()
    assert page.locator(".badge-valid").inner_text() == "Works"

    # Generate: choosing the model re-renders only its options (htmx), nothing else reloads.
    page.get_by_role("link", name="Generate").click()
    page.evaluate("window.__marker = 'kept'")
    page.get_by_label("Model").select_option("sandbox/multi-clip")
    page.locator("#id_duration option[value='2']").wait_for(state="attached")
    assert page.evaluate("window.__marker") == "kept"
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Aspect ratio").select_option("16:9")
    settled(page)
    page.get_by_label("Prompt").fill("Spring launch teaser: sneakers on a sunny street")
    accessible(page, "generate")
    screenshot(page, "generate-desktop")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(f"{base}/videos/*/")

    # The job page refreshes itself until the clips are in; no page load in between.
    page.evaluate("window.__marker = 'kept'")
    screenshot(page, "job-running-desktop")
    accessible(page, "job (running)")
    page.locator(".badge-job-ready").wait_for(timeout=40_000)
    page.locator("[data-carousel].is-enhanced").wait_for()
    assert page.evaluate("window.__marker") == "kept"
    job = VideoJob.objects.get()
    clips = list(job.clips.order_by("index"))
    assert [c.status for c in clips] == [Clip.Status.READY] * 3

    # Navigate: buttons, dots, keyboard. Ends are disabled, not wrapped.
    count = page.locator(".carousel-count")
    assert count.inner_text() == "Clip 1 of 3"
    assert page.get_by_role("button", name="Previous clip").is_disabled()
    page.get_by_role("button", name="Next clip").click()
    assert count.inner_text() == "Clip 2 of 3"
    assert page.locator("#clip-2").is_visible() and not page.locator("#clip-1").is_visible()
    page.get_by_role("button", name="Show clip 3").click()
    assert count.inner_text() == "Clip 3 of 3"
    assert page.get_by_role("button", name="Show clip 3").get_attribute("aria-current") == "true"
    assert page.get_by_role("button", name="Next clip").is_disabled()
    page.locator("[data-carousel]").focus()
    page.keyboard.press("ArrowLeft")
    assert count.inner_text() == "Clip 2 of 3"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert count.inner_text() == "Clip 2 of 3"

    # Only the active clip plays.
    page.evaluate("document.querySelector('#clip-2 video').muted = true")
    page.evaluate("document.querySelector('#clip-2 video').play()")
    page.get_by_role("button", name="Next clip").click()
    assert page.evaluate("document.querySelector('#clip-2 video').paused")
    page.get_by_role("button", name="Previous clip").click()

    # Fullscreen for the active clip, and out again.
    page.get_by_role("button", name="Fullscreen").click()
    until(page, "document.fullscreenElement !== null")
    assert page.evaluate("document.fullscreenElement.closest('li').id") == "clip-2"
    page.keyboard.press("Escape")
    if page.evaluate("document.fullscreenElement !== null"):
        page.evaluate("document.exitFullscreen()")  # headless Chromium may not bind Escape
    until(page, "document.fullscreenElement === null")

    accessible(page, "job (carousel)")
    screenshot(page, "carousel-desktop")

    # Download clip: the active one, with a meaningful name and the stored bytes.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download clip", exact=True).click()
    download = info.value
    assert (
        download.suggested_filename == "spring-launch-teaser-sneakers-on-a-sunny-street-2-of-3.mp4"
    )
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert sha256(saved) == clips[1].sha256

    # Download all: one zip with every clip and a manifest.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download all (zip, 3 clips)").click()
    batch = tmp_path / "batch.zip"
    info.value.save_as(batch)
    with zipfile.ZipFile(batch) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["model"] == "sandbox/multi-clip"
        assert manifest["settings"]["duration"] == 4
        for clip, entry in zip(clips, manifest["clips"], strict=True):
            data = archive.read(entry["file"])
            assert hashlib.sha256(data).hexdigest() == clip.sha256 == entry["sha256"]

    # Star the active clip and name it, in place (htmx); the carousel stays on it.
    star = page.get_by_role("button", name="Star Clip 2")
    assert star.get_attribute("aria-pressed") == "false"
    star.click()
    until(page, "document.querySelector('#clip-2 .star[aria-pressed]').ariaPressed === 'true'")
    page.get_by_label("Name of clip 2").fill("Hero cut")
    page.get_by_role("button", name="Rename").click()
    until(page, "document.querySelector('#clip-2 .slide-caption').textContent.includes('Hero')")
    # The panel swapped in is enhanced as htmx settles it, a moment after the swap: the
    # carousel then comes back to the clip it was on.
    until(page, "document.querySelector('[data-carousel].is-enhanced [data-current]')")
    until(page, "document.querySelector('.carousel-count').textContent.includes('2 of 3')")
    assert count.inner_text() == "Clip 2 of 3"
    clip = Clip.objects.get(pk=clips[1].pk)
    assert clip.starred and clip.title == "Hero cut"
    with page.expect_download() as info:
        page.get_by_role("link", name="Download clip", exact=True).click()
    assert info.value.suggested_filename == "hero-cut-2-of-3.mp4"
    accessible(page, "job (named, starred clip)")

    page.get_by_role("link", name="Videos", exact=True).click()
    accessible(page, "videos list")
    screenshot(page, "videos-desktop")
    page.get_by_role("link", name="Library").click()
    screenshot(page, "library-desktop")
    assert not errors, errors
    desktop.close()

    # The phone: swipe, a single-clip download, no batch download.
    phone = browser.new_context(**PHONE, accept_downloads=True)
    page = phone.new_page()
    log_in(page, base)
    screenshot(page, "generate-phone")
    page.get_by_label("Prompt", exact=True).fill("[sandbox:slow=3] Phone check")
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(f"{base}/videos/*/")
    screenshot(page, "job-running-phone")
    page.goto(f"{base}{job.get_absolute_url()}")
    page.locator("[data-carousel].is-enhanced").wait_for()
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("[data-carousel].is-enhanced").wait_for()
    count = page.locator(".carousel-count")
    assert count.inner_text() == "Clip 1 of 3"
    assert page.get_by_role("link", name="Download all (zip, 3 clips)").count() == 0
    page.locator("#clip-1 .frame").scroll_into_view_if_needed()
    box = page.locator("#clip-1 .frame").bounding_box()
    y = box["y"] + box["height"] / 2
    cdp = phone.new_cdp_session(page)
    for kind, x in (("touchStart", 330), ("touchMove", 200), ("touchMove", 80), ("touchEnd", 80)):
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})
    until(page, "document.querySelector('.carousel-count').textContent.includes('2')")
    assert count.inner_text() == "Clip 2 of 3"
    screenshot(page, "carousel-phone")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download clip", exact=True).click()
    saved = tmp_path / "phone.mp4"
    info.value.save_as(saved)
    assert sha256(saved) == clips[1].sha256
    phone.close()


def test_without_javascript_every_clip_has_a_download_link(
    browser, live_server, start_worker, reachable, user
):
    from tests.helpers import run_job

    key = make_key(user)
    job = run_job(user, key)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}{job.get_absolute_url()}")
    links = page.get_by_role("link", name="Download clip")
    assert links.count() == 3
    assert all(page.locator(f"#clip-{n}").is_visible() for n in (1, 2, 3))
    context.close()
