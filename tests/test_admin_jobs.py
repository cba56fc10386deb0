"""Jobs and clips in Django admin: browsable, raw errors for admins, resolve and retry actions."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import make_clip, make_job
from videos.models import Clip, VideoJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(user):
    return make_job(
        user,
        idempotency_key="k1",
        provider="openrouter",
        model="google/veo-3.1",
        prompt="Spring launch teaser",
        status=VideoJob.Status.NEEDS_ATTENTION,
        error="We cannot tell whether the provider started it.",
        raw_error="ReadTimeout after 30s on POST /videos",
    )


def test_job_list_filters_and_raw_error(admin_client, job):
    url = reverse("admin:videos_videojob_changelist")
    page = admin_client.get(url + "?status=needs_attention&provider=openrouter").content.decode()
    assert "google/veo-3.1" in page and "Needs your attention" in page
    assert admin_client.get(url + "?status=ready").content.decode().count("google/veo-3.1") == 0
    detail = admin_client.get(reverse("admin:videos_videojob_change", args=[job.pk]))
    assert "ReadTimeout after 30s" in detail.content.decode()


def test_mark_resolved(admin_client, job):
    admin_client.post(
        reverse("admin:videos_videojob_changelist"),
        {"action": "mark_resolved", "_selected_action": [job.pk]},
    )
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED
    assert "marked this job as resolved" in job.error


def test_retry_collecting_a_failed_clip(admin_client, job, django_capture_on_commit_callbacks):
    VideoJob.objects.filter(pk=job.pk).update(status=VideoJob.Status.FAILED)
    clip = make_clip(job, source_url="https://x/y", status=Clip.Status.FAILED, attempts=6)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:videos_clip_changelist"),
            {"action": "retry_collecting", "_selected_action": [clip.pk]},
        )
    clip.refresh_from_db()
    job.refresh_from_db()
    assert clip.status == Clip.Status.PENDING and clip.attempts == 0
    assert job.status == VideoJob.Status.COLLECTING
    assert DBTaskResult.objects.filter(task_path="videos.lifecycle.collect_clip").count() == 1
    assert admin_client.get(reverse("admin:videos_clip_change", args=[clip.pk])).status_code == 200
