"""Background tasks: thin wrappers that hand a row id to ``videos.lifecycle``.

Run them with ``python manage.py db_worker``. Arguments are primary keys only, so a task that
runs late, twice, or after its row changed simply looks at the row as it is now.
"""

from datetime import timedelta

from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone


@task
def submit_job(job_pk: int) -> None:
    from . import lifecycle

    lifecycle.submit(job_pk)


@task
def poll_job(job_pk: int, generation: int) -> None:
    from . import lifecycle

    lifecycle.poll(job_pk, generation)


@task
def collect_clip(clip_pk: int) -> None:
    from . import lifecycle

    lifecycle.collect(clip_pk)


@task
def recover_jobs() -> dict:
    """Pick up work dead workers left behind, then come back in a while."""
    from . import lifecycle

    counts = lifecycle.recover()
    schedule_recovery()
    return counts


def schedule_recovery() -> None:
    """Keep exactly one future recovery run queued (a second one is dropped on its turn)."""
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(
        task_path=recover_jobs.module_path, status=TaskResultStatus.READY
    )
    if not queued.exists():
        run_after = timezone.now() + timedelta(seconds=settings.RECOVERY_INTERVAL_SECONDS)
        recover_jobs.using(run_after=run_after).enqueue()
