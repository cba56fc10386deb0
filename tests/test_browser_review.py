"""In Chromium: a clip's review page with a few comments, desktop and phone. Markers sit on the
timeline at their moment, a marker or a timecode seeks the video; a new comment is about the
whole clip unless its writer picks a moment (never the playhead on its own), and joins the
thread and the timeline without a page load."""

import pytest

from providers.base import JobSpec
from review.models import Comment, Reviewer
from tests.factories import OPENROUTER_KEY, make_key, make_project
from tests.helpers import DESKTOP, PHONE, browser_page, log_in, run_in_process, until
from videos import lifecycle
from workspaces.access import membership_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reviewed_clip(agency, user, reachable):
    key = make_key(user, OPENROUTER_KEY, workspace=agency, label="Agency")
    spec = JobSpec(model="sandbox/multi-clip", prompt="A lighthouse at dawn", duration=4)
    job, _ = lifecycle.start_job(user, key, spec, "review-1", project=make_project(agency))
    job = run_in_process(job)
    clip = job.clips.get(index=0)
    assert clip.duration, job.error
    alice = Reviewer.member(membership_of(user, agency))
    first = Comment.add(clip, "The logo comes in too late.", by=alice, at_seconds="0:01")
    Comment.add(clip, "Agreed, half a second earlier.", by=alice, parent=first)
    Comment.add(clip, "Warmer colours at the end, please.", by=alice, at_seconds=clip.duration - 1)
    Comment.add(clip, "Music is great overall.", by=alice)
    return clip


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_clip_review_page(browser, live_server, reviewed_clip, screenshot, device):
    errors = []
    context, page = browser_page(browser, DESKTOP if device == "desktop" else PHONE, errors)
    log_in(page, live_server.url)
    clip = reviewed_clip
    page.goto(f"{live_server.url}/videos/{clip.job.public_id}/clips/1/review/")
    video = page.locator("[data-review-video]")
    video.evaluate("v => v.readyState >= 1 || new Promise(r => v.onloadedmetadata = r)")

    # Two open time-coded comments: two markers, placed along the strip in order.
    markers = page.locator(".timeline-strip.is-placed .marker")
    assert markers.count() == 2
    lefts = [m.evaluate("m => m.getBoundingClientRect().left") for m in markers.all()]
    assert lefts[0] < lefts[1]
    screenshot(page, f"review-clip-{device}")

    markers.nth(1).locator("a").click()
    at = video.evaluate("v => v.currentTime")
    assert at == pytest.approx(clip.duration - 1, abs=0.1)
    page.locator(".comment a.timecode").first.click()
    assert video.evaluate("v => v.currentTime") == pytest.approx(1, abs=0.1)

    # Writing a comment leaves it about the whole clip, wherever the video stands.
    video.evaluate("v => { v.currentTime = 2; }")
    page.wait_for_timeout(200)
    page.get_by_label("Comment", exact=True).click()
    page.get_by_label("Comment", exact=True).fill("Lovely music all through.")
    assert page.get_by_label("At (m:ss)").input_value() == ""
    assert not page.get_by_role("button", name="Whole clip").is_visible()
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator(".comment", has_text="Lovely music all through.").wait_for()
    assert Comment.objects.get(body="Lovely music all through.").at_seconds is None

    # "At 0:02" pins the next one to the moment on screen; it joins the thread and the timeline.
    page.get_by_label("Comment", exact=True).fill("Hold this frame longer.")
    assert page.get_by_label("At (m:ss)").input_value() == ""
    page.get_by_role("button", name="At 0:02").click()
    assert page.get_by_label("At (m:ss)").input_value() == "0:02"
    assert page.get_by_role("button", name="Whole clip").is_visible()
    screenshot(page, f"review-clip-moment-chosen-{device}")
    page.get_by_role("button", name="Comment", exact=True).click()
    page.locator(".comment", has_text="Hold this frame longer.").wait_for()
    page.locator(".timeline-strip.is-placed .marker").nth(2).wait_for()  # once htmx settled
    assert page.locator(".timeline-strip.is-placed .marker").count() == 3
    assert Comment.objects.filter(body="Hold this frame longer.").get().at_seconds == 2
    assert page.get_by_label("At (m:ss)").input_value() == ""  # the next one starts whole
    assert page.url.endswith("/review/")  # no page load: htmx swapped the thread
    assert not errors, errors
    context.close()


def test_the_project_review_page(browser, live_server, reviewed_clip, screenshot):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    log_in(page, live_server.url)
    project = reviewed_clip.job.project
    page.goto(
        f"{live_server.url}/workspaces/{project.workspace.slug}/projects/{project.public_id}/review/"
    )
    # Every ready clip of the video, with its poster and its open comments.
    assert page.locator(".review-clip").count() == reviewed_clip.job.clips.count()
    # Posters load lazily: wait for the first one rather than read it mid-load.
    until(
        page,
        "(i => i.complete && i.naturalWidth > 0)(document.querySelector('.review-poster img'))",
    )
    assert "3 open comments" in page.locator(".review-clip").first.inner_text()
    screenshot(page, "review-project-desktop")
    context.close()
