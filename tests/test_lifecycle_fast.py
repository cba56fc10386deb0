"""The job lifecycle against an in-memory adapter: every step and ending, no HTTP, no worker.

The real sandbox and real worker processes are exercised elsewhere (test_jobs.py); here each
provider answer is scripted, so every branch of submit, poll and collect is quick to reach.
"""

import io
import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest

from providers import registry
from providers.base import (
    BadRequest,
    InvalidKey,
    JobSpec,
    JobState,
    JobStatus,
    KeyCheck,
    ModelInfo,
    OutOfCredits,
    Output,
    OutputGone,
    ProviderUnavailable,
    RateLimited,
    ReportedCost,
    SafetyRefused,
    SubmitOutcomeUnknown,
    SubmitResult,
)
from tests.helpers import hostile_video
from videos import lifecycle
from videos.models import Clip, ProviderKey, VideoJob
from workspaces.access import personal_workspace

pytestmark = pytest.mark.django_db


def small_mp4() -> bytes:
    import tempfile
    from pathlib import Path

    from sandbox.clips import ClipSpec, render

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clip.mp4"
        render(ClipSpec("fast", 64, 36, 1, 0, 1, False), path)
        return path.read_bytes()


MP4 = None


class Script:
    """What the scripted provider answers next, step by step."""

    submit: object = SubmitResult("job-1", "job-1")
    polls: list = []
    download: object = b""


class Bytes:
    def __init__(self, data):
        self.data, self.url, self.content_type, self.content_length = data, "mem://", "", None

    def iter_bytes(self, chunk_size=None):
        stream = io.BytesIO(self.data)
        while chunk := stream.read(chunk_size or 65536):
            yield chunk


class Scripted:
    slug = "scripted"
    label = "Scripted"
    key_prefix = "scr-"
    key_help = "Scripted keys start with scr-."
    base_url_setting = "SCRIPTED_BASE_URL"
    webhook_secret_setting = ""
    sent: list = []

    def __init__(self, api_key, *, base_url, timeout=30.0):
        pass

    def verify_key(self, *, timeout=None):
        return KeyCheck("ok")

    def list_models(self):
        return [ModelInfo("scripted", "m", "Model M", durations=(4, 8))]

    def submit(self, spec, model):
        Scripted.sent.append(spec)
        if isinstance(Script.submit, Exception):
            raise Script.submit
        return Script.submit

    def poll(self, polling_url):
        answer = Script.polls.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    @contextmanager
    def open_output(self, output):
        if isinstance(Script.download, Exception):
            raise Script.download
        yield Bytes(Script.download)

    @staticmethod
    def estimate(spec, model):
        return None

    @staticmethod
    def continuation(kind, job_id, output_url):
        raise NotImplementedError

    @staticmethod
    def can_cancel(polling_url):
        return False


@pytest.fixture
def key(user, settings):
    global MP4
    MP4 = MP4 or small_mp4()
    settings.SCRIPTED_BASE_URL = "mem://"
    Script.submit, Script.polls, Script.download = SubmitResult("job-1", "job-1"), [], MP4
    Scripted.sent = []
    with registry.registered(Scripted):
        key = ProviderKey(
            workspace=personal_workspace(user), owner=user, provider="scripted", label="S"
        )
        key.set_secret("scr-0123456789abcdefghijklmnop")
        key.save()
        yield key


def new_job(user, key, **spec) -> VideoJob:
    spec = {"model": "m", "prompt": "A quick one", "duration": 4} | spec
    job, _ = lifecycle.start_job(user, key, JobSpec(**spec), uuid.uuid4().hex)
    return job


def step(function, job, *args):
    function(job.pk, *args)
    job.refresh_from_db()
    return job


def test_the_happy_path(user, key):
    job = step(lifecycle.submit, new_job(user, key))
    assert job.status == VideoJob.Status.WAITING and job.provider_job_id == "job-1"
    Script.polls = [
        JobState(JobStatus.RUNNING, "in_progress"),
        JobState(JobStatus.COMPLETED, "done", (Output(0, "mem://0"),), cost=Decimal("0.5")),
    ]
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == VideoJob.Status.WAITING and job.poll_count == 1
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == VideoJob.Status.COLLECTING and job.cost == Decimal("0.5")
    (clip,) = job.clips.all()
    lifecycle.collect(clip.pk)
    clip.refresh_from_db()
    job.refresh_from_db()
    assert clip.status == Clip.Status.READY and clip.size == len(MP4)
    assert job.status == VideoJob.Status.READY


@pytest.mark.parametrize(
    ("error", "status", "failure"),
    [
        (InvalidKey("refused"), VideoJob.Status.FAILED, VideoJob.Failure.KEY),
        (OutOfCredits("no credits"), VideoJob.Status.FAILED, VideoJob.Failure.CREDIT),
        (BadRequest("bad duration"), VideoJob.Status.FAILED, VideoJob.Failure.REQUEST),
        (SafetyRefused("unsafe"), VideoJob.Status.BLOCKED, VideoJob.Failure.SAFETY),
        (SubmitOutcomeUnknown("lost"), VideoJob.Status.NEEDS_ATTENTION, ""),
        (KeyError("surprise"), VideoJob.Status.NEEDS_ATTENTION, ""),
    ],
)
def test_every_submit_failure_ends_with_one_kind(user, key, error, status, failure):
    Script.submit = error
    job = step(lifecycle.submit, new_job(user, key))
    assert job.status == status and job.failure == failure and job.error


def test_a_refusal_for_now_is_retried_then_given_up(user, key, settings):
    settings.SUBMIT_MAX_ATTEMPTS = 2
    Script.submit = RateLimited("slow down", retry_after=1)
    job = step(lifecycle.submit, new_job(user, key))
    assert job.status == VideoJob.Status.QUEUED and job.next_submit_at is not None
    VideoJob.objects.filter(pk=job.pk).update(next_submit_at=None)
    job = step(lifecycle.submit, job)
    assert job.status == VideoJob.Status.FAILED and "Gave up after 2 attempts" in job.error
    assert len(Scripted.sent) == 2


def test_rules_are_checked_before_anything_is_sent(user, key):
    job = step(lifecycle.submit, new_job(user, key, duration=5))
    assert job.status == VideoJob.Status.FAILED and job.failure == VideoJob.Failure.REQUEST
    assert "does not offer a duration of 5" in job.error and Scripted.sent == []


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (JobState(JobStatus.FAILED, "failed", error="no"), VideoJob.Status.FAILED),
        (JobState(JobStatus.BLOCKED, "x", error="unsafe"), VideoJob.Status.BLOCKED),
        (JobState(JobStatus.EXPIRED, "expired", error="late"), VideoJob.Status.EXPIRED),
        (JobState(JobStatus.CANCELLED, "cancelled", error="stop"), VideoJob.Status.CANCELLED),
    ],
)
def test_every_ending_at_the_provider_ends_the_job(user, key, answer, status):
    job = step(lifecycle.submit, new_job(user, key))
    Script.polls = [answer]
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == status and job.failure and job.finished_at


def test_a_poll_that_fails_for_now_is_asked_again_and_says_so(user, key):
    job = step(lifecycle.submit, new_job(user, key))
    Script.polls = [ProviderUnavailable("down for a bit")]
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == VideoJob.Status.WAITING and job.error == "down for a bit"


def test_a_stray_poll_of_an_old_chain_does_nothing(user, key):
    job = step(lifecycle.submit, new_job(user, key))
    old = job.poll_generation
    assert job.poll_now()
    Script.polls = [JobState(JobStatus.FAILED, "failed", error="no")]
    job = step(lifecycle.poll, job, old)
    assert job.status == VideoJob.Status.WAITING and len(Script.polls) == 1


@pytest.mark.parametrize(
    ("download", "status"),
    [
        (OutputGone("gone"), Clip.Status.EXPIRED),
        (b"<html>not a video</html>", Clip.Status.FAILED),
        (ProviderUnavailable("try later"), Clip.Status.PENDING),
    ],
)
def test_copy_failures(user, key, download, status):
    job = step(lifecycle.submit, new_job(user, key))
    Script.polls = [JobState(JobStatus.COMPLETED, "done", (Output(0, "mem://0"),))]
    job = step(lifecycle.poll, job, job.poll_generation)
    Script.download = download
    (clip,) = job.clips.all()
    lifecycle.collect(clip.pk)
    clip.refresh_from_db()
    assert clip.status == status and clip.error


def test_a_video_over_the_limits_is_not_kept_and_the_clip_says_why(user, key, tmp_path):
    """63 KB stating two frames of 16000x16000 pixels: refused from its header, for good."""
    job = step(lifecycle.submit, new_job(user, key))
    Script.polls = [JobState(JobStatus.COMPLETED, "done", (Output(0, "mem://0"),))]
    job = step(lifecycle.poll, job, job.poll_generation)
    Script.download = hostile_video(tmp_path / "huge.mov", size=(16000, 16000)).read_bytes()
    (clip,) = job.clips.all()
    lifecycle.collect(clip.pk)
    clip.refresh_from_db()
    assert clip.status == Clip.Status.FAILED and not clip.file
    assert clip.error == (
        "The provider sent a video whose frame size cannot be read, or is larger than this "
        "server handles (4096x4096, 16.8 million pixels a frame)."
    )


def due_now(*jobs):
    from django.utils import timezone

    VideoJob.objects.filter(pk__in=[job.pk for job in jobs]).update(next_poll_at=timezone.now())


def queued_sweeps():
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.filter(
            task_path=lifecycle.poll_due_jobs.module_path, status=TaskResultStatus.READY
        ).values_list("run_after", flat=True)
    )


def test_one_sweep_polls_every_due_job_and_queues_the_next_for_the_earliest_due(
    user, key, django_capture_on_commit_callbacks
):
    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(3)]
    later = step(lifecycle.submit, new_job(user, key))
    due_now(*jobs)
    Script.polls = [JobState(JobStatus.RUNNING, "in_progress")] * 3
    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.poll_due() == 3
    assert Script.polls == []  # the job not yet due was not asked about
    for job in jobs:
        job.refresh_from_db()
        assert job.poll_count == 1 and job.status == VideoJob.Status.WAITING
    later.refresh_from_db()
    assert later.poll_count == 0
    # The next sweep is queued for the earliest due job (the one not polled yet).
    assert later.next_poll_at in queued_sweeps()


def test_a_full_batch_queues_a_second_sweep_at_once_for_another_worker(
    user, key, monkeypatch, django_capture_on_commit_callbacks
):
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(lifecycle, "POLL_BATCH", 2)
    monkeypatch.setattr(lifecycle, "SWEEP_SECONDS", 0)  # one batch per sweep
    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(3)]
    DBTaskResult.objects.filter(task_path=lifecycle.poll_due_jobs.module_path).update(
        status=TaskResultStatus.SUCCESSFUL
    )
    due_now(*jobs)
    Script.polls = [JobState(JobStatus.RUNNING, "in_progress")] * 3
    assert lifecycle.poll_due() == 2
    assert len(queued_sweeps()) == 1  # the helper, to run now
    assert lifecycle.poll_due() == 1 and Script.polls == []


def test_a_sweep_writes_the_polls_that_found_nothing_new_at_once(user, key):
    """Most polls of a sweep find their job as it was: their next polls are written in one
    UPDATE, while a poll that brought news is written as before, redrawing the panel."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(4)]
    due_now(*jobs)
    as_it_was = jobs[0].provider_status
    Script.polls = [JobState(JobStatus.RUNNING, as_it_was)] * 3 + [
        JobState(JobStatus.RUNNING, "rendering frames")
    ]
    before = {job.pk: (job.poll_count, job.panel_version) for job in jobs}
    with CaptureQueriesContext(connection) as queries:
        assert lifecycle.poll_due() == 4
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "videos_videojob"')]
    # The claim, one write for the three unchanged jobs, one for the job with news.
    assert len(updates) == 3, updates
    news = 0
    for job in jobs:
        job.refresh_from_db()
        count, version = before[job.pk]
        assert job.poll_count == count + 1 and job.next_poll_at > timezone_now()
        if job.provider_status == "rendering frames":
            news += 1
            assert job.panel_version == version + 1
        else:
            assert job.provider_status == as_it_was and job.panel_version == version
    assert news == 1


def test_polls_written_at_once_leave_alone_a_job_a_newer_poll_took_over(user, key):
    from datetime import timedelta

    first, second = (step(lifecycle.submit, new_job(user, key)) for _ in range(2))
    due_now(first, second)
    claimed = VideoJob.claim_due_polls(5, timedelta(minutes=1))
    taken_over = next(job for job in claimed if job.pk == second.pk)
    VideoJob.objects.get(pk=second.pk).poll_now()  # a webhook: poll it again at once
    assert VideoJob.schedule_polls([(job, 30) for job in claimed]) == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.poll_count == 1 and second.poll_count == 0
    assert second.poll_generation == taken_over.poll_generation + 1
    assert second.next_poll_at <= timezone_now()  # still due now, as the webhook asked


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def test_an_answer_from_a_poll_overtaken_by_a_newer_one_is_not_written(user, key):
    """A sweep whose lease lapsed (a slow provider) and whose job another sweep took over
    must not write its older answer over the newer one's."""
    from datetime import timedelta

    job = step(lifecycle.submit, new_job(user, key))
    due_now(job)
    (slow,) = VideoJob.claim_due_polls(5, timedelta(0))  # its lease lapses at once
    (fast,) = VideoJob.claim_due_polls(5, timedelta(minutes=5))
    assert fast.poll_generation == slow.poll_generation + 1
    Script.polls = [JobState(JobStatus.RUNNING, "fast"), JobState(JobStatus.RUNNING, "slow")]
    assert lifecycle._poll_claimed(fast, Scripted("k", base_url="")) is True
    assert lifecycle._poll_claimed(slow, Scripted("k", base_url="")) is False
    job.refresh_from_db()
    assert job.provider_status == "fast" and job.poll_count == 1


def test_a_sweep_fails_the_jobs_of_a_deleted_key_once_each(user, key):
    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(2)]
    due_now(*jobs)
    VideoJob.objects.filter(pk__in=[j.pk for j in jobs]).update(key=None)
    assert lifecycle.poll_due() == 2
    for job in jobs:
        job.refresh_from_db()
        assert job.status == VideoJob.Status.FAILED and job.error == lifecycle.NO_KEY


def test_a_slow_sweep_hands_back_the_jobs_it_has_not_reached(user, key, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(2)]
    due_now(*jobs)
    monkeypatch.setattr(lifecycle, "POLL_LEASE", timedelta(0))  # every job is "late"
    assert lifecycle.poll_due() == 0
    for job in jobs:
        job.refresh_from_db()
        assert job.poll_count == 0 and job.next_poll_at <= timezone.now()  # due, not polled
    assert {job.pk for job in VideoJob.claim_due_polls(5, timedelta(minutes=1))} == {
        job.pk for job in jobs
    }


@pytest.mark.parametrize("cost", ["NaN", "Infinity", "-1", "1e30"])
def test_a_cost_no_column_can_hold_never_stops_a_job_whatever_the_adapter(user, key, cost):
    """Whatever an adapter hands on as the cost, the job goes on to be collected."""
    job = step(lifecycle.submit, new_job(user, key))
    Script.polls = [
        JobState(JobStatus.RUNNING, "in_progress", cost=Decimal(cost)),
        JobState(JobStatus.COMPLETED, "done", (Output(0, "mem://0"),), cost=Decimal(cost)),
    ]
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == VideoJob.Status.WAITING and job.unusable_cost
    job = step(lifecycle.poll, job, job.poll_generation)
    assert job.status == VideoJob.Status.COLLECTING and job.cost is None
    assert job.unusable_cost == ReportedCost.describe(Decimal(cost)) == str(Decimal(cost))


def test_a_fault_of_ours_with_one_job_does_not_stop_the_sweep(user, key, monkeypatch):
    jobs = [step(lifecycle.submit, new_job(user, key)) for _ in range(2)]
    due_now(*jobs)
    Script.polls = [
        JobState(JobStatus.COMPLETED, "done", (Output(0, "mem://0"),)),
        JobState(JobStatus.RUNNING, "in_progress"),
    ]
    real = VideoJob.record_outputs

    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(VideoJob, "record_outputs", broken)
    assert lifecycle.poll_due() == 2
    monkeypatch.setattr(VideoJob, "record_outputs", real)
    first, second = (VideoJob.objects.get(pk=job.pk) for job in jobs)
    assert first.status == VideoJob.Status.WAITING  # left to be asked again after its lease
    assert second.poll_count == 1  # the other job was still polled


def test_a_poll_that_finds_the_job_as_it_was_leaves_its_watchers_panel_alone(alice, user, key):
    """Each viewer of a job polls its panel every 2 s; a provider poll that brings nothing the
    panel shows must not send every viewer the whole panel again."""
    from django.urls import reverse

    job = step(lifecycle.submit, new_job(user, key))
    panel = alice.get(reverse("videos:job_live", args=[job.public_id]))
    polled = panel.content.decode().split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    Script.polls = [JobState(JobStatus.RUNNING, job.provider_status)] * 3
    for _ in range(3):
        job = step(lifecycle.poll, job, job.poll_generation)
    assert job.poll_count == 3 and Script.polls == []
    assert alice.get(polled).status_code == 204
    # News the panel shows (the provider's status) redraws it.
    Script.polls = [JobState(JobStatus.RUNNING, "rendering frames")]
    job = step(lifecycle.poll, job, job.poll_generation)
    redrawn = alice.get(polled)
    assert redrawn.status_code == 200 and "rendering frames" in redrawn.content.decode()
