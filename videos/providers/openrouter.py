"""OpenRouter video API (https://openrouter.ai/api/v1): bearer auth, JSON errors by status."""

import httpx

from .base import (
    BadRequest,
    InvalidKey,
    KeyCheck,
    OutOfCredits,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UnexpectedResponse,
)
from .http import json_object, make_client, retry_after_seconds, send

NAME = "OpenRouter"


class OpenRouterProvider:
    slug = "openrouter"

    def __init__(self, api_key: str, *, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def _client(self, timeout: float | None = None) -> httpx.Client:
        # The bearer header is attached per request, and only to URLs on the API's own origin.
        return make_client(timeout=timeout or self._timeout)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> dict:
        with self._client(timeout) as client:
            request = client.build_request(
                method, f"{self.base_url}{path}", headers=self._auth(), **kwargs
            )
            response = send(client, request, NAME)
            if response.is_success:
                return json_object(response, NAME)
            raise error_for(response)

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        body = self._call("GET", "/key", timeout=timeout)
        data = body.get("data")
        if not isinstance(data, dict):
            raise error_for_shape("the key check reply has no 'data' object")
        remaining = data.get("limit_remaining")
        detail = "OpenRouter accepted the key"
        if isinstance(remaining, int | float):
            detail += f"; {remaining:g} credits left on its limit"
        if data.get("is_free_tier"):
            detail += " (free tier)"
        return KeyCheck(detail=detail + ".")


def error_for_shape(what: str) -> UnexpectedResponse:
    return UnexpectedResponse(f"{NAME} sent an unexpected reply: {what}. Try again later.")


def error_for(response: httpx.Response) -> ProviderError:
    """Map an OpenRouter error reply (``{"error":{"code","message"}}``) to a typed error."""
    status = response.status_code
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        message = str(body["error"].get("message") or "")
    raw = response.text[:1000]
    if status in (401, 403):
        return InvalidKey(
            "OpenRouter refused this key (it is wrong, revoked or disabled).",
            raw=raw,
            status_code=status,
        )
    if status == 402:
        return OutOfCredits(
            "The OpenRouter account behind this key is out of credits. Add credits and try again.",
            raw=raw,
            status_code=status,
        )
    if status == 400 or status == 422:
        return BadRequest(
            f"OpenRouter refused the request: {message or 'bad parameters'}",
            raw=raw,
            status_code=status,
        )
    if status == 429 or (status == 503 and "Retry-After" in response.headers):
        return RateLimited(
            "OpenRouter is rate limiting this key; we will wait and try again.",
            retry_after=retry_after_seconds(response),
            raw=raw,
            status_code=status,
        )
    if status >= 500:
        return ProviderUnavailable(
            f"OpenRouter had a problem on its side (HTTP {status}); try again shortly.",
            retry_after=retry_after_seconds(response),
            raw=raw,
            status_code=status,
        )
    return ProviderError(
        f"OpenRouter answered HTTP {status}: {message or 'unexpected error'}",
        raw=raw,
        status_code=status,
    )
