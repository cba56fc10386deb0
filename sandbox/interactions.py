"""The fake Gemini Interactions API (Gemini Omni video) under ``/v1beta`` and ``/v1``.

``POST /interactions`` creates a video interaction and answers at once with ``in_progress``;
``GET /interactions/{id}`` then moves ``queued`` -> ``in_progress`` -> ``completed`` (or a
failure); ``POST /interactions/{id}/cancel`` cancels; ``DELETE /interactions/{id}`` removes it.
A completed interaction has ``steps`` (``user_input``, ``thought``, ``model_output``) whose last
content block is the video, inline (``data``, the default) or as a files ``uri`` with
``response_format.delivery: "uri"``, and ``usage`` in tokens. Bodies are checked strictly:
unknown fields, wrong types, a bare-number duration, image tags that do not match the images,
a ``previous_interaction_id`` that cannot be continued all get a 400. Errors of this endpoint are
``{"error": {"code": "<string>", "message": ...}}``; key and quota errors keep the front end's
``{"error": {"code": 429, "message", "status"}}`` shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

from . import gemini
from .catalog import GEMINI_MODELS, OMNI_MODELS, OmniModel
from .clips import ClipCache, ClipSpec, size_for_aspect
from .config import Config
from .content import describe_payloads, output_source
from .scenarios import Scenario, ScenarioError, parse
from .state import Job, Store, random_id
from .web import Request, Response, json_response

FILE_URI = "https://generativelanguage.googleapis.com/v1beta/files/{file_id}"
# Output video tokens per second of 720p video; other resolutions scale by pixel count.
VIDEO_TOKENS_PER_SECOND = 5792
RESOLUTION_SCALE = {"360p": 0.25, "720p": 1.0, "1080p": 2.25, "4k": 9.0}
IMAGE_TOKENS = 258
VIDEO_INPUT_TOKENS_PER_SECOND = 263
THOUGHT_TOKENS = 312
ASPECT_RATIOS = ("16:9", "9:16")
DELIVERIES = ("inline", "uri")
TASKS = ("text_to_video", "image_to_video", "reference_to_video", "edit", "extend", "upscale")
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif")
VIDEO_MIME_TYPES = ("video/mp4", "video/mpeg", "video/mov", "video/webm", "video/quicktime")
MAX_REFERENCE_IMAGES = 3
# What [sandbox:odd-status] answers: a status the API does not document.
ODD_STATUS = "paused"
DURATION = re.compile(r"(\d+)s")
TAG = re.compile(r"<(FIRST_FRAME|LAST_FRAME|IMAGE_REF_(\d+)|VIDEO_REF_(\d+))>")
# Markers that only mean something when the video is fetched from a uri.
URI_ONLY_MARKERS = ("gone", "expire", "huge", "broken-download", "500-download")

BODY_FIELDS = frozenset(
    {
        "model",
        "input",
        "response_format",
        "generation_config",
        "background",
        "previous_interaction_id",
        "store",
        "stream",
        "webhook_config",
        "system_instruction",
        "labels",
        "safety_settings",
        "service_tier",
        "response_modalities",
        "response_mime_type",
    }
)
# Fields the SDK knows that have no meaning for a video model.
NOT_FOR_VIDEO = frozenset(
    {"tools", "agent", "agent_config", "cached_content", "environment", "continuation_token"}
)
BLOCK_FIELDS = {
    "text": ("type", "text"),
    "image": ("type", "data", "uri", "mime_type", "resolution"),
    "video": ("type", "data", "uri", "mime_type", "resolution"),
}
FORMAT_FIELDS = ("type", "aspect_ratio", "resolution", "duration", "delivery", "gcs_uri")


class Refused(Exception):
    """A request the Interactions API answers with this status, code and message."""

    def __init__(self, message: str, status: int = 400, code: str = "invalid_request") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error(status: int, code: str, message: str) -> Response:
    return json_response(status, {"error": {"code": code, "message": message}})


def invalid_name() -> Response:
    return error(400, "invalid_request", "Invalid interaction name")


@dataclass(frozen=True)
class Plan:
    """What a valid create asks for."""

    model: OmniModel
    text: str
    content: list[dict[str, Any]]
    task: str
    seconds: int
    resolution: str
    aspect_ratio: str
    delivery: str
    images: int
    videos: int
    store: bool
    parent: Job | None


class InteractionsAPI:
    def __init__(
        self, config: Config, store: Store, cache: ClipCache, api: gemini.GeminiAPI
    ) -> None:
        self.config = config
        self.store = store
        self.cache = cache
        self.gemini = api
        # Base64 of inline outputs, made once per interaction, and each input's content.
        self._inline: dict[str, str] = {}
        self._content: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._inline.clear()
            self._content.clear()

    # --- endpoints ---------------------------------------------------------------------------

    def create(self, request: Request, version: str) -> Response:
        self.store.count_submit("gemini")
        key, denied = self.gemini._key(request)
        if denied:
            return denied
        try:
            body = request.json()
        except ValueError:
            return error(400, "invalid_request", "Invalid JSON payload received.")
        text = _text_of(body.get("input") if isinstance(body, dict) else None)
        try:
            scenario = parse(text)
        except ScenarioError as exc:
            return error(400, "invalid_request", str(exc))
        fingerprint = hashlib.sha256(key.encode() + b"\0" + request.body).hexdigest()
        fault = self.store.submit_fault(fingerprint, scenario, ("429-submit", "500-submit"))
        if fault == "429-submit":
            return gemini.resource_exhausted()
        if fault == "500-submit":
            return error(500, "internal_error", "An internal error has occurred. Please retry.")
        try:
            plan = self._validate(body, key, scenario)
        except Refused as exc:
            return error(exc.status, exc.code, exc.message)
        if scenario.has("safety-submit"):
            return error(
                400,
                "invalid_request",
                "The request was blocked for SAFETY reasons: the prompt may violate the usage "
                "guidelines. You have not been charged.",
            )
        width, height = size_for_aspect(plan.aspect_ratio)
        clip = ClipSpec(plan.text, width, height, plan.seconds, 0, 1, True)
        job = Job(
            id=f"v1_{random_id(24)}",
            provider="gemini",
            key=key,
            model=plan.model.name,
            prompt=plan.text,
            scenario=scenario,
            clips=[clip],
            latency=scenario.slow_seconds or self.config.job_seconds,
            api="interactions",
            request=describe_payloads(body),
            parent=plan.parent.id if plan.parent else None,
            details={
                "task": plan.task,
                "duration": plan.seconds,
                "resolution": plan.resolution,
                "aspect_ratio": plan.aspect_ratio,
                "delivery": plan.delivery,
                "images": plan.images,
                "videos": plan.videos,
                "store": plan.store,
            },
        )
        with self._lock:
            self._content[job.id] = plan.content  # echoed in the user_input step
        self.store.add_job(job, [random_id(12)])
        payload = self._base(job)
        payload["status"] = "in_progress"
        return json_response(200, payload)

    def get(self, request: Request, version: str, interaction_id: str) -> Response:
        job, denied = self._find(request, interaction_id)
        if denied:
            return denied
        self.store.count_poll(job)
        if self.store.fire(job, "429-poll"):
            return gemini.resource_exhausted()
        if self.store.fire(job, "500-poll"):
            return error(500, "internal_error", "An internal error has occurred. Please retry.")
        if self.store.fire(job, "odd-status"):
            return json_response(200, {**self._base(job), "status": ODD_STATUS})
        return json_response(200, self.payload(job))

    def cancel(self, request: Request, version: str, interaction_id: str) -> Response:
        job, denied = self._find(request, interaction_id)
        if denied:
            return denied
        if not self.store.cancel(job):
            status = interaction_status(job)
            return error(
                400,
                "invalid_request",
                f"Interaction {job.id} is already {status} and cannot be cancelled.",
            )
        return json_response(200, self.payload(job))

    def delete(self, request: Request, version: str, interaction_id: str) -> Response:
        job, denied = self._find(request, interaction_id)
        if denied:
            return denied
        self.store.delete(job)
        with self._lock:
            self._inline.pop(job.id, None)
            self._content.pop(job.id, None)
        return json_response(200, {})

    def _find(
        self, request: Request, interaction_id: str
    ) -> tuple[Job, None] | tuple[None, Response]:
        key, denied = self.gemini._key(request)
        if denied:
            return None, denied
        job = self.store.get_job(interaction_id)
        if job is None or job.api != "interactions" or job.key != key or job.deleted:
            return None, invalid_name()
        return job, None

    # --- replies -----------------------------------------------------------------------------

    def _base(self, job: Job) -> dict[str, Any]:
        created = _rfc3339(job.created_unix)
        payload: dict[str, Any] = {
            "id": job.id,
            "model": job.model,
            "status": interaction_status(job),
            "created": created,
            "updated": created,
        }
        if job.parent:
            payload["previous_interaction_id"] = job.parent
        return payload

    def payload(self, job: Job) -> dict[str, Any]:
        payload = self._base(job)
        status = payload["status"]
        if status in ("queued", "in_progress"):
            return payload
        payload["updated"] = _rfc3339(job.created_unix + max(1, round(job.latency)))
        with self._lock:
            content = self._content.get(job.id, [])
        user_input = {"type": "user_input", "content": content}
        if status == "cancelled":
            payload["steps"] = [user_input]
            return payload
        thought = {
            "type": "thought",
            "summary": [{"type": "text", "text": "Planning the shot, camera move and sound."}],
            "signature": base64.b64encode(job.id.encode()).decode(),
        }
        usage = _usage(job, video=status == "completed" and not job.scenario.has("safety"))
        if status == "failed":
            message = "Video generation failed due to an internal error. Please try again."
            payload["steps"] = [
                user_input,
                {"type": "model_output", "error": {"code": 13, "message": message}},
            ]
            payload["errors"] = [{"code": "internal_error", "message": message}]
            payload["usage"] = usage
            return payload
        if status == "budget_exceeded":
            payload["steps"] = [user_input, thought]
            payload["errors"] = [
                {
                    "code": "budget_exceeded",
                    "message": "The interaction ran out of budget before a video was made.",
                }
            ]
            payload["usage"] = usage
            return payload
        if job.scenario.has("safety"):
            output = [
                {
                    "type": "text",
                    "text": "I can't create this video: the request may violate the usage "
                    "guidelines (SAFETY). Try a different prompt.",
                }
            ]
        else:
            output = [self._video_block(job)]
        payload["steps"] = [user_input, thought, {"type": "model_output", "content": output}]
        payload["usage"] = usage
        return payload

    def _video_block(self, job: Job) -> dict[str, Any]:
        if job.details["delivery"] == "uri":
            uri = FILE_URI.format(file_id=job.file_ids[0])
            return {"type": "video", "mime_type": "video/mp4", "uri": uri}
        with self._lock:
            data = self._inline.get(job.id)
        if data is None:
            source = output_source(self.cache, job, 0)
            data = base64.b64encode(b"".join(source.read(0, source.size - 1))).decode()
            with self._lock:
                self._inline[job.id] = data
        return {"type": "video", "mime_type": "video/mp4", "data": data}

    # --- validation --------------------------------------------------------------------------

    def _validate(self, body: object, key: str, scenario: Scenario) -> Plan:
        if not isinstance(body, dict):
            raise Refused("Invalid JSON payload received. Expected an object.")
        for name in body:
            if name in NOT_FOR_VIDEO:
                raise Refused(f"{name} is not supported for video generation.")
            if name not in BODY_FIELDS:
                raise Refused(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.'
                )
        model = _model(body.get("model"))
        if body.get("background") is not True:
            raise Refused("Video generation runs in the background: set background to true.")
        if body.get("stream") not in (None, False):
            raise Refused("Streaming is not supported for video generation.")
        store = body.get("store", True)
        if not isinstance(store, bool):
            raise Refused("store must be a boolean.")
        _check_optional(body)
        if "input" not in body:
            raise Refused("input is required.")
        blocks = _blocks(body["input"])
        texts = [block["text"] for block in blocks if block["type"] == "text"]
        images = [block for block in blocks if block["type"] == "image"]
        videos = [block for block in blocks if block["type"] == "video"]
        text = "\n".join(texts)
        tags = _check_tags(text, len(images), len(videos))

        fmt = _response_format(body.get("response_format"), model)
        task, seed = _generation_config(body.get("generation_config"))
        parent = self._parent(body.get("previous_interaction_id"), key)
        source_video = len(videos) > len(tags["VIDEO_REF"])
        task = _check_task(task, tags, parent, source_video, bool(text.strip()))
        del seed  # accepted; clips are deterministic anyway

        if fmt["delivery"] == "inline":
            for marker in URI_ONLY_MARKERS:
                if (
                    marker in scenario.flags
                    or marker in scenario.faults
                    or (marker == "huge" and scenario.huge_bytes is not None)
                ):
                    raise Refused(
                        f'[sandbox:{marker}] needs response_format.delivery "uri": an inline '
                        "video has nothing to download."
                    )
        seconds = fmt["seconds"]
        aspect_ratio = fmt["aspect_ratio"]
        if parent is not None:
            parent_seconds = parent.clips[0].duration
            if fmt["aspect_ratio_given"] and aspect_ratio != parent.details["aspect_ratio"]:
                raise Refused(
                    f"aspect_ratio {aspect_ratio} differs from the previous interaction's "
                    f"{parent.details['aspect_ratio']}."
                )
            aspect_ratio = parent.details["aspect_ratio"]
            if task == "extend":
                seconds = parent_seconds + fmt["seconds"]
                if seconds > model.max_total_seconds:
                    raise Refused(
                        f"Extending would make the video {seconds}s long; {model.name} extends "
                        f"videos up to {model.max_total_seconds}s in total."
                    )
            elif not fmt["duration_given"]:
                seconds = parent_seconds
        return Plan(
            model=model,
            text=text,
            content=blocks,
            task=task,
            seconds=seconds,
            resolution=fmt["resolution"],
            aspect_ratio=aspect_ratio,
            delivery=fmt["delivery"],
            images=len(images),
            videos=len(videos),
            store=store,
            parent=parent,
        )

    def _parent(self, interaction_id: object, key: str) -> Job | None:
        if interaction_id is None:
            return None
        if not isinstance(interaction_id, str) or not interaction_id:
            raise Refused("previous_interaction_id must be a string.")
        parent = self.store.get_job(interaction_id)
        if parent is None or parent.api != "interactions" or parent.key != key or parent.deleted:
            raise Refused(f"previous_interaction_id {interaction_id} was not found.")
        if not parent.details["store"]:
            raise Refused(
                f"previous_interaction_id {interaction_id} was created with store: false and "
                "cannot be continued."
            )
        status = interaction_status(parent)
        if status != "completed":
            raise Refused(
                f"previous_interaction_id {interaction_id} is {status}; only a completed "
                "interaction can be continued."
            )
        if parent.scenario.has("safety"):
            raise Refused(f"previous_interaction_id {interaction_id} has no video to continue.")
        return parent


def interaction_status(job: Job) -> str:
    phase = job.phase()
    if phase == "cancelled":
        return "cancelled"
    if phase == "pending":
        return "queued"
    if phase == "in_progress":
        return "in_progress"
    if job.scenario.has("fail"):
        return "failed"
    if job.scenario.has("budget"):
        return "budget_exceeded"
    return "completed"


def _usage(job: Job, *, video: bool) -> dict[str, Any]:
    text_tokens = max(1, len(job.prompt) // 4)
    image_tokens = IMAGE_TOKENS * job.details["images"]
    video_in = VIDEO_INPUT_TOKENS_PER_SECOND * 10 * job.details["videos"]
    inputs = [{"modality": "text", "tokens": text_tokens}]
    if image_tokens:
        inputs.append({"modality": "image", "tokens": image_tokens})
    if video_in:
        inputs.append({"modality": "video", "tokens": video_in})
    total_input = text_tokens + image_tokens + video_in
    scale = RESOLUTION_SCALE[job.details["resolution"]]
    video_tokens = round(VIDEO_TOKENS_PER_SECOND * job.clips[0].duration * scale) if video else 0
    usage: dict[str, Any] = {
        "total_input_tokens": total_input,
        "input_tokens_by_modality": inputs,
        "total_output_tokens": video_tokens,
        "total_thought_tokens": THOUGHT_TOKENS,
        "total_tokens": total_input + video_tokens + THOUGHT_TOKENS,
    }
    if video:
        usage["output_tokens_by_modality"] = [{"modality": "video", "tokens": video_tokens}]
    if (hostile := job.scenario.reported_cost) is not None:  # [sandbox:cost=VALUE]
        for name in usage:
            if name.endswith("_tokens"):
                usage[name] = hostile
        for entry in (*inputs, *usage.get("output_tokens_by_modality", ())):
            entry["tokens"] = hostile
    return usage


def _rfc3339(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def _model(value: object) -> OmniModel:
    if not isinstance(value, str) or not value:
        raise Refused("model is required.")
    name = value.removeprefix("models/")
    model = OMNI_MODELS.get(name)
    if model is not None:
        return model
    if name.startswith("veo-"):
        raise Refused(
            f"Model {name} is not supported by the Interactions API: Veo models are served "
            "through predictLongRunning."
        )
    if any(entry["name"] == f"models/{name}" for entry in GEMINI_MODELS):
        raise Refused(f"Model {name} does not support video output.")
    raise Refused(f"Model {name} was not found.", status=404, code="not_found")


def _check_optional(body: dict[str, Any]) -> None:
    """Fields accepted but not acted on still need the right shape."""
    for name in ("system_instruction", "service_tier", "response_mime_type"):
        if name in body and not isinstance(body[name], str):
            raise Refused(f"{name} must be a string.")
    labels = body.get("labels")
    if labels is not None and (
        not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values())
    ):
        raise Refused("labels must be an object of strings.")
    for name in ("safety_settings", "response_modalities"):
        if name in body and not isinstance(body[name], list):
            raise Refused(f"{name} must be a list.")
    modalities = body.get("response_modalities")
    if modalities is not None and "video" not in modalities:
        raise Refused('response_modalities must include "video" for a video model.')
    webhook = body.get("webhook_config")
    if webhook is not None:
        if not isinstance(webhook, dict) or any(
            name not in ("uris", "user_metadata") for name in webhook
        ):
            raise Refused("webhook_config takes uris and user_metadata.")
        uris = webhook.get("uris", [])
        if not isinstance(uris, list) or not all(
            isinstance(uri, str) and uri.startswith("https://") for uri in uris
        ):
            raise Refused("webhook_config.uris must be a list of https URLs.")


def _text_of(value: object) -> str:
    """All text of an input, for reading markers before the body is validated."""
    if isinstance(value, str):
        return value
    found: list[str] = []
    if isinstance(value, dict):
        value = [value]
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                if isinstance(item.get("text"), str):
                    found.append(item["text"])
                found.append(_text_of(item.get("content")))
    return "\n".join(part for part in found if part)


def _blocks(value: object) -> list[dict[str, Any]]:
    """The content blocks of ``input``: a string, blocks, one block, or user_input steps."""
    if isinstance(value, str):
        if not value.strip():
            raise Refused("input must not be empty.")
        return [{"type": "text", "text": value}]
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not items:
        raise Refused("input must be a string or a non-empty list of content blocks.")
    if all(isinstance(item, dict) and "type" in item for item in items):
        kinds = {item["type"] for item in items}
        if "user_input" in kinds or "model_output" in kinds or "thought" in kinds:
            if kinds != {"user_input"}:
                raise Refused("input steps must all be user_input steps.")
            blocks: list[Any] = []
            for step in items:
                extra = [name for name in step if name not in ("type", "content")]
                if extra:
                    raise Refused(f'Unknown name "{extra[0]}" in a user_input step.')
                content = step.get("content")
                if not isinstance(content, list):
                    raise Refused("user_input.content must be a list of content blocks.")
                blocks.extend(content)
            items = blocks
    for number, block in enumerate(items):
        _check_block(block, f"input[{number}]")
    if not items:
        raise Refused("input must not be empty.")
    return items


def _check_block(block: object, where: str) -> None:
    if not isinstance(block, dict):
        raise Refused(f"{where} must be a content block object.")
    kind = block.get("type")
    if kind not in BLOCK_FIELDS:
        raise Refused(f"{where}: content of type {kind} is not supported for video generation.")
    for name in block:
        if name not in BLOCK_FIELDS[kind]:
            raise Refused(f'Invalid JSON payload received. Unknown name "{name}" at {where}.')
    if kind == "text":
        if not isinstance(block.get("text"), str):
            raise Refused(f"{where}.text must be a string.")
        return
    has_data, has_uri = "data" in block, "uri" in block
    if has_data == has_uri:
        raise Refused(f"{where}: give exactly one of data and uri.")
    mime_types = IMAGE_MIME_TYPES if kind == "image" else VIDEO_MIME_TYPES
    mime_type = block.get("mime_type")
    if has_data:
        if mime_type not in mime_types:
            raise Refused(f"{where}.mime_type {mime_type} is not supported for {kind} input.")
        data = block["data"]
        if not isinstance(data, str) or not data:
            raise Refused(f"{where}.data must be base64 text.")
        try:
            base64.b64decode(data, validate=True)
        except binascii.Error as exc:
            raise Refused(f"{where}.data is not valid base64.") from exc
        return
    uri = block["uri"]
    if not isinstance(uri, str) or not uri.startswith(("https://", "files/")):
        raise Refused(f"{where}.uri must be an https or files/ uri (gs:// is for Vertex AI).")
    if mime_type is not None and mime_type not in mime_types:
        raise Refused(f"{where}.mime_type {mime_type} is not supported for {kind} input.")


def _check_tags(text: str, images: int, videos: int) -> dict[str, list[int]]:
    """The tags that place images and videos must match the media that were given."""
    found: dict[str, list[int]] = {
        "FIRST_FRAME": [],
        "LAST_FRAME": [],
        "IMAGE_REF": [],
        "VIDEO_REF": [],
    }
    seen: set[str] = set()
    for match in TAG.finditer(text):
        tag = match.group(0)
        if tag in seen:
            raise Refused(f"Tag {tag} appears more than once.")
        seen.add(tag)
        if match.group(2) is not None:
            found["IMAGE_REF"].append(int(match.group(2)))
        elif match.group(3) is not None:
            found["VIDEO_REF"].append(int(match.group(3)))
        else:
            found[match.group(1)].append(0)
    frames = len(found["FIRST_FRAME"]) + len(found["LAST_FRAME"])
    if found["LAST_FRAME"] and not found["FIRST_FRAME"]:
        raise Refused("<LAST_FRAME> requires <FIRST_FRAME>.")
    if frames and found["IMAGE_REF"]:
        raise Refused("<FIRST_FRAME>/<LAST_FRAME> cannot be combined with <IMAGE_REF_n> tags.")
    for name in ("IMAGE_REF", "VIDEO_REF"):
        if sorted(found[name]) != list(range(len(found[name]))):
            raise Refused(f"<{name}_n> tags must be numbered from 0 without gaps.")
    if len(found["IMAGE_REF"]) > MAX_REFERENCE_IMAGES:
        raise Refused(f"At most {MAX_REFERENCE_IMAGES} reference images (<IMAGE_REF_n>).")
    image_tags = frames + len(found["IMAGE_REF"])
    if image_tags != images:
        raise Refused(
            f"The text places {image_tags} image(s) with tags but {images} image(s) were "
            "given: tag every image once with <FIRST_FRAME>, <LAST_FRAME> or <IMAGE_REF_n>."
        )
    if len(found["VIDEO_REF"]) > videos:
        raise Refused(
            f"The text has {len(found['VIDEO_REF'])} <VIDEO_REF_n> tag(s) but {videos} "
            "video(s) were given."
        )
    if videos - len(found["VIDEO_REF"]) > 1:
        raise Refused("Only one untagged video (the video to edit) may be given.")
    return found


def _response_format(value: object, model: OmniModel) -> dict[str, Any]:
    if isinstance(value, list):
        videos = [item for item in value if isinstance(item, dict) and item.get("type") == "video"]
        if len(videos) != 1 or len(value) != 1:
            raise Refused("response_format must hold exactly one video format.")
        value = videos[0]
    if not isinstance(value, dict) or value.get("type") != "video":
        raise Refused('response_format {"type": "video", ...} is required for video generation.')
    for name in value:
        if name not in FORMAT_FIELDS:
            raise Refused(
                f'Invalid JSON payload received. Unknown name "{name}" at response_format.'
            )
    if "gcs_uri" in value:
        raise Refused("response_format.gcs_uri is only supported on Vertex AI.")
    aspect_ratio = value.get("aspect_ratio", "16:9")
    if aspect_ratio not in ASPECT_RATIOS:
        raise Refused(
            f"response_format.aspect_ratio {aspect_ratio} is not supported: use 16:9 or 9:16."
        )
    resolution = value.get("resolution", "720p")
    if resolution not in RESOLUTION_SCALE:
        raise Refused(
            f"response_format.resolution {resolution} is not supported: use "
            f"{', '.join(RESOLUTION_SCALE)}."
        )
    delivery = value.get("delivery", "inline")
    if delivery not in DELIVERIES:
        raise Refused(f"response_format.delivery {delivery} is not supported: use inline or uri.")
    duration = value.get("duration", "8s")
    if not isinstance(duration, str):
        raise Refused(f'response_format.duration must be a string such as "8s", not {duration!r}.')
    match = DURATION.fullmatch(duration)
    if match is None:
        raise Refused(f'response_format.duration {duration!r} is not a duration such as "8s".')
    seconds = int(match.group(1))
    if not model.min_seconds <= seconds <= model.max_seconds:
        raise Refused(
            f"response_format.duration {duration} is out of range for {model.name}: "
            f"{model.min_seconds}s to {model.max_seconds}s."
        )
    return {
        "aspect_ratio": aspect_ratio,
        "aspect_ratio_given": "aspect_ratio" in value,
        "resolution": resolution,
        "delivery": delivery,
        "seconds": seconds,
        "duration_given": "duration" in value,
    }


def _generation_config(value: object) -> tuple[str | None, int | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        raise Refused("generation_config must be an object.")
    for name in value:
        if name not in ("video_config", "seed"):
            raise Refused(f"generation_config.{name} is not supported for video generation.")
    seed = value.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise Refused("generation_config.seed must be an integer.")
    video_config = value.get("video_config", {})
    if not isinstance(video_config, dict) or any(name != "task" for name in video_config):
        raise Refused("generation_config.video_config takes only task.")
    task = video_config.get("task")
    if task is not None and task not in TASKS:
        raise Refused(
            f"generation_config.video_config.task {task!r} is not one of {', '.join(TASKS)}."
        )
    return task, seed


def _check_task(
    task: str | None,
    tags: dict[str, list[int]],
    parent: Job | None,
    source_video: bool,
    has_text: bool,
) -> str:
    """The task, given or inferred from the inputs, and whether the inputs fit it."""
    continues = parent is not None or source_video
    if task is None:
        if continues:
            task = "edit"
        elif tags["FIRST_FRAME"]:
            task = "image_to_video"
        elif tags["IMAGE_REF"] or tags["VIDEO_REF"]:
            task = "reference_to_video"
        else:
            task = "text_to_video"
    if task in ("edit", "extend", "upscale") and not continues:
        raise Refused(f"task {task} needs a video: a previous_interaction_id or a video input.")
    if task == "text_to_video" and (
        continues or tags["FIRST_FRAME"] or tags["IMAGE_REF"] or tags["VIDEO_REF"]
    ):
        raise Refused("task text_to_video takes text only.")
    if task == "image_to_video" and not tags["FIRST_FRAME"]:
        raise Refused("task image_to_video needs an image placed with <FIRST_FRAME>.")
    if task == "reference_to_video" and not (tags["IMAGE_REF"] or tags["VIDEO_REF"]):
        raise Refused("task reference_to_video needs <IMAGE_REF_n> or <VIDEO_REF_n> inputs.")
    if task in ("text_to_video", "reference_to_video", "edit") and not has_text:
        raise Refused(f"task {task} needs a text prompt.")
    return task
