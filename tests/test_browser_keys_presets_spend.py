"""An agency owner's round, in a real browser at desktop and phone size: the generate form
offers only keys that work (a refused one is shown disabled, with why), the key list says
which workspace each key is in, verifying the refused key again makes it usable, the presets
read without overlapping, and the month's spend CSV names every video with a link to it."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_job, make_key, make_project, make_workspace
from tests.helpers import DESKTOP, PHONE
from videos.models import ProviderKey, VideoJob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMPT = "A slow dolly shot across a sunlit kitchen where the new kettle steams"


@pytest.fixture
def agency_round(user):
    from brand.models import Preset
    from campaigns.models import Campaign, Variant

    agency = make_workspace(user, "Acme Agency")
    team = make_key(user, workspace=agency, label="Team key")
    old = make_key(user, label="Old key")
    old.mark_refused("OpenRouter refused this key (401 Unauthorized).")
    # Used last: before, the form picked it first.
    ProviderKey.objects.filter(pk=old.pk).update(last_used_at=timezone.now())
    project = make_project(agency, "Northwind", "Spring launch")
    job = make_job(
        user,
        key=team,
        prompt=PROMPT,
        project=project,
        status=VideoJob.Status.READY,
        estimated_cost=Decimal("3.20"),
    )
    campaign = Campaign.objects.create(workspace=agency, key=team, name="Kettle launch")
    Variant.objects.create(campaign=campaign, job=job, number=1, ad_format="landscape")
    # A preset of our own (those that come with the app are gone once a browser test flushed
    # the database), with a long prompt, as the shipped ones have.
    Preset.objects.create(
        workspace=agency,
        name="Kitchen morning",
        prompt_template="A slow, low-angle dolly-in on {product} on a sunlit worktop, " * 4,
    )
    return {"agency": agency, "team": team, "old": old, "job": job}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_only_working_keys_are_offered_presets_read_and_the_csv_names_videos(
    signed_in, agency_round, screenshot, size, settings
):
    base, open_page = signed_in
    # The CSV's links are built on the public address, here the live server's.
    settings.PUBLIC_URL = base
    page = open_page(DESKTOP if size == "desktop" else PHONE)

    # 1. Generate: the team key is chosen; the refused key is listed, disabled, with why.
    keys = page.locator("#id_key")
    assert keys.locator("option:checked").inner_text().startswith("Team key")
    old = keys.locator("option", has_text="Old key")
    assert old.is_disabled()
    assert "refused by the provider, verify it again on the Keys page" in old.inner_text()
    assert not page.get_by_text("This key cannot start a job").is_visible()
    screenshot(page, f"house-generate-keys-{size}")

    # 2. Keys: every key says its workspace; the refused one says why.
    page.goto(f"{base}/keys/")
    team_row = page.locator(f"#key-{agency_round['team'].public_id}")
    old_row = page.locator(f"#key-{agency_round['old'].public_id}")
    assert "in Acme Agency" in team_row.inner_text()
    assert "in your personal workspace" in old_row.inner_text()
    assert "Refused by the provider" in old_row.inner_text()
    screenshot(page, f"house-keys-workspaces-{size}")

    # 3. Verified again (the provider now takes it), the old key is offered again.
    page.get_by_role("button", name="Verify Old key").click()
    old_row.locator(".badge-valid").wait_for()
    page.goto(f"{base}/generate/")
    assert not page.locator("#id_key option", has_text="Old key").is_disabled()

    # 4. Presets: each preset's name, settings and prompt read one under the other.
    page.goto(base + reverse("brand:kits", args=[agency_round["agency"].slug]))
    rows = page.locator("[id^=preset-]")
    assert rows.count() >= 1
    for index in range(rows.count()):
        row = rows.nth(index)
        head = row.locator(".key-main").bounding_box()
        prompt = row.locator("p").bounding_box()
        assert head["y"] + head["height"] <= prompt["y"] + 1, (index, head, prompt)
        assert prompt["width"] >= head["width"] - 1
    rows.first.scroll_into_view_if_needed()
    screenshot(page, f"house-presets-{size}")

    # 5. Spend: the CSV names the video, its prompt, campaign, client, project and a link.
    page.goto(base + reverse("spend:overview", args=[agency_round["agency"].slug]))
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    (row,) = rows
    job = agency_round["job"]
    assert row["title"] == job.short_title and row["prompt"] == PROMPT
    assert (row["campaign"], row["client"], row["project"]) == (
        "Kettle launch",
        "Northwind",
        "Spring launch",
    )
    assert row["link"] == f"{base}/videos/{job.public_id}/"
    page.goto(row["link"])
    assert page.get_by_role("heading", level=1).count() >= 1
    assert "/videos/" in page.url and "/login/" not in page.url
    screenshot(page, f"house-spend-link-opens-video-{size}")
    assert not page.errors, page.errors
