"""What each background step does with a job: one provider call, one state change, next step.

Each step has its task right beside it (``submit`` / ``submit_job``...). Run them with
``python manage.py db_worker``. Task arguments are primary keys only, so a task that runs late,
twice, or after its row changed simply looks at the row as it is now.

Every function here is safe to run twice or concurrently: state moves by compare-and-set, and a
step that finds the job no longer where it expected does nothing. No step waits for a provider:
a job that is not done yet is looked at again later through ``run_after``.
"""

import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal, receiver
from django.tasks import TaskResultStatus, task
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_tasks_db.models import DBTaskResult

from common.models import PendingUpload
from keys.vault import VaultError
from providers import registry
from providers.base import (
    CONTINUATIONS,
    BadRequest,
    Continuation,
    DownloadRefused,
    Estimate,
    InvalidKey,
    InvalidSpec,
    JobSpec,
    JobStatus,
    OutOfCredits,
    Output,
    OutputGone,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    ReportedCost,
    SafetyRefused,
    SourceGone,
    SubmitOutcomeUnknown,
)
from workspaces.models import Project

from . import renditions
from .media import claims, ingest
from .models import Clip, VideoJob

log = logging.getLogger(__name__)

UNREADABLE = "The provider's last answer could not be read; asking again."
NO_KEY = "The key this job used was deleted, so the job cannot be followed any further."
UNREADABLE_KEY = "The key this job used cannot be decrypted any more; add it again."


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
    queued = DBTaskResult.objects.filter(
        task_path=poll_due_jobs.module_path, status=TaskResultStatus.READY, run_after__lte=when
    )
    if not queued.exists():
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


def spec_for(job: VideoJob, *, with_images: bool = True) -> JobSpec:
    from .images import load_inputs

    return JobSpec(
        model=job.model,
        prompt=job.prompt,
        negative_prompt=job.negative_prompt,
        **job.spec_settings(),
        images=load_inputs(job.image_inputs) if with_images else (),
        callback_url=callback_url(job),
        parent=continuation_of(job),
    )


def continuation_of(job: VideoJob) -> Continuation | None:
    """How a version job refers to the clip it carries on from, in its provider's terms (None
    for a revision: a new generation that only follows on from the clip in our records)."""
    if job.continuation not in CONTINUATIONS or job.parent is None:
        return None
    return continuation_from(job.parent, job.continuation)


def continuation_from(clip: Clip, kind: str) -> Continuation:
    """How a job carrying on (``kind``) from ``clip`` names it to the clip's provider."""
    adapter = registry.adapter(clip.job.provider)
    parent = adapter.continuation(kind, clip.job.provider_job_id, clip.source_url)
    return replace(parent, source_seconds=clip.whole_seconds)


def callback_url(job: VideoJob) -> str | None:
    """Where the provider should report the job's end, when webhooks are set up for it."""
    if not (settings.PUBLIC_URL and registry.webhook_secret(job.provider)):
        return None
    return settings.PUBLIC_URL + reverse("provider_webhook", args=[job.provider])


@dataclass(frozen=True)
class Offer:
    """Whether a clip can be extended or edited now, and if not, why not (said to the user)."""

    allowed: bool
    reason: str = ""
    spec: JobSpec | None = None
    estimate: Estimate | None = None


def continuation_offer(clip: Clip, kind: str, model=None) -> Offer:
    job = clip.job
    what = CONTINUATIONS.get(kind)
    if what is None:
        return Offer(False, "Unknown action.")
    if job.key is None or not job.key.usable:
        return Offer(False, f"{what} needs the key this clip was made with, which cannot be used.")
    if not job.provider_job_id:
        return Offer(False, f"{what} is not possible: the provider's job is unknown.")
    try:
        model = model or model_of(job)
    except (ProviderError, VaultError):
        return Offer(False, f"{what} is not possible right now: the model list did not load.")
    if model is None or kind not in model.continuations:
        name = model.name if model else job.model_label
        return Offer(False, f"{name} cannot {what.lower()} a clip.")
    if clip.source_expires_at and clip.source_expires_at <= timezone.now():
        kept_until = date_format(timezone.localtime(clip.source_expires_at))
        return Offer(
            False,
            f"{what} works only while {registry.label(job.provider)} still keeps the clip, "
            f"which it no longer does (it kept it until {kept_until}).",
        )
    adapter = registry.adapter(job.provider)
    base = spec_for(job, with_images=False)  # carrying on from a clip takes no images
    parent = continuation_from(clip, kind)
    changes: dict = {"parent": parent}
    if kind == "extend" and model.extend_resolution:
        changes["resolution"] = model.extend_resolution
    try:
        # What the model allows for a source this long (not what the clip's job asked for:
        # an extended clip is longer than that).
        changes["duration"] = adapter.continuation_duration(
            kind, model, parent.source_seconds, base.duration
        )
        spec = replace(base, **changes)
        spec.validate(model)
    except InvalidSpec as exc:
        return Offer(False, f"{what} is not possible for this clip: {exc.message}")
    return Offer(True, spec=spec, estimate=adapter.estimate(spec, model))


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


def clip_offers(clips) -> list[tuple[Clip, str, str, Offer]]:
    """For each ready clip: (clip, kind, label, offer) of everything its model can do next."""
    ready = [clip for clip in clips if clip.status == Clip.Status.READY]
    if not ready or ready[0].job.key is None:
        return []
    try:
        model = model_of(ready[0].job)
    except (ProviderError, VaultError):
        return []
    if model is None:
        return []
    return [
        (clip, kind, CONTINUATIONS[kind], continuation_offer(clip, kind, model))
        for clip in ready
        for kind in model.continuations
    ]


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


REVISE = "revise"


def revision_offer(clip: Clip) -> Offer:
    """Whether the clip can be made again from feedback (a new generation with the clip's
    model, settings, images and key, and a revised prompt), and what that should cost."""
    job = clip.job
    if job.key is None or not job.key.usable:
        return Offer(
            False, "A revision needs the key this clip was made with, which cannot be used."
        )
    # With its images: a first frame changes some models' price (image-to-video).
    spec = replace(spec_for(job), parent=None, callback_url=None)
    try:
        model = model_of(job)
    except (ProviderError, VaultError):
        model = None
    if model is not None:
        if clip.whole_seconds in model.durations:
            # As long as the clip being revised (an extended clip is longer than its job
            # asked), where the model makes that length.
            spec = replace(spec, duration=clip.whole_seconds)
        estimate = registry.adapter(job.provider).estimate(spec, model)
    else:  # the catalogue did not answer: the first version's own estimate is the best guide
        estimate = Estimate(job.estimated_cost, "") if job.estimated_cost is not None else None
    return Offer(True, spec=spec, estimate=estimate)


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


def model_of(job: VideoJob):
    """The job's model as the key's catalogue describes it now, or None if it is gone."""
    return next((m for m in job.key.models() if m.id == job.model), None)


def webhook_reported(provider: str, provider_job_id: str) -> bool:
    """A provider says this job reached a terminal state: look at it now instead of later."""
    job = VideoJob.objects.filter(provider=provider, provider_job_id=provider_job_id).first()
    if job is None or not job.poll_now():
        return False
    enqueue_poll(job)
    return True


def _client(job: VideoJob):
    """The job's provider adapter, or None after failing the job with the reason."""
    try:
        client = job.provider_client()
    except VaultError:
        job.fail(UNREADABLE_KEY)
        return None
    if client is None:
        job.fail(NO_KEY)
    return client


def submit(job_pk: int) -> None:
    job = VideoJob.objects.filter(pk=job_pk).select_related("key").first()
    if job is None or job.status != VideoJob.Status.QUEUED:
        return
    if job.next_submit_at and job.next_submit_at > timezone.now():
        return  # a later task is scheduled for it
    client = _client(job)
    if client is None:
        return
    try:
        # Everything that can go wrong before the request leaves happens here, so that a
        # failure now is never mistaken for a request that may have reached the provider.
        spec, model = prepared(job)
    except (RateLimited, ProviderUnavailable) as exc:
        _try_submit_later(job, exc, claimed=False)
        return
    except Exception as exc:
        end_with(job, exc)
        return
    if not job.claim_for_submit():
        return
    try:
        result = client.submit(spec, model)
    except SubmitOutcomeUnknown as exc:
        job.mark_needs_attention(exc.message)
        return
    except (RateLimited, ProviderUnavailable) as exc:
        # The provider answered "not now" (or could not be reached): nothing was started.
        _try_submit_later(job, exc, claimed=True)
        return
    except ProviderError as exc:
        end_with(job, exc)
        return
    except Exception as exc:
        # Unforeseen, after the request may have gone out: a person must look.
        log.exception("Submitting job %s failed unexpectedly", job.pk)
        job.mark_needs_attention(
            f"Something went wrong while sending this job ({type(exc).__name__}), so we cannot "
            "tell whether the provider started it. Check your provider account before "
            "submitting it again."
        )
        return
    job.key.mark_used()
    job.key.mark_accepted()
    if job.mark_submitted(result.job_id, result.polling_url):
        enqueue_poll(job)


@task
def submit_job(job_pk: int) -> None:
    submit(job_pk)


def prepared(job: VideoJob):
    """(spec, model) for sending ``job``: its model as the key's catalogue says now, and its
    settings checked against it whatever path the job came by (form, resubmit, extend)."""
    model = model_of(job)
    if model is None:
        raise BadRequest(
            f"{registry.label(job.provider)} no longer offers {job.model_label}; "
            "choose another model."
        )
    try:
        spec = spec_for(job)
    except OSError:
        raise BadRequest(
            "An image of this job could not be read from storage; start it again with its images."
        ) from None
    spec.validate(model)
    return spec, model


def _try_submit_later(job: VideoJob, exc: ProviderError, *, claimed: bool) -> None:
    attempts = job.submit_attempts if claimed else job.submit_attempts + 1
    if attempts >= settings.SUBMIT_MAX_ATTEMPTS:
        job.fail(
            f"{exc.message} Gave up after {attempts} attempts.",
            exc.raw,
            failure=VideoJob.Failure.PROVIDER,
        )
        return
    delay = max(exc.retry_after or 0, settings.POLL_MIN_SECONDS * attempts)
    if job.requeue_submit(delay, exc.message, attempts=attempts):
        enqueue_submit(job, delay)


def end_with(job: VideoJob, exc: Exception) -> bool:
    """End ``job`` for a reason a provider (or its catalogue) gave: one message, one kind."""
    if isinstance(exc, InvalidKey):
        job.key.mark_refused(exc.message)
        return job.fail(exc.message, exc.raw, failure=VideoJob.Failure.KEY)
    if isinstance(exc, OutOfCredits):
        job.key.mark_out_of_credit(exc.message)
        return job.fail(exc.message, exc.raw, failure=VideoJob.Failure.CREDIT)
    if isinstance(exc, SafetyRefused):
        return job.fail(
            exc.message, exc.raw, status=VideoJob.Status.BLOCKED, failure=VideoJob.Failure.SAFETY
        )
    if isinstance(exc, SourceGone) and job.parent is not None:
        job.parent.forget_source()  # so that carrying on from it is not offered again
    if isinstance(exc, BadRequest):
        return job.fail(exc.message, exc.raw, failure=VideoJob.Failure.REQUEST)
    if isinstance(exc, ProviderError):
        return job.fail(exc.message, exc.raw, failure=VideoJob.Failure.PROVIDER)
    log.error("Job %s ended on an unexpected error", job.pk, exc_info=exc)
    return job.fail(
        f"Something went wrong on this server ({type(exc).__name__}); nothing was sent to the "
        "provider. Try again, and tell your administrator if it keeps happening.",
        failure=VideoJob.Failure.PROVIDER,
    )


def poll(job_pk: int, generation: int) -> None:
    """Poll one job, if it is still waiting and no newer poll has taken it over."""
    job = VideoJob.objects.filter(pk=job_pk).select_related("key").first()
    if job is None or job.status != VideoJob.Status.WAITING or job.poll_generation != generation:
        return
    if _poll_claimed(job, _client(job)):
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
                    clients[job.key_id] = _client(job)
                client = clients[job.key_id]
                if client is None:
                    _client(job)  # fails the job with the reason
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
    """Ask the provider how ``job`` is doing and move it on; True if it must be asked again
    (its next poll is then scheduled on the row, for the sweep or the caller to pick up).

    A sweep passes ``unchanged``: a poll that finds the job as it was is then added to it as
    ``(job, delay)`` for the sweep to schedule with the others in one write."""
    if client is None:
        return False  # _client has failed the job
    if job.past_deadline():
        minutes = settings.JOB_DEADLINE_SECONDS // 60
        last = f" The last answer was: {job.error}" if job.error else ""
        job.fail(
            f"The provider did not finish within {minutes} minutes, so we stopped waiting. "
            f"If it finishes later, it will not be collected.{last}",
            status=VideoJob.Status.EXPIRED,
            failure=VideoJob.Failure.TIMEOUT,
        )
        return False
    try:
        state = client.poll(job.polling_url)
    except (RateLimited, ProviderUnavailable) as exc:
        # Not an answer about the job: ask again later (the deadline caps how long), and say
        # on the page what the provider last said.
        return job.schedule_poll(
            job.poll_delay(exc.retry_after), poll_count=job.poll_count + 1, error=exc.message
        )
    except ProviderError as exc:
        end_with(job, exc)
        return False
    except Exception:
        log.exception("Polling job %s failed unexpectedly", job.pk)
        return job.schedule_poll(job.poll_delay(), poll_count=job.poll_count + 1, error=UNREADABLE)
    if state.cost is not None and (unusable := ReportedCost.of(state.cost).unusable):
        # Adapters check what they read; whatever one hands on, a cost that cannot be stored
        # or counted never stops the job.
        state = replace(state, cost=None, unusable_cost=unusable)
    if state.status == JobStatus.COMPLETED:
        if job.record_outputs(
            state.outputs,
            state.cost,
            state.provider_status,
            state.cost_is_estimate,
            unusable_cost=state.unusable_cost,
        ):
            for clip in job.clips.all():
                enqueue_collect(clip)
        return False
    costs = (
        {"cost": state.cost, "cost_is_estimate": state.cost_is_estimate, "unusable_cost": ""}
        if state.cost is not None
        else {"unusable_cost": state.unusable_cost}
        if state.unusable_cost
        else {}
    )
    if state.status.is_terminal:
        status, failure = ENDINGS[state.status]
        job.fail(state.error, state.raw_error, status=status, failure=failure, **costs)
        return False
    delay = job.poll_delay(state.retry_after)
    answer = {"provider_status": state.provider_status, "error": "", **costs}
    if unchanged is not None and job.finds_as_it_was(**answer):
        unchanged.append((job, delay))
        return True
    return job.schedule_poll(delay, poll_count=job.poll_count + 1, **answer)


@task
def poll_job(job_pk: int, generation: int) -> None:
    """A poll of one job, as queued before polls moved to the sweep."""
    poll(job_pk, generation)


# How a job the provider ended without a video ends here: (status, failure).
ENDINGS = {
    JobStatus.BLOCKED: (VideoJob.Status.BLOCKED, VideoJob.Failure.SAFETY),
    JobStatus.EXPIRED: (VideoJob.Status.EXPIRED, VideoJob.Failure.TIMEOUT),
    JobStatus.CANCELLED: (VideoJob.Status.CANCELLED, VideoJob.Failure.CANCELLED),
    JobStatus.FAILED: (VideoJob.Status.FAILED, VideoJob.Failure.PROVIDER),
}


def cancel(job: VideoJob) -> bool:
    """Stop a job that is still being made, at the provider too where it can be cancelled."""
    if not job.cancellable:
        return False
    if job.status == VideoJob.Status.QUEUED:
        return job.cancel_before_sending()
    client = _client(job)
    if client is None:
        return False
    try:
        client.cancel(job.polling_url)
    except ProviderError as exc:
        log.warning("Cancelling job %s at the provider failed: %s", job.pk, exc.message)
        return False
    return job.mark_cancelled()


def collect(clip_pk: int) -> None:
    clip = Clip.objects.filter(pk=clip_pk).select_related("job__key").first()
    if clip is None or clip.status not in (Clip.Status.PENDING, Clip.Status.COPYING):
        return
    if clip.next_attempt_at and clip.next_attempt_at > timezone.now():
        return
    job = clip.job
    if clip.give_up_if_exhausted():
        job.finish_if_collected()
        return
    client = _client_for_clip(clip)
    if client is None or not clip.claim():
        return
    try:
        facts = ingest.copy_output(
            client,
            Output(
                index=clip.index,
                url=clip.source_url,
                expires_at=clip.source_expires_at,
                fallback_url=clip.source_fallback_url,
            ),
            stem=f"clips/{job.public_id}/clip-{clip.index + 1}",
            partial_prefix=clip.partial_prefix,
            heartbeat=clip.heartbeat(),
        )
    except claims.LeaseLost:
        return  # another worker has the clip now; what happens to it is its business
    except claims.OverBudget as exc:
        clip.give_up(str(exc))
    except OutputGone as exc:
        clip.give_up(exc.message, exc.raw, status=Clip.Status.EXPIRED)
    except ingest.ClipRefused as exc:
        clip.give_up(str(exc))
    except DownloadRefused as exc:
        clip.give_up(exc.message, exc.raw)
    except InvalidKey as exc:
        clip.give_up(exc.message, exc.raw)
    except (RateLimited, ProviderUnavailable) as exc:
        if clip.retry_later(exc.message, exc.raw, exc.retry_after):
            enqueue_collect(clip)
    except ProviderError as exc:
        if clip.retry_later(exc.message, exc.raw):
            enqueue_collect(clip)
    except Exception as exc:
        log.exception("Copying clip %s failed unexpectedly", clip.pk)
        message = f"Copying failed on this server ({type(exc).__name__}); it will be tried again."
        if clip.retry_later(message):
            enqueue_collect(clip)
    else:
        if clip.mark_ready(**facts):
            renditions.ask_for_job_format(clip)
    job.finish_if_collected()


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


def _client_for_clip(clip: Clip):
    try:
        client = clip.job.provider_client()
    except VaultError:
        clip.give_up(UNREADABLE_KEY)
        clip.job.finish_if_collected()
        return None
    if client is None:
        clip.give_up(NO_KEY)
        clip.job.finish_if_collected()
    return client


def _waiting_in_queue(step) -> set[tuple]:
    """The arguments of every run of the task ``step`` still waiting in the queue."""
    return {
        tuple(args_kwargs.get("args", ()))
        for args_kwargs in DBTaskResult.objects.filter(
            task_path=step.module_path, status=TaskResultStatus.READY
        ).values_list("args_kwargs", flat=True)
    }


def recover() -> dict[str, int]:
    """Restart the work a dead worker left behind. Safe to run at any time, any number of times.

    - queued jobs whose submit task is long overdue: submit again (nothing was sent yet);
    - jobs stuck in "submitting": the request may have gone out, so they need a person;
    - waiting jobs whose next poll is long overdue while no poll sweep is queued: queue one;
    - clips pending past their time, or copying with a lapsed lease: copy again, or end
      those that have used up their attempts.
    """
    now = timezone.now()
    grace = timedelta(seconds=settings.RECOVERY_GRACE_SECONDS)
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
    queued_submits = _waiting_in_queue(submit_job)
    sweep_queued = DBTaskResult.objects.filter(
        task_path=poll_due_jobs.module_path, status=TaskResultStatus.READY
    ).exists()
    queued_copies = _waiting_in_queue(collect_clip)
    stale_queued = VideoJob.objects.filter(
        status=VideoJob.Status.QUEUED, updated_at__lt=now - grace
    )
    for job in stale_queued:
        if (job.pk,) in queued_submits:
            continue
        if not job.next_submit_at or job.next_submit_at < now - grace:
            enqueue_submit(job)
            counts["submits"] += 1
    for job in VideoJob.objects.filter(
        status=VideoJob.Status.SUBMITTING, updated_at__lt=now - grace
    ):
        if job.mark_needs_attention(
            "The server stopped while sending this job, so we cannot tell whether the provider "
            "started it. Check your provider account before submitting it again."
        ):
            counts["attention"] += 1
    overdue_polls = VideoJob.objects.filter(
        status=VideoJob.Status.WAITING, next_poll_at__lt=now - grace
    ).count()
    if overdue_polls and not sweep_queued:
        transaction.on_commit(wake_poller)
        counts["polls"] = overdue_polls
    stale_clips = Clip.objects.filter(
        status=Clip.Status.PENDING, next_attempt_at__lt=now - grace
    ) | Clip.objects.filter(
        status=Clip.Status.PENDING, next_attempt_at=None, created_at__lt=now - grace
    )
    for clip in (stale_clips | Clip.objects.lapsed_leases()).select_related("job"):
        if clip.give_up_if_exhausted():
            clip.job.finish_if_collected()
            counts["clips_given_up"] += 1
            continue
        if (clip.pk,) in queued_copies:
            continue
        enqueue_collect(clip)
        counts["clips"] += 1
    # A worker that died between ending a job's last clip and ending the job leaves it
    # "collecting" with nothing left to collect: finish it.
    for job in VideoJob.objects.filter(
        status=VideoJob.Status.COLLECTING, updated_at__lt=now - grace
    ).exclude(clips__status__in=[Clip.Status.PENDING, Clip.Status.COPYING]):
        counts["finished"] += job.finish_if_collected()
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
    queued = DBTaskResult.objects.filter(
        task_path=recover_jobs.module_path, status=TaskResultStatus.READY
    )
    if not queued.exists():
        delay = settings.RECOVERY_INTERVAL_SECONDS if after is None else after
        recover_jobs.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue()
