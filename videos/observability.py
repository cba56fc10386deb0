"""What an operator watches: a readiness check that knows whether workers are alive, and
Prometheus metrics read from the database at scrape time (so every web process tells the same
story, whichever one is scraped)."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, F
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from .models import Clip, VideoJob


def worker_last_seen():
    """When a worker last finished a task (recovery runs every minute, busy or not)."""
    latest = DBTaskResult.objects.filter(finished_at__isnull=False).order_by("-finished_at")
    return latest.values_list("finished_at", flat=True).first()


def readiness() -> tuple[bool, str]:
    """(ready, why): the database answers and a worker was seen lately."""
    try:
        connection.ensure_connection()
    except Exception as exc:
        return False, f"database unreachable ({type(exc).__name__})"
    seen = worker_last_seen()
    limit = timedelta(seconds=3 * settings.RECOVERY_INTERVAL_SECONDS)
    if seen is None or timezone.now() - seen > limit:
        ago = "never" if seen is None else f"{(timezone.now() - seen).total_seconds():.0f} s ago"
        return False, f"no worker seen lately (last: {ago}); jobs would not move"
    return True, "ready"


class JobsCollector:
    """Gauges computed from the rows: jobs by state, provider and failure, clips by state,
    the task queue, and recent durations."""

    def collect(self):
        jobs = GaugeMetricFamily(
            "marketos_jobs", "Video jobs by state and provider", labels=["state", "provider"]
        )
        for row in VideoJob.objects.values("status", "provider").annotate(n=Count("id")):
            jobs.add_metric([row["status"], row["provider"]], row["n"])
        yield jobs

        failures = GaugeMetricFamily(
            "marketos_job_failures", "Jobs that ended without clips, by kind", labels=["kind"]
        )
        ended = VideoJob.objects.exclude(failure="").values("failure").annotate(n=Count("id"))
        for row in ended:
            failures.add_metric([row["failure"]], row["n"])
        yield failures

        clips = GaugeMetricFamily("marketos_clips", "Clips by state", labels=["state"])
        for row in Clip.objects.values("status").annotate(n=Count("id")):
            clips.add_metric([row["status"]], row["n"])
        yield clips

        ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        due = ready.filter(run_after__lte=timezone.now())
        yield GaugeMetricFamily(
            "marketos_tasks_due", "Background tasks due and not yet taken", value=due.count()
        )
        oldest = due.order_by("run_after").values_list("run_after", flat=True).first()
        yield GaugeMetricFamily(
            "marketos_tasks_oldest_due_seconds",
            "How long the oldest due task has waited",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0,
        )
        seen = worker_last_seen()
        yield GaugeMetricFamily(
            "marketos_worker_last_seen_seconds",
            "Seconds since a worker last finished a task",
            value=(timezone.now() - seen).total_seconds() if seen else -1,
        )

        hour_ago = timezone.now() - timedelta(hours=1)
        generating = VideoJob.objects.filter(
            finished_at__gte=hour_ago, submitted_at__isnull=False, status=VideoJob.Status.READY
        ).aggregate(seconds=Avg(F("finished_at") - F("submitted_at")))["seconds"]
        yield GaugeMetricFamily(
            "marketos_job_seconds_last_hour",
            "Average time from submit to ready, jobs ready in the last hour",
            value=generating.total_seconds() if generating else 0,
        )
        copying = Clip.objects.filter(ready_at__gte=hour_ago).aggregate(
            seconds=Avg(F("ready_at") - F("created_at"))
        )["seconds"]
        yield GaugeMetricFamily(
            "marketos_clip_copy_seconds_last_hour",
            "Average time from a clip's output to it being stored, clips of the last hour",
            value=copying.total_seconds() if copying else 0,
        )


def metrics_text() -> bytes:
    registry = CollectorRegistry()
    registry.register(JobsCollector())
    return generate_latest(registry)
