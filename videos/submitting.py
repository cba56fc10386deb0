"""Sending a job to its provider: everything that can fail before the request leaves is
checked first, so that a failure then is never mistaken for a request that may have gone out.

``submit`` says what comes next (``Sent``: follow the job; ``SendLater``: try again in a while)
and leaves the queueing to ``videos.lifecycle``.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from providers import registry
from providers.base import (
    BadRequest,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    SubmitOutcomeUnknown,
)

from .endings import client_for, end_with
from .models import VideoJob
from .offers import model_of, spec_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """The provider took the job: follow it."""

    job: VideoJob


@dataclass(frozen=True)
class SendLater:
    """The provider said "not now" (or could not be reached): send the job again after
    ``delay`` seconds."""

    job: VideoJob
    delay: float


def submit(job_pk: int) -> Sent | SendLater | None:
    """Send the job, if it is still queued and due; None when nothing follows."""
    job = VideoJob.objects.filter(pk=job_pk).select_related("key").first()
    if job is None or job.status != VideoJob.Status.QUEUED:
        return None
    if job.next_submit_at and job.next_submit_at > timezone.now():
        return None  # a later task is scheduled for it
    client = client_for(job)
    if client is None:
        return None
    try:
        # Everything that can go wrong before the request leaves happens here, so that a
        # failure now is never mistaken for a request that may have reached the provider.
        spec, model = prepared(job)
    except (RateLimited, ProviderUnavailable) as exc:
        return _try_submit_later(job, exc, claimed=False)
    except Exception as exc:
        end_with(job, exc)
        return None
    if not job.claim_for_submit():
        return None
    try:
        result = client.submit(spec, model)
    except SubmitOutcomeUnknown as exc:
        job.mark_needs_attention(exc.message)
        return None
    except (RateLimited, ProviderUnavailable) as exc:
        # The provider answered "not now" (or could not be reached): nothing was started.
        return _try_submit_later(job, exc, claimed=True)
    except ProviderError as exc:
        end_with(job, exc)
        return None
    except Exception as exc:
        # Unforeseen, after the request may have gone out: a person must look.
        log.exception("Submitting job %s failed unexpectedly", job.pk)
        job.mark_needs_attention(
            f"Something went wrong while sending this job ({type(exc).__name__}), so we cannot "
            "tell whether the provider started it. Check your provider account before "
            "submitting it again."
        )
        return None
    job.key.mark_used()
    job.key.mark_accepted()
    return Sent(job) if job.mark_submitted(result.job_id, result.polling_url) else None


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


def _try_submit_later(job: VideoJob, exc: ProviderError, *, claimed: bool) -> SendLater | None:
    attempts = job.submit_attempts if claimed else job.submit_attempts + 1
    if attempts >= settings.SUBMIT_MAX_ATTEMPTS:
        job.fail(
            f"{exc.message} Gave up after {attempts} attempts.",
            exc.raw,
            failure=VideoJob.Failure.PROVIDER,
        )
        return None
    delay = max(exc.retry_after or 0, settings.POLL_MIN_SECONDS * attempts)
    return (
        SendLater(job, delay) if job.requeue_submit(delay, exc.message, attempts=attempts) else None
    )
