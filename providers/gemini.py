"""Gemini API with Veo (https://generativelanguage.googleapis.com): ``x-goog-api-key`` auth.

Jobs use the ``predictLongRunning`` path: submit, then poll the returned operation. Google's newer
Interactions API could become a second path; it would live beside ``submit``/``poll`` here.
"""

import re
from datetime import timedelta

import httpx
from django.utils import timezone

from .base import (
    BadRequest,
    JobSpec,
    JobState,
    JobStatus,
    KeyCheck,
    ModelInfo,
    Output,
    OutputGone,
    ProviderError,
    SubmitResult,
    UnexpectedResponse,
)
from .http import (
    HttpProvider,
    accepted_json,
    error_from_reply,
    error_message,
    json_object,
    make_client,
    send,
    send_submit,
    unknown_outcome,
)

NAME = "Gemini"
API_VERSION = "v1beta"
FILE_RETENTION = timedelta(days=2)
OPERATION_NAME = re.compile(r"^models/[A-Za-z0-9._-]+/operations/[A-Za-z0-9._-]+$")
FILE_ID = re.compile(r"^https://[^/]+/(?:v1beta|v1)/files/([a-z0-9]+)(?::download)?(?:\?.*)?$")

_VEO_31 = {
    "durations": (4, 6, 8),
    "resolutions": ("720p", "1080p", "4k"),
    "aspect_ratios": ("16:9", "9:16"),
    "frame_images": ("first_frame", "last_frame"),
    "max_reference_images": 3,
    "required_durations": {"1080p": 8, "4k": 8, "reference_images": 8},
    "description": "Veo 3.1: video with native audio.",
}
_VEO_30 = {
    "durations": (8,),
    "resolutions": ("720p", "1080p"),
    "aspect_ratios": ("16:9", "9:16"),
    "frame_images": ("first_frame",),
    "aspect_ratios_at": {"1080p": ("16:9",)},
    "description": "Veo 3: 8-second video with native audio.",
}
# What the model list does not say: the capability table of the Gemini API documentation.
CAPABILITIES: dict[str, dict] = {
    "veo-3.1-generate-preview": _VEO_31,
    "veo-3.1-fast-generate-preview": _VEO_31 | {"description": "Veo 3.1 Fast: quicker, cheaper."},
    "veo-3.1-lite-generate-preview": {
        "durations": (4, 6, 8),
        "resolutions": ("720p", "1080p"),
        "aspect_ratios": ("16:9", "9:16"),
        "frame_images": ("first_frame", "last_frame"),
        "required_durations": {"1080p": 8},
        "description": "Veo 3.1 Lite: the most affordable Veo 3.1.",
    },
    "veo-3.0-generate-001": _VEO_30,
    "veo-3.0-fast-generate-001": _VEO_30,
    "veo-2.0-generate-001": {
        "durations": (5, 6, 7, 8),
        "resolutions": ("720p",),
        "aspect_ratios": ("16:9", "9:16"),
        "frame_images": ("first_frame",),
        "max_outputs": 4,
        "description": "Veo 2: silent video, up to 4 clips per request.",
    },
}
# A video model the table does not know yet gets what every Veo model accepts.
UNKNOWN_MODEL = {"durations": (8,), "resolutions": ("720p",), "aspect_ratios": ("16:9", "9:16")}


class GeminiProvider(HttpProvider):
    slug = "gemini"
    label = NAME
    key_prefix = "AIza"
    key_help = "Gemini API keys start with AIza and are at aistudio.google.com/apikey."
    base_url_setting = "GEMINI_BASE_URL"

    @staticmethod
    def download_error(response: httpx.Response) -> ProviderError:
        return download_error_for(response)

    def _auth(self) -> dict[str, str]:
        # Always a header, never ?key=: URLs end up in logs, headers do not.
        return {"x-goog-api-key": self._api_key}

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{API_VERSION}/{path}"

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> dict:
        with make_client(timeout=timeout or self._timeout) as client:
            request = client.build_request(method, self._url(path), headers=self._auth(), **kwargs)
            response = send(client, request, NAME)
            if response.is_success:
                return json_object(response, NAME)
            raise error_for(response)

    def _video_models(self, timeout: float | None = None) -> list[dict]:
        body = self._call("GET", "models", params={"pageSize": 1000}, timeout=timeout)
        models = body.get("models")
        if not isinstance(models, list):
            raise UnexpectedResponse(f"{NAME} sent a model list without 'models'. Try again later.")
        return [
            m
            for m in models
            if isinstance(m, dict)
            and isinstance(m.get("name"), str)
            and "predictLongRunning" in (m.get("supportedGenerationMethods") or [])
        ]

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        video = self._video_models(timeout)
        if not video:
            return KeyCheck(detail="Gemini accepted the key, but it offers no Veo video models.")
        return KeyCheck(detail=f"Gemini accepted the key; {len(video)} Veo video models available.")

    def list_models(self) -> list[ModelInfo]:
        result = []
        for entry in self._video_models():
            model_id = entry["name"].removeprefix("models/")
            known = CAPABILITIES.get(model_id, UNKNOWN_MODEL)
            result.append(
                ModelInfo(
                    provider="gemini",
                    id=model_id,
                    name=str(entry.get("displayName") or model_id),
                    negative_prompt=True,
                    **({"description": str(entry.get("description") or "")} | known),
                )
            )
        return result

    def submit_body(self, spec: JobSpec) -> dict:
        instance: dict = {"prompt": spec.prompt}
        references = []
        for image in spec.images:
            inline = {"inlineData": {"mimeType": image.mime_type, "data": image.base64()}}
            if image.role == "first_frame":
                instance["image"] = inline
            elif image.role == "last_frame":
                instance["lastFrame"] = inline
            else:
                references.append({"image": inline, "referenceType": "asset"})
        if references:
            instance["referenceImages"] = references
        parameters: dict = {
            # Google allows people in text-to-video; with an input image only adults.
            "personGeneration": "allow_adult" if spec.images else "allow_all",
            "sampleCount": spec.sample_count,
        }
        if spec.aspect_ratio:
            parameters["aspectRatio"] = spec.aspect_ratio
        if spec.resolution:
            parameters["resolution"] = spec.resolution
        if spec.duration:
            parameters["durationSeconds"] = spec.duration
        if spec.negative_prompt.strip():
            parameters["negativePrompt"] = spec.negative_prompt
        return {"instances": [instance], "parameters": parameters}

    def submit(self, spec: JobSpec) -> SubmitResult:
        model = spec.model.removeprefix("models/")
        if not re.fullmatch(r"[A-Za-z0-9._-]+", model):
            raise BadRequest(f"{model!r} is not a Gemini model name.")
        with make_client(timeout=self._timeout) as client:
            request = client.build_request(
                "POST",
                self._url(f"models/{model}:predictLongRunning"),
                headers=self._auth(),
                json=self.submit_body(spec),
            )
            response = send_submit(client, request, NAME)
            if not response.is_success:
                raise error_for(response)
            body = accepted_json(response, NAME)
        name = body.get("name")
        if not isinstance(name, str) or not OPERATION_NAME.match(name):
            raise unknown_outcome(NAME, "its reply names no operation", response.text)
        return SubmitResult(job_id=name, polling_url=name, status=JobStatus.PENDING)

    def poll(self, polling_url: str) -> JobState:
        if not OPERATION_NAME.match(polling_url):
            raise UnexpectedResponse(f"{polling_url!r} is not a Gemini operation name.")
        body = self._call("GET", polling_url)
        if not body.get("done"):
            return JobState(JobStatus.RUNNING, "running")
        if isinstance(body.get("error"), dict):
            raw = str(body["error"].get("message") or "")
            return JobState(
                JobStatus.FAILED,
                "error",
                error=f"Gemini could not make this video: {raw.rstrip('.') or 'no reason given'}.",
                raw_error=str(body["error"])[:2000],
            )
        response = body.get("response") if isinstance(body.get("response"), dict) else {}
        result = response.get("generateVideoResponse")
        if not isinstance(result, dict):
            raise UnexpectedResponse(f"{NAME} finished the job but sent no generateVideoResponse.")
        outputs = self.outputs(result)
        if outputs:
            return JobState(JobStatus.COMPLETED, "done", outputs=outputs)
        reasons = [str(r) for r in result.get("raiMediaFilteredReasons") or []]
        if result.get("raiMediaFilteredCount") or reasons:
            reason = " ".join(reasons) or "The prompt or image was refused."
            return JobState(
                JobStatus.BLOCKED,
                "filtered",
                error=(
                    "Blocked by Google's safety filter; you were not charged. "
                    f"Gemini said: {reason}"
                ),
                raw_error=str(result)[:2000],
            )
        return JobState(
            JobStatus.FAILED,
            "done",
            error="Gemini finished the job without any video and gave no reason.",
            raw_error=str(result)[:2000],
        )

    def outputs(self, result: dict) -> tuple[Output, ...]:
        """Download URLs built from file ids on our configured base URL, never taken verbatim."""
        samples = result.get("generatedSamples") or []
        expires = timezone.now() + FILE_RETENTION
        outputs = []
        for sample in samples if isinstance(samples, list) else []:
            uri = (sample.get("video") or {}).get("uri") if isinstance(sample, dict) else None
            match = FILE_ID.match(uri or "")
            if not match:
                raise UnexpectedResponse(f"{NAME} returned a video without a usable file uri.")
            url = self._url(f"files/{match.group(1)}:download?alt=media")
            outputs.append(Output(index=len(outputs), url=url, expires_at=expires))
        return tuple(outputs)


def download_error_for(response: httpx.Response) -> ProviderError:
    if response.status_code in (404, 410):
        return OutputGone(
            "Gemini no longer has this clip (files are deleted after 2 days), so it cannot be "
            "copied. Generate it again to get a new one.",
            raw=response.text[:1000],
            status_code=response.status_code,
        )
    return error_for(response)


def error_for(response: httpx.Response) -> ProviderError:
    """Map a Google API error (``{"error":{"code","message","status"}}``) to a typed error."""
    error = error_message(response)
    message = str(error.get("message") or "")
    reasons = {str(d.get("reason")) for d in error.get("details") or [] if isinstance(d, dict)}
    return error_from_reply(
        response,
        NAME,
        message=message,
        key_refused=response.status_code in (401, 403)
        or "API_KEY_INVALID" in reasons
        or "API key not valid" in message,
        key_text="Gemini refused this key (it is wrong, revoked, or lacks access to the "
        "Gemini API).",
        rate_text="Gemini's quota for this key is exhausted for now; we will wait and try again.",
    )
