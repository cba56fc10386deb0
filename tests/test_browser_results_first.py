"""In Chromium at 1366x900 and 390x844: the job page puts the result first.

A ready job shows its clip and its download button in the first screen; a single clip has no
carousel navigation; failed, blocked and stuck jobs show no player and the one action that helps;
a partial job shows its ready clips and a retry for the others; every state is told in people's
words. A job that ends while its page is open says so in the title and in a live region. Arrow
keys move the carousel once it is on screen, except where they mean something else.
Screenshots of every state go to test-artifacts/screenshots/results-first-*.png.
"""

import re

import pytest

from providers.base import JobSpec
from tests.factories import GEMINI_KEY, OPENROUTER_KEY, make_clip, make_job, make_key
from tests.helpers import (
    DESKTOP,
    PHONE,
    accessible,
    run_spec,
    until,
)
from videos import lifecycle
from videos.models import Clip, VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEVICES = {"desktop": DESKTOP, "phone": PHONE}
PEOPLES_WORDS = {label for _, label in VideoJob.Status.choices}
API_WORDS = re.compile(r"needs_attention|in_progress|\bcollecting\b|\bsubmitting\b|google/veo")


def in_first_screen(page, locator) -> bool:
    """Whether the element is wholly inside the viewport of the page as first shown."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def check_words(page, expected: str):
    """The status says ``expected``, in people's words, and no API word shows anywhere."""
    badge = page.locator(".status-line .badge").inner_text()
    assert badge == expected and badge in PEOPLES_WORDS
    text = page.locator("main").inner_text()
    assert not API_WORDS.search(text), API_WORDS.search(text)


@pytest.fixture
def jobs(user, providers, settings):
    """A job in every state the page shows, made once for both devices."""
    key = make_key(user, OPENROUTER_KEY, label="Agency")
    made = {
        "ready-single": run_spec(
            user,
            key,
            "single",
            model="google/veo-3.1",
            prompt="Sneakers on a sunny street, slow dolly-in",
            duration=4,
            aspect_ratio="16:9",
        ),
        "ready-three": run_spec(
            user,
            key,
            "three",
            model="sandbox/multi-clip",
            prompt="[sandbox:clips=3] Three takes of a coffee cup on a table",
            duration=2,
            aspect_ratio="16:9",
        ),
    }
    partial = run_spec(
        user,
        key,
        "partial",
        model="sandbox/multi-clip",
        prompt="[sandbox:clips=2] Two takes of a bike in the rain",
        duration=2,
        aspect_ratio="16:9",
    )
    Clip.objects.filter(job=partial, index=1).update(
        status=Clip.Status.FAILED, error="The provider sent something that is not a video."
    )
    VideoJob.objects.filter(pk=partial.pk).update(error="1 of 2 clips could not be copied.")
    made["partial"] = partial
    copying = make_job(
        user, key=key, prompt="Lemonade stand at sunset", status=VideoJob.Status.COLLECTING
    )
    for index, status in enumerate((Clip.Status.COPYING, Clip.Status.PENDING)):
        make_clip(copying, index, source_url=f"https://cdn.example/{index}", status=status)
    made["copying"] = copying
    empty = make_key(user, "sk-or-v1-sandbox-nocredit-000000000000", label="Empty")
    made["failed"] = run_spec(
        user, empty, "failed", model="google/veo-3.1", prompt="A launch film", duration=8
    )
    gemini = make_key(user, GEMINI_KEY, "gemini", label="Gemini")
    made["blocked"] = run_spec(
        user,
        gemini,
        "blocked",
        model="veo-3.1-generate-sandbox",
        prompt="[sandbox:safety] A street scene",
        duration=8,
    )
    made["needs-attention"] = make_job(
        user,
        key=key,
        prompt="Winter sale teaser",
        status=VideoJob.Status.NEEDS_ATTENTION,
        error="We could not tell whether the provider received this job.",
    )
    return made


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_state_puts_what_matters_first(signed_in, jobs, screenshot, device):
    base, open_page = signed_in
    page = open_page(DEVICES[device])

    def visit(name):
        page.goto(f"{base}{jobs[name].get_absolute_url()}")
        page.wait_for_load_state("load")

    # Ready, one clip: the clip and its download in the first screen, no navigation at all.
    visit("ready-single")
    page.locator("[data-carousel].is-enhanced").wait_for()
    check_words(page, "Ready")
    assert in_first_screen(page, page.locator("#clip-1 video"))
    assert in_first_screen(page, page.get_by_role("link", name="Download clip", exact=True))
    assert page.locator("[data-prev], [data-next], .dots, .carousel-count").count() == 0
    assert "of 1" not in page.locator("main").inner_text()
    accessible(page, f"ready single ({device})")
    screenshot(page, f"results-first-ready-single-{device}")

    # Ready, three clips: the same, with the carousel's navigation.
    visit("ready-three")
    page.locator("[data-carousel].is-enhanced").wait_for()
    check_words(page, "Ready")
    assert in_first_screen(page, page.locator("#clip-1 video"))
    assert in_first_screen(page, page.get_by_role("link", name="Download clip", exact=True))
    assert page.locator(".carousel-count").inner_text() == "Clip 1 of 3"
    if device == "desktop":
        assert in_first_screen(page, page.get_by_role("link", name="Download all (zip, 3 clips)"))
    else:
        assert page.get_by_role("link", name="Download all (zip, 3 clips)").count() == 0
    accessible(page, f"ready three ({device})")
    screenshot(page, f"results-first-ready-three-{device}")

    # Partial: the ready clip first, a retry for the one that could not be copied.
    visit("partial")
    page.locator("[data-carousel].is-enhanced").wait_for()
    check_words(page, "Ready")
    assert in_first_screen(page, page.get_by_role("link", name="Download clip", exact=True))
    retry = page.get_by_role("button", name="Copy clip 2 again")
    assert retry.is_visible() and in_first_screen(page, retry)
    assert "1 of 2 clips could not be copied." in page.locator(".status-line").inner_text()
    accessible(page, f"partial ({device})")
    screenshot(page, f"results-first-partial-{device}")

    # Saving clips: a placeholder per clip, no player yet, no download.
    visit("copying")
    check_words(page, "Saving clips")
    assert page.locator("video").count() == 0
    assert "Copying clip 1 into your library" in page.locator("main").inner_text()
    accessible(page, f"copying ({device})")
    screenshot(page, f"results-first-copying-{device}")

    # Failed, blocked, needs attention: no player or play icon, a plain message, one action.
    for name, words, heading, action in (
        ("failed", "Failed", "This video could not be made", "Go to your keys"),
        (
            "blocked",
            "Blocked by the safety filter",
            "The provider's safety filter blocked this video",
            "Change the prompt or settings",
        ),
        ("needs-attention", "Needs your attention", "This video needs your attention", None),
    ):
        visit(name)
        check_words(page, words)
        assert page.locator("video, .thumb-empty, [data-carousel]").count() == 0
        assert page.get_by_role("heading", name=heading).is_visible()
        actions = page.locator(".problem .actions .button")
        assert actions.count() == 1
        if action:
            assert actions.inner_text() == action
        assert in_first_screen(page, actions)
        accessible(page, f"{name} ({device})")
        screenshot(page, f"results-first-{name}-{device}")

    # The list of videos tells every state in the same words, models by name, one date format.
    page.goto(f"{base}/videos/")
    badges = page.locator(".job-card .badge").all_inner_texts()
    assert len(badges) == len(jobs) and set(badges) <= PEOPLES_WORDS
    text = page.locator("main").inner_text()
    assert not API_WORDS.search(text) and "Veo 3.1" in text
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d\b", text)
    accessible(page, f"videos list ({device})")
    screenshot(page, f"results-first-videos-list-{device}")
    assert page.errors == []


def test_the_arrows_move_the_carousel_but_not_inside_a_video_or_a_field(signed_in, jobs):
    base, open_page = signed_in
    page = open_page(DEVICES["desktop"])
    page.goto(f"{base}{jobs['ready-three'].get_absolute_url()}")
    page.locator("[data-carousel].is-enhanced").wait_for()
    count = page.locator(".carousel-count")
    page.locator("body").click(position={"x": 5, "y": 5})  # focus on nothing in particular
    page.keyboard.press("ArrowRight")
    assert count.inner_text() == "Clip 2 of 3"
    page.keyboard.press("ArrowLeft")
    assert count.inner_text() == "Clip 1 of 3"
    page.locator("#clip-1 video").focus()  # the arrows seek in a focused video
    page.keyboard.press("ArrowRight")
    assert count.inner_text() == "Clip 1 of 3"
    field = page.locator("#clip-1 input[name='title']")
    field.fill("Hero take")
    field.press("ArrowLeft")
    assert count.inner_text() == "Clip 1 of 3"
    # Scrolled out of sight, the carousel leaves the arrows to the page.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    if page.evaluate(
        "document.querySelector('[data-carousel]').getBoundingClientRect().bottom < 0"
    ):
        page.keyboard.press("ArrowRight")
        assert count.inner_text() == "Clip 1 of 3"
    assert page.errors == []


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_job_that_ends_while_its_page_is_open_says_so(
    signed_in, user, start_worker, screenshot, device
):
    """The real worker and the sandbox: the page is open while the job runs, and says when it
    is ready: in the tab's title and in a polite live region."""
    base, open_page = signed_in
    key = make_key(user, OPENROUTER_KEY, label="Agency")
    page = open_page(DEVICES[device])
    job, _ = lifecycle.start_job(
        user,
        key,
        JobSpec(
            model="sandbox/multi-clip",
            prompt="[sandbox:clips=2] Paper boats on a pond",
            duration=2,
            aspect_ratio="16:9",
        ),
        f"announce-{device}",
    )
    page.goto(f"{base}{job.get_absolute_url()}")
    region = page.locator("#job-announce")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    assert region.inner_text() == ""
    assert not page.title().startswith("Ready")
    assert page.locator(".status-line .badge").inner_text() in PEOPLES_WORDS
    start_worker()
    page.locator(".badge-job-ready").wait_for(timeout=60_000)
    until(page, "document.getElementById('job-announce').textContent.length > 0")
    assert region.inner_text() == "Your video is ready."
    assert page.title() == "Ready · [sandbox:clips=2] Paper boats on a pond · MarketOS Video"
    page.locator("[data-carousel].is-enhanced").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    assert in_first_screen(page, page.get_by_role("link", name="Download clip", exact=True))
    screenshot(page, f"results-first-announced-{device}")
    assert page.errors == []
