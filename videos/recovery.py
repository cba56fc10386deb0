"""The questions recovery asks after a worker died: which work was left behind, and whether its
task is still in the queue (late work whose task is queued is late because the workers are busy,
not because one died). ``videos.lifecycle.recover`` queues the answers again.

Each query takes ``before``: work untouched since then counts as left behind.
"""

from django.db.models import QuerySet
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Clip, VideoJob


def waiting_in_queue(step) -> set[tuple]:
    """The arguments of every run of the task ``step`` still waiting in the queue."""
    return {
        tuple(args_kwargs.get("args", ()))
        for args_kwargs in queued_runs(step).values_list("args_kwargs", flat=True)
    }


def queued_runs(step) -> QuerySet:
    """The runs of the task ``step`` still waiting in the queue."""
    return DBTaskResult.objects.filter(task_path=step.module_path, status=TaskResultStatus.READY)


def stale_queued_jobs(before) -> QuerySet:
    """Queued jobs (nothing sent yet) untouched since ``before``."""
    return VideoJob.objects.filter(status=VideoJob.Status.QUEUED, updated_at__lt=before)


def stuck_submits(before) -> QuerySet:
    """Jobs left "submitting" since ``before``: the request may have gone out."""
    return VideoJob.objects.filter(status=VideoJob.Status.SUBMITTING, updated_at__lt=before)


def overdue_polls(before) -> QuerySet:
    """Waiting jobs whose next poll was due before ``before``."""
    return VideoJob.objects.filter(status=VideoJob.Status.WAITING, next_poll_at__lt=before)


def stale_clips(before) -> QuerySet:
    """Clips pending past their time (or, never tried, created before ``before``), and clips
    being copied whose lease has lapsed."""
    pending = Clip.objects.filter(status=Clip.Status.PENDING)
    return (
        pending.filter(next_attempt_at__lt=before)
        | pending.filter(next_attempt_at=None, created_at__lt=before)
        | Clip.objects.lapsed_leases()
    ).select_related("job")


def collected_but_open(before) -> QuerySet:
    """Jobs left "collecting" since ``before`` with no clip left to copy: a worker died between
    ending a job's last clip and ending the job."""
    return VideoJob.objects.filter(
        status=VideoJob.Status.COLLECTING, updated_at__lt=before
    ).exclude(clips__status__in=[Clip.Status.PENDING, Clip.Status.COPYING])


def flag_stuck_submits(before) -> int:
    """Hand the stuck submits to a person; how many were flagged."""
    flagged = 0
    for job in stuck_submits(before):
        if job.mark_needs_attention(
            "The server stopped while sending this job, so we cannot tell whether the provider "
            "started it. Check your provider account before submitting it again."
        ):
            flagged += 1
    return flagged


def finish_collected(before) -> int:
    """End the jobs collected but left open; how many were ended."""
    return sum(job.finish_if_collected() for job in collected_but_open(before))
