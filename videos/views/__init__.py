"""The videos app's views, one module per concern, all re-exported here for ``videos.urls``:
``operations`` (health, readiness, metrics), ``generating``, ``job`` (the job page and
what is done from it), ``clips`` (a clip's actions and files), ``lists`` (every video,
the library); ``lookup`` holds how they fetch through the access check. (No module is named
after a view it holds: ``videos.views.library`` is the view.)"""

from .clips import (
    clip_delete,
    clip_download,
    clip_export,
    clip_file,
    clip_poster,
    clip_rename,
    clip_retry,
    clip_star,
    job_zip,
    rendition_download,
    rendition_file,
)
from .generating import generate, generate_options, home, preset_save
from .job import (
    clip_continue,
    job_cancel,
    job_compare,
    job_detail,
    job_live,
    job_project,
    job_resubmit,
)
from .lists import library, videos
from .operations import health, metrics, ready

__all__ = [
    "clip_continue",
    "clip_delete",
    "clip_download",
    "clip_export",
    "clip_file",
    "clip_poster",
    "clip_rename",
    "clip_retry",
    "clip_star",
    "generate",
    "generate_options",
    "health",
    "home",
    "job_cancel",
    "job_compare",
    "job_detail",
    "job_live",
    "job_project",
    "job_resubmit",
    "job_zip",
    "library",
    "metrics",
    "preset_save",
    "ready",
    "rendition_download",
    "rendition_file",
    "videos",
]
