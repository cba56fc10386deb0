"""Readiness knows whether workers are alive; metrics tell jobs, failures, queue and workers."""

import uuid
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.factories import make_job, make_key
from videos.models import VideoJob

pytestmark = pytest.mark.django_db


def finished_task(ago: timedelta):
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.SUCCESSFUL,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="videos.lifecycle.recover_jobs",
        backend_name="default",
        queue_name="default",
        run_after=now - ago,
        finished_at=now - ago,
    )


def test_readiness_needs_a_worker_seen_lately(client):
    response = Client().get("/readyz")
    assert response.status_code == 503 and b"no worker seen" in response.content
    finished_task(timedelta(seconds=5))
    assert Client().get("/readyz").status_code == 200


def test_a_worker_gone_quiet_is_not_ready(settings):
    finished_task(timedelta(seconds=10 * settings.RECOVERY_INTERVAL_SECONDS))
    response = Client().get("/readyz")
    assert response.status_code == 503 and b"s ago" in response.content


def test_metrics_need_the_token_and_tell_what_an_operator_watches(settings, user):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    key = make_key(user)
    for status, failure in [
        (VideoJob.Status.READY, ""),
        (VideoJob.Status.FAILED, VideoJob.Failure.CREDIT),
        (VideoJob.Status.WAITING, ""),
    ]:
        make_job(
            user,
            key=key,
            idempotency_key=uuid.uuid4().hex,
            provider="openrouter",
            model="google/veo-3.1",
            status=status,
            failure=failure,
        )
    finished_task(timedelta(seconds=3))
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {settings.METRICS_TOKEN}")
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert 'marketos_jobs{provider="openrouter",state="ready"} 1.0' in text
    assert 'marketos_jobs{provider="openrouter",state="waiting"} 1.0' in text
    assert 'marketos_job_failures{kind="credit"} 1.0' in text
    assert "marketos_tasks_due 0.0" in text
    seen = next(line for line in text.splitlines() if line.startswith("marketos_worker_last_seen"))
    assert 2 <= float(seen.split()[-1]) < 60


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_starts_is_soon_seen(start_worker):
    from tests.helpers import wait_for

    assert Client().get("/readyz").status_code == 503
    start_worker()
    wait_for(lambda: Client().get("/readyz").status_code == 200, timeout=20)
