"""The fake Gemini API under ``/v1beta`` and ``/v1``: models, Veo through ``predictLongRunning``
and file downloads (the Interactions API for Gemini Omni is :mod:`sandbox.interactions`).

``predictLongRunning`` takes the body google-genai 2.34 builds for the Gemini API and nothing
looser: images only as ``{"bytesBase64Encoded", "mimeType"}``, one video per request
(``sampleCount``), no Vertex-only options, Veo 3.1's duration, frame, reference-image and
extension rules. Retired Veo ids answer 404, Omni ids 400.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import time
from typing import Any

from .catalog import (
    GEMINI_MODELS,
    OMNI_MODELS,
    RETIREMENT_REPLACEMENT,
    VEO_MODELS,
    VeoModel,
    is_retired_veo,
)
from .clips import ClipCache, ClipSpec, size_for_aspect
from .config import Config
from .content import credential_headers, describe_payloads, output_source
from .media import media_response
from .scenarios import ScenarioError, parse
from .state import Job, OffOriginHit, Store, random_id
from .web import Request, Response, json_response, other_host

RETRY_AFTER_SECONDS = "2"
# Veo download URIs always name the real host; clients must rebuild them on their own base URL.
FILES_URI = "https://generativelanguage.googleapis.com/v1beta/files/{file_id}:download?alt=media"
FILE_ID_IN_URI = re.compile(r"files/([a-z0-9]+)")
RESPONSE_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/webp")
PERSON_GENERATION = ("allow_all", "allow_adult", "dont_allow")
INSTANCE_FIELDS = ("prompt", "image", "lastFrame", "referenceImages", "video")
PARAMETER_FIELDS = (
    "aspectRatio",
    "resolution",
    "durationSeconds",
    "sampleCount",
    "negativePrompt",
    "personGeneration",
    "enhancePrompt",
)
# Known fields the Gemini API refuses for Veo (Vertex AI options, or the wrong spelling).
REFUSED_FIELDS = (
    "numberOfVideos",
    "seed",
    "generateAudio",
    "fps",
    "storageUri",
    "outputGcsUri",
    "pubsubTopic",
    "compressionQuality",
    "mask",
    "labels",
    "resizeMode",
    "inlineData",
    "gcsUri",
    "encodedVideo",
)
# Outputs that can be extended stay on the service this long.
FILE_LIFETIME_SECONDS = 2 * 24 * 3600
# Seconds an extension adds to the earlier clip.
EXTENSION_SECONDS = 7
SAFETY_REASON = (
    "Your prompt may violate our usage guidelines and could not be submitted. "
    "You have not been charged for this attempt."
)
API_KEY_INVALID = "API key not valid. Please pass a valid API key."
DEFAULT_PAGE_SIZE = 50


class InvalidArgument(Exception):
    """A submit that the Gemini API would reject with 400 INVALID_ARGUMENT."""


def error(
    code: int,
    status: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    payload: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        payload["details"] = details
    return json_response(code, {"error": payload}, headers)


def invalid_argument(message: str) -> Response:
    return error(400, "INVALID_ARGUMENT", message)


def not_found(message: str = "Requested entity was not found.") -> Response:
    return error(404, "NOT_FOUND", message)


def internal_error() -> Response:
    return error(500, "INTERNAL", "An internal error has occurred. Please retry or report.")


def resource_exhausted() -> Response:
    return error(
        429,
        "RESOURCE_EXHAUSTED",
        "Resource has been exhausted (e.g. check quota).",
        headers=[("Retry-After", RETRY_AFTER_SECONDS)],
    )


def retired(model: str) -> Response:
    return not_found(
        f"models/{model} is no longer available. Please use {RETIREMENT_REPLACEMENT} instead."
    )


class GeminiAPI:
    def __init__(self, config: Config, store: Store, cache: ClipCache) -> None:
        self.config = config
        self.store = store
        self.cache = cache

    def _key(self, request: Request) -> tuple[str, Response | None]:
        # The real API takes the key from the header or, as older clients do, from ?key=.
        key = request.headers.get("x-goog-api-key") or request.query.get("key", "")
        if not key:
            return "", error(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established "
                "identity). Please use API Key or other form of API consumer identity to call "
                "this API.",
            )
        if not self.config.gemini_key_ok(key):
            return "", error(
                400,
                "INVALID_ARGUMENT",
                API_KEY_INVALID,
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "API_KEY_INVALID",
                        "domain": "googleapis.com",
                        "metadata": {"service": "generativelanguage.googleapis.com"},
                    },
                    {
                        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                        "locale": "en-US",
                        "message": API_KEY_INVALID,
                    },
                ],
            )
        return key, None

    # --- models ------------------------------------------------------------------------------

    def list_models(self, request: Request, version: str) -> Response:
        _, denied = self._key(request)
        if denied:
            return denied
        try:
            page_size = int(request.query.get("pageSize") or DEFAULT_PAGE_SIZE)
            start = int(request.query.get("pageToken") or 0)
        except ValueError:
            return invalid_argument("Invalid pageSize or pageToken.")
        page_size = max(1, min(page_size, 1000))
        payload: dict[str, Any] = {"models": GEMINI_MODELS[start : start + page_size]}
        if start + page_size < len(GEMINI_MODELS):
            payload["nextPageToken"] = str(start + page_size)
        return json_response(200, payload)

    def get_model(self, request: Request, version: str, model: str) -> Response:
        _, denied = self._key(request)
        if denied:
            return denied
        for entry in GEMINI_MODELS:
            if entry["name"] == f"models/{model}":
                return json_response(200, entry)
        return not_found(f"models/{model} is not found for API version {version}")

    # --- jobs --------------------------------------------------------------------------------

    def submit(self, request: Request, version: str, model: str) -> Response:
        self.store.count_submit("gemini")
        key, denied = self._key(request)
        if denied:
            return denied
        if model in OMNI_MODELS:
            return invalid_argument("This model only supports Interactions API.")
        if is_retired_veo(model):
            return retired(model)
        veo = VEO_MODELS.get(model)
        if veo is None:
            return not_found(
                f"models/{model} is not found for API version {version}, or is not supported "
                "for predictLongRunning. Call ListModels to see the list of available models "
                "and their supported methods."
            )
        try:
            body = request.json()
        except ValueError:
            return invalid_argument("Invalid JSON payload received. Unexpected token.")
        instance = _instance(body)
        prompt = instance.get("prompt") if isinstance(instance, dict) else None
        try:
            scenario = parse(prompt if isinstance(prompt, str) else "")
        except ScenarioError as exc:
            return invalid_argument(str(exc))

        fingerprint = hashlib.sha256(key.encode() + b"\0" + request.body).hexdigest()
        fault = self.store.submit_fault(fingerprint, scenario, ("429-submit", "500-submit"))
        if fault == "429-submit":
            return resource_exhausted()
        if fault == "500-submit":
            return internal_error()

        try:
            clips, parent, details = validate(veo, body, key, self.store)
        except InvalidArgument as exc:
            return invalid_argument(str(exc))
        if scenario.has("safety-submit"):
            return invalid_argument(
                "The prompt was blocked for SAFETY reasons and could not be submitted. "
                "You have not been charged for this attempt."
            )
        job = Job(
            id=random_id(12),
            provider="gemini",
            key=key,
            model=model,
            prompt=clips[0].prompt,
            scenario=scenario,
            clips=clips,
            latency=scenario.slow_seconds or self.config.job_seconds,
            api="predictLongRunning",
            request=describe_payloads(body),
            parent=parent,
            details=details,
        )
        self.store.add_job(job, [random_id(12) for _ in clips])
        return json_response(200, {"name": _operation_name(job)})

    def poll(self, request: Request, version: str, model: str, operation: str) -> Response:
        key, denied = self._key(request)
        if denied:
            return denied
        job = self.store.get_job(operation)
        if job is None or job.api != "predictLongRunning" or job.model != model or job.key != key:
            return not_found()
        self.store.count_poll(job)
        if self.store.fire(job, "429-poll"):
            return resource_exhausted()
        if self.store.fire(job, "500-poll"):
            return internal_error()
        return json_response(200, operation_payload(job))

    def omni_generate_content(self, request: Request, version: str, model: str) -> Response:
        """Omni is never served through generateContent."""
        _, denied = self._key(request)
        if denied:
            return denied
        if model in OMNI_MODELS:
            return invalid_argument("This model only supports Interactions API.")
        return not_found(f"models/{model}:generateContent is not served by the sandbox.")

    # --- downloads ---------------------------------------------------------------------------

    def file(self, request: Request, version: str, file_id: str) -> Response:
        """``GET /files/{id}``: the file's metadata, or its bytes with ``alt=media``."""
        if request.query.get("alt") == "media":
            return self.download(request, version, file_id)
        key, denied = self._key(request)
        if denied:
            return denied
        found = self.store.lookup_file(file_id)
        if found is None or found[0].key != key or content_gone(found[0]):
            return error(
                403,
                "PERMISSION_DENIED",
                f"You do not have permission to access the File {file_id} or it may not exist.",
            )
        job = found[0]
        return json_response(
            200,
            {
                "name": f"files/{file_id}",
                "mimeType": "video/mp4",
                "uri": f"https://generativelanguage.googleapis.com/v1beta/files/{file_id}",
                "downloadUri": FILES_URI.format(file_id=file_id),
                "state": "ACTIVE",
                "source": "GENERATED",
                "createTime": _rfc3339(job.created_unix),
                "expirationTime": _rfc3339(job.created_unix + FILE_LIFETIME_SECONDS),
            },
        )

    # --- downloads ---------------------------------------------------------------------------

    def download(self, request: Request, version: str, file_id: str) -> Response:
        _, denied = self._key(request)
        if denied:
            return denied
        found = self.store.lookup_file(file_id)
        if found is None or found[0].provider != "gemini":
            return not_found()
        job, index = found
        self.store.count_download(job, index)
        if self.store.fire(job, "500-download"):
            return internal_error()
        if content_gone(job):
            return not_found()
        # The real service answers with a redirect to a storage host; 127.0.0.1 -> localhost
        # gives clients a genuine cross-host redirect to handle.
        if request.host == "127.0.0.1":
            location = f"{other_host(request.base_url)}/_sandbox/gemini-files/{file_id}"
            return Response(status=302, headers=[("Location", location)])
        return self._serve(request, job, index)

    def storage(self, request: Request, file_id: str) -> Response:
        """The redirect target: needs no key, and records any credential that follows along."""
        found = self.store.lookup_file(file_id)
        if found is None or found[0].provider != "gemini":
            return not_found()
        job, index = found
        self.store.record_off_origin(
            OffOriginHit("gemini-files", job.id, index, credential_headers(request.headers))
        )
        if content_gone(job):
            return not_found()
        return self._serve(request, job, index)

    def _serve(self, request: Request, job: Job, index: int) -> Response:
        return media_response(
            request,
            output_source(self.cache, job, index),
            broken=self.store.fire(job, "broken-download"),
        )


def _operation_name(job: Job) -> str:
    return f"models/{job.model}/operations/{job.id}"


def _rfc3339(unix: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def content_gone(job: Job) -> bool:
    """Whether a job's files cannot be downloaded (never made, deleted, or past 2 days)."""
    # Files of failed or filtered jobs never existed; gone/expire model the 2-day deletion.
    scenario = job.scenario
    return (
        job.phase() != "done"
        or job.deleted
        or any(scenario.has(flag) for flag in ("gone", "expire", "fail", "safety", "budget"))
    )


def operation_payload(job: Job) -> dict[str, Any]:
    name = _operation_name(job)
    if job.phase() != "done":
        return {"name": name}
    if job.scenario.has("fail"):
        return {
            "name": name,
            "done": True,
            "error": {
                "code": 13,
                "message": "Video generation failed due to an internal error. Please try again.",
            },
        }
    if job.scenario.has("safety"):
        video_response: dict[str, Any] = {
            "raiMediaFilteredCount": len(job.clips),
            "raiMediaFilteredReasons": [SAFETY_REASON],
        }
    else:
        video_response = {
            "generatedSamples": [
                {"video": {"uri": FILES_URI.format(file_id=file_id)}} for file_id in job.file_ids
            ]
        }
    return {
        "name": name,
        "done": True,
        "response": {"@type": RESPONSE_TYPE, "generateVideoResponse": video_response},
    }


# --- validation ------------------------------------------------------------------------------


def _instance(body: object) -> object:
    if isinstance(body, dict) and isinstance(body.get("instances"), list) and body["instances"]:
        return body["instances"][0]
    return None


def validate(
    veo: VeoModel, body: object, key: str, store: Store
) -> tuple[list[ClipSpec], str | None, dict[str, Any]]:
    """Check a predictLongRunning body; returns the clips, the extended job and the settings."""
    if not isinstance(body, dict):
        raise InvalidArgument("Invalid JSON payload received. Expected an object.")
    _check_fields(body, ("instances", "parameters"), "")
    instances = body.get("instances")
    if not isinstance(instances, list) or len(instances) != 1:
        raise InvalidArgument("instances must contain exactly one instance.")
    instance = instances[0]
    if not isinstance(instance, dict):
        raise InvalidArgument("Invalid JSON payload received. instances[0] must be an object.")
    _check_fields(instance, INSTANCE_FIELDS, "instances[0]")
    parameters = body.get("parameters", {})
    if not isinstance(parameters, dict):
        raise InvalidArgument("Invalid JSON payload received. parameters must be an object.")
    _check_fields(parameters, PARAMETER_FIELDS, "parameters")

    prompt = instance.get("prompt")
    if prompt is not None and not isinstance(prompt, str):
        raise InvalidArgument("prompt must be a string.")
    has_image = instance.get("image") is not None
    has_last = instance.get("lastFrame") is not None
    video = instance.get("video")
    if not prompt and not has_image and video is None:
        raise InvalidArgument("A prompt or an image is required.")
    if has_image:
        _check_image(instance["image"], "image")
    if has_last:
        if not has_image:
            raise InvalidArgument("lastFrame requires image (the first frame).")
        _check_image(instance["lastFrame"], "lastFrame")
    references = instance.get("referenceImages") or []
    if not isinstance(references, list):
        raise InvalidArgument("referenceImages must be a list.")
    if references:
        _check_references(veo, references, bool(prompt), has_image or has_last)

    aspect_ratio = parameters.get("aspectRatio", "16:9")
    if aspect_ratio not in veo.aspect_ratios:
        raise InvalidArgument(
            f"Aspect ratio {aspect_ratio} is not supported by {veo.name}. "
            f"Supported values: {', '.join(veo.aspect_ratios)}."
        )
    resolution = parameters.get("resolution", "720p")
    if resolution not in veo.resolutions:
        raise InvalidArgument(
            f"Resolution {resolution} is not supported by {veo.name}. "
            f"Supported values: {', '.join(veo.resolutions)}."
        )
    duration = _integer(parameters.get("durationSeconds", 8), "durationSeconds")
    if duration not in veo.durations:
        raise InvalidArgument(
            f"The value for durationSeconds ({duration}) is not supported by {veo.name}. "
            f"Supported values: {', '.join(str(value) for value in veo.durations)}."
        )
    if duration != 8:
        if resolution in veo.eight_seconds_only_at:
            raise InvalidArgument(f"Resolution {resolution} requires durationSeconds 8.")
        if has_last:
            raise InvalidArgument("lastFrame (interpolation) requires durationSeconds 8.")
        if references:
            raise InvalidArgument("Reference images require durationSeconds 8.")
        if video is not None:
            raise InvalidArgument("Video extension requires durationSeconds 8.")

    parent: Job | None = None
    if video is not None:
        if has_image or has_last or references:
            raise InvalidArgument(
                "video (extension) cannot be combined with image, lastFrame or referenceImages."
            )
        if resolution not in veo.extension_resolutions:
            raise InvalidArgument(
                f"Video extension is only supported at {', '.join(veo.extension_resolutions)}, "
                f"not {resolution}."
            )
        parent = _extended_job(video, key, store)

    person_generation = parameters.get("personGeneration")
    if person_generation is not None:
        if person_generation not in PERSON_GENERATION:
            raise InvalidArgument(f"Invalid personGeneration value: {person_generation}.")
        # A project or region that refuses people: the real message, value named.
        if "restricted" in key and person_generation in ("allow_adult", "allow_all"):
            raise InvalidArgument(
                f"{person_generation} for personGeneration is currently not supported."
            )
        if person_generation == "allow_all" and (has_image or references):
            raise InvalidArgument(
                "allow_all for personGeneration is not supported with image inputs; "
                "use allow_adult."
            )
    if "sampleCount" in parameters:
        count = _integer(parameters["sampleCount"], "sampleCount")
        if count != veo.max_samples:
            raise InvalidArgument(
                f"sampleCount must be {veo.max_samples} for {veo.name}: the Gemini API makes "
                "one video per request."
            )
    for name in ("negativePrompt",):
        if name in parameters and not isinstance(parameters[name], str):
            raise InvalidArgument(f"{name} must be a string.")
    if "enhancePrompt" in parameters and not isinstance(parameters["enhancePrompt"], bool):
        raise InvalidArgument("enhancePrompt must be a boolean.")

    width, height = size_for_aspect(aspect_ratio)
    seconds = parent.clips[0].duration + EXTENSION_SECONDS if parent else duration
    # Veo 3.x always generates audio.
    clips = [ClipSpec(prompt or "", width, height, seconds, 0, 1, True)]
    details = {
        "duration": seconds,
        "resolution": resolution,
        "aspect_ratio": aspect_ratio,
        "reference_images": len(references),
        "first_frame": has_image,
        "last_frame": has_last,
    }
    return clips, (parent.id if parent else None), details


def _check_fields(fields: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for name in fields:
        if name in known:
            continue
        if name in REFUSED_FIELDS:
            raise InvalidArgument(f"`{name}` isn't supported by this model.")
        location = f" at '{where}'" if where else ""
        raise InvalidArgument(
            f'Invalid JSON payload received. Unknown name "{name}"{location}: Cannot find field.'
        )


def _check_references(
    veo: VeoModel, references: list[Any], has_prompt: bool, has_frames: bool
) -> None:
    if veo.max_reference_images == 0:
        raise InvalidArgument(f"referenceImages is not supported by {veo.name}.")
    if len(references) > veo.max_reference_images:
        raise InvalidArgument(
            f"At most {veo.max_reference_images} reference images are supported by {veo.name}."
        )
    if has_frames:
        raise InvalidArgument("referenceImages cannot be combined with image or lastFrame.")
    if not has_prompt:
        raise InvalidArgument("A prompt is required with referenceImages.")
    for number, reference in enumerate(references):
        where = f"referenceImages[{number}]"
        if not isinstance(reference, dict):
            raise InvalidArgument(f"{where} must be an object.")
        _check_fields(reference, ("image", "referenceType"), f"instances[0].{where}")
        _check_image(reference.get("image"), f"{where}.image")
        reference_type = reference.get("referenceType")
        if reference_type != "ASSET":
            raise InvalidArgument(
                f"{where}.referenceType must be ASSET on the Gemini API, got {reference_type!r}."
            )


def _extended_job(video: object, key: str, store: Store) -> Job:
    """The earlier Veo output of this key that ``video.uri`` names, still within 2 days."""
    if not isinstance(video, dict):
        raise InvalidArgument("video must be an object.")
    _check_fields(video, ("uri", "encoding"), "instances[0].video")
    uri = video.get("uri")
    if not isinstance(uri, str) or not uri:
        raise InvalidArgument("video.uri is required: the uri of an earlier Veo output.")
    if video.get("encoding") not in (None, "video/mp4"):
        raise InvalidArgument(f"Unsupported video encoding {video.get('encoding')}.")
    match = FILE_ID_IN_URI.search(uri)
    found = store.lookup_file(match.group(1)) if match else None
    if found is None:
        raise InvalidArgument(
            f"video.uri {uri} does not name a video generated by Veo for this project."
        )
    job = found[0]
    if job.key != key or job.api != "predictLongRunning":
        raise InvalidArgument(
            f"video.uri {uri} does not name a video generated by Veo for this project."
        )
    if content_gone(job) or job.created_unix < time.time() - FILE_LIFETIME_SECONDS:
        raise InvalidArgument(
            f"video.uri {uri} is no longer available: generated videos can be extended only "
            "within 2 days."
        )
    return job


def _integer(value: object, name: str) -> int:
    # durationSeconds arrives as an int from the SDK; proto3 JSON also reads "8".
    if isinstance(value, bool):
        raise InvalidArgument(f"{name} must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidArgument(f"{name} must be an integer.")


def _check_image(image: object, where: str) -> None:
    """Only ``{"bytesBase64Encoded", "mimeType"}``, as google-genai sends on the Gemini API."""
    if not isinstance(image, dict):
        raise InvalidArgument(f"{where} must be an object.")
    _check_fields(image, ("bytesBase64Encoded", "mimeType"), f"instances[0].{where}")
    data, mime_type = image.get("bytesBase64Encoded"), image.get("mimeType")
    if not isinstance(data, str) or not data:
        raise InvalidArgument(f"{where}: image bytes are required (bytesBase64Encoded).")
    if mime_type not in IMAGE_MIME_TYPES:
        raise InvalidArgument(f"{where}: unsupported mimeType {mime_type}.")
    try:
        base64.b64decode(data, validate=True)
    except binascii.Error as exc:
        raise InvalidArgument(f"{where}: invalid base64 image data.") from exc
