"""What each background step does with a job: one provider call, one state change, next step.

This module holds the entry points and the tasks (``submit`` / ``submit_job``...), and queues
each next step; the steps themselves live by stage, below it: ``offers`` (what a job is sent as,
what can be done next with a clip), ``endings`` (how a job ends when a step cannot go on),
``submitting``, ``polling``, ``collecting`` and ``recovery``. The tasks stay here: a queued run
names its task by path (``videos.lifecycle.poll_due_jobs``).

Run them with ``python manage.py db_worker``. Task arguments are primary keys only, so a task
that runs late, twice, or after its row changed simply looks at the row as it is now.

Every function here is safe to run twice or concurrently: state moves by compare-and-set, and a
step that finds the job no longer where it expected does nothing. No step waits for a provider:
a job that is not done yet is looked at again later through ``run_after``.
"""

import logging
import time
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal, receiver
from django.tasks import task
from django.utils import timezone

from common.models import PendingUpload
from keys.vault import VaultError
from providers import registry
from providers.base import CONTINUATIONS, Estimate, InvalidSpec, JobSpec, ProviderError
from workspaces.models import Project

from . import collecting, polling, recovery, renditions, submitting
from .endings import NO_KEY, UNREADABLE_KEY, client_for, end_with
from .models import Clip, VideoJob
from .offers import (
    REVISE,
    Offer,
    callback_url,
    clip_offers,
    continuation_from,
    continuation_of,
    continuation_offer,
    model_of,
    revision_offer,
    spec_for,
)
from .polling import ENDINGS, UNREADABLE
from .submitting import prepared

__all__ = [  # re-exported from the stages, for callers that know them by this module's name
    "ENDINGS",
    "NO_KEY",
    "UNREADABLE",
    "UNREADABLE_KEY",
    "Offer",
    "callback_url",
    "clip_offers",
    "continuation_from",
    "continuation_of",
    "end_with",
    "model_of",
    "prepared",
]

log = logging.getLogger(__name__)


def enqueue_submit(job: VideoJob, delay: float = 0) -> None:
    run_after = timezone.now() + timedelta(seconds=delay) if delay else None
    transaction.on_commit(lambda: submit_job.using(run_after=run_after).enqueue(job.pk))


def enqueue_poll(job: VideoJob) -> None:
    """Make sure ``job`` is polled when due: by the poll sweep (see ``poll_due``)."""
    when = job.next_poll_at
    transaction.on_commit(lambda: wake_poller(when))


def wake_poller(when=None) -> None:
    """Make sure a poll sweep runs by ``when`` (now if None): queue one unless one is already
    queued to run by then."""
    now = timezone.now()
    when = max(when or now, now)
    if not recovery.queued_runs(poll_due_jobs).filter(run_after__lte=when).exists():
        poll_due_jobs.using(run_after=when).enqueue()


def enqueue_collect(clip: Clip) -> None:
    clip_pk, when = clip.pk, clip.next_attempt_at
    transaction.on_commit(lambda: collect_clip.using(run_after=when).enqueue(clip_pk))


def start_job(
    owner,
    key,
    spec: JobSpec,
    idempotency_key: str,
    image_inputs=(),
    *,
    estimate: Estimate | None = None,
    parent: Clip | None = None,
    project: Project | None = None,
    continuation: str | None = None,
    brand_kit=None,
    preset=None,
    budget_checked: bool = False,
) -> tuple:
    """Create the job for this idempotency key once and queue its submit; a replay gets the
    job created the first time. The job belongs to the key's workspace, and so must its
    ``project`` (TeamRuleBroken otherwise), and the job must fit the budgets that apply
    (OverBudget otherwise, and nothing is created; unless the caller has checked them for
    this job and others at once: ``budget_checked``). A ``parent`` clip makes the job that
    clip's next version: ``continuation`` says how (by default ``spec.parent``'s kind:
    extend or edit; "revise" for a new generation made from feedback). Returns (job, created)."""
    if project is not None:
        project.check_in(key.workspace)
    parameters = VideoJob.parameters_of(spec)
    if continuation is None:
        continuation = spec.parent.kind if spec.parent else ""
    with transaction.atomic():
        replayed = VideoJob.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if replayed is not None:
            return replayed, False
        # Nothing is created (or sent) for a job that does not fit a budget: OverBudget.
        # (A campaign checks its whole total once instead: ``budget_checked``.)
        if not budget_checked:
            VideoJob.check_budgets(key.workspace, project, estimate.amount if estimate else None)
        job, created = VideoJob.objects.get_or_create(
            owner=owner,
            idempotency_key=idempotency_key,
            defaults={
                "workspace": key.workspace,
                "key": key,
                "provider": key.provider,
                "model": spec.model,
                "model_name": key.model_name(spec.model),
                "prompt": spec.prompt,
                "negative_prompt": spec.negative_prompt,
                "parameters": parameters,
                "image_inputs": list(image_inputs),
                "estimated_cost": estimate.amount if estimate else None,
                "parent": parent,
                "project": project,
                "continuation": continuation if parent else "",
                "version": parent.job.version + 1 if parent else 1,
                "brand_kit": brand_kit,
                "preset": preset,
            },
        )
        if created:
            enqueue_submit(job)
    return job, created


# Sent (sender=VideoJob, old=..., new=...) when a job is submitted again as a new job, in the
# transaction that creates it: what the rooms above keep about the old job (the place of a
# campaign's video) can follow it to the new one.
job_resubmitted = Signal()


def resubmit(job: VideoJob, idempotency_key: str, by=None) -> tuple:
    """A new job with the same settings and images: the user knowingly asks to pay again.
    ``by`` is who asks (a workspace member; the first job's starter if not given)."""
    spec = spec_for(job)
    estimate = Estimate(job.estimated_cost, "") if job.estimated_cost is not None else None
    with transaction.atomic():
        new, created = start_job(
            by or job.owner,
            job.key,
            spec,
            idempotency_key,
            job.image_inputs,
            estimate=estimate,
            parent=job.parent,
            project=job.project,
            continuation=job.continuation,
        )
        if created:
            job_resubmitted.send(sender=VideoJob, old=job, new=new)
    return new, created


def kept_offer(clip: Clip, kind: str) -> Offer:
    """``continuation_offer``, once the provider has said it still keeps the clip's job (it
    forgets jobs: then the clip is marked as no longer kept, and nothing is started)."""
    offer = continuation_offer(clip, kind)
    if not offer.allowed or offer.spec.parent is None:
        return offer
    what = CONTINUATIONS[kind]
    label = registry.label(clip.job.provider)
    try:
        kept = clip.job.provider_client().source_kept(offer.spec.parent)
    except (ProviderError, VaultError):
        return Offer(
            False,
            f"{what} is not possible right now: {label} did not say whether it still keeps "
            "this clip. Try again in a moment.",
        )
    if not kept:
        clip.forget_source()
        return Offer(
            False,
            f"{what} works only while {label} still keeps the clip, and it no longer does. "
            "Your copy of the clip is safe here; to carry on from it, generate a new video.",
        )
    return offer


def continue_clip(
    clip: Clip, kind: str, prompt: str, idempotency_key: str, by=None, offer=None
) -> tuple:
    """Start the clip's next version (``by`` whom: the clip's job's starter if not given),
    as ``offer`` (``kept_offer``'s, asked now if not given) says.
    Raises InvalidSpec when the request does not fit."""
    offer = offer or kept_offer(clip, kind)
    if not offer.allowed:
        raise InvalidSpec({"parent": offer.reason})
    spec = replace(offer.spec, prompt=prompt or offer.spec.prompt, callback_url=None)
    return start_job(
        by or clip.job.owner,
        clip.job.key,
        spec,
        idempotency_key,
        estimate=offer.estimate,
        parent=clip,
        project=clip.job.project,
    )


def revise_clip(clip: Clip, prompt: str, idempotency_key: str, by=None) -> tuple:
    """Start the clip's next version made from feedback: the same model, settings, images, key
    and project as the clip's job, with ``prompt``. A replayed ``idempotency_key`` gets the job
    made the first time. Raises InvalidSpec when the clip cannot be revised."""
    offer = revision_offer(clip)
    if not offer.allowed:
        raise InvalidSpec({"parent": offer.reason})
    job = clip.job
    spec = replace(offer.spec, prompt=prompt)  # the request its estimate was worked out for
    return start_job(
        by or job.owner,
        job.key,
        spec,
        idempotency_key,
        job.image_inputs,
        estimate=offer.estimate,
        parent=clip,
        project=job.project,
        continuation=REVISE,
    )


def webhook_reported(provider: str, provider_job_id: str) -> bool:
    """A provider says this job reached a terminal state: look at it now instead of later."""
    job = VideoJob.objects.filter(provider=provider, provider_job_id=provider_job_id).first()
    if job is None or not job.poll_now():
        return False
    enqueue_poll(job)
    return True


def submit(job_pk: int) -> None:
    """Send a queued job to its provider (``videos.submitting``), then queue what follows."""
    match submitting.submit(job_pk):
        case submitting.Sent(job):
            enqueue_poll(job)
        case submitting.SendLater(job, delay):
            enqueue_submit(job, delay)


@task
def submit_job(job_pk: int) -> None:
    submit(job_pk)


def poll(job_pk: int, generation: int) -> None:
    """Poll one job, if it is still waiting and no newer poll has taken it over."""
    job = VideoJob.objects.filter(pk=job_pk).select_related("key").first()
    if job is None or job.status != VideoJob.Status.WAITING or job.poll_generation != generation:
        return
    if _poll_claimed(job, client_for(job)):
        enqueue_poll(job)


# The poll sweep: one task polls every job that is due, in batches, so that following many
# jobs costs one provider request and one update per poll, not a task of its own each.
POLL_BATCH = 25  # jobs taken at once
# How long a claimed job is left to its sweep. A sweep that dies holds its jobs this long; a
# slow one hands back what it has not reached by half of it (an answer arriving after the
# lease is dropped anyway if another sweep took the job over).
POLL_LEASE = timedelta(seconds=60)
SWEEP_SECONDS = 3.0  # no new batch is taken after this, so that other work gets its turn


def poll_due() -> int:
    """Poll the jobs whose time has come; returns how many were polled. When a full batch
    was due, another sweep is queued at once so that an idle worker can help; at the end, the
    next sweep is queued for when the next job falls due."""
    started, polled, clients = time.monotonic(), 0, {}
    while True:
        jobs = VideoJob.claim_due_polls(POLL_BATCH, POLL_LEASE)
        claimed = time.monotonic()
        if len(jobs) == POLL_BATCH:
            wake_poller()
        unchanged = []  # (job, delay) of the polls that found their job as it was
        for job in jobs:
            if time.monotonic() - claimed > POLL_LEASE.total_seconds() / 2:
                job.release_poll()  # the provider is slow today: let another sweep help
                continue
            try:
                if job.key_id not in clients:  # one key read and one client per key and sweep
                    clients[job.key_id] = client_for(job)
                client = clients[job.key_id]
                if client is None:
                    client_for(job)  # fails the job with the reason
                else:
                    _poll_claimed(job, client, unchanged=unchanged)
            except Exception:
                # Not the provider's answer (that is handled inside): a fault of ours, such as
                # the database going away. The job is due again when its lease lapses.
                log.exception("Polling job %s failed unexpectedly", job.pk)
            polled += 1
        try:
            VideoJob.schedule_polls(unchanged)
        except Exception:
            log.exception("Scheduling the next polls of %d jobs failed", len(unchanged))
        if len(jobs) < POLL_BATCH or time.monotonic() - started >= SWEEP_SECONDS:
            break
    next_due = VideoJob.next_poll_due()
    if next_due is not None:
        wake_poller(next_due)
    return polled


@task
def poll_due_jobs() -> int:
    return poll_due()


def _poll_claimed(job: VideoJob, client, *, unchanged: list | None = None) -> bool:
    """One poll (``videos.polling.ask``); True if the job must be asked again. The clips of a
    job that is done are queued for copying."""
    answer = polling.ask(job, client, unchanged=unchanged)
    if answer is polling.Answer.OUTPUTS:
        for clip in job.clips.all():
            enqueue_collect(clip)
    return answer is polling.Answer.AGAIN


@task
def poll_job(job_pk: int, generation: int) -> None:
    """A poll of one job, as queued before polls moved to the sweep."""
    poll(job_pk, generation)


def cancel(job: VideoJob) -> bool:
    """Stop a job that is still being made, at the provider too where it can be cancelled."""
    if not job.cancellable:
        return False
    if job.status == VideoJob.Status.QUEUED:
        return job.cancel_before_sending()
    client = client_for(job)
    if client is None:
        return False
    try:
        client.cancel(job.polling_url)
    except ProviderError as exc:
        log.warning("Cancelling job %s at the provider failed: %s", job.pk, exc.message)
        return False
    return job.mark_cancelled()


def collect(clip_pk: int) -> None:
    """Copy a clip of a finished job (``videos.collecting``); queue it again if it is to be
    tried later."""
    clip = collecting.collect(clip_pk)
    if clip is not None:
        enqueue_collect(clip)


@task
def collect_clip(clip_pk: int) -> None:
    collect(clip_pk)


def retry_clip(clip: Clip) -> bool:
    """Copy a failed clip again (without resubmitting the job)."""
    with transaction.atomic():
        if not clip.retry():
            return False
        clip.job.reopen_for_collecting()
        enqueue_collect(clip)
    return True


def recover() -> dict[str, int]:
    """Restart the work a dead worker left behind. Safe to run at any time, any number of times.

    - queued jobs whose submit task is long overdue: submit again (nothing was sent yet);
    - jobs stuck in "submitting": the request may have gone out, so they need a person;
    - waiting jobs whose next poll is long overdue while no poll sweep is queued: queue one;
    - clips pending past their time, or copying with a lapsed lease: copy again, or end
      those that have used up their attempts;
    - jobs collected but still open: end them.
    """
    now = timezone.now()
    before = now - timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)
    counts = {
        "submits": 0,
        "attention": 0,
        "polls": 0,
        "clips": 0,
        "clips_given_up": 0,
        "finished": 0,
        "partials": 0,
    }
    # Late work whose task is still in the queue is late because the workers are busy, not
    # because one died: queueing it again would only make the queue longer.
    queued_submits = recovery.waiting_in_queue(submit_job)
    sweep_queued = recovery.queued_runs(poll_due_jobs).exists()
    queued_copies = recovery.waiting_in_queue(collect_clip)
    for job in recovery.stale_queued_jobs(before):
        if (job.pk,) in queued_submits:
            continue
        if not job.next_submit_at or job.next_submit_at < before:
            enqueue_submit(job)
            counts["submits"] += 1
    counts["attention"] = recovery.flag_stuck_submits(before)
    overdue_polls = recovery.overdue_polls(before).count()
    if overdue_polls and not sweep_queued:
        transaction.on_commit(wake_poller)
        counts["polls"] = overdue_polls
    for clip in recovery.stale_clips(before):
        if clip.give_up_if_exhausted():
            clip.job.finish_if_collected()
            counts["clips_given_up"] += 1
            continue
        if (clip.pk,) in queued_copies:
            continue
        enqueue_collect(clip)
        counts["clips"] += 1
    counts["finished"] = recovery.finish_collected(before)
    counts["partials"] = Clip.remove_abandoned_partials()
    counts |= renditions.recover()
    return counts


# Sent (sender=VideoJob) after each periodic recovery run: the rooms above do their own
# housekeeping with it (a campaign plan nobody started is forgotten in time).
recovery_ran = Signal()


@receiver(recovery_ran)
def forget_unused_uploads(sender, **kwargs):
    """Images chosen on a form and never used within a day are forgotten, with their files."""
    PendingUpload.objects.forget_stale()


@task
def recover_jobs() -> dict:
    """Pick up work dead workers left behind, then come back in a while."""
    counts = recover()
    # Robust: housekeeping that fails is logged and never stops the recovery coming back.
    for housekeeping, outcome in recovery_ran.send_robust(sender=VideoJob):
        if isinstance(outcome, Exception):
            log.error("Housekeeping %s failed: %r", housekeeping.__qualname__, outcome)
    schedule_recovery()
    return counts


def schedule_recovery(after: float | None = None) -> None:
    """Keep exactly one future recovery run queued (a second one is dropped on its turn), by
    default one interval from now."""
    if not recovery.queued_runs(recover_jobs).exists():
        delay = settings.RECOVERY_INTERVAL_SECONDS if after is None else after
        recover_jobs.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue()
