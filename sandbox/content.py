"""What a job's download contains (a rendered clip, or a scenario's stand-in for one), and how
requests are recorded for the stats (credential headers, base64 payloads described, not kept)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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


_PAYLOAD_KEYS = ("bytesBase64Encoded", "data", "encodedVideo")
_MIME_KEYS = ("mimeType", "mime_type", "encoding")


def describe_payloads(value: Any) -> Any:
    """A copy of a request body with every base64 payload replaced by ``"<mime N bytes>"``.

    Covers ``data:`` URLs (OpenRouter), ``bytesBase64Encoded`` / ``encodedVideo`` (Veo) and
    ``data`` blocks (Interactions), so stats stay small and still say what arrived.
    """
    if isinstance(value, list):
        return [describe_payloads(item) for item in value]
    if isinstance(value, dict):
        mime = next((value[key] for key in _MIME_KEYS if isinstance(value.get(key), str)), None)
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if key in _PAYLOAD_KEYS and isinstance(item, str):
                copy[key] = f"<{mime or 'application/octet-stream'} {_decoded_size(item)} bytes>"
            else:
                copy[key] = describe_payloads(item)
        return copy
    if isinstance(value, str) and value.startswith("data:") and ";base64," in value[:200]:
        header, _, data = value.partition(",")
        mime = header.removeprefix("data:").split(";")[0] or "application/octet-stream"
        return f"<{mime} {_decoded_size(data)} bytes>"
    return value


def _decoded_size(data: str) -> int:
    data = data.strip()
    return max(0, len(data) * 3 // 4 - data[-2:].count("="))
