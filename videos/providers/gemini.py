"""Gemini API with Veo (https://generativelanguage.googleapis.com): ``x-goog-api-key`` auth."""

import httpx

from .base import (
    BadRequest,
    InvalidKey,
    KeyCheck,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UnexpectedResponse,
)
from .http import json_object, make_client, retry_after_seconds, send

NAME = "Gemini"
API_VERSION = "v1beta"


class GeminiProvider:
    slug = "gemini"

    def __init__(self, api_key: str, *, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def _auth(self) -> dict[str, str]:
        # Always a header, never ?key=: URLs end up in logs, headers do not.
        return {"x-goog-api-key": self._api_key}

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> dict:
        with make_client(timeout=timeout or self._timeout) as client:
            request = client.build_request(
                method, f"{self.base_url}/{API_VERSION}/{path}", headers=self._auth(), **kwargs
            )
            response = send(client, request, NAME)
            if response.is_success:
                return json_object(response, NAME)
            raise error_for(response)

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        body = self._call("GET", "models", params={"pageSize": 1000}, timeout=timeout)
        models = body.get("models")
        if not isinstance(models, list):
            raise UnexpectedResponse(f"{NAME} sent a model list without 'models'. Try again later.")
        video = [
            m
            for m in models
            if isinstance(m, dict)
            and "predictLongRunning" in (m.get("supportedGenerationMethods") or [])
        ]
        if not video:
            return KeyCheck(detail="Gemini accepted the key, but it offers no Veo video models.")
        return KeyCheck(detail=f"Gemini accepted the key; {len(video)} Veo video models available.")


def error_for(response: httpx.Response) -> ProviderError:
    """Map a Google API error (``{"error":{"code","message","status"}}``) to a typed error."""
    status = response.status_code
    error: dict = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
    message = str(error.get("message") or "")
    reasons = {
        str(d.get("reason"))
        for d in error.get("details") or []
        if isinstance(d, dict) and d.get("reason")
    }
    raw = response.text[:1000]
    if status in (401, 403) or "API_KEY_INVALID" in reasons or "API key not valid" in message:
        return InvalidKey(
            "Gemini refused this key (it is wrong, revoked, or lacks access to the Gemini API).",
            raw=raw,
            status_code=status,
        )
    if status == 400:
        return BadRequest(
            f"Gemini refused the request: {message or 'invalid argument'}",
            raw=raw,
            status_code=status,
        )
    if status == 429:
        return RateLimited(
            "Gemini's quota for this key is exhausted for now; we will wait and try again.",
            retry_after=retry_after_seconds(response),
            raw=raw,
            status_code=status,
        )
    if status >= 500:
        return ProviderUnavailable(
            f"Gemini had a problem on its side (HTTP {status}); try again shortly.",
            retry_after=retry_after_seconds(response),
            raw=raw,
            status_code=status,
        )
    return ProviderError(
        f"Gemini answered HTTP {status}: {message or 'unexpected error'}",
        raw=raw,
        status_code=status,
    )
