"""OpenRouter webhooks: signature, freshness, once per idempotency key, and they only hint."""

import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from providers.base import JobSpec
from tests.factories import make_job, make_key
from tests.helpers import submit
from videos import lifecycle
from videos.models import VideoJob

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-0123456789"
URL = "/webhooks/openrouter/"


@pytest.fixture(autouse=True)
def webhooks_on(settings):
    settings.PUBLIC_URL = "https://video.example.com"
    settings.OPENROUTER_WEBHOOK_SECRET = SECRET


@pytest.fixture
def job(user):
    key = make_key(user)
    return make_job(
        user,
        key=key,
        idempotency_key=uuid.uuid4().hex,
        provider="openrouter",
        model="google/veo-3.1",
        status=VideoJob.Status.WAITING,
        provider_job_id="gen-vid-1",
        polling_url="https://openrouter.ai/api/v1/videos/gen-vid-1",
    )


def deliver(body: dict, *, ts=None, secret=SECRET, key="gen-vid-1-completed", signature=None):
    raw = json.dumps(body).encode()
    ts = str(int(ts or time.time()))
    mac = hmac.new(secret.encode(), ts.encode() + b"," + raw, hashlib.sha256).hexdigest()
    return Client(enforce_csrf_checks=True).post(
        URL,
        raw,
        content_type="application/json",
        headers={
            "X-OpenRouter-Signature": f"t={ts},v1={mac}" if signature is None else signature,
            "X-OpenRouter-Idempotency-Key": key,
        },
    )


COMPLETED = {
    "type": "video.generation.completed",
    "data": {"id": "gen-vid-1", "status": "completed"},
}


def polls():
    return DBTaskResult.objects.filter(task_path="videos.lifecycle.poll_due_jobs").count()


def test_a_signed_delivery_polls_the_job_at_once(job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(COMPLETED).status_code == 200
    job.refresh_from_db()
    assert job.poll_generation == 1 and polls() == 1
    # The job is not marked done from the payload: the poll will ask the API.
    assert job.status == VideoJob.Status.WAITING


def test_each_idempotency_key_is_accepted_once(job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(COMPLETED).content == b"ok"
        assert deliver(COMPLETED).content == b"already received"
    assert polls() == 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": "wrong-secret"},
        {"ts": time.time() - 3600},  # replayed an hour later
        {"ts": time.time() + 3600},
        {"signature": "t=abc,v1=00"},
        {"signature": ""},
    ],
)
def test_bad_signatures_are_refused(job, kwargs):
    assert deliver(COMPLETED, **kwargs).status_code == 403
    assert polls() == 0


def test_garbage_is_a_400_and_unknown_jobs_are_ignored(job):
    assert deliver({"type": "video.generation.completed"}).status_code == 400
    response = deliver({"type": "x", "data": {"id": "gen-other"}}, key="other")
    assert response.status_code == 200 and polls() == 0


def test_off_without_a_secret(settings, job):
    settings.OPENROUTER_WEBHOOK_SECRET = ""
    assert deliver(COMPLETED).status_code == 404


def test_submissions_carry_the_callback_url(job):
    assert lifecycle.callback_url(job) == "https://video.example.com/webhooks/openrouter/"
    job.provider = "gemini"
    assert lifecycle.callback_url(job) is None


def test_the_sandbox_accepts_the_callback_url(providers, job):
    provider = job.key.provider_client()
    spec = JobSpec(model="google/veo-3.1", prompt="x", callback_url=lifecycle.callback_url(job))
    assert submit(provider, spec).job_id


def test_a_delivery_is_known_by_its_signed_body_not_by_a_header(job):
    """Changing the unsigned idempotency header must not let a replay through."""
    assert deliver(COMPLETED, key="first").content == b"ok"
    assert deliver(COMPLETED, key="something-else").content == b"already received"


def test_absurd_timestamps_are_refused_not_a_crash(job):
    assert deliver(COMPLETED, signature="t=" + "9" * 400 + ",v1=00").status_code == 403


def test_a_provider_without_webhooks_has_no_receiver(job):
    assert (
        Client().post("/webhooks/gemini/", b"{}", content_type="application/json").status_code
        == 404
    )
    assert (
        Client().post("/webhooks/nobody/", b"{}", content_type="application/json").status_code
        == 404
    )
