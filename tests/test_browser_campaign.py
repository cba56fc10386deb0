"""A marketer's campaign in Chromium, from a brand kit to the package: the kit made on its page,
a preset applied on the generate form, the brief planned in three formats, priced, started,
made by a real worker, compared side by side, winners starred, the package downloaded and
its bytes checked, and the spend page. Screenshots at desktop and phone size."""

import json
import zipfile

import pytest

from brand.models import Preset
from campaigns.models import Campaign
from tests.factories import make_key
from tests.helpers import DESKTOP, PHONE, accessible, browser_page, log_in, settled, until
from videos.models import Clip, VideoJob
from workspaces.access import personal_workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_campaign_from_brief_to_package(
    browser, live_server, reachable, user, start_worker, screenshot
):
    make_key(user, label="Sandbox")
    workspace = personal_workspace(user)
    # Its own preset: a transactional test cannot count on those shipped by a data migration.
    Preset.objects.create(
        workspace=workspace,
        name="Product hero",
        prompt_template="A slow dolly-in on {product}, rim light, ends on the logo.",
        parameters={"duration": 4},
    )
    start_worker()
    base = live_server.url
    errors = []
    _, page = browser_page(browser, DESKTOP, errors)
    log_in(page, base)

    # A brand kit, on its own page.
    page.goto(f"{base}/workspaces/{workspace.slug}/brand/kits/new/")
    page.get_by_label("Name").fill("Fizz house style")
    page.get_by_label("Voice and style").fill("Bright, playful, sunlit")
    page.get_by_label("Visual rules").fill("clutter, neon")
    page.get_by_role("button", name="Save brand kit").click()
    page.wait_for_url(f"{base}/workspaces/{workspace.slug}/brand/")

    # The brief: a preset, its blank filled in, the kit, and two more formats.
    page.goto(f"{base}/generate/")
    page.get_by_label("Model").select_option("sandbox/multi-clip")
    settled(page)
    page.get_by_label("Preset", exact=True).select_option(label="Product hero (saved)")
    page.locator("#id_fill_product").wait_for()
    settled(page)
    page.locator("#id_fill_product").fill("Fizz sparkling water [sandbox:clips=1]")
    page.get_by_label("Brand kit", exact=True).select_option(label="Fizz house style")
    page.locator(".brand-box").wait_for()
    settled(page)
    page.get_by_label("Ad format").select_option("vertical")
    settled(page)
    page.locator("summary", has_text="Make a campaign").click()
    page.get_by_label("YouTube (16:9)").check()
    page.get_by_label("Feed square (1:1)").check()
    accessible(page, "generate with a campaign")
    screenshot(page, "campaign-1-brief")
    page.get_by_role("button", name="Plan the campaign").click()

    # The plan: three videos, each priced, and their total, before anything is sent.
    page.get_by_role("heading", name="3 videos, about").wait_for()
    assert not VideoJob.objects.exists()
    campaign = Campaign.objects.get()
    assert {e["format"] for e in campaign.plan} == {"vertical", "landscape", "square"}
    assert all("Bright, playful, sunlit" in e["prompt"] for e in campaign.plan)
    accessible(page, "campaign plan")
    screenshot(page, "campaign-2-plan")
    page.get_by_role("button", name="Start 3 videos").click()

    # The board fills in as the worker makes them (htmx polls it).
    until(page, "document.querySelectorAll('.board input[name=clip]').length === 3", 90)
    assert VideoJob.objects.filter(status=VideoJob.Status.READY).count() == 3
    accessible(page, "campaign board")
    screenshot(page, "campaign-3-board")

    # Three side by side, two starred as winners.
    for box in page.locator(".board input[name=clip]").all():
        box.check()
    page.get_by_role("button", name="Compare the ticked clips").click()
    page.get_by_role("heading", name="3 clips side by side").wait_for()
    assert page.locator("video[data-compare-video]").count() == 3
    stars = page.locator(".compare .star")
    stars.nth(0).click()
    until(page, "document.querySelectorAll('.compare .star.is-starred').length === 1")
    page.locator(".compare .star").nth(2).click()
    until(page, "document.querySelectorAll('.compare .star.is-starred').length === 2")
    assert Clip.objects.filter(starred=True).count() == 2
    accessible(page, "campaign compare")
    screenshot(page, "campaign-4-compare")

    # The package: a folder per format and the manifest; then the winners alone.
    page.goto(f"{base}{campaign.get_absolute_url()}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the campaign package").click()
    archive = zipfile.ZipFile(download.value.path())
    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert len(folders) == 3, archive.namelist()
    assert {"manifest.json", "manifest.csv"} <= set(archive.namelist())
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the winners only").click()
    winners = zipfile.ZipFile(download.value.path())
    assert len(json.loads(winners.read("manifest.json"))["files"]) == 2

    # What it cost, on the spend page.
    page.goto(f"{base}/spend/")
    page.get_by_role("heading", name="Spend").first.wait_for()
    screenshot(page, "campaign-5-spend")
    assert not errors, errors

    # On a phone: the board, without the package (a computer's download).
    _, phone = browser_page(browser, PHONE, errors)
    log_in(phone, base)
    phone.goto(f"{base}{campaign.get_absolute_url()}")
    phone.get_by_text("The campaign package (one zip) is for computers").wait_for()
    accessible(phone, "campaign board on a phone")
    screenshot(phone, "campaign-6-board-phone")
    assert not errors, errors
