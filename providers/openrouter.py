"""OpenRouter video API (https://openrouter.ai/api/v1): bearer auth, JSON errors by status.

The model list says most of what a model takes; what it does not say (Veo's rules, which
upstream provider slug passthrough options go under) is kept here, keyed by model family.
"""

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin

import httpx

from .base import (
    MAX_REPORTED_COST,
    BadRequest,
    Continuation,
    Estimate,
    JobSpec,
    JobState,
    JobStatus,
    KeyCheck,
    ModelInfo,
    OutOfCredits,
    Output,
    ProviderError,
    ProviderUnavailable,
    ReportedCost,
    SafetyRefused,
    SourceGone,
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
    make_client,
    origin,
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
# OpenRouter documents no per-model limit for image references; Veo, the strictest, takes 3.
MAX_REFERENCE_IMAGES = 3
# The whole request body; larger ones get 413 before they are read (base64 images count 4/3).
MAX_BODY_BYTES = 50 * 1024 * 1024
# Webhook deliveries older (or newer) than this are refused as replays.
WEBHOOK_MAX_AGE_SECONDS = 300
# Passthrough options go under the *upstream* provider's slug (not the model's vendor prefix);
# options under a slug that does not serve the model are silently dropped, so a vendor whose
# slug we do not know gets no passthrough option at all rather than one that vanishes.
UPSTREAM_SLUGS = {
    "google": ("google-vertex", "google-ai-studio"),
    "alibaba": ("alibaba",),
    "bytedance": ("byteplus",),
    "minimax": ("minimax",),
    "runway": ("runway",),
    "x-ai": ("xai",),
}
# Our option -> the passthrough names models use for it (exact casing is required).
PASSTHROUGH_NAMES = {
    "negative_prompt": ("negativePrompt", "negative_prompt"),
    "person_generation": ("personGeneration", "person_generation"),
}
# Veo's rules, which the model list has no field for (the same on OpenRouter as at Google).
VEO_RULES = {
    "last_frame_needs_first": True,
    "required_durations": {
        "1080p": 8,
        "4K": 8,
        "last_frame": 8,
        "reference_images": 8,
        # Carrying on from a Veo video is Veo's extension underneath: 8 s, as at Google.
        "extend": 8,
        "edit": 8,
    },
    "prompt_required_with_references": True,
    # previous_job_id carries on from a completed job of the same model: the prompt says
    # whether to extend it or change it.
    "continuations": ("extend", "edit"),
}


class OpenRouterProvider(HttpProvider):
    slug = "openrouter"
    label = NAME
    key_prefix = "sk-or-"
    key_help = "OpenRouter keys start with sk-or- and are at openrouter.ai/settings/keys."
    base_url_setting = "OPENROUTER_BASE_URL"
    webhook_secret_setting = "OPENROUTER_WEBHOOK_SECRET"  # noqa: S105 (a setting name)

    gone_text = (
        "OpenRouter no longer has this clip (it expired or was deleted), so it cannot be "
        "copied. Generate it again to get a new one."
    )

    @staticmethod
    def error_for(response: httpx.Response) -> ProviderError:
        return error_for(response)

    def download_error(self, response: httpx.Response) -> ProviderError:
        if response.status_code == 409:
            return ProviderUnavailable(
                "OpenRouter says the clip is not ready yet; we will try again.",
                raw=response.text[:1000],
                status_code=409,
            )
        return super().download_error(response)

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
        return self._request(method, url, timeout=timeout, **kwargs)

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        body = self._call("GET", f"{self.base_url}/key", timeout=timeout)
        data = body.get("data")
        if not isinstance(data, dict):
            raise shape_error("the key check reply has no 'data' object")
        remaining = data.get("limit_remaining")
        if isinstance(remaining, int | float) and remaining <= 0:
            return KeyCheck(
                detail="OpenRouter accepted the key, but it has no credits left on its limit: "
                "add credits (or raise the key's limit) before generating.",
                usable=False,
                problem="no_credit",
            )
        detail = "OpenRouter accepted the key"
        if isinstance(remaining, int | float):
            detail += f"; ${remaining:,.2f} left on its limit"
        if data.get("is_free_tier"):
            detail += " (free tier)"
        return KeyCheck(detail=detail + ".")

    def list_models(self) -> list[ModelInfo]:
        body = self._call("GET", f"{self.base_url}/videos/models")
        entries = body.get("data")
        if not isinstance(entries, list):
            raise shape_error("the model list has no 'data' array")
        return [model for entry in entries if (model := model_info(entry))]

    def submit_body(self, spec: JobSpec, model: ModelInfo) -> dict:
        body: dict = {"model": spec.model}
        if spec.prompt:
            body["prompt"] = spec.prompt
        for name in ("duration", "resolution", "aspect_ratio", "seed", "callback_url"):
            if (value := getattr(spec, name)) is not None:
                body[name] = value
        if spec.parent:
            body["previous_job_id"] = spec.parent.job_id
        if model.audio:
            # Left out, audio defaults to on and is billed: always say which one is wanted.
            body["generate_audio"] = bool(spec.generate_audio)
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
        parameters = {
            name: value
            for option, name in model.passthrough.items()
            if (value := passthrough_value(spec, option))
        }
        if parameters:
            slugs = UPSTREAM_SLUGS[vendor(spec.model)]
            body["provider"] = {
                "options": {slug: {"parameters": dict(parameters)} for slug in slugs}
            }
        return body

    def submit(self, spec: JobSpec, model: ModelInfo) -> SubmitResult:
        url = f"{self.base_url}/videos"
        content = json.dumps(self.submit_body(spec, model)).encode()
        if len(content) > MAX_BODY_BYTES:
            raise BadRequest(
                f"The request is {len(content) / 1024**2:.0f} MB with its images; OpenRouter "
                f"takes at most {MAX_BODY_BYTES // 1024**2} MB. Use fewer or smaller images."
            )
        with make_client(timeout=self._timeout) as client:
            request = client.build_request(
                "POST",
                url,
                headers={**self._auth(), "Content-Type": "application/json"},
                content=content,
            )
            response = send_submit(client, request, NAME)
            if response.status_code == 404 and spec.parent:
                raise SourceGone(
                    f"{NAME} no longer keeps the clip this version carries on from (it was "
                    "deleted or has expired), so it cannot be extended or edited any more. "
                    "Nothing was started or charged.",
                    raw=response.text[:1000],
                    status_code=404,
                )
            if not response.is_success:
                raise error_for(response)
            body = accepted_json(response, NAME)
        job_id, polling_url = body.get("id"), body.get("polling_url")
        if not isinstance(job_id, str) or not job_id:
            raise unknown_outcome(NAME, "its reply has no job id", response.text)
        polling_url = self.resolve(polling_url) if isinstance(polling_url, str) else ""
        if not polling_url or not self._on_api_origin(polling_url):
            # The job exists and is paid for; follow it on the documented endpoint, which is
            # on the API's own origin, rather than send the key wherever the reply points.
            polling_url = f"{self.base_url}/videos/{job_id}"
        return SubmitResult(
            job_id=job_id,
            polling_url=polling_url,
            status=STATUSES.get(str(body.get("status")), JobStatus.PENDING),
        )

    def resolve(self, url: str) -> str:
        """Polling and content URLs come relative (``/api/v1/...``) or absolute."""
        return urljoin(self.base_url + "/", url)

    def poll(self, polling_url: str) -> JobState:
        url = self.resolve(polling_url)
        if not self._on_api_origin(url):
            raise BadRequest(
                f"{NAME} gave a polling address on another host ({origin(url)[1]}); the key is "
                "only ever sent to OpenRouter itself, so this job cannot be followed."
            )
        body = self._call("GET", url)
        reported = parse_cost(body.get("usage"))
        state = self._state(body, reported.amount)
        return replace(state, unusable_cost=reported.unusable) if reported.unusable else state

    def _state(self, body: dict, cost: Decimal | None) -> JobState:
        status_text = str(body.get("status") or "")
        # The status is an open set: one we do not know yet means "not finished" (the job's
        # deadline caps how long that may last).
        status = STATUSES.get(status_text, JobStatus.RUNNING)
        if status == JobStatus.COMPLETED:
            outputs = self.outputs(body)
            if outputs:
                return JobState(status, status_text, outputs=outputs, cost=cost)
            # Finished without a video: the model's safety rules held the output back when it
            # says so, else a failure; either way an answer, not a reply to ask again about.
            raw = str(body.get("error") or "")
            if is_safety_refusal(raw):
                return JobState(
                    JobStatus.BLOCKED, status_text, cost=cost, error=blocked_message(raw, cost)
                )
            return JobState(
                JobStatus.FAILED,
                status_text,
                cost=cost,
                error="OpenRouter finished the job without any video and gave no reason.",
                raw_error=raw or "completed without unsigned_urls",
            )
        if status.is_terminal:
            raw = str(body.get("error") or "")
            if status == JobStatus.FAILED and is_safety_refusal(raw):
                return JobState(
                    JobStatus.BLOCKED,
                    status_text,
                    cost=cost,
                    error=blocked_message(raw, cost),
                    raw_error=raw,
                )
            return JobState(
                status, status_text, cost=cost, error=user_message(status, raw), raw_error=raw
            )
        return JobState(status, status_text, cost=cost)

    def source_kept(self, parent: Continuation) -> bool:
        """Ask for the earlier job: OpenRouter answers 404 for a job it no longer keeps."""
        try:
            body = self._call("GET", f"{self.base_url}/videos/{parent.job_id}")
        except ProviderError as exc:
            if exc.status_code in (404, 410):
                return False
            raise
        return body.get("status") == "completed"

    def outputs(self, body: dict) -> tuple[Output, ...]:
        """One output per video: the signed copy (no key needed) while it lasts, and the keyed
        content endpoint behind it, which keeps working as long as the output exists."""
        unsigned = [u for u in body.get("unsigned_urls") or [] if isinstance(u, str)]
        signed = body.get("urls") if isinstance(body.get("urls"), list) else []
        # The SDK types urls as strings with one job-level expires_at; objects have been seen.
        job_expiry = parse_expiry(body.get("expires_at"))
        job_id = str(body.get("id") or "")
        result = []
        for index in range(max(len(unsigned), len(signed))):
            entry = signed[index] if index < len(signed) else None
            keyed = self.resolve(unsigned[index]) if index < len(unsigned) else ""
            if not keyed and job_id:
                keyed = f"{self.base_url}/videos/{job_id}/content?index={index}"
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                url, expires = entry["url"], parse_expiry(entry.get("expires_at")) or job_expiry
            elif isinstance(entry, str):
                url, expires = entry, job_expiry
            else:
                url, expires, keyed = keyed, None, ""
            if url:
                result.append(Output(index, self.resolve(url), expires, fallback_url=keyed))
        return tuple(result)

    @staticmethod
    def estimate(spec: JobSpec, model: ModelInfo) -> Estimate | None:
        return estimate(model, spec)


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


def vendor(model_id: str) -> str:
    return model_id.split("/", 1)[0]


def passthrough_value(spec: JobSpec, option: str) -> str:
    values = {
        "negative_prompt": spec.negative_prompt.strip(),
        "person_generation": spec.person_generation or "",
    }
    return values[option]


def model_info(entry) -> ModelInfo | None:
    """What a text/image-to-video form can do with a listed model, or None if it cannot drive
    it (edit, upscale and avatar models need a video or audio input and list no durations)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    durations = tuple(sorted(set(_tuple(entry.get("supported_durations"), int))))
    if not durations or entry.get("upscale_factor"):
        return None
    model_id = entry["id"]
    modalities = _tuple(entry.get("input_modalities"), str) or ("text", "image")
    allowed = _tuple(entry.get("allowed_passthrough_parameters"), str)
    passthrough = {}
    if vendor(model_id) in UPSTREAM_SLUGS:
        for option, names in PASSTHROUGH_NAMES.items():
            if name := next((n for n in names if n in allowed), None):
                passthrough[option] = name
    pricing = entry.get("pricing_skus")
    veo = model_id.startswith("google/veo-")
    return ModelInfo(
        provider="openrouter",
        id=model_id,
        name=str(entry.get("name") or model_id),
        description=str(entry.get("description") or ""),
        family="veo" if veo else vendor(model_id),
        durations=durations,
        resolutions=_tuple(entry.get("supported_resolutions"), str),
        aspect_ratios=_tuple(entry.get("supported_aspect_ratios"), str),
        frame_images=_tuple(entry.get("supported_frame_images"), str)
        if "image" in modalities
        else (),
        max_reference_images=MAX_REFERENCE_IMAGES if "image" in modalities else 0,
        audio=True if entry.get("generate_audio") is True else None,
        seed=entry.get("seed") if isinstance(entry.get("seed"), bool) else None,
        negative_prompt="negative_prompt" in passthrough,
        person_generation=("allow_all", "allow_adult", "dont_allow")
        if "person_generation" in passthrough
        else (),
        pricing={str(k): str(v) for k, v in pricing.items()} if isinstance(pricing, dict) else {},
        # Frame images win and references are silently dropped: never send both.
        references_with_frames=False,
        passthrough=passthrough,
        outputs_known=False,  # no count field: the model decides how many clips it makes
        **(VEO_RULES if veo else {}),
    )


# --- prices ----------------------------------------------------------------------------------


def _resolution_key(resolution: str | None) -> str:
    return (resolution or "").lower()


def estimate(model: ModelInfo, spec: JobSpec) -> Estimate | None:
    """The price of ``spec`` from the model's ``pricing_skus``: per second (with or without
    audio, at this resolution where a SKU says so), cents per second, or video tokens."""
    skus = model.pricing
    seconds = spec.duration or (model.durations[-1] if model.durations else 0)
    if not skus or not seconds:
        return None
    audio = bool(spec.generate_audio) if model.audio else False
    # OpenRouter bills every clip a job makes, and the model decides how many it makes.
    outputs = spec.sample_count * model.outputs_per_job
    clips = f", for each of {outputs} clips" if outputs > 1 else ""
    if not model.outputs_known:
        clips = " for each clip: the model decides how many clips it makes"
    sound = "with_audio" if audio else "without_audio"
    res = _resolution_key(spec.resolution)
    framed = any(image.role == "first_frame" for image in spec.images)
    mode = "image_to_video" if framed else "text_to_video"
    per_second = [
        (f"duration_seconds_{sound}_{res}", 1),
        (f"duration_seconds_{sound}", 1),
        (f"{mode}_duration_seconds_{res}", 1),
        ("duration_seconds_with_audio" if audio else "", 1),
        ("duration_seconds", 1),
        (f"cents_per_video_output_second_{res}", Decimal("0.01")),
        ("cents_per_second_output", Decimal("0.01")),
    ]
    for sku, scale in per_second:
        if sku and (rate := _decimal(skus.get(sku))) is not None:
            amount = rate * scale * seconds * outputs
            what = "with" if audio else "without"
            basis = f"{seconds} s at ${rate * scale:.3f}/s"
            basis += f" {what} audio" if model.audio else ""
            basis += f" at {spec.resolution}" if res else ""
            return Estimate.of(amount, basis + clips)
    if (rate := _decimal(skus.get(f"video_tokens_{res}") or skus.get("video_tokens"))) is not None:
        width, height = _pixels(spec.resolution, spec.aspect_ratio)
        # Token-priced models count (width x height x 24 fps x seconds) / 1024 tokens.
        tokens = Decimal(width * height * 24 * seconds) / 1024
        amount = rate * tokens * outputs
        return Estimate.of(amount, f"about {tokens:,.0f} video tokens at ${rate}/token" + clips)
    return None


def _decimal(value) -> Decimal | None:
    """A catalogue price as a number, or None when it is not one we would charge by: not a
    number, not finite, negative or absurd (such a SKU is passed over, as if it were absent)."""
    try:
        price = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None
    if price is None or not price.is_finite() or not 0 <= price <= MAX_REPORTED_COST:
        return None
    return price


def _pixels(resolution: str | None, aspect_ratio: str | None) -> tuple[int, int]:
    lines = {"360p": 360, "480p": 480, "720p": 720, "768p": 768, "1080p": 1080, "1k": 1080}
    lines |= {"2k": 1440, "4k": 2160}
    short = lines.get(_resolution_key(resolution), 720)
    w, h = (int(n) for n in (aspect_ratio or "16:9").split(":"))
    return (short * w // h, short) if w >= h else (short, short * h // w)


def parse_cost(usage) -> ReportedCost:
    """``usage.cost``, checked: a number of US dollars (the API documents nothing else)."""
    if not isinstance(usage, dict):
        return ReportedCost()
    return ReportedCost.of(usage.get("cost"))


def parse_expiry(value) -> datetime | None:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


# How OpenRouter says that the model's provider refused the content (a failed job's ``error``).
SAFETY_WORDS = ("content policy", "safety", "moderation", "prohibited content")


def is_safety_refusal(raw: str) -> bool:
    text = raw.lower()
    return any(word in text for word in SAFETY_WORDS)


def blocked_message(raw: str, cost: Decimal | None) -> str:
    """A safety refusal during generation: what happened, what was charged, what to change."""
    charged = (
        f"OpenRouter reports a charge of ${cost:.2f} for it."
        if cost
        else "Nothing was charged for it."
    )
    said = f" OpenRouter said: “{raw.rstrip('.')}”." if raw else ""
    return (
        f"The model's provider refused to make this video under its safety rules.{said} "
        f"{charged} The same prompt would be refused again."
    )


def user_message(status: JobStatus, raw: str) -> str:
    if status == JobStatus.EXPIRED:
        return "OpenRouter let this job expire before it finished. Submit it again to retry."
    if status == JobStatus.CANCELLED:
        return "The job was cancelled at OpenRouter."
    return f"OpenRouter could not make this video: {raw.rstrip('.') or 'no reason given'}."


def shape_error(what: str) -> UnexpectedResponse:
    return UnexpectedResponse(f"{NAME} sent an unexpected reply: {what}. Try again later.")


def error_for(response: httpx.Response) -> ProviderError:
    """Map an OpenRouter error reply (``{"error":{"code","message"}}``) to a typed error."""
    message = str(error_message(response).get("message") or "")
    if response.status_code == 400 and ("content policy" in message.lower() or "SAFETY" in message):
        return SafetyRefused(
            "The provider's safety rules refused this request before starting it; nothing "
            "was charged. Rephrase the prompt or change the images.",
            raw=response.text[:1000],
            status_code=400,
        )
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
