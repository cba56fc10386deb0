"""The generate page's summary (ad format, brand kit, price, the usual wait of the chosen
model) and the visitor's recent videos; VideoJob.objects.typical_wait."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_job, make_key, make_user, make_workspace
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def finished(owner, seconds, model="google/veo-3.1", status=VideoJob.Status.READY, **fields):
    started = timezone.now() - timedelta(hours=1)
    return make_job(
        owner,
        model=model,
        status=status,
        created_at=started,
        finished_at=started + timedelta(seconds=seconds),
        **fields,
    )


def test_typical_wait_is_the_median_of_ready_jobs_of_that_model_in_one_query(user):
    for seconds in (60, 90, 300):
        finished(user, seconds)
    finished(user, 5, status=VideoJob.Status.FAILED)  # failed: says nothing of the wait
    finished(user, 5, model="other/model")
    make_job(user, status=VideoJob.Status.WAITING)  # still running
    jobs = VideoJob.objects.visible_to(user)
    with CaptureQueriesContext(connection) as queries:
        assert jobs.typical_wait("google/veo-3.1") == timedelta(seconds=90)
    assert len(queries) == 1
    finished(user, 120)
    assert jobs.typical_wait("google/veo-3.1") == timedelta(seconds=105)  # (90 + 120) / 2
    assert jobs.typical_wait("never/used") is None


def test_typical_wait_counts_only_the_latest_jobs_and_only_visible_ones(user):
    old = timezone.now() - timedelta(days=3)
    for _ in range(3):  # long ago, slow: beyond the last two
        make_job(user, status="ready", created_at=old, finished_at=old + timedelta(minutes=9))
    finished(user, 30)
    finished(user, 40)
    assert VideoJob.objects.visible_to(user).typical_wait("google/veo-3.1", last=2) == (
        timedelta(seconds=35)
    )
    stranger = make_user("stranger")
    assert VideoJob.objects.visible_to(stranger).typical_wait("google/veo-3.1") is None


@pytest.fixture
def key(user, reachable):
    return make_key(user)


def test_the_page_sums_up_the_settings_and_lists_recent_videos(alice, user, key):
    page = alice.get(reverse("videos:generate")).content.decode()
    assert 'id="generate-summary"' in page
    assert "No past jobs with this model yet" in page
    assert "Nothing yet: your videos appear here" in page
    for number in range(6):
        finished(user, 100, key=key, prompt=f"Teaser number {number}")
    page = alice.get(reverse("videos:generate")).content.decode()
    assert "About 1 min 40 s" in page
    assert page.count('class="badge badge-job-ready"') == 5  # the last five only
    job = VideoJob.objects.order_by("-created_at").first()
    assert job.get_absolute_url() in page


def test_a_change_of_settings_brings_a_new_summary_out_of_band(alice, user, key):
    finished(user, 45, key=key, model="kwaivgi/kling-v3.0-pro")
    options = alice.get(
        reverse("videos:generate_options"),
        {"key": key.pk, "model": "kwaivgi/kling-v3.0-pro", "ad_format": "vertical"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert 'id="generate-summary"' in options and 'hx-swap-oob="true"' in options
    assert "About 45 s" in options
    assert "(9:16)" in options


def test_in_a_workspace_the_recent_videos_are_that_workspaces(alice, user, key):
    agency = make_workspace(user, "Acme Agency")
    make_key(user, label="Agency key", workspace=agency)
    finished(user, 60, key=key, prompt="Personal teaser")
    make_job(user, workspace=agency, prompt="Agency teaser")
    page = alice.get(reverse("videos:generate", args=[agency.slug])).content.decode()
    assert "Agency teaser" in page and "Personal teaser" not in page
    assert f'href="{reverse("videos:videos", args=[agency.slug])}">All videos' in page
    everywhere = alice.get(reverse("videos:generate")).content.decode()
    assert "Agency teaser" in everywhere and "Personal teaser" in everywhere
