"""The videos app's models, one module per concern; every name is re-exported here, so that
``from videos.models import VideoJob`` (and the migrations' ``videos.models._now``) keep working.

The modules build on one another in this order, each importing only those before it:
``compare_and_set`` (state changes by conditional UPDATE, leased work),
``job_queries`` and ``job_states`` (what ``jobs`` is built from), ``jobs``, ``clips``,
``renditions``; ``webhooks`` stands alone. ``ProviderKey`` lives in the ``keys`` app and is
re-exported here for the imports that name it from here.
"""

from keys.models import ProviderKey, ProviderKeyQuerySet

from .clips import Clip, ClipQuerySet
from .compare_and_set import CompareAndSet, LeasedWork, LeasedWorkQuerySet
from .job_queries import BudgetStanding, VideoJobQuerySet
from .job_states import JobStateMachine
from .jobs import VideoJob, _now, job_ended
from .renditions import Rendition, RenditionQuerySet
from .webhooks import WebhookDelivery

__all__ = [
    "BudgetStanding",
    "Clip",
    "ClipQuerySet",
    "CompareAndSet",
    "JobStateMachine",
    "LeasedWork",
    "LeasedWorkQuerySet",
    "ProviderKey",
    "ProviderKeyQuerySet",
    "Rendition",
    "RenditionQuerySet",
    "VideoJob",
    "VideoJobQuerySet",
    "WebhookDelivery",
    "_now",
    "job_ended",
]
