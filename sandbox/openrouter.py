"""The fake OpenRouter video API under ``/api/v1`` (shapes from the official OpenAPI spec).

Every submit is checked the way OpenRouter checks it: the body's keys, the model's catalogue entry
(durations, resolutions, aspect ratios, sizes, frame images, ``input_modalities``, audio, seed,
upscale settings), Veo's own rules, ``provider.options`` passthrough keys with their exact casing,
and ``previous_job_id``. What was applied is kept for ``GET /_sandbox/stats``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from .catalog import OPENROUTER_MODELS, OpenRouterModel
from .clips import ClipCache, ClipSpec, size_for_aspect, size_for_dimensions
from .config import Config
from .content import credential_headers, describe_payloads, output_source
from .media import media_response
from .pricing import ASSUMED_INPUT_SECONDS, PricedJob, job_cost
from .scenarios import ScenarioError, parse
from .state import Job, OffOriginHit, Store, openrouter_job_id, random_id
from .web import Request, Response, json_response, other_host

RETRY_AFTER_SECONDS = "2"
# Signed URLs of the real API stay valid for about two days.
SIGNED_URL_LIFETIME = 2 * 24 * 3600
# The largest submit body OpenRouter reads; larger ones get 413 before being read.
MAX_SUBMIT_BYTES = 50 * 1024 * 1024
# What [sandbox:odd-status] answers: a status the API does not document.
ODD_STATUS = "queued_upstream"
# Where [sandbox:foreign-polling-url] points polling_url: another host entirely.
FOREIGN_POLLING_BASE = "https://videos.example.net"
REFERENCE_MODALITIES = {"image_url": "image", "audio_url": "audio", "video_url": "video"}
# Every field of the SDK's VideoGenerationRequest; anything else is refused.
REQUEST_FIELDS = frozenset(
    {
        "model",
        "prompt",
        "duration",
        "resolution",
        "aspect_ratio",
        "size",
        "generate_audio",
        "seed",
        "frame_images",
        "input_references",
        "callback_url",
        "provider",
        "previous_job_id",
        "upscale_factor",
        "creativity",
        "session_id",
        "trace",
        "user",
    }
)
SHORT_SIDE_RESOLUTION = {480: "480p", 720: "720p", 1080: "1080p", 2160: "4K"}
SIGNED_EXPIRED_BODY = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
    b"<Message>The provided token has expired.</Message></Error>"
)


class Refused(Exception):
    """A submit that OpenRouter refuses with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    # Real OpenRouter errors: HTTP status equals error.code.
    return json_response(status, {"error": {"code": status, "message": message}}, headers)


def too_large(length: int) -> Response:
    return error(
        413,
        f"Request body too large: {length} bytes. The limit is {MAX_SUBMIT_BYTES} bytes "
        "(50 MiB); send images as https URLs instead of data URLs.",
    )


def mask_key(key: str) -> str:
    return f"{key[:11]}...{key[-3:]}"


class OpenRouterAPI:
    def __init__(self, config: Config, store: Store, cache: ClipCache) -> None:
        self.config = config
        self.store = store
        self.cache = cache

    def _key(self, request: Request) -> tuple[str, Response | None]:
        header = request.headers.get("authorization", "")
        if not header:
            return "", error(401, "Missing Authentication header")
        scheme, _, key = header.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not self.config.openrouter_key_ok(key):
            return "", error(401, "User not found.")
        return key, None

    def _job(self, request: Request, job_id: str) -> tuple[Job | None, Response | None]:
        """The caller's job, or the error reply (bad key, or no such job for this key)."""
        key, denied = self._key(request)
        if denied:
            return None, denied
        job = self.store.get_job(job_id)
        # Another key's job is as invisible as a job that does not exist.
        if job is None or job.provider != "openrouter" or job.key != key:
            return None, error(404, "Video generation job not found")
        return job, None

    # --- endpoints ---------------------------------------------------------------------------

    def models(self, request: Request) -> Response:
        return json_response(200, {"data": [model.api for model in OPENROUTER_MODELS.values()]})

    def key(self, request: Request) -> Response:
        key, denied = self._key(request)
        if denied:
            return denied
        if "nocredit" in key:
            limit, usage = 10.0, 10.0
        else:
            limit, usage = 100.0, round(self.store.spent("openrouter", key), 4)
        return json_response(
            200,
            {
                "data": {
                    "label": mask_key(key),
                    "limit": limit,
                    "limit_remaining": round(limit - usage, 4),
                    "limit_reset": None,
                    "usage": usage,
                    "usage_daily": usage,
                    "usage_weekly": usage,
                    "usage_monthly": usage,
                    "byok_usage": 0.0,
                    "byok_usage_daily": 0.0,
                    "byok_usage_weekly": 0.0,
                    "byok_usage_monthly": 0.0,
                    "include_byok_in_limit": False,
                    "is_free_tier": False,
                    "is_management_key": False,
                    "is_provisioning_key": False,
                    "creator_user_id": "user_sandbox0000000000000000000",
                    "expires_at": None,
                    "rate_limit": {
                        "requests": -1,
                        "interval": "10s",
                        "note": "This field is deprecated and safe to ignore.",
                    },
                }
            },
        )

    def submit(self, request: Request) -> Response:
        self.store.count_submit("openrouter")
        key, denied = self._key(request)
        if denied:
            return denied
        try:
            body = request.json()
        except ValueError:
            return error(400, "Invalid JSON in request body")
        if not isinstance(body, dict):
            return error(400, "Request body must be a JSON object")
        prompt = body.get("prompt")
        try:
            scenario = parse(prompt if isinstance(prompt, str) else "")
        except ScenarioError as exc:
            return error(400, str(exc))

        fingerprint = hashlib.sha256(key.encode() + b"\0" + request.body).hexdigest()
        fault = self.store.submit_fault(fingerprint, scenario, ("429-submit", "500-submit"))
        if fault == "429-submit":
            return error(429, "Rate limit exceeded", [("Retry-After", RETRY_AFTER_SECONDS)])
        if fault == "500-submit":
            return error(500, "Internal Server Error")

        try:
            plan = self._validate(body, key, scenario.clips)
        except Refused as exc:
            return error(exc.status, exc.message)
        if scenario.has("safety-submit"):
            return error(
                400,
                "Content policy violation: the prompt was blocked by the provider's safety "
                "filters (SAFETY). You have not been charged.",
            )
        if "nocredit" in key:
            return error(
                402,
                "Insufficient credits. This account never purchased credits. Make sure your key "
                "is on the correct account or org, and if so, purchase more at "
                "https://openrouter.ai/settings/credits",
            )

        job = Job(
            id=openrouter_job_id(),
            provider="openrouter",
            key=key,
            model=plan.model.id,
            prompt=prompt or "",
            scenario=scenario,
            clips=plan.clips,
            latency=scenario.slow_seconds or self.config.job_seconds,
            cost=job_cost(plan.model, plan.priced),
            api="openrouter",
            request=describe_payloads(body),
            passthrough_applied=plan.passthrough_applied,
            references_ignored=plan.references_ignored,
            parent=plan.parent,
            details=plan.details,
        )
        self.store.add_job(job, [random_id(32) for _ in plan.clips])
        return json_response(
            202,
            {
                "id": job.id,
                "polling_url": _polling_url(job),
                "status": "pending",
                "generation_id": job.id,
            },
        )

    def poll(self, request: Request, job_id: str) -> Response:
        job, denied = self._job(request, job_id)
        if denied:
            return denied
        self.store.count_poll(job)
        if self.store.fire(job, "429-poll"):
            return error(429, "Rate limit exceeded", [("Retry-After", RETRY_AFTER_SECONDS)])
        if self.store.fire(job, "500-poll"):
            return error(500, "Internal Server Error")
        if self.store.fire(job, "odd-status"):
            # A status the API does not document: clients must keep polling, not give up.
            return json_response(
                200,
                {
                    "id": job.id,
                    "generation_id": job.id,
                    "polling_url": _polling_url(job),
                    "status": ODD_STATUS,
                },
            )
        return json_response(200, self.job_payload(request, job))

    def job_payload(self, request: Request, job: Job) -> dict[str, Any]:
        status = job_status(job)
        payload: dict[str, Any] = {
            "id": job.id,
            "generation_id": job.id,
            "polling_url": _polling_url(job),
            "status": status,
        }
        scenario = job.scenario
        if status == "failed":
            payload["error"] = (
                "Content policy violation: the request was blocked by the provider's safety filters"
                if scenario.has("safety")
                else "Provider returned error: video generation failed upstream"
            )
        if status != "completed":
            return payload
        payload.update(
            unsigned_urls=[
                f"{request.base_url}/api/v1/videos/{job.id}/content?index={index}"
                for index in range(len(job.clips))
            ],
            usage={"cost": job.cost, "is_byok": False},
        )
        if scenario.reported_cost is not None:
            payload["usage"]["cost"] = scenario.reported_cost
        if scenario.has("signed-other-host") or scenario.has("signed-expired"):
            signed_base = other_host(request.base_url)
            payload["urls"] = [f"{signed_base}/_sandbox/signed/{token}" for token in job.file_ids]
            payload["expires_at"] = (
                job.created_unix - 60
                if scenario.has("signed-expired")
                else job.created_unix + SIGNED_URL_LIFETIME
            )
        return payload

    def content(self, request: Request, job_id: str) -> Response:
        job, denied = self._job(request, job_id)
        if denied:
            return denied
        raw_index = request.query.get("index", "0") or "0"
        if not raw_index.isdigit():
            return error(400, "index must be a non-negative integer")
        return self._deliver(request, job, int(raw_index))

    def signed(self, request: Request, token: str) -> Response:
        """A signed URL on another host: no key needed, and any credential sent is recorded."""
        found = self.store.lookup_file(token)
        if found is None or found[0].provider != "openrouter":
            return error(404, "Not Found")
        job, index = found
        self.store.record_off_origin(
            OffOriginHit("openrouter-signed", job.id, index, credential_headers(request.headers))
        )
        if job.scenario.has("signed-expired"):
            # What a storage host answers for a signed URL past its expiry.
            return Response(
                status=403,
                body=SIGNED_EXPIRED_BODY,
                headers=[("Content-Type", "application/xml; charset=UTF-8")],
            )
        return self._deliver(request, job, index)

    def _deliver(self, request: Request, job: Job, index: int) -> Response:
        self.store.count_download(job, index)
        if self.store.fire(job, "500-download"):
            return error(500, "Internal Server Error")
        if job.phase() != "done":
            return error(409, "Video generation is not complete yet")
        scenario = job.scenario
        if job_status(job) == "failed":
            return error(404, "No video content: the generation failed")
        if scenario.has("expire") or scenario.has("gone"):
            return error(410, "Video content has expired and is no longer available")
        if index >= len(job.clips):
            return error(404, f"No output at index {index}: this job has {len(job.clips)}")
        return media_response(
            request,
            output_source(self.cache, job, index),
            broken=self.store.fire(job, "broken-download"),
        )

    # --- validation --------------------------------------------------------------------------

    def _validate(self, body: dict[str, Any], key: str, clips_marker: int | None) -> Plan:
        """Check a submit against the catalogue and OpenRouter's rules; returns what to make."""
        unknown = [name for name in body if name not in REQUEST_FIELDS]
        if unknown:
            names = ", ".join(f"'{name}'" for name in unknown)
            raise Refused(400, f"Unrecognized key(s) in object: {names}")
        model_id = body.get("model")
        if not isinstance(model_id, str) or not model_id:
            raise Refused(400, "model: Required")
        model = OPENROUTER_MODELS.get(model_id)
        if model is None:
            raise Refused(400, f"{model_id} is not a valid video model ID")
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise Refused(400, "prompt: Expected string")
        parent = self._parent(body.get("previous_job_id"), key, model)

        frame_images = _check_frame_images(model, body.get("frame_images"))
        references = _check_input_references(model, body.get("input_references"))
        kinds = [item["type"] for item in references]
        _check_kind_inputs(model, kinds, parent is not None)
        if not prompt and not frame_images and parent is None and model.kind in ("video", "edit"):
            raise Refused(400, "prompt is required unless frame_images are provided")

        duration = _check_duration(model, body.get("duration"))
        resolution, aspect_ratio, size = _check_shape(model, body)
        generate_audio = body.get("generate_audio")
        if generate_audio is not None:
            if not isinstance(generate_audio, bool):
                raise Refused(400, "generate_audio: Expected boolean")
            if model.field("generate_audio") is not True:
                raise Refused(400, f"{model.id} does not support generate_audio")
        seed = body.get("seed")
        if seed is not None:
            if not _is_int(seed):
                raise Refused(400, "seed: Expected integer")
            if model.field("seed") is not True:
                raise Refused(400, f"{model.id} does not support seed")
        upscale_factor, creativity = _check_upscale(model, body)
        callback_url = body.get("callback_url")
        if callback_url is not None and (
            not isinstance(callback_url, str) or not callback_url.startswith("https://")
        ):
            raise Refused(400, "callback_url must be an HTTPS URL")
        for name in ("session_id", "user"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise Refused(400, f"{name}: Expected string")
        frame_types = {item["frame_type"] for item in frame_images}
        if model.is_veo:
            _check_veo(model, duration, resolution, frame_types, parent is not None)
        passthrough = _check_passthrough(model, body.get("provider"))

        if model.kind == "avatar":
            audio = True  # the avatar speaks the given audio track
        elif generate_audio is not None:
            audio = generate_audio
        else:
            audio = model.field("generate_audio") is True
        if size is not None:
            width, height = size_for_dimensions(size)
        else:
            width, height = size_for_aspect(aspect_ratio)
        outputs = 1
        if model.max_outputs > 1:
            outputs = min(clips_marker or model.default_outputs, model.max_outputs)
        seconds = duration or ASSUMED_INPUT_SECONDS
        clips = [
            ClipSpec(prompt or "", width, height, seconds, index, outputs, audio)
            for index in range(outputs)
        ]
        # Frame images win: input_references sent with them never reach the model.
        references_ignored = bool(frame_images and references)
        used_references = [] if references_ignored else kinds
        priced = PricedJob(
            seconds=seconds,
            audio=audio,
            resolution=resolution,
            aspect_ratio=aspect_ratio,
            outputs=outputs,
            image_inputs=len(frame_images) + used_references.count("image_url"),
            video_input="video_url" in used_references,
            upscale_factor=upscale_factor,
            creativity=creativity,
        )
        details = {
            "duration": seconds,
            "resolution": resolution,
            "aspect_ratio": aspect_ratio,
            "size": size,
            "audio": audio,
            "frame_types": sorted(frame_types),
            "input_references": used_references,
            "passthrough_ignored": passthrough.ignored,
        }
        return Plan(
            model=model,
            clips=clips,
            priced=priced,
            passthrough_applied=passthrough.applied,
            references_ignored=references_ignored,
            parent=parent.id if parent else None,
            details=details,
        )

    def _parent(self, previous_job_id: object, key: str, model: OpenRouterModel) -> Job | None:
        """The completed job of this key and model that ``previous_job_id`` continues."""
        if previous_job_id is None:
            return None
        if not isinstance(previous_job_id, str) or not previous_job_id:
            raise Refused(400, "previous_job_id: Expected string")
        parent = self.store.get_job(previous_job_id)
        if parent is None or parent.provider != "openrouter" or parent.key != key:
            raise Refused(404, f"Previous video generation job {previous_job_id} not found")
        if parent.model != model.id:
            raise Refused(
                400,
                f"previous_job_id {previous_job_id} was generated by {parent.model}; "
                f"a continuation must use the same model, not {model.id}",
            )
        status = job_status(parent)
        if status != "completed":
            raise Refused(
                409,
                f"previous_job_id {previous_job_id} is {status}; only a completed job can be "
                "extended or edited",
            )
        return parent


@dataclass(frozen=True)
class Plan:
    """What a valid submit asks for."""

    model: OpenRouterModel
    clips: list[ClipSpec]
    priced: PricedJob
    passthrough_applied: dict[str, dict[str, Any]]
    references_ignored: bool
    parent: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class Passthrough:
    applied: dict[str, dict[str, Any]]
    ignored: list[str]


def job_status(job: Job) -> str:
    """The documented status of a job right now."""
    phase = job.phase()
    if phase in ("pending", "in_progress"):
        return phase
    if job.scenario.has("safety") or job.scenario.has("fail"):
        return "failed"
    if job.scenario.has("expire"):
        return "expired"
    return "completed"


def _polling_url(job: Job) -> str:
    if job.scenario.has("foreign-polling-url"):
        return f"{FOREIGN_POLLING_BASE}/api/v1/videos/{job.id}"
    return f"/api/v1/videos/{job.id}"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _join(values: list[int] | list[str]) -> str:
    return ", ".join(str(value) for value in values)


def _check_duration(model: OpenRouterModel, duration: object) -> int | None:
    durations = model.supported_durations
    if durations is None:
        if duration is not None:
            raise Refused(
                400,
                f"{model.id} does not support duration: the output length follows the input",
            )
        return None
    if duration is None:
        duration = model.default_duration
    if not _is_int(duration) or duration < 1:
        raise Refused(400, "duration: Expected a positive integer")
    if duration not in durations:
        raise Refused(
            400,
            f"Duration {duration}s is not supported by {model.id}. "
            f"Supported durations: {_join(sorted(durations))}",
        )
    return duration


def _size_shape(size: str) -> tuple[str | None, str]:
    """``"1280x720"`` -> (``"720p"``, ``"16:9"``)."""
    width, height = (int(part) for part in size.split("x"))
    divisor = math.gcd(width, height)
    return SHORT_SIDE_RESOLUTION.get(min(width, height)), f"{width // divisor}:{height // divisor}"


def _check_shape(
    model: OpenRouterModel, body: dict[str, Any]
) -> tuple[str | None, str, str | None]:
    """Resolution, aspect ratio and size of the output, checked against the model."""
    resolution = body.get("resolution")
    aspect_ratio = body.get("aspect_ratio")
    size = body.get("size")
    resolutions = model.supported_resolutions
    aspects = model.supported_aspect_ratios
    if resolution is not None:
        if resolutions is None:
            raise Refused(400, f"{model.id} does not support resolution")
        if resolution not in resolutions:
            raise Refused(
                400,
                f"Resolution {resolution} is not supported by {model.id}. "
                f"Supported resolutions: {_join(resolutions)}",
            )
    if aspect_ratio is not None:
        if aspects is None:
            raise Refused(400, f"{model.id} does not support aspect_ratio")
        if aspect_ratio not in aspects:
            raise Refused(
                400,
                f"Aspect ratio {aspect_ratio} is not supported by {model.id}. "
                f"Supported aspect ratios: {_join(aspects)}",
            )
    if size is not None:
        if not model.supported_sizes:
            raise Refused(
                400,
                f"{model.id} does not support the size parameter; use resolution and aspect_ratio",
            )
        if size not in model.supported_sizes:
            raise Refused(
                400,
                f"Size {size} is not supported by {model.id}. "
                f"Supported sizes: {_join(model.supported_sizes)}",
            )
        size_resolution, size_aspect = _size_shape(size)
        if (resolution is not None and resolution != size_resolution) or (
            aspect_ratio is not None and aspect_ratio != size_aspect
        ):
            raise Refused(
                400,
                f"size {size} contradicts resolution/aspect_ratio; send either size or "
                "resolution and aspect_ratio",
            )
        resolution, aspect_ratio = size_resolution, size_aspect
    if resolution is None and resolutions:
        resolution = "720p" if "720p" in resolutions else resolutions[0]
    if aspect_ratio is None:
        aspect_ratio = "16:9" if not aspects or "16:9" in aspects else aspects[0]
    return resolution, aspect_ratio, size


def _check_veo(
    model: OpenRouterModel,
    duration: int | None,
    resolution: str | None,
    frame_types: set[str],
    continues: bool = False,
) -> None:
    """Veo's own rules, which the catalogue has no field for (8 s with a last frame, at
    1080p/4K and to extend a video, as at Google)."""
    if "last_frame" in frame_types and "first_frame" not in frame_types:
        raise Refused(400, f"{model.id}: a last_frame image requires a first_frame image")
    if duration != 8:
        if continues:
            raise Refused(
                400, f"{model.id}: continuing a previous job requires duration 8 (got {duration})"
            )
        if "last_frame" in frame_types:
            raise Refused(
                400, f"{model.id}: a last_frame image requires duration 8 (got {duration})"
            )
        if resolution in ("1080p", "4K"):
            raise Refused(
                400, f"{model.id}: resolution {resolution} requires duration 8 (got {duration})"
            )


def _check_upscale(model: OpenRouterModel, body: dict[str, Any]) -> tuple[float | None, int | None]:
    factor = body.get("upscale_factor")
    creativity = body.get("creativity")
    limits = model.field("upscale_factor")
    if factor is not None:
        if limits is None:
            raise Refused(
                400, f"upscale_factor is not supported by {model.id}: only upscaling models take it"
            )
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            raise Refused(400, "upscale_factor: Expected number")
        if not limits["min"] <= factor <= limits["max"]:
            raise Refused(
                400,
                f"upscale_factor {factor} is out of range for {model.id}: "
                f"{limits['min']} to {limits['max']}",
            )
    levels = model.field("creativity")
    if creativity is not None:
        if levels is None:
            raise Refused(
                400, f"creativity is not supported by {model.id}: only upscaling models take it"
            )
        if not _is_int(creativity) or creativity not in levels:
            raise Refused(
                400, f"creativity must be one of {_join(levels)} for {model.id}, got {creativity}"
            )
    return (float(factor) if factor is not None else None), creativity


def _check_kind_inputs(model: OpenRouterModel, kinds: list[str], continues: bool) -> None:
    """Edit, upscale and avatar models cannot make a video from text alone."""
    if model.kind in ("edit", "upscale") and "video_url" not in kinds and not continues:
        verb = "edits" if model.kind == "edit" else "upscales"
        raise Refused(
            400,
            f"{model.id} {verb} an existing video: add an input_references item of type "
            "video_url (text-to-video is not supported by this model)",
        )
    if model.kind == "avatar" and not ("image_url" in kinds and "audio_url" in kinds):
        raise Refused(
            400,
            f"{model.id} animates a photo with an audio track: add input_references items of "
            "type image_url and audio_url (text-to-video is not supported by this model)",
        )


def _check_passthrough(model: OpenRouterModel, provider: object) -> Passthrough:
    """``provider.options.<slug>.parameters``: checked for this model's slugs, others dropped."""
    if provider is None:
        return Passthrough({}, [])
    if not isinstance(provider, dict):
        raise Refused(400, "provider: Expected object")
    unknown = [name for name in provider if name != "options"]
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        raise Refused(400, f"provider: Unrecognized key(s) in object: {names}")
    options = provider.get("options")
    if options is None:
        return Passthrough({}, [])
    if not isinstance(options, dict):
        raise Refused(400, "provider.options: Expected object")
    applied: dict[str, dict[str, Any]] = {}
    ignored: list[str] = []
    allowed = model.allowed_passthrough_parameters
    for slug, value in options.items():
        if slug not in model.provider_slugs:
            ignored.append(slug)  # another provider's options: silently dropped
            continue
        where = f"provider.options.{slug}"
        if not isinstance(value, dict):
            raise Refused(400, f"{where}: Expected object")
        for name in value:
            if name != "parameters":
                raise Refused(
                    400,
                    f'{where}.{name}: only "parameters" can be passed through to {slug}; '
                    f"put model parameters under {where}.parameters",
                )
        parameters = value.get("parameters", {})
        if not isinstance(parameters, dict):
            raise Refused(400, f"{where}.parameters: Expected object")
        for name in parameters:
            if name not in allowed:
                hint = _close_match(name, allowed)
                raise Refused(
                    400,
                    f'Passthrough parameter "{name}" is not allowed for {model.id} on {slug}.'
                    f"{hint} Allowed parameters: {_join(allowed) if allowed else 'none'}",
                )
        applied[slug] = parameters
    return Passthrough(applied, ignored)


def _close_match(name: str, allowed: list[str]) -> str:
    squashed = name.replace("_", "").lower()
    for candidate in allowed:
        if candidate.replace("_", "").lower() == squashed:
            return f' Did you mean "{candidate}"? Keys are case-sensitive.'
    return ""


def _check_url(url: object, where: str) -> None:
    if not isinstance(url, str) or not url:
        raise Refused(400, f"{where}: Expected string")
    if url.startswith(("https://", "http://")):
        return
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        if not header.endswith(";base64") or not data:
            raise Refused(400, f"{where}: data URLs must be base64 encoded")
        try:
            base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            raise Refused(400, f"{where}: invalid base64 in data URL") from exc
        return
    raise Refused(400, f"{where}: Expected an https or data: URL")


def _check_frame_images(model: OpenRouterModel, value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused(400, "frame_images: Expected array")
    if value and not model.supported_frame_images:
        raise Refused(400, f"{model.id} does not support frame_images")
    seen: set[str] = set()
    for number, item in enumerate(value):
        where = f"frame_images[{number}]"
        if not isinstance(item, dict):
            raise Refused(400, f"{where}: Expected object, received {_json_type(item)}")
        if item.get("type") != "image_url":
            raise Refused(400, f'{where}.type: Invalid literal value, expected "image_url"')
        image_url = item.get("image_url")
        _check_url(image_url.get("url") if isinstance(image_url, dict) else None, where)
        frame_type = item.get("frame_type")
        if frame_type not in ("first_frame", "last_frame"):
            raise Refused(400, f"{where}.frame_type: Expected 'first_frame' | 'last_frame'")
        if frame_type not in model.supported_frame_images:
            raise Refused(400, f"{model.id} does not support {frame_type} images")
        if frame_type in seen:
            raise Refused(400, f"Only one {frame_type} image may be provided")
        seen.add(frame_type)
    return value


def _check_input_references(model: OpenRouterModel, value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused(400, "input_references: Expected array")
    for number, item in enumerate(value):
        where = f"input_references[{number}]"
        if not isinstance(item, dict):
            raise Refused(
                400,
                f'{where}: Expected object, received {_json_type(item)}. Use {{"type": '
                f'"image_url", "image_url": {{"url": "..."}}}}',
            )
        kind = item.get("type")
        if kind not in REFERENCE_MODALITIES:
            raise Refused(400, f"{where}.type: Expected 'image_url' | 'audio_url' | 'video_url'")
        nested = item.get(kind)
        _check_url(nested.get("url") if isinstance(nested, dict) else None, where)
        modality = REFERENCE_MODALITIES[kind]
        if modality not in model.input_modalities:
            raise Refused(
                400,
                f"{where}: {model.id} does not accept {modality} inputs "
                f"(input modalities: {_join(model.input_modalities)})",
            )
    return value


def _json_type(value: object) -> str:
    return {str: "string", int: "number", float: "number", bool: "boolean", list: "array"}.get(
        type(value), "null" if value is None else json.dumps(type(value).__name__)
    )
