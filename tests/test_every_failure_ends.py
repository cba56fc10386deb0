"""Every failure, typed or not, counts an attempt and ends somewhere with a plain message."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from providers.base import JobSpec
from tests.factories import make_key
from videos import lifecycle
from videos.media import claims, ingest
from videos.models import Clip, VideoJob

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def key(user, reachable, settings):
    settings.CLIP_MAX_ATTEMPTS = 3
    return make_key(user)


def start(user, key, prompt="A lighthouse", **spec):
    spec.setdefault("duration", 8)
    job, _ = lifecycle.start_job(
        user, key, JobSpec(model="google/veo-3.1", prompt=prompt, **spec), uuid.uuid4().hex
    )
    return job


def until_waiting_ends(job):
    import time

    job.refresh_from_db()
    while job.status == VideoJob.Status.WAITING:
        time.sleep(0.2)
        lifecycle.poll(job.pk, job.poll_generation)
        job.refresh_from_db()
    return job


def test_an_unforeseen_error_while_copying_counts_and_ends(user, key, monkeypatch):
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    (clip,) = job.clips.all()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ingest, "copy_output", full_disk)
    for attempt in range(1, settings.CLIP_MAX_ATTEMPTS + 1):
        Clip.objects.filter(pk=clip.pk).update(next_attempt_at=None)
        lifecycle.collect(clip.pk)
        clip.refresh_from_db()
        assert clip.attempts == attempt
    assert clip.status == Clip.Status.FAILED
    assert "OSError" in clip.error and "Gave up after 3 attempts" in clip.error
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED and job.failure == VideoJob.Failure.COPY


def test_a_copy_left_behind_by_a_dead_worker_ends_once_its_attempts_are_spent(user, key):
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    lapsed = timezone.now() - timedelta(minutes=5)
    Clip.objects.filter(job=job).update(
        status=Clip.Status.COPYING, attempts=settings.CLIP_MAX_ATTEMPTS, lease_until=lapsed
    )
    (clip,) = job.clips.all()
    lifecycle.collect(clip.pk)  # as recovery would: it must not copy a fourth time
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED and "Gave up after 3 attempts" in clip.error
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED


def test_recovery_ends_a_lapsed_copy_over_the_cap_instead_of_queueing_it(user, key):
    from django_tasks_db.models import DBTaskResult

    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    DBTaskResult.objects.all().delete()
    lapsed = timezone.now() - timedelta(minutes=5)
    Clip.objects.filter(job=job).update(
        status=Clip.Status.COPYING, attempts=settings.CLIP_MAX_ATTEMPTS, lease_until=lapsed
    )
    assert lifecycle.recover()["clips"] == 0
    (clip,) = job.clips.all()
    assert clip.status == Clip.Status.FAILED
    assert clip.error == "Gave up after 3 attempts. Each one stopped before it finished."
    assert not DBTaskResult.objects.filter(task_path=lifecycle.collect_clip.module_path).exists()
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED


def test_a_copy_in_progress_is_left_alone(user, key):
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    held = timezone.now() + timedelta(minutes=5)
    Clip.objects.filter(job=job).update(
        status=Clip.Status.COPYING, attempts=settings.CLIP_MAX_ATTEMPTS, lease_until=held
    )
    (clip,) = job.clips.all()
    assert not clip.give_up_if_exhausted()


def test_a_missing_image_fails_the_job_and_says_nothing_was_sent(user, key, providers):
    job = start(user, key)
    VideoJob.objects.filter(pk=job.pk).update(
        image_inputs=[{"role": "first_frame", "mime_type": "image/png", "path": "inputs/gone.png"}]
    )
    before = providers.stats()["submit_attempts"].get("openrouter", 0)
    lifecycle.submit(job.pk)
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED and job.failure == VideoJob.Failure.REQUEST
    assert "could not be read from storage" in job.error
    assert providers.stats()["submit_attempts"].get("openrouter", 0) == before


def test_a_model_list_that_cannot_be_read_delays_the_submit_then_ends_it(
    user, key, settings, misbehaving_server
):
    settings.OPENROUTER_BASE_URL = f"{misbehaving_server}/500/api/v1"
    settings.SUBMIT_MAX_ATTEMPTS = 2
    job = start(user, key)
    lifecycle.submit(job.pk)
    job.refresh_from_db()
    assert job.status == VideoJob.Status.QUEUED and job.submit_attempts == 1
    assert "had a problem on its side" in job.error
    VideoJob.objects.filter(pk=job.pk).update(next_submit_at=None)
    lifecycle.submit(job.pk)
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED and "Gave up after 2 attempts" in job.error


def test_an_unforeseen_error_while_polling_is_retried_and_the_deadline_says_why(
    user, key, monkeypatch
):
    job = start(user, key, "[sandbox:slow=60] long")
    lifecycle.submit(job.pk)
    job.refresh_from_db()
    from providers.openrouter import OpenRouterProvider

    def garbled(self, url):
        raise KeyError("usage")

    monkeypatch.setattr(OpenRouterProvider, "poll", garbled)
    lifecycle.poll(job.pk, job.poll_generation)
    job.refresh_from_db()
    assert job.status == VideoJob.Status.WAITING and job.poll_count == 1
    assert "could not be read" in job.error
    VideoJob.objects.filter(pk=job.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    lifecycle.poll(job.pk, job.poll_generation)
    job.refresh_from_db()
    assert job.status == VideoJob.Status.EXPIRED and "The last answer was" in job.error


def test_cancelling_a_job_that_just_finished_changes_nothing(user, key):
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    assert job.status == VideoJob.Status.COLLECTING
    assert not job.mark_cancelled()
    job.refresh_from_db()
    assert job.status == VideoJob.Status.COLLECTING


def test_a_job_left_collecting_with_every_clip_ended_is_finished_by_recovery(user, key):
    """A worker that died between ending the last clip and ending the job: recovery ends it."""
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    Clip.objects.filter(job=job).update(status=Clip.Status.FAILED, error="not a video")
    hour_ago = timezone.now() - timedelta(hours=1)
    VideoJob.objects.filter(pk=job.pk).update(updated_at=hour_ago)
    assert lifecycle.recover()["finished"] == 1
    job.refresh_from_db()
    assert job.status == VideoJob.Status.FAILED and job.failure == VideoJob.Failure.COPY


def test_a_key_echoed_in_a_provider_error_is_never_stored(user, key):
    from tests.factories import OPENROUTER_KEY

    job = start(user, key)
    job.fail(f"Bad key {OPENROUTER_KEY} given", raw=f'{{"error": "key={OPENROUTER_KEY}"}}')
    job.refresh_from_db()
    assert OPENROUTER_KEY not in job.error + job.raw_error
    assert key.masked in job.error
    key.mark_refused(f"refused: {OPENROUTER_KEY}")
    key.refresh_from_db()
    assert OPENROUTER_KEY not in key.status_message


def make_partial(clip_pk, attempt, age=0.0):
    import os
    import time

    path = claims.partial_dir() / f"{claims.partial_prefix('clip', clip_pk, attempt)}-x.part"
    path.write_bytes(b"partial")
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_recovery_keeps_a_slow_copys_partial_and_removes_dead_ones(user, key):
    """Age says nothing: a copy still holding its lease keeps its file, however old."""
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    (clip,) = job.clips.all()
    held = timezone.now() + timedelta(minutes=2)
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.COPYING, attempts=2, lease_until=held)
    live = make_partial(clip.pk, attempt=2, age=3600)  # slow, but its worker is alive
    dead = make_partial(clip.pk, attempt=1, age=5)  # an earlier attempt's: abandoned
    orphan = make_partial(clip.pk + 7, attempt=1)  # no such clip
    assert lifecycle.recover()["partials"] == 2
    assert live.exists() and not dead.exists() and not orphan.exists()
    # Once the lease has lapsed, the file is nobody's any more.
    Clip.objects.filter(pk=clip.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert Clip.remove_abandoned_partials() == 1 and not live.exists()


def test_a_worker_that_lost_its_lease_changes_nothing(user, key):
    """Fencing: worker A's lease lapses, B claims the clip; A's late verdicts are ignored."""
    job = start(user, key)
    lifecycle.submit(job.pk)
    job = until_waiting_ends(job)
    (clip,) = job.clips.all()
    a = Clip.objects.get(pk=clip.pk)
    assert a.claim()
    Clip.objects.filter(pk=clip.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    b = Clip.objects.get(pk=clip.pk)
    assert b.claim()
    assert not a.extend_lease()  # A learns it lost the clip...
    assert not a.give_up("A thinks it is not a video")  # ...and cannot fail it
    assert not a.mark_ready(size=1)  # ...nor mark it ready
    clip.refresh_from_db()
    assert clip.status == Clip.Status.COPYING and clip.attempts == b.attempts
    assert b.extend_lease() and b.mark_ready(size=2)


def test_recovery_leaves_late_work_alone_while_its_task_is_still_queued(user, key):
    """Busy workers are not dead ones: queueing late work again would only lengthen the queue
    (it did: thousands of copies of the same tasks under load). Once the queued task is gone
    (its worker died running it), recovery does take the work over."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    def died_running(step):
        DBTaskResult.objects.filter(task_path=step.module_path).update(
            status=TaskResultStatus.RUNNING
        )

    hour_ago = timezone.now() - timedelta(hours=1)
    job = start(user, key, prompt="[sandbox:slow=60] late")
    VideoJob.objects.filter(pk=job.pk).update(updated_at=hour_ago)
    assert lifecycle.recover()["submits"] == 0
    died_running(lifecycle.submit_job)
    assert lifecycle.recover()["submits"] == 1

    lifecycle.submit(job.pk)
    VideoJob.objects.filter(pk=job.pk).update(next_poll_at=hour_ago)
    assert lifecycle.recover()["polls"] == 0
    died_running(lifecycle.poll_due_jobs)
    assert lifecycle.recover()["polls"] == 1

    copied = start(user, key, prompt="copied late")
    lifecycle.submit(copied.pk)
    until_waiting_ends(copied)
    assert Clip.objects.filter(job=copied).update(created_at=hour_ago) == 1
    assert lifecycle.recover()["clips"] == 0
    died_running(lifecycle.collect_clip)
    assert lifecycle.recover()["clips"] == 1
