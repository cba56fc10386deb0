"""Reframed exports of ready clips: asking for one, rendering it (the task beside its step) and
picking up renders whose worker died. Like every step, safe to run twice or concurrently."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .media import claims, reframe
from .models import Clip, Rendition

log = logging.getLogger(__name__)


def enqueue_render(rendition: Rendition) -> None:
    pk = rendition.pk
    transaction.on_commit(lambda: render_rendition.enqueue(pk))


def ask(clip: Clip, format_key: str) -> Rendition:
    """The clip's export in ``format_key``: queued once (again if it had failed)."""
    with transaction.atomic():
        rendition, queue = Rendition.ask(clip, format_key)
        if queue:
            enqueue_render(rendition)
    return rendition


def ask_for_job_format(clip: Clip) -> Rendition | None:
    """A newly ready clip of a job made at another shape than its ad format: its export."""
    job = clip.job
    if clip.status != Clip.Status.READY or not job.needs_reframe:
        return None
    return ask(clip, job.ad_format.key)


def render(rendition_pk: int) -> None:
    rendition = Rendition.objects.filter(pk=rendition_pk).select_related("clip__job").first()
    if rendition is None or rendition.status not in (
        Rendition.Status.PENDING,
        Rendition.Status.RENDERING,
    ):
        return
    clip = rendition.clip
    if clip.status != Clip.Status.READY or rendition.ad_format is None:
        rendition.give_up("The original clip is no longer in storage.")
        return
    if not rendition.claim():
        return
    try:
        facts = reframe.render(
            clip.file.name,
            rendition.ad_format,
            stem=f"renditions/{clip.job.public_id}/clip-{clip.number}-{rendition.format}",
            partial_prefix=rendition.partial_prefix,
            heartbeat=rendition.heartbeat(),
        )
    except claims.LeaseLost:
        return  # another worker renders it now
    except (reframe.RenderFailed, claims.OverBudget) as exc:
        rendition.give_up(str(exc))
    except Exception as exc:
        log.exception("Rendering export %s failed", rendition.pk)
        message = f"Rendering failed on this server ({type(exc).__name__})."
        if rendition.retry_later(message):
            enqueue_render(rendition)
    else:
        if not rendition.mark_ready(**facts):
            # Taken over or deleted meanwhile: this file is nobody's.
            default_storage.delete(facts["file"])


@task
def render_rendition(rendition_pk: int) -> None:
    render(rendition_pk)


def recover() -> dict[str, int]:
    """Renders left pending past the grace time, or rendering past their lease, while no
    render of theirs is queued: queue them again, or end those that have used up their
    attempts; partial files no live render holds: removed."""
    grace = timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)
    queued = {
        tuple(args_kwargs.get("args", ()))
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=render_rendition.module_path, status=TaskResultStatus.READY
        ).values_list("args_kwargs", flat=True)
    }
    counts = {"renders": 0, "renders_given_up": 0, "render_partials": 0}
    for rendition in Rendition.objects.lapsed().filter(created_at__lt=timezone.now() - grace):
        if rendition.give_up_if_exhausted():
            counts["renders_given_up"] += 1
        elif (rendition.pk,) not in queued:
            enqueue_render(rendition)
            counts["renders"] += 1
    # A worker that died between a clip's copy and asking for its export: ask now (clips of
    # the last day only, so that the sweep stays small).
    recent = Clip.objects.filter(
        status=Clip.Status.READY,
        ready_at__lt=timezone.now() - grace,
        ready_at__gt=timezone.now() - timedelta(days=1),
        job__parameters__has_key="ad_format",
    ).select_related("job")
    for clip in recent.prefetch_related("renditions"):
        wanted = clip.job.ad_format
        if clip.job.needs_reframe and wanted.key not in {r.format for r in clip.renditions.all()}:
            ask(clip, wanted.key)
            counts["renders"] += 1
    counts["render_partials"] = Rendition.remove_abandoned_partials()
    return counts
