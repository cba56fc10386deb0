"""What an SDK put on the wire, and the errors the oracles raise."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class OracleError(Exception):
    """The oracle itself could not run (wrong SDK version, unexpected traffic, broken child)."""


class OracleRefused(OracleError):
    """The SDK refused the input on the client side; nothing was sent.

    `sdk` names the SDK, `message` is the SDK's own message, `sdk_error` its exception type.
    """

    def __init__(self, sdk: str, message: str, sdk_error: str = "") -> None:
        self.sdk = sdk
        self.message = message
        self.sdk_error = sdk_error
        kind = f" ({sdk_error})" if sdk_error else ""
        super().__init__(f"{sdk} refused the request{kind}: {message}")


class OracleEnvUnavailable(OracleError):
    """The isolated environment for an SDK could not be built.

    `offline` is true when the package registry could not be reached: only then may a test
    skip instead of fail.
    """

    def __init__(self, message: str, *, offline: bool) -> None:
        self.offline = offline
        super().__init__(message)


@dataclass(frozen=True)
class CapturedRequest:
    """One HTTP request as the SDK built it. `content` is the exact body bytes."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def body(self) -> Any:
        """The body parsed as JSON (key order kept), or None when the body is empty."""
        if not self.content:
            return None
        return json.loads(self.content)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "content_b64": base64.b64encode(self.content).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CapturedRequest:
        return cls(
            method=data["method"],
            url=data["url"],
            headers=dict(data["headers"]),
            content=base64.b64decode(data["content_b64"]),
        )

    @classmethod
    def from_httpx(cls, request: Any) -> CapturedRequest:
        """From an `httpx.Request` (or the identical `httpx2.Request`)."""
        return cls(
            method=request.method,
            url=str(request.url),
            headers={key.lower(): value for key, value in request.headers.items()},
            content=bytes(request.read()),
        )


def require_version(distribution: str, expected: str) -> None:
    """The oracle describes one SDK version; any other would give other bodies."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version(distribution)
    except PackageNotFoundError as exc:
        raise OracleError(f"{distribution}=={expected} is not installed") from exc
    if installed != expected:
        raise OracleError(
            f"the oracle is pinned to {distribution}=={expected}, but {installed} is "
            "installed: install the pinned version (make venv)"
        )
