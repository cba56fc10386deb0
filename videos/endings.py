"""How a job ends when a step cannot go on: without a usable key, or for a reason its provider
gave. One message and one kind of failure for each, whichever step met it.
"""

import logging

from keys.vault import VaultError
from providers.base import (
    BadRequest,
    InvalidKey,
    OutOfCredits,
    ProviderError,
    SafetyRefused,
    SourceGone,
)

from .models import VideoJob

log = logging.getLogger(__name__)

NO_KEY = "The key this job used was deleted, so the job cannot be followed any further."
UNREADABLE_KEY = "The key this job used cannot be decrypted any more; add it again."


def client_for(job: VideoJob):
    """The job's provider adapter, or None after failing the job with the reason."""
    try:
        client = job.provider_client()
    except VaultError:
        job.fail(UNREADABLE_KEY)
        return None
    if client is None:
        job.fail(NO_KEY)
    return client


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
