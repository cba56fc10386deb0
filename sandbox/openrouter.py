"""The fake OpenRouter video API under ``/api/v1`` (shapes from the official OpenAPI spec)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from .catalog import OPENROUTER_MODELS, OpenRouterModel
from .clips import ClipCache, ClipSpec, size_for_aspect, size_for_dimensions
from .config import Config
from .content import credential_headers, output_source
from .media import media_response
from .scenarios import ScenarioError, parse
from .state import Job, OffOriginHit, Store, openrouter_job_id, random_id
from .web import Request, Response, json_response, other_host

RETRY_AFTER_SECONDS = "2"
# Signed URLs of the real API stay valid for about two days.
SIGNED_URL_LIFETIME = 2 * 24 * 3600
INPUT_REFERENCE_KINDS = ("image_url", "audio_url", "video_url")


class BadRequest(Exception):
    """A submit that OpenRouter would reject with a 400 and this message."""


def error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    # Real OpenRouter errors: HTTP status equals error.code.
    return json_response(status, {"error": {"code": status, "message": message}}, headers)


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
        return json_response(
            200, {"data": [model.to_api() for model in OPENROUTER_MODELS.values()]}
        )

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
            model, clips, audio = self._validate(body, scenario.clips)
        except BadRequest as exc:
            return error(400, str(exc))
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
            model=model.id,
            prompt=prompt or "",
            scenario=scenario,
            clips=clips,
            latency=scenario.slow_seconds or self.config.job_seconds,
            cost=model.cost(clips[0].duration, audio, len(clips)),
        )
        self.store.add_job(job, [random_id(32) for _ in clips])
        return json_response(
            202,
            {
                "id": job.id,
                "polling_url": f"/api/v1/videos/{job.id}",
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
        return json_response(200, self.job_payload(request, job))

    def job_payload(self, request: Request, job: Job) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": job.id,
            "generation_id": job.id,
            "polling_url": f"/api/v1/videos/{job.id}",
        }
        phase = job.phase()
        if phase != "done":
            return {**payload, "status": phase}
        scenario = job.scenario
        if scenario.has("safety"):
            return {
                **payload,
                "status": "failed",
                "error": "Content policy violation: the request was blocked by the provider's "
                "safety filters",
            }
        if scenario.has("fail"):
            return {
                **payload,
                "status": "failed",
                "error": "Provider returned error: video generation failed upstream",
            }
        if scenario.has("expire"):
            return {**payload, "status": "expired"}
        payload.update(
            status="completed",
            unsigned_urls=[
                f"{request.base_url}/api/v1/videos/{job.id}/content?index={index}"
                for index in range(len(job.clips))
            ],
            usage={"cost": job.cost, "is_byok": False},
        )
        if scenario.has("signed-other-host"):
            signed_base = other_host(request.base_url)
            payload["urls"] = [f"{signed_base}/_sandbox/signed/{token}" for token in job.file_ids]
            payload["expires_at"] = job.created_unix + SIGNED_URL_LIFETIME
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
        return self._deliver(request, job, index)

    def _deliver(self, request: Request, job: Job, index: int) -> Response:
        self.store.count_download(job, index)
        if self.store.fire(job, "500-download"):
            return error(500, "Internal Server Error")
        if job.phase() != "done":
            return error(409, "Video generation is not complete yet")
        scenario = job.scenario
        if scenario.has("fail") or scenario.has("safety"):
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

    def _validate(
        self, body: dict[str, Any], clips_marker: int | None
    ) -> tuple[OpenRouterModel, list[ClipSpec], bool]:
        """Check a submit against the catalogue; returns the model, the clips and audio."""
        model_id = body.get("model")
        if not isinstance(model_id, str) or not model_id:
            raise BadRequest("model: Required")
        model = OPENROUTER_MODELS.get(model_id)
        if model is None:
            raise BadRequest(f"{model_id} is not a valid video model ID")
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise BadRequest("prompt: Expected string")
        frame_images = _check_frame_images(model, body.get("frame_images"))
        _check_input_references(body.get("input_references"))
        if not prompt and not frame_images:
            raise BadRequest("prompt is required unless frame_images are provided")

        duration = body.get("duration", model.default_duration)
        if not _is_int(duration) or duration < 1:
            raise BadRequest("duration: Expected a positive integer")
        if duration not in model.supported_durations:
            raise BadRequest(
                f"Duration {duration}s is not supported by {model.id}. "
                f"Supported durations: {_join(model.supported_durations)}"
            )
        resolution = body.get("resolution")
        if resolution is not None and resolution not in model.supported_resolutions:
            raise BadRequest(
                f"Resolution {resolution} is not supported by {model.id}. "
                f"Supported resolutions: {_join(model.supported_resolutions)}"
            )
        aspect_ratio = body.get("aspect_ratio")
        if aspect_ratio is not None and aspect_ratio not in model.supported_aspect_ratios:
            raise BadRequest(
                f"Aspect ratio {aspect_ratio} is not supported by {model.id}. "
                f"Supported aspect ratios: {_join(model.supported_aspect_ratios)}"
            )
        size = body.get("size")
        if size is not None:
            if not model.supported_sizes:
                raise BadRequest(
                    f"{model.id} does not support the size parameter; "
                    "use resolution and aspect_ratio"
                )
            if size not in model.supported_sizes:
                raise BadRequest(
                    f"Size {size} is not supported by {model.id}. "
                    f"Supported sizes: {_join(model.supported_sizes)}"
                )
        generate_audio = body.get("generate_audio")
        if generate_audio is not None:
            if not isinstance(generate_audio, bool):
                raise BadRequest("generate_audio: Expected boolean")
            if model.generate_audio is not True:
                raise BadRequest(f"{model.id} does not support generate_audio")
        seed = body.get("seed")
        if seed is not None:
            if not _is_int(seed):
                raise BadRequest("seed: Expected integer")
            if model.seed is not True:
                raise BadRequest(f"{model.id} does not support seed")
        callback_url = body.get("callback_url")
        if callback_url is not None and (
            not isinstance(callback_url, str) or not callback_url.startswith("https://")
        ):
            raise BadRequest("callback_url must be an HTTPS URL")

        if size is not None:
            width, height = size_for_dimensions(size)
        else:
            default_aspect = "16:9" if "16:9" in model.supported_aspect_ratios else None
            width, height = size_for_aspect(
                aspect_ratio or default_aspect or model.supported_aspect_ratios[0]
            )
        audio = generate_audio if generate_audio is not None else bool(model.generate_audio)
        outputs = 1
        if model.max_outputs > 1:
            outputs = min(clips_marker or model.default_outputs, model.max_outputs)
        clips = [
            ClipSpec(prompt or "", width, height, duration, index, outputs, audio)
            for index in range(outputs)
        ]
        return model, clips, audio


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _join(values: list[int] | list[str]) -> str:
    return ", ".join(str(value) for value in values)


def _check_url(url: object, where: str) -> None:
    if not isinstance(url, str) or not url:
        raise BadRequest(f"{where}: Expected string")
    if url.startswith(("https://", "http://")):
        return
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        if not header.endswith(";base64") or not data:
            raise BadRequest(f"{where}: data URLs must be base64 encoded")
        try:
            base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            raise BadRequest(f"{where}: invalid base64 in data URL") from exc
        return
    raise BadRequest(f"{where}: Expected an https or data: URL")


def _check_frame_images(model: OpenRouterModel, value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest("frame_images: Expected array")
    seen: set[str] = set()
    for number, item in enumerate(value):
        where = f"frame_images[{number}]"
        if not isinstance(item, dict):
            raise BadRequest(f"{where}: Expected object, received {_json_type(item)}")
        if item.get("type") != "image_url":
            raise BadRequest(f'{where}.type: Invalid literal value, expected "image_url"')
        image_url = item.get("image_url")
        _check_url(image_url.get("url") if isinstance(image_url, dict) else None, where)
        frame_type = item.get("frame_type")
        if frame_type not in ("first_frame", "last_frame"):
            raise BadRequest(f"{where}.frame_type: Expected 'first_frame' | 'last_frame'")
        if frame_type not in model.supported_frame_images:
            raise BadRequest(f"{model.id} does not support {frame_type} images")
        if frame_type in seen:
            raise BadRequest(f"Only one {frame_type} image may be provided")
        seen.add(frame_type)
    return value


def _check_input_references(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise BadRequest("input_references: Expected array")
    for number, item in enumerate(value):
        where = f"input_references[{number}]"
        if not isinstance(item, dict):
            raise BadRequest(
                f'{where}: Expected object, received {_json_type(item)}. Use {{"type": '
                f'"image_url", "image_url": {{"url": "..."}}}}'
            )
        kind = item.get("type")
        if kind not in INPUT_REFERENCE_KINDS:
            raise BadRequest(f"{where}.type: Expected 'image_url' | 'audio_url' | 'video_url'")
        nested = item.get(kind)
        _check_url(nested.get("url") if isinstance(nested, dict) else None, where)


def _json_type(value: object) -> str:
    return {str: "string", int: "number", float: "number", bool: "boolean", list: "array"}.get(
        type(value), "null" if value is None else json.dumps(type(value).__name__)
    )
