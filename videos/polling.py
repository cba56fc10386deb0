"""Asking a provider how a job is doing, and moving the job on by its answer.

``ask`` is one poll of a job a sweep (or a caller) has claimed; it says what follows
(``Answer``) and leaves the queueing to ``videos.lifecycle``, where the poll sweep lives.
"""

import enum
import logging
from dataclasses import replace

from django.conf import settings

from providers.base import (
    JobStatus,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    ReportedCost,
)

from .endings import end_with
from .models import VideoJob

log = logging.getLogger(__name__)

UNREADABLE = "The provider's last answer could not be read; asking again."

# How a job the provider ended without a video ends here: (status, failure).
ENDINGS = {
    JobStatus.BLOCKED: (VideoJob.Status.BLOCKED, VideoJob.Failure.SAFETY),
    JobStatus.EXPIRED: (VideoJob.Status.EXPIRED, VideoJob.Failure.TIMEOUT),
    JobStatus.CANCELLED: (VideoJob.Status.CANCELLED, VideoJob.Failure.CANCELLED),
    JobStatus.FAILED: (VideoJob.Status.FAILED, VideoJob.Failure.PROVIDER),
}


class Answer(enum.Enum):
    """What follows a poll."""

    AGAIN = "again"  # not done yet: its next poll is scheduled on the row
    OUTPUTS = "outputs"  # done, with videos: copy its clips
    NOTHING = "nothing"  # ended, or taken over by a newer poll


def ask(job: VideoJob, client, *, unchanged: list | None = None) -> Answer:
    """Ask the provider how ``job`` is doing and move it on; ``Answer.AGAIN`` if it must be
    asked again (its next poll is then scheduled on the row, for the sweep or the caller to
    pick up), ``Answer.OUTPUTS`` when its clips are to be copied.

    A sweep passes ``unchanged``: a poll that finds the job as it was is then added to it as
    ``(job, delay)`` for the sweep to schedule with the others in one write."""
    if client is None:
        return Answer.NOTHING  # client_for has failed the job
    if job.past_deadline():
        minutes = settings.JOB_DEADLINE_SECONDS // 60
        last = f" The last answer was: {job.error}" if job.error else ""
        job.fail(
            f"The provider did not finish within {minutes} minutes, so we stopped waiting. "
            f"If it finishes later, it will not be collected.{last}",
            status=VideoJob.Status.EXPIRED,
            failure=VideoJob.Failure.TIMEOUT,
        )
        return Answer.NOTHING
    try:
        state = client.poll(job.polling_url)
    except (RateLimited, ProviderUnavailable) as exc:
        # Not an answer about the job: ask again later (the deadline caps how long), and say
        # on the page what the provider last said.
        return _again(
            job.schedule_poll(
                job.poll_delay(exc.retry_after), poll_count=job.poll_count + 1, error=exc.message
            )
        )
    except ProviderError as exc:
        end_with(job, exc)
        return Answer.NOTHING
    except Exception:
        log.exception("Polling job %s failed unexpectedly", job.pk)
        scheduled = job.schedule_poll(
            job.poll_delay(), poll_count=job.poll_count + 1, error=UNREADABLE
        )
        return _again(scheduled)
    if state.cost is not None and (unusable := ReportedCost.of(state.cost).unusable):
        # Adapters check what they read; whatever one hands on, a cost that cannot be stored
        # or counted never stops the job.
        state = replace(state, cost=None, unusable_cost=unusable)
    if state.status == JobStatus.COMPLETED:
        recorded = job.record_outputs(
            state.outputs,
            state.cost,
            state.provider_status,
            state.cost_is_estimate,
            unusable_cost=state.unusable_cost,
        )
        return Answer.OUTPUTS if recorded else Answer.NOTHING
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
        return Answer.NOTHING
    delay = job.poll_delay(state.retry_after)
    answer = {"provider_status": state.provider_status, "error": "", **costs}
    if unchanged is not None and job.finds_as_it_was(**answer):
        unchanged.append((job, delay))
        return Answer.AGAIN
    return _again(job.schedule_poll(delay, poll_count=job.poll_count + 1, **answer))


def _again(scheduled: bool) -> Answer:
    return Answer.AGAIN if scheduled else Answer.NOTHING
