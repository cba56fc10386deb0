"""The marketer's first hour, in Chromium, on a desktop and on a phone, in the demo's world:
live server, real worker, sandbox provider, and the sample work `make demo` seeds (`seed_demo`).

She opens the first screen: the demo's login page, which says where the password is printed and
has the user name filled in; she logs in as demo with the password the seeding printed. The
generate form offers the README's key and model, and the videos list shows the sample work.
Then she makes an image-to-video of her product: she chooses the bottle's photo as the first
frame (kept at once, shown as a thumbnail), changes her mind about the model and the ad format
twice on the way, and the photo stays each time (the one-line notice names what a model cannot
take). The video is made from the very bytes she chose. She extends it: the price the extend
page asks is the cost the job page and the spend page count, on top of what the samples already
spent this month. A prompt the provider fails on ends with a plain heading, the reason and one
action; a prompt its safety rules refuse ends blocked, with nothing to submit again. She plans a
campaign of two formats, two takes each: her budget refuses it with the campaign's total, the
budget, what is left and the shortfall, and its "spent or still being made" (the samples and her
own videos) is the spend page's figure. She raises the budget by the shortfall, starts it, and
downloads the package: a folder per format and a manifest whose checksums are those of the
files beside it. Every record and figure checked is the journey's own or counts the samples
too. Screenshots of every step go to test-artifacts/screenshots/.
"""

import hashlib
import io
import json
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from campaigns.models import Campaign
from demo.management.commands.seed_demo import (
    MULTI_CLIP_MODEL,
    RECOMMENDED_PROVIDER,
    SANDBOX_KEYS,
)
from tests.helpers import DESKTOP, PHONE, browser_page, settled, until
from videos.models import ProviderKey, VideoJob
from workspaces.models import Budget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOB_PAGE = re.compile(r"/videos/[0-9a-f-]+/$")
DEMO_PASSWORD = "first-hour-demo-pw-4821"


def dollars(text: str) -> Decimal:
    return Decimal(re.search(r"\$(\d+\.\d\d)", text).group(1))


def money(amount: Decimal) -> str:
    return f"${amount:.2f}"


def done(page):
    """Wait on a job page until its job has ended (the panel polls), then read it afresh."""
    until(page, "document.querySelector('#job-live').dataset.jobEnded === 'true'", 60)
    page.reload()


@pytest.fixture
def demo_banner(monkeypatch, settings, reachable, transactional_db) -> str:
    """The world `make demo` starts in: the demo's environment and settings, and `seed_demo`
    run as it runs it (what it printed is returned: the banner with the password)."""
    monkeypatch.setenv("MARKETOS_DEMO", "1")
    monkeypatch.setenv("MARKETOS_DEMO_PASSWORD", DEMO_PASSWORD)
    settings.DEMO = True
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_marketers_first_hour(
    size, demo_banner, browser, live_server, start_worker, reachable, screenshot, tmp_path
):
    # The demo's world, as seeded: what the journey makes is told apart from it by these.
    samples = set(VideoJob.objects.values_list("pk", flat=True))
    sample_campaigns = set(Campaign.objects.values_list("pk", flat=True))
    assert samples and sample_campaigns

    def made():
        """The videos made since the journey began (the samples left out)."""
        return VideoJob.objects.exclude(pk__in=samples)

    key_label = SANDBOX_KEYS[RECOMMENDED_PROVIDER][0]
    key = ProviderKey.objects.get(provider=RECOMMENDED_PROVIDER, label=key_label)
    workspace = key.workspace  # the demo's agency, where the recommended key's videos go
    # What the samples spent this month, counted as the spend page and the budgets count it.
    samples_spent = VideoJob.objects.filter(workspace=workspace).in_month().charged_total()
    assert samples_spent > 0
    assert VideoJob.objects.filter(key=key).in_month().charged_total() == samples_spent
    start_worker()
    base = live_server.url
    errors: list[str] = []
    step = 0

    def shot(page, name):
        nonlocal step
        step += 1
        screenshot(page, f"journey-first-hour-{step:02d}-{name}-{size}")

    # The first screen: the demo's login page says where the password is printed, and the
    # user name is filled in (the cursor waits in the password).
    _, page = browser_page(browser, DESKTOP if size == "desktop" else PHONE, errors)
    page.goto(f"{base}/")
    page.get_by_role("button", name="Log in").wait_for()
    note = page.locator("#demo-password")
    assert note.is_visible()
    assert note.inner_text().startswith(
        "This is the demo: log in as demo with the password printed in the terminal where "
        "make demo runs"
    ), note.inner_text()
    assert "var/demo.env, as MARKETOS_DEMO_PASSWORD" in note.inner_text()
    assert page.get_by_label("Username").input_value() == "demo"
    assert page.evaluate("document.activeElement.name") == "password"
    shot(page, "first-screen")
    # The password the seeding printed, as `make demo`'s banner shows it.
    printed = re.search(r"Log in as  demo  with password  (\S+)", demo_banner).group(1)
    assert printed == DEMO_PASSWORD
    page.get_by_label("Password").fill(printed)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/generate/")

    # The README's key and model are already chosen on the generate form.
    chosen_key = page.locator("#id_key option:checked").inner_text()
    assert chosen_key.startswith(key_label), chosen_key
    assert page.get_by_label("Model", exact=True).input_value() == MULTI_CLIP_MODEL
    assert page.locator("#id_model option:checked").inner_text() == "Sandbox: Multi-clip"
    # The budget left there counts what the samples spent, as the spend page does.
    budget = Budget.objects.get(workspace=workspace, client=None).monthly_amount
    summary = page.locator("#generate-summary").inner_text()
    assert f"{money(budget - samples_spent)} of {workspace.name}\u2019s {money(budget)}" in summary
    shot(page, "generate-as-demo")

    # The demo's sample work is there: a card for each sample video, its poster shown.
    page.goto(f"{base}/videos/")
    cards = page.locator(".job-card")
    assert sorted(cards.locator(".job-title").all_inner_texts()) == sorted(
        job.label for job in VideoJob.objects.filter(pk__in=samples)
    )
    for poster in cards.locator(".thumb img").all():
        poster.scroll_into_view_if_needed()  # posters load lazily, as they come into view
    assert cards.locator(".thumb img").count() == len(samples)
    until(page, "[...document.querySelectorAll('.job-card img')].every(i => i.naturalWidth)")
    shot(page, "sample-work")
    page.goto(f"{base}/generate/")

    # An image-to-video: the product photo as the first frame, kept as soon as it is chosen.
    bottle = tmp_path / "fizz-bottle.png"
    Image.new("RGB", (640, 360), "#2a7fba").save(bottle, format="PNG")
    prompt = "Our Fizz bottle on a sunlit picnic table, slow dolly-in"
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1")
    settled(page)
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Negative prompt").fill("blur, text")
    page.set_input_files("#id_first_frame", bottle)
    thumbnail = page.locator("#id_first_frame_images .pending-image img")
    thumbnail.wait_for()
    settled(page)
    assert thumbnail.get_attribute("alt") == "First frame: fizz-bottle.png"
    shot(page, "product-image-chosen")

    def still_there():
        assert thumbnail.count() == 1
        assert page.get_by_label("Prompt", exact=True).input_value() == prompt

    # Model and format changed twice on the way: the photo stays; the notice names what went.
    page.get_by_label("Model", exact=True).select_option("minimax/hailuo-2.3")
    settled(page)
    notice = page.locator(".settings-note").inner_text()
    assert notice.startswith("MiniMax: Hailuo 2.3 does not take a negative prompt: removed."), (
        notice
    )
    still_there()
    shot(page, "model-changed")
    page.get_by_label("Ad format").select_option("vertical")
    settled(page)
    still_there()
    shot(page, "format-changed")
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1-fast")
    settled(page)
    still_there()
    page.get_by_label("Ad format").select_option("square")
    settled(page)
    still_there()
    # Hailuo's 1080p came along (Veo makes it too, in 8 s only): back to 720p for a 4 s clip.
    page.get_by_label("Resolution").select_option("720p")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    still_there()
    # The samples were made with this model, one clip each: priced for the one clip its
    # latest job made, with nothing said about the model deciding how many.
    estimate_line = page.locator(".estimate").inner_text()
    assert estimate_line.startswith("Estimated cost: $0.40 (4 s at $0.100/s"), estimate_line
    assert "the model decides" not in estimate_line and "clips" not in estimate_line
    shot(page, "model-and-format-changed-twice")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(JOB_PAGE)
    done(page)
    first = made().get()
    assert first.key == key and first.workspace == workspace
    assert first.status == VideoJob.Status.READY, first.error
    assert first.model == "google/veo-3.1-fast" and first.parameters["ad_format"] == "square"
    page.locator(".carousel video").first.wait_for()
    # Made from the very bytes chosen at the start (the sandbox records what it received).
    sent = reachable.stats()["jobs"][first.provider_job_id.rsplit("/", 1)[-1]]["request"]
    (frame,) = sent["frame_images"]
    assert frame["frame_type"] == "first_frame"
    assert frame["image_url"]["url"] == f"<image/png {bottle.stat().st_size} bytes>"
    shot(page, "video-ready")

    # Extend it: the price asked before is the cost counted after, on the job and spend pages.
    extend = page.get_by_role("link", name=re.compile(r"^Extend"))
    offered = dollars(extend.inner_text())
    extend.click()
    estimate = dollars(page.locator(".estimate").inner_text())
    assert estimate == offered
    shot(page, "extend-priced")
    page.get_by_role("button", name="Make the extended version").click()
    page.wait_for_url(JOB_PAGE)
    done(page)
    extended = made().exclude(pk=first.pk).get()
    assert extended.status == VideoJob.Status.READY, extended.error
    details = page.locator("dl", has_text="Settings").first.inner_text().replace("\t", "\n")
    assert f"Cost\n{money(estimate)}" in details, details
    assert extended.cost == estimate
    shot(page, "extended")
    # This month's spend: the samples' and hers, on the page as in the database.
    spent = samples_spent + first.cost + extended.cost
    assert VideoJob.objects.filter(workspace=workspace).in_month().charged_total() == spent
    page.goto(f"{base}/w/{workspace.slug}/spend/")
    total = page.locator(".spend-figure").inner_text()
    assert total.startswith(f"{money(spent)} for {len(samples) + 2} videos"), total
    by_key = page.locator("tr", has_text=key_label)
    assert by_key.count() == 1
    assert money(spent) in by_key.inner_text(), by_key.inner_text()
    shot(page, "spend-after-extend")

    # A monthly budget on the workspace, set on the spend page (with nothing left
    # yet for what comes later).
    budget = spent + Decimal("1.00")
    page.goto(f"{base}/w/{workspace.slug}/spend/#budgets")
    page.get_by_label("Monthly budget (USD)").fill(f"{budget:.2f}")
    page.get_by_role("button", name="Save budget").click()
    page.get_by_role("heading", name="Monthly budgets").wait_for()
    row = page.locator("#budgets tbody tr").first.inner_text()
    assert money(spent) in row and money(budget - spent) in row, row

    # A prompt the provider fails on: a plain heading, the reason, one action.
    page.goto(f"{base}/generate/")
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1-fast")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Prompt", exact=True).fill("[sandbox:fail] Fizz bottle in the rain")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(JOB_PAGE)
    done(page)
    failed = made().get(status=VideoJob.Status.FAILED)
    problem = page.locator("section.problem")
    assert problem.get_by_role("heading").inner_text() == "This video could not be made"
    assert "could not make this video" in problem.locator(".problem-why").inner_text()
    actions = problem.locator(".actions a")
    assert actions.all_inner_texts() == [f"Submit again ({money(failed.estimated_cost)})"]
    shot(page, "failed")
    actions.first.click()  # the same settings, priced again before anything is sent
    page.get_by_role("heading", name="Submit again?").wait_for()
    assert made().count() == 3
    shot(page, "failed-submit-again")

    # A prompt the safety rules refuse: blocked, what was charged, no "Submit again".
    page.goto(f"{base}/generate/")
    page.get_by_label("Model", exact=True).select_option("google/veo-3.1-fast")
    settled(page)
    page.get_by_label("Duration").select_option("4")
    settled(page)
    page.get_by_label("Prompt", exact=True).fill("[sandbox:safety] A street brawl over Fizz")
    page.get_by_role("button", name="Generate", exact=True).click()
    page.wait_for_url(JOB_PAGE)
    done(page)
    problem = page.locator("section.problem")
    assert "safety" in problem.get_by_role("heading").inner_text()
    text = problem.inner_text()
    assert "Nothing was charged" in text and "Submit again" not in text, text
    assert made().filter(status=VideoJob.Status.BLOCKED).count() == 1
    actions = problem.locator(".actions a")
    assert actions.all_inner_texts() == ["Change the prompt or settings"]
    shot(page, "blocked")

    # Its action: the form again with that prompt and those settings, and the budget left.
    actions.first.click()
    page.get_by_role("heading", name="Generate a video").wait_for()
    assert page.get_by_label("Prompt", exact=True).input_value().startswith("[sandbox:safety]")
    assert page.get_by_label("Model", exact=True).input_value() == "google/veo-3.1-fast"
    assert page.get_by_label("Duration").input_value() == "4"
    left = budget - spent
    assert money(left) in page.locator("#generate-summary").inner_text()

    # A campaign of two formats, two takes each: refused, with figures that add up.
    page.get_by_label("Prompt", exact=True).fill("Fizz sparkling water, a picnic in the sun")
    page.locator("summary", has_text="Make a campaign").click()
    page.get_by_label("Feed square (1:1)").check()
    page.get_by_label("Takes of each").select_option("2")
    shot(page, "campaign-brief")
    page.get_by_role("button", name="Plan the campaign").click()
    page.get_by_role("heading", name=re.compile("^4 videos, about")).wait_for()
    campaign = Campaign.objects.exclude(pk__in=sample_campaigns).get()
    total = campaign.estimated_total
    shot(page, "campaign-plan")
    page.get_by_role("button", name="Start 4 videos").click()
    refusal = page.locator(".messages").inner_text()
    short = total - left
    assert f"This campaign of 4 videos is estimated at {money(total)}" in refusal, refusal
    assert (
        f"{money(budget)} a month, {money(spent)} spent or still being made this month, "
        f"{money(left)} left" in refusal
    ), refusal
    assert f"so it is {money(short)} short" in refusal, refusal
    assert made().count() == 4  # nothing more was sent
    shot(page, "campaign-refused")
    page.goto(f"{base}/w/{workspace.slug}/spend/#budgets")
    row = page.locator("#budgets tbody tr").first.inner_text()
    assert money(spent) in row, row  # the refusal's figure is the spend page's

    # Raised by the shortfall, it starts; the board fills as the worker makes the videos.
    page.get_by_label("Monthly budget (USD)").fill(f"{budget + short:.2f}")
    page.get_by_role("button", name="Save budget").click()
    page.get_by_role("heading", name="Monthly budgets").wait_for()
    page.goto(f"{base}{campaign.get_absolute_url()}")
    page.get_by_role("button", name="Start 4 videos").click()
    until(page, "document.querySelectorAll('.board input[name=clip]').length === 4", 60)
    # Made, and their 1:1 exports rendered: the board stops saying it is still making some.
    page.locator(".board-head", has_text="4 clips ready").wait_for()
    page.locator(".board-head", has_text="still making some").wait_for(state="detached")
    assert made().count() == 8
    shot(page, "campaign-made")

    # The package: a folder per format, a manifest whose checksums are the files'.
    package_url = reverse("campaigns:package", args=[campaign.public_id])
    if size == "desktop":
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the campaign package").click()
        data = download.value.path().read_bytes()
    else:  # a computer's download; on a phone the board says so
        page.get_by_text("The campaign package (one zip) is for computers").wait_for()
        data = page.request.get(base + package_url).body()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert {"manifest.json", "manifest.csv"} <= set(names)
    folders = {name.split("/")[0] for name in names if "/" in name}
    assert len(folders) == 2, names
    manifest = json.loads(archive.read("manifest.json"))
    assert len(manifest["files"]) >= 4
    for entry in manifest["files"]:
        body = archive.read(entry["file"])
        assert len(body) == entry["bytes"] and hashlib.sha256(body).hexdigest() == entry["sha256"]
        assert body[4:8] == b"ftyp"  # an MP4
    # The square folder holds square videos: each take's 1:1 export beside its original.
    square = [e for e in manifest["files"] if e["file"].startswith("1x1")]
    assert sum(e["width"] == e["height"] for e in square) == 2, square
    assert errors == [], errors
