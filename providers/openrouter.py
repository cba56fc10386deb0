"""OpenRouter video API (https://openrouter.ai/api/v1): bearer auth, JSON errors by status."""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin

import httpx

from .base import (
    JobSpec,
    JobState,
    JobStatus,
    KeyCheck,
    ModelInfo,
    OutOfCredits,
    Output,
    OutputGone,
    ProviderError,
    ProviderUnavailable,
    SubmitResult,
    UnexpectedResponse,
    WebhookEvent,
    WebhookRejected,
)
from .http import (
    HttpProvider,
    accepted_json,
    error_from_reply,
    error_message,
    json_object,
    make_client,
    origin,
    send,
    send_submit,
    unknown_outcome,
)

NAME = "OpenRouter"
STATUSES = {
    "pending": JobStatus.PENDING,
    "in_progress": JobStatus.RUNNING,
    "completed": JobStatus.COMPLETED,
    "failed": JobStatus.FAILED,
    "cancelled": JobStatus.CANCELLED,
    "expired": JobStatus.EXPIRED,
}
# Image references are accepted by every OpenRouter video provider; Veo, the strictest, takes 3.
MAX_REFERENCE_IMAGES = 3
# Webhook deliveries older (or newer) than this are refused as replays.
WEBHOOK_MAX_AGE_SECONDS = 300
# Passthrough options are keyed by OpenRouter's provider slugs; unmatched ones are ignored.
PASSTHROUGH_SLUGS = {"google": ("google-vertex", "google-ai-studio")}


class OpenRouterProvider(HttpProvider):
    slug = "openrouter"
    label = NAME
    key_prefix = "sk-or-"
    key_help = "OpenRouter keys start with sk-or- and are at openrouter.ai/settings/keys."
    base_url_setting = "OPENROUTER_BASE_URL"
    webhook_secret_setting = "OPENROUTER_WEBHOOK_SECRET"  # noqa: S105 (a setting name)

    @staticmethod
    def download_error(response: httpx.Response) -> ProviderError:
        return download_error_for(response)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"}

    @staticmethod
    def webhook_event(
        headers: Mapping[str, str], body: bytes, secret: str, now: float | None = None
    ) -> WebhookEvent:
        """Verify a delivery (``X-OpenRouter-Signature``) and read which job it is about."""
        if not valid_signature(headers.get("X-OpenRouter-Signature", ""), body, secret, now):
            raise WebhookRejected("bad or stale signature", status_code=403)
        try:
            payload = json.loads(body)
            job_id, kind = payload["data"]["id"], str(payload.get("type") or "")
        except (ValueError, KeyError, TypeError):
            raise WebhookRejected("not an OpenRouter video webhook", status_code=400) from None
        if not isinstance(job_id, str) or not job_id:
            raise WebhookRejected("not an OpenRouter video webhook", status_code=400)
        return WebhookEvent(job_id=job_id, delivery_key=f"{job_id}-{kind}"[:300], kind=kind)

    def _on_api_origin(self, url: str) -> bool:
        return origin(url) == origin(self.base_url)

    def _call(self, method: str, url: str, *, timeout: float | None = None, **kwargs) -> dict:
        if not self._on_api_origin(url):
            # A reply must never steer the key to another host.
            raise UnexpectedResponse(f"{NAME} pointed to another host ({url}); refused.")
        with make_client(timeout=timeout or self._timeout) as client:
            request = client.build_request(method, url, headers=self._auth(), **kwargs)
            response = send(client, request, NAME)
            if response.is_success:
                return json_object(response, NAME)
            raise error_for(response)

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        body = self._call("GET", f"{self.base_url}/key", timeout=timeout)
        data = body.get("data")
        if not isinstance(data, dict):
            raise shape_error("the key check reply has no 'data' object")
        remaining = data.get("limit_remaining")
        detail = "OpenRouter accepted the key"
        if isinstance(remaining, int | float):
            detail += f"; {remaining:g} credits left on its limit"
        if data.get("is_free_tier"):
            detail += " (free tier)"
        return KeyCheck(detail=detail + ".")

    def list_models(self) -> list[ModelInfo]:
        body = self._call("GET", f"{self.base_url}/videos/models")
        entries = body.get("data")
        if not isinstance(entries, list):
            raise shape_error("the model list has no 'data' array")
        return [model for entry in entries if (model := model_info(entry))]

    def submit_body(self, spec: JobSpec, model: ModelInfo | None = None) -> dict:
        body: dict = {"model": spec.model}
        if spec.prompt:
            body["prompt"] = spec.prompt
        for name in ("duration", "resolution", "aspect_ratio", "seed", "callback_url"):
            if (value := getattr(spec, name)) is not None:
                body[name] = value
        if spec.generate_audio is not None:
            body["generate_audio"] = spec.generate_audio
        frames = [
            {"type": "image_url", "image_url": {"url": i.data_url()}, "frame_type": i.role}
            for i in spec.images
            if i.role in ("first_frame", "last_frame")
        ]
        references = [
            {"type": "image_url", "image_url": {"url": i.data_url()}}
            for i in spec.images
            if i.role == "reference"
        ]
        if frames:
            body["frame_images"] = frames
        if references:
            body["input_references"] = references
        if spec.negative_prompt.strip():
            vendor = spec.model.split("/", 1)[0]
            slugs = PASSTHROUGH_SLUGS.get(vendor, (vendor,))
            options = {slug: {"negative_prompt": spec.negative_prompt} for slug in slugs}
            body["provider"] = {"options": options}
        return body

    def submit(self, spec: JobSpec) -> SubmitResult:
        url = f"{self.base_url}/videos"
        with make_client(timeout=self._timeout) as client:
            request = client.build_request(
                "POST", url, headers=self._auth(), json=self.submit_body(spec)
            )
            response = send_submit(client, request, NAME)
            if not response.is_success:
                raise error_for(response)
            body = accepted_json(response, NAME)
        job_id, polling_url = body.get("id"), body.get("polling_url")
        if not isinstance(job_id, str) or not job_id:
            raise unknown_outcome(NAME, "its reply has no job id", response.text)
        if not isinstance(polling_url, str) or not polling_url:
            polling_url = f"/videos/{job_id}"
        return SubmitResult(
            job_id=job_id,
            polling_url=self.resolve(polling_url),
            status=STATUSES.get(str(body.get("status")), JobStatus.PENDING),
        )

    def resolve(self, url: str) -> str:
        """Polling and content URLs come relative (``/api/v1/...``) or absolute."""
        return urljoin(self.base_url + "/", url)

    def poll(self, polling_url: str) -> JobState:
        body = self._call("GET", self.resolve(polling_url))
        status_text = str(body.get("status") or "")
        status = STATUSES.get(status_text)
        if status is None:
            raise shape_error(f"unknown job status {status_text!r}")
        cost = parse_cost(body.get("usage"))
        if status == JobStatus.COMPLETED:
            outputs = self.outputs(body)
            if not outputs:
                raise shape_error("the job is completed but lists no video")
            return JobState(status, status_text, outputs=outputs, cost=cost)
        if status.is_terminal:
            raw = str(body.get("error") or "")
            return JobState(
                status, status_text, cost=cost, error=user_message(status, raw), raw_error=raw
            )
        return JobState(status, status_text, cost=cost)

    def outputs(self, body: dict) -> tuple[Output, ...]:
        """One output per video. A signed ``urls`` entry is preferred: it needs no key at all."""
        unsigned = [u for u in body.get("unsigned_urls") or [] if isinstance(u, str)]
        signed = body.get("urls") if isinstance(body.get("urls"), list) else []
        # expires_at has been seen on the job (for every url) and on each url entry.
        job_expiry = parse_expiry(body.get("expires_at"))
        result = []
        for index in range(max(len(unsigned), len(signed))):
            entry = signed[index] if index < len(signed) else None
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                url, expires = entry["url"], parse_expiry(entry.get("expires_at")) or job_expiry
            elif isinstance(entry, str):
                url, expires = entry, job_expiry
            elif index < len(unsigned):
                url, expires = unsigned[index], None
            else:
                continue
            result.append(Output(index=index, url=self.resolve(url), expires_at=expires))
        return tuple(result)


def valid_signature(header: str, body: bytes, secret: str, now: float | None = None) -> bool:
    """``t=<ts>,v1=<hex>`` with v1 = HMAC-SHA256(secret, "<ts>,<body>"), at most 5 minutes old."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp, signature = parts.get("t", ""), parts.get("v1", "")
    # Ten digits last until the year 2286; longer "numbers" are not timestamps.
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature:
        return False
    if abs((now or time.time()) - int(timestamp)) > WEBHOOK_MAX_AGE_SECONDS:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"," + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), signature)


def _tuple(value, kind) -> tuple:
    return tuple(v for v in value if isinstance(v, kind)) if isinstance(value, list) else ()


def model_info(entry) -> ModelInfo | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    passthrough = _tuple(entry.get("allowed_passthrough_parameters"), str)
    pricing = entry.get("pricing_skus")
    return ModelInfo(
        provider="openrouter",
        id=entry["id"],
        name=str(entry.get("name") or entry["id"]),
        description=str(entry.get("description") or ""),
        durations=tuple(sorted(_tuple(entry.get("supported_durations"), int))),
        resolutions=_tuple(entry.get("supported_resolutions"), str),
        aspect_ratios=_tuple(entry.get("supported_aspect_ratios"), str),
        frame_images=_tuple(entry.get("supported_frame_images"), str),
        max_reference_images=MAX_REFERENCE_IMAGES,
        audio=entry.get("generate_audio")
        if isinstance(entry.get("generate_audio"), bool)
        else None,
        seed=entry.get("seed") if isinstance(entry.get("seed"), bool) else None,
        negative_prompt="negative_prompt" in passthrough,
        pricing={str(k): str(v) for k, v in pricing.items()} if isinstance(pricing, dict) else {},
    )


def parse_cost(usage) -> Decimal | None:
    if not isinstance(usage, dict) or usage.get("cost") is None:
        return None
    try:
        return Decimal(str(usage["cost"]))
    except InvalidOperation:
        return None


def parse_expiry(value) -> datetime | None:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def user_message(status: JobStatus, raw: str) -> str:
    if status == JobStatus.EXPIRED:
        return "OpenRouter let this job expire before it finished. Submit it again to retry."
    if status == JobStatus.CANCELLED:
        return "The job was cancelled at OpenRouter."
    return f"OpenRouter could not make this video: {raw.rstrip('.') or 'no reason given'}."


def shape_error(what: str) -> UnexpectedResponse:
    return UnexpectedResponse(f"{NAME} sent an unexpected reply: {what}. Try again later.")


def download_error_for(response: httpx.Response) -> ProviderError:
    if response.status_code in (404, 410):
        return OutputGone(
            "OpenRouter no longer has this clip (it expired or was deleted), so it cannot be "
            "copied. Generate it again to get a new one.",
            raw=response.text[:1000],
            status_code=response.status_code,
        )
    if response.status_code == 409:
        return ProviderUnavailable(
            "OpenRouter says the clip is not ready yet; we will try again.",
            raw=response.text[:1000],
            status_code=409,
        )
    return error_for(response)


def error_for(response: httpx.Response) -> ProviderError:
    """Map an OpenRouter error reply (``{"error":{"code","message"}}``) to a typed error."""
    message = str(error_message(response).get("message") or "")
    if response.status_code == 402:
        return OutOfCredits(
            "The OpenRouter account behind this key is out of credits. Add credits and try again.",
            raw=response.text[:1000],
            status_code=402,
        )
    return error_from_reply(
        response,
        NAME,
        message=message,
        key_refused=response.status_code in (401, 403),
        key_text="OpenRouter refused this key (it is wrong, revoked or disabled).",
        rate_text="OpenRouter is rate limiting this key; we will wait and try again.",
    )
