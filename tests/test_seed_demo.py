"""The demo's sample work: made once by `seed_demo`, real on every page that shows it, and
the same figures everywhere (spend counts what the videos cost)."""

import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from campaigns.models import Campaign, Variant
from demo.env import client_link
from inbox.models import Notification
from review.models import Comment, ReviewEvent, ShareLink, Verdict
from videos.models import Clip, ProviderKey, VideoJob
from workspaces.models import Budget, Client, Project, Workspace

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "demo-pw-1234"
COUNTED = (
    Workspace,
    ProviderKey,
    Client,
    Project,
    VideoJob,
    Clip,
    ShareLink,
    Comment,
    Verdict,
    ReviewEvent,
    Campaign,
    Variant,
    Notification,
    Budget,
)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(monkeypatch, reachable):
    monkeypatch.setenv("MARKETOS_DEMO", "1")
    monkeypatch.setenv("MARKETOS_DEMO_PASSWORD", PASSWORD)
    return seed()


@pytest.fixture
def demo(client, seeded):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    return client


def snapshot() -> dict:
    rows = {model.__name__: model.objects.count() for model in COUNTED}
    rows["files"] = sorted(Clip.objects.values_list("file", "poster", "sha256"))
    rows["password"] = VideoJob.objects.first().owner.password
    rows["jobs"] = sorted(VideoJob.objects.values_list("public_id", "status", "cost"))
    rows["link"] = list(ShareLink.objects.values_list("token_digest", "password", "revoked_at"))
    return rows


def test_seeding_again_changes_nothing_and_duplicates_nothing(seeded):
    before = snapshot()
    assert "Made the campaign" in seeded
    again = seed()
    assert snapshot() == before
    assert "Made" not in again  # nothing new
    token, password = client_link(settings.SECRET_KEY)
    assert f"/s/{token}/" in again and password in again


def test_the_samples_are_what_the_readme_promises(seeded):
    agency = Workspace.objects.get(name="Demo Agency", personal=False)
    assert agency.memberships.get(user__username="demo").role == "owner"
    project = Project.objects.get(client__workspace=agency, name="Summer sale")
    assert project.client.name == "Northwind Coffee"
    assert set(agency.provider_keys.values_list("label", flat=True)) == {
        "Sandbox OpenRouter",
        "Sandbox Gemini",
    }
    jobs = VideoJob.objects.filter(workspace=agency)
    assert set(jobs.values_list("status", flat=True)) == {"ready"}
    for clip in Clip.objects.filter(job__in=jobs):
        assert clip.status == "ready" and clip.duration > 0 and clip.width and clip.height
        assert default_storage.exists(clip.file.name) and default_storage.exists(clip.poster.name)
        with default_storage.open(clip.file.name) as handle:
            assert handle.read(12)[4:8] == b"ftyp"  # a real MP4
    # Every clip is a video of its own (two takes of one prompt too).
    digests = list(Clip.objects.filter(job__in=jobs).values_list("sha256", flat=True))
    assert len(set(digests)) == len(digests) == 8
    multi = jobs.get(idempotency_key="demo-multi-clip")
    assert multi.clips.count() == 3
    campaign = Campaign.objects.get(workspace=agency)
    assert campaign.variants.count() == 3 and campaign.told_finished_at is not None
    # The campaign's starter was told once, about all of it; its videos were not told alone.
    told = Notification.objects.filter(recipient__username="demo")
    assert told.filter(kind="campaign_finished").count() == 1
    assert not told.filter(url__in=[v.job.get_absolute_url() for v in campaign.variants.all()])


def test_the_job_page_shows_every_clip_of_the_multi_clip_video(demo):
    job = VideoJob.objects.get(idempotency_key="demo-multi-clip")
    page = demo.get(job.get_absolute_url()).content.decode()
    assert "Clip <span data-current>1</span> of 3" in page
    assert page.count('data-slide data-status="ready"') == 3
    for number in (1, 2, 3):
        response = demo.get(reverse("videos:clip_file", args=[job.public_id, number]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content)[4:8] == b"ftyp"
    assert f"<title>Ready · {job.short_title} · MarketOS Video</title>" in page


def test_the_generate_form_offers_the_readme_key_and_model(demo):
    page = demo.get(reverse("videos:generate")).content.decode()
    key = re.search(r'<option value="(\d+)" selected>([^<]*)</option>', page)
    assert key and key.group(2).startswith("Sandbox OpenRouter")
    assert re.search(r'<option value="sandbox/multi-clip" selected>Sandbox: Multi-clip<', page)


def test_the_client_sees_version_2_first_on_the_link(client, seeded):
    token, password = client_link(settings.SECRET_KEY)
    gate = reverse("share:gate", args=[token])
    assert "password" in client.get(gate).content.decode()
    answer = client.post(gate, {"name": "Dana", "password": password})
    assert answer.status_code == 302
    page = client.get(reverse("share:overview", args=[token])).content.decode()
    assert page.index("Version 2") < page.index("Version 1")
    assert "Summer sale hero" not in page  # guests never see prompts
    # The comment made on version 1 is addressed by version 2.
    comment = Comment.objects.get(body__startswith="Love the light")
    assert comment.is_guest and comment.addressed_by.version == 2


def test_the_campaign_board_shows_its_videos(demo):
    campaign = Campaign.objects.get(idempotency_key="demo-campaign")
    page = demo.get(campaign.get_absolute_url()).content.decode()
    for variant in campaign.variants.all():
        assert variant.job.get_absolute_url() in page
        poster = reverse("videos:clip_poster", args=[variant.job.public_id, 1])
        assert poster in page and demo.get(poster)["Content-Type"] == "image/jpeg"
    assert "take 2" in page and "★" in page  # the second take, starred the winner
    package = demo.get(reverse("campaigns:package", args=[campaign.public_id]))
    assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(package.streaming_content))) as archive:
        videos = [name for name in archive.namelist() if name.endswith(".mp4")]
        assert len(videos) == 3
        assert all(archive.read(name)[4:8] == b"ftyp" for name in videos)


def test_spend_counts_what_the_samples_cost(demo):
    agency = Workspace.objects.get(name="Demo Agency")
    jobs = VideoJob.objects.filter(workspace=agency)
    total = sum(job.cost for job in jobs)
    assert total == jobs.charged_total() > Decimal(0)
    assert all(job.cost == job.estimated_cost for job in jobs)
    page = demo.get(reverse("spend:overview", args=[agency.slug])).content.decode()
    assert f"<strong>${total:.2f}</strong>" in page
    assert f"for {jobs.count()} videos" in page
    campaign = Campaign.objects.with_summary().get(idempotency_key="demo-campaign")
    assert campaign.spent == campaign.estimated_total


def test_lists_label_versions(demo):
    page = demo.get(reverse("videos:videos")).content.decode()
    assert "Summer sale hero: a tall glass of iced… · version 2" in page
    inbox = demo.get(reverse("inbox:list")).content.decode()
    assert "Your campaign" in inbox and "all 3 videos are ready" in inbox
