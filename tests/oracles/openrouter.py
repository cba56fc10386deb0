"""The `openrouter` SDK as the oracle for `POST /videos` bodies, captured without any network."""

from __future__ import annotations

from typing import Any

from .capture import CapturedRequest, OracleError, OracleRefused, require_version

OPENROUTER_VERSION = "1.3.84"
OPENROUTER_SERVER_URL = "https://oracle.invalid/api/v1"
OPENROUTER_KEY = "sk-or-v1-oracle"
OPENROUTER_ACCEPTED = {
    "id": "gen-vid-1-abc",
    "polling_url": "/api/v1/videos/gen-vid-1-abc",
    "status": "pending",
}


def openrouter_request(**kwargs: Any) -> CapturedRequest:
    """The request `OpenRouter(...).video_generation.generate(**kwargs)` sends.

    kwargs are the SDK's own: model, prompt, duration, resolution, aspect_ratio, size,
    generate_audio, seed, frame_images, input_references, callback_url, previous_job_id,
    provider, ... (dicts or SDK models). A client-side refusal raises `OracleRefused`.
    """
    require_version("openrouter", OPENROUTER_VERSION)
    import httpx
    from openrouter import OpenRouter

    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        request.read()
        sent.append(request)
        return httpx.Response(202, json=OPENROUTER_ACCEPTED)

    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as http,
        OpenRouter(api_key=OPENROUTER_KEY, server_url=OPENROUTER_SERVER_URL, client=http) as sdk,
    ):
        try:
            sdk.video_generation.generate(**kwargs)
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            if sent:
                raise
            raise OracleRefused("openrouter", str(exc), type(exc).__name__) from exc
    if len(sent) != 1:
        raise OracleError(f"expected one request from the openrouter SDK, saw {len(sent)}")
    return CapturedRequest.from_httpx(sent[0])


def openrouter_body(**kwargs: Any) -> dict[str, Any]:
    """The JSON body (as a dict, in the SDK's key order) of `openrouter_request(**kwargs)`."""
    return openrouter_request(**kwargs).body
