"""Durable jobs end to end: a real db_worker process, the real sandbox, the test database."""

import hashlib
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.core.files.storage import default_storage

from providers.base import JobSpec
from tests.factories import GEMINI_KEY, OPENROUTER_KEY, make_key
from tests.helpers import wait_for
from videos import lifecycle
from videos.models import Clip, ProviderKey, VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keys(user):
    made = {}
    for provider, secret in (("openrouter", OPENROUTER_KEY), ("gemini", GEMINI_KEY)):
        made[provider] = make_key(user, secret, provider, label=provider)
    return made


def start(user, key, prompt, model=None, **spec):
    model = model or (
        "google/veo-3.1" if key.provider == "openrouter" else "veo-3.1-generate-sandbox"
    )
    spec.setdefault("duration", 8)
    job, created = lifecycle.start_job(
        user, key, JobSpec(model=model, prompt=prompt, **spec), uuid.uuid4().hex
    )
    assert created
    return job


def finished(job, timeout=30.0) -> VideoJob:
    def done():
        job.refresh_from_db()
        return job.is_terminal

    wait_for(done, timeout=timeout)
    return job


def served_bytes(sandbox, job, index) -> bytes:
    """What the sandbox serves for this output, fetched independently of the app."""
    if job.provider == "openrouter":
        response = httpx.get(
            f"{sandbox.openrouter_base_url}/videos/{job.provider_job_id}/content",
            params={"index": index},
            headers={"Authorization": f"Bearer {OPENROUTER_KEY}"},
        )
    else:
        clip = job.clips.get(index=index)
        response = httpx.get(
            clip.source_url, headers={"x-goog-api-key": GEMINI_KEY}, follow_redirects=True
        )
    response.raise_for_status()
    return response.content


def test_a_job_with_three_outputs_ends_ready_with_three_checked_clips(
    start_worker, keys, user, providers
):
    start_worker()
    job = start(
        user,
        keys["openrouter"],
        "Spring launch teaser",
        model="sandbox/multi-clip",
        duration=4,
        aspect_ratio="9:16",
    )
    job = finished(job)
    assert job.status == VideoJob.Status.READY, job.error
    clips = list(job.clips.order_by("index"))
    assert [c.status for c in clips] == [Clip.Status.READY] * 3
    assert job.cost is not None
    for clip in clips:
        data = default_storage.open(clip.file.name).read()
        assert hashlib.sha256(data).hexdigest() == clip.sha256
        assert data == served_bytes(providers, job, clip.index)
        assert clip.size == len(data) and clip.content_type == "video/mp4"
        assert clip.height > clip.width and abs(clip.duration - 4) < 0.5
        assert default_storage.open(clip.poster.name).read(3) == b"\xff\xd8\xff"  # a JPEG
        assert clip.source_expires_at is None or clip.source_expires_at > job.created_at
    assert providers.stats()["submissions"]["openrouter"] >= 1
    keys["openrouter"].refresh_from_db()
    assert keys["openrouter"].status == ProviderKey.Status.VALID  # it just worked
    assert not list((Path(settings.MEDIA_ROOT) / ".partial").glob("*.part"))


@pytest.mark.parametrize("delivery", ["uri", "inline"])
def test_an_omni_job_through_a_real_worker(start_worker, keys, user, providers, delivery):
    start_worker(MARKETOS_GEMINI_DELIVERY=delivery)
    job = start(user, keys["gemini"], "Omni takes", model="gemini-omni-1.1-flash", duration=4)
    job = finished(job)
    assert job.status == VideoJob.Status.READY, job.error
    assert job.cost is not None and job.cost_is_estimate  # computed from reported usage
    (clip,) = job.clips.all()
    assert clip.status == Clip.Status.READY and clip.duration == pytest.approx(4, abs=0.5)
    assert clip.source_url.endswith("#inline") == (delivery == "inline")
    assert clip.source_expires_at is not None


def test_a_replayed_form_creates_one_job(keys, user):
    spec = JobSpec(model="google/veo-3.1", prompt="once", duration=8)
    first, created = lifecycle.start_job(user, keys["openrouter"], spec, "same-key")
    again, created_again = lifecycle.start_job(user, keys["openrouter"], spec, "same-key")
    assert created and not created_again and first.pk == again.pk
    assert VideoJob.objects.count() == 1


@pytest.mark.parametrize(
    ("provider", "marker", "status", "message"),
    [
        ("openrouter", "fail", VideoJob.Status.FAILED, "could not make this video"),
        ("gemini", "fail", VideoJob.Status.FAILED, "could not make this video"),
        ("openrouter", "expire", VideoJob.Status.EXPIRED, "let this job expire"),
        ("gemini", "safety", VideoJob.Status.BLOCKED, "you were not charged"),
        ("openrouter", "429-submit", VideoJob.Status.READY, ""),
        ("gemini", "429-poll", VideoJob.Status.READY, ""),
        ("openrouter", "500-submit", VideoJob.Status.READY, ""),
        ("openrouter", "500-poll=2", VideoJob.Status.READY, ""),
        ("gemini", "500-download", VideoJob.Status.READY, ""),
        ("openrouter", "broken-download", VideoJob.Status.READY, ""),
        ("openrouter", "not-video", VideoJob.Status.FAILED, "none of its clips could be copied"),
        ("gemini", "gone", VideoJob.Status.FAILED, "none of its clips could be copied"),
    ],
)
def test_every_scenario_ends_in_the_right_state(
    start_worker, keys, user, providers, provider, marker, status, message
):
    start_worker()
    prompt = f"[sandbox:{marker}] scenario {uuid.uuid4().hex}"
    job = finished(start(user, keys[provider], prompt), timeout=40)
    assert job.status == status, (job.status, job.error)
    assert message in job.error
    stats = providers.stats()
    if status == VideoJob.Status.READY:
        clip = job.clips.get()
        assert clip.status == Clip.Status.READY
        assert default_storage.open(clip.file.name).read() == served_bytes(providers, job, 0)
    if marker in ("broken-download", "500-download"):
        assert job.clips.get().attempts == 2
    # Whatever happened, the job was paid for at most once.
    assert [j["prompt"] for j in stats["jobs"].values()].count(prompt) == 1
    assert not list((Path(settings.MEDIA_ROOT) / ".partial").glob("*.part"))


def test_clip_refusals_explain_themselves(start_worker, keys, user):
    start_worker(MARKETOS_MAX_CLIP_BYTES=str(5_000_000))
    too_big = start(user, keys["openrouter"], "[sandbox:huge=20000000] big")
    not_video = start(user, keys["openrouter"], "[sandbox:not-video] page")
    gone = start(user, keys["openrouter"], "[sandbox:gone] late")
    assert "larger" in finished(too_big).clips.get().error
    assert "not a video" in finished(not_video).clips.get().error
    gone_clip = finished(gone).clips.get()
    assert gone_clip.status == Clip.Status.EXPIRED
    assert "no longer has this clip" in gone_clip.error
    assert not list((Path(settings.MEDIA_ROOT) / ".partial").glob("*.part"))


def test_a_submit_without_an_answer_needs_attention_and_is_never_resent(
    start_worker, user, misbehaving_server
):
    key = make_key(user)
    start_worker(MARKETOS_OPENROUTER_BASE_URL=f"{misbehaving_server}/drop/api/v1")
    job = finished(start(user, key, "lost in transit"))
    assert job.status == VideoJob.Status.NEEDS_ATTENTION
    assert "may or may not have been started" in job.error
    assert job.submit_attempts == 1


def test_a_slow_job_past_its_deadline_expires(start_worker, keys, user):
    start_worker(MARKETOS_JOB_DEADLINE_SECONDS="2")
    job = finished(start(user, keys["openrouter"], "[sandbox:slow=60] glacial"))
    assert job.status == VideoJob.Status.EXPIRED
    assert "did not finish within" in job.error


def partials():
    return list((Path(settings.MEDIA_ROOT) / ".partial").glob("*.part"))


def submissions(sandbox, prompt) -> int:
    return [j["prompt"] for j in sandbox.stats()["jobs"].values()].count(prompt)


RESTART = {"MARKETOS_RECOVERY_GRACE_SECONDS": "1", "MARKETOS_RECOVERY_INTERVAL_SECONDS": "1"}


def test_kill_the_worker_while_it_polls(start_worker, keys, user, providers):
    prompt = f"[sandbox:slow=4] survive a crash {uuid.uuid4().hex}"
    worker = start_worker(**RESTART)
    job = start(user, keys["openrouter"], prompt)

    def polled_twice():
        job.refresh_from_db()
        return job.status == VideoJob.Status.WAITING and job.poll_count >= 2

    wait_for(polled_twice)
    worker.kill()
    start_worker(**RESTART)
    job = finished(job)
    assert job.status == VideoJob.Status.READY, job.error
    clip = job.clips.get()
    data = default_storage.open(clip.file.name).read()
    assert hashlib.sha256(data).hexdigest() == clip.sha256
    assert data == served_bytes(providers, job, 0)
    assert submissions(providers, prompt) == 1


def test_kill_the_worker_while_it_downloads(start_worker, keys, user, providers):
    size = 600_000_000
    prompt = f"[sandbox:huge={size}] survive a crash {uuid.uuid4().hex}"
    env = RESTART | {"MARKETOS_CLIP_LEASE_SECONDS": "3"}
    worker = start_worker(**env)
    job = start(user, keys["openrouter"], prompt)
    wait_for(lambda: any(p.stat().st_size > 20_000_000 for p in partials()), timeout=30)
    worker.kill()
    assert job.clips.get().status == Clip.Status.COPYING
    start_worker(**env)
    job = finished(job, timeout=60)
    assert job.status == VideoJob.Status.READY, job.error
    clip = job.clips.get()
    assert clip.size == size and clip.attempts == 2
    digest = hashlib.sha256()
    with default_storage.open(clip.file.name) as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == clip.sha256
    with httpx.stream(
        "GET",
        f"{providers.openrouter_base_url}/videos/{job.provider_job_id}/content",
        params={"index": 0},
        headers={"Authorization": f"Bearer {OPENROUTER_KEY}"},
    ) as response:
        served = hashlib.sha256()
        for chunk in response.iter_bytes(1 << 20):
            served.update(chunk)
    assert served.hexdigest() == clip.sha256
    assert submissions(providers, prompt) == 1
    assert partials() == []  # the dead worker's partial file is gone too


def test_signed_urls_elsewhere_are_fetched_without_the_key(start_worker, keys, user, providers):
    start_worker()
    before = len(providers.stats()["off_origin_requests"])
    job = finished(start(user, keys["openrouter"], f"[sandbox:signed-other-host] {uuid.uuid4()}"))
    assert job.status == VideoJob.Status.READY, job.error
    clip = job.clips.get()
    assert clip.source_url.startswith("http://localhost:")
    (hit,) = providers.stats()["off_origin_requests"][before:]
    assert hit["endpoint"] == "openrouter-signed" and hit["credential_headers"] == []


@pytest.mark.skipif(
    "postgres" not in settings.DATABASES["default"]["ENGINE"],
    reason="several workers sharing one queue is a PostgreSQL deployment",
)
def test_two_workers_fifty_jobs_each_submitted_once(start_worker, keys, user, providers):
    start_worker()
    start_worker()
    tag = uuid.uuid4().hex
    prompts = [f"crowd {i} {tag}" for i in range(50)]
    jobs = [start(user, keys["openrouter"], p, duration=4) for p in prompts]

    def all_done():
        return (
            VideoJob.objects.filter(
                pk__in=[j.pk for j in jobs], status__in=VideoJob.TERMINAL
            ).count()
            == 50
        )

    wait_for(all_done, timeout=120, interval=0.5)
    assert VideoJob.objects.filter(status=VideoJob.Status.READY).count() == 50
    assert Clip.objects.filter(status=Clip.Status.READY).count() == 50
    for prompt in prompts:
        assert submissions(providers, prompt) == 1
