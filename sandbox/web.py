"""Framework-free request and response values shared by the two fake APIs and the server."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str]
    # Lower-cased header names; the last value wins, which is all these APIs need.
    headers: Mapping[str, str]
    body: bytes
    # Scheme, host and port exactly as the client addressed this server (from the Host header),
    # so absolute URLs in responses point back at whatever address the client used.
    base_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Body(Protocol):
    """A response body that is produced in chunks, so gigabytes never sit in memory."""

    @property
    def length(self) -> int: ...

    def chunks(self) -> Iterator[bytes]: ...


@dataclass
class Response:
    status: int
    body: bytes | Body = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Send the full Content-Length header, then only this many body bytes, then drop the
    # connection: what a flaky CDN looks like to a downloader.
    truncate_after: int | None = None

    @property
    def content_length(self) -> int:
        return len(self.body) if isinstance(self.body, bytes) else self.body.length


def json_response(
    status: int, payload: object, headers: list[tuple[str, str]] | None = None
) -> Response:
    return Response(
        status=status,
        body=json.dumps(payload).encode(),
        headers=[("Content-Type", "application/json; charset=utf-8"), *(headers or [])],
    )


def other_host(base_url: str) -> str:
    """The same server under a different host name, to stand in for a CDN or storage host.

    127.0.0.1 and localhost reach the same socket but are different origins to an HTTP client,
    which is exactly what is needed to see whether a client leaks credentials across hosts.
    """
    parts = urlsplit(base_url)
    host = "localhost" if parts.hostname == "127.0.0.1" else "127.0.0.1"
    return f"{parts.scheme}://{host}:{parts.port}"
