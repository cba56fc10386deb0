"""Copying a finished job's clips from its provider to our storage, one clip per step.

``collect`` returns the clip when it is to be copied again later, and leaves the queueing to
``videos.lifecycle``.
"""

import logging

from django.utils import timezone

from keys.vault import VaultError
from providers.base import (
    DownloadRefused,
    InvalidKey,
    Output,
    OutputGone,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)

from . import renditions
from .endings import NO_KEY, UNREADABLE_KEY
from .media import claims, ingest
from .models import Clip

log = logging.getLogger(__name__)


def collect(clip_pk: int) -> Clip | None:
    """Copy the clip, if it is still to be copied and due; the clip if it is to be tried again
    later (its time is on the row), None when nothing follows."""
    clip = Clip.objects.filter(pk=clip_pk).select_related("job__key").first()
    if clip is None or clip.status not in (Clip.Status.PENDING, Clip.Status.COPYING):
        return None
    if clip.next_attempt_at and clip.next_attempt_at > timezone.now():
        return None
    job = clip.job
    if clip.give_up_if_exhausted():
        job.finish_if_collected()
        return None
    client = _client_for_clip(clip)
    if client is None or not clip.claim():
        return None
    again = False
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
        return None  # another worker has the clip now; what happens to it is its business
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
        again = clip.retry_later(exc.message, exc.raw, exc.retry_after)
    except ProviderError as exc:
        again = clip.retry_later(exc.message, exc.raw)
    except Exception as exc:
        log.exception("Copying clip %s failed unexpectedly", clip.pk)
        message = f"Copying failed on this server ({type(exc).__name__}); it will be tried again."
        again = clip.retry_later(message)
    else:
        if clip.mark_ready(**facts):
            renditions.ask_for_job_format(clip)
    job.finish_if_collected()
    return clip if again else None


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
