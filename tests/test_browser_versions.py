"""In Chromium: the price on the generate form follows the settings, invalid combinations are
not offered, a clip that is not in storage has no Download button, failures look like what they
are, and versions form a chain that can be compared side by side. Desktop and phone."""

import time

import pytest
from PIL import Image

from tests.factories import GEMINI_KEY, OPENROUTER_KEY, make_key
from tests.helpers import DESKTOP, PHONE, run_in_process, run_spec, settled
from videos.models import Clip, VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def estimate_text(page) -> str:
    return page.locator(".estimate").inner_text()


def shows(page, text):
    """Wait until the estimate says ``text``, and until htmx has settled the new markup."""
    page.locator(".estimate", has_text=text).wait_for()
    page.wait_for_timeout(200)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_price_follows_the_settings(signed_in, user, screenshot, device, tmp_path):
    base, open_page = signed_in
    make_key(user, OPENROUTER_KEY, label="Agency")
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}/generate/")
    page.get_by_label("Model").select_option("google/veo-3.1")
    # Audio is on by default, as the provider would have it; switching it off halves the price.
    shows(page, "$3.20")  # 8 s at 720p with audio
    page.get_by_label("Generate audio").uncheck()
    shows(page, "$1.60")
    page.get_by_label("Generate audio").check()
    shows(page, "$3.20")
    assert "Audio: $1.60 without, $3.20 with." in page.content()
    # 4K is 8 s only on Veo: choosing it takes the shorter durations away, price follows.
    page.get_by_label("Duration").select_option("4")
    shows(page, "$1.60")
    page.get_by_label("Resolution").select_option("4K")
    shows(page, "$4.80")
    options = page.locator("#id_duration option").all_inner_texts()
    assert options == ["8 seconds"]
    page.get_by_label("Prompt", exact=True).fill("Our sneakers on a sunny street, slow dolly-in")
    page.get_by_label("Negative prompt").fill("text, logos")
    # Veo cannot combine references with frames: choosing one kind takes the other away.
    image = tmp_path / "bottle.png"
    Image.new("RGB", (320, 180), "#0a7").save(image)
    page.locator("#id_reference").set_input_files(str(image))
    assert page.locator("#id_first_frame").is_disabled()
    assert page.locator("#id_last_frame").is_disabled()
    # Kept on the server at once: the frames stay unavailable until it is removed.
    references = page.locator("#id_reference_images")
    references.locator(".pending-image img").wait_for()
    settled(page)
    assert page.locator("#id_first_frame").is_disabled()
    references.get_by_role("button", name="Remove").click()
    settled(page)
    assert page.locator("#id_first_frame").is_enabled()
    screenshot(page, f"generate-estimate-{device}")
    assert page.errors == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_clip_not_in_storage_has_no_save_button(signed_in, user, screenshot, device):
    base, open_page = signed_in
    key = make_key(user, OPENROUTER_KEY)
    job = run_spec(
        user,
        key,
        f"partial-{device}",
        model="sandbox/multi-clip",
        prompt="[sandbox:clips=2] Two takes",
        duration=2,
    )
    Clip.objects.filter(job=job, index=1).update(
        status=Clip.Status.FAILED, error="The provider sent something that is not a video."
    )
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}{job.get_absolute_url()}")
    page.locator("[data-carousel].is-enhanced").wait_for()
    save = page.locator("[data-save-clip]")
    assert save.is_visible() and save.get_attribute("href").endswith("/clips/1/download")
    page.get_by_role("button", name="Next clip").click()
    assert page.locator("#clip-2").is_visible()
    assert not save.is_visible()  # the hidden attribute wins over .button's display
    assert page.get_by_role("button", name="Try again").is_visible()
    screenshot(page, f"job-partial-failed-clip-{device}")
    assert page.errors == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_failed_and_blocked_jobs_say_what_helps(signed_in, user, screenshot, device):
    base, open_page = signed_in
    empty = make_key(user, "sk-or-v1-sandbox-nocredit-000000000000", label="Empty")
    gemini = make_key(user, GEMINI_KEY, "gemini", label="Gemini")
    failed = run_spec(
        user, empty, f"f-{device}", model="google/veo-3.1", prompt="A launch", duration=8
    )
    blocked = run_spec(
        user,
        gemini,
        f"b-{device}",
        model="veo-3.1-generate-sandbox",
        prompt="[sandbox:safety] x",
        duration=8,
    )
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}{failed.get_absolute_url()}")
    assert page.get_by_role("link", name="Go to your keys").is_visible()
    assert "Provider status" not in page.content()
    screenshot(page, f"job-failed-credit-{device}")
    page.goto(f"{base}{blocked.get_absolute_url()}")
    assert page.get_by_role("link", name="Change the prompt or settings").is_visible()
    assert page.locator(".thumb-empty, video").count() == 0  # no play icon, no player
    screenshot(page, f"job-blocked-{device}")
    assert page.errors == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_version_chain_and_its_comparison(signed_in, user, screenshot, device):
    base, open_page = signed_in
    key = make_key(user, GEMINI_KEY, "gemini", label="Gemini")
    first = run_spec(
        user,
        key,
        f"v1-{device}",
        model="veo-3.1-generate-sandbox",
        prompt="A paper boat on a canal",
        duration=8,
        resolution="720p",
    )
    assert first.status == VideoJob.Status.READY, first.error
    page = open_page(DESKTOP if device == "desktop" else PHONE)
    page.goto(f"{base}{first.get_absolute_url()}")
    page.get_by_role("link", name="Extend ($3.20)").click()
    assert "Estimated cost: $3.20" in estimate_text(page)
    page.get_by_label("How it goes on (optional)").fill("It sails out to sea at sunset")
    screenshot(page, f"extend-form-{device}")
    page.get_by_role("button", name="Make the extended version").click()
    page.wait_for_url(f"{base}/videos/*/")
    second = VideoJob.objects.exclude(pk=first.pk).get()
    run_in_process(second)
    page.reload()
    page.locator(".badge-job-ready").wait_for(timeout=20_000)
    chain = page.get_by_role("navigation", name="Versions of this video")
    assert chain.get_by_role("link", name="Version 1", exact=True).is_visible()
    assert "Version 2" in chain.inner_text()
    screenshot(page, f"version-chain-{device}")
    page.get_by_role("link", name="Compare with version 1").click()
    videos = page.locator("[data-compare-video]")
    assert videos.count() == 2
    screenshot(page, f"compare-versions-{device}")
    # Seeking one seeks the other.
    page.evaluate(
        "document.querySelectorAll('[data-compare-video]').forEach(v => v.preload = 'auto')"
    )
    time.sleep(0.5)
    page.evaluate("document.querySelectorAll('[data-compare-video]')[1].currentTime = 2")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        other = page.evaluate("document.querySelectorAll('[data-compare-video]')[0].currentTime")
        if abs(other - 2) < 0.3:
            break
        time.sleep(0.1)
    assert abs(other - 2) < 0.3
    # Past the end of the shorter version, the longer one plays on: nothing pulls it back.
    page.evaluate("document.querySelectorAll('[data-compare-video]')[1].currentTime = 12")
    time.sleep(1)
    longer = page.evaluate("document.querySelectorAll('[data-compare-video]')[1].currentTime")
    assert abs(longer - 12) < 0.3
    assert page.errors == []
