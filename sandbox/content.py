"""What a job's download actually contains: a rendered clip, or a scenario's stand-in for one."""

from __future__ import annotations

from collections.abc import Mapping

from .clips import ClipCache
from .media import BytesSource, FileSource, PaddedMp4Source, Source
from .state import Job

# What a misconfigured CDN or a login wall sends back with a video/mp4 content type.
NOT_VIDEO_PAGE = b"""<!DOCTYPE html>
<html><head><title>Access denied</title></head>
<body><h1>Access denied</h1><p>You do not have permission to view this object.</p></body></html>
"""


def output_source(cache: ClipCache, job: Job, index: int) -> Source:
    """Bytes for output ``index`` of ``job`` (rendering the clip if it is not cached yet)."""
    if job.scenario.has("not-video"):
        return BytesSource(NOT_VIDEO_PAGE)
    clip = FileSource(cache.path_for(job.clips[index]))
    if job.scenario.huge_bytes is not None:
        return PaddedMp4Source(clip, job.scenario.huge_bytes)
    return clip


def credential_headers(headers: Mapping[str, str]) -> list[str]:
    """Names of credential-bearing headers present in a request, for the off-origin log."""
    names = ("authorization", "x-goog-api-key", "cookie", "proxy-authorization")
    return [name for name in names if name in headers]
