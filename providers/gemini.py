"""Gemini API (https://generativelanguage.googleapis.com): ``x-goog-api-key`` auth.

Two paths, chosen by model family, because the model list's generation methods do not reliably
say which one a model takes:

* ``gemini-omni-*`` (Gemini Omni, the API's video model) through the **Interactions API**:
  ``POST /v1beta/interactions`` in the background, poll ``GET /v1beta/interactions/{id}``,
  a real cancel; the video comes inline (base64) or as a file ``uri``.
* ``veo-*`` through ``models/{model}:predictLongRunning`` and its operation, for the Veo ids a
  key still lists (Google retired Veo 2, 3.0 and the 3.1 previews on this API).

Capabilities are keyed by family, so a new id of a known family keeps them; a video model of
an unknown family gets a conservative profile and says so.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone

from . import streamjson
from .base import (
    BadRequest,
    Continuation,
    Estimate,
    InvalidSpec,
    JobSpec,
    JobState,
    JobStatus,
    KeyCheck,
    ModelInfo,
    Output,
    OutputGone,
    ProviderError,
    ProviderUnavailable,
    ReportedCost,
    SafetyRefused,
    SourceGone,
    SubmitResult,
    UnexpectedResponse,
)
from .http import (
    Download,
    HttpProvider,
    accepted_json,
    api_client,
    error_from_reply,
    error_message,
    make_client,
    send,
    send_submit,
    stream,
    too_large,
    unknown_outcome,
)

NAME = "Gemini"
API_VERSION = "v1beta"
PUBLIC_HOST = "generativelanguage.googleapis.com"
FILE_RETENTION = timedelta(days=2)
OPERATION_NAME = re.compile(r"^models/[A-Za-z0-9._-]+/operations/[A-Za-z0-9._-]+$")
INTERACTION_NAME = re.compile(r"^interactions/([A-Za-z0-9._-]+)$")
FILE_ID = re.compile(r"^/(?:v1beta|v1)/files/([a-z0-9]+)(?::download)?$")
MODEL_ID = re.compile(r"^[A-Za-z0-9._-]+$")
INLINE = "#inline"
CHUNK = 1 << 20

_PEOPLE = ("allow_all", "allow_adult", "dont_allow")
_VEO_31 = {
    "family": "veo-3.1",
    "durations": (4, 6, 8),
    "resolutions": ("720p", "1080p", "4k"),
    "aspect_ratios": ("16:9", "9:16"),
    "frame_images": ("first_frame", "last_frame"),
    "max_reference_images": 3,
    "audio_always": True,
    "negative_prompt": True,
    "person_generation": _PEOPLE,
    "required_durations": {
        "1080p": 8,
        "4k": 8,
        "last_frame": 8,
        "reference_images": 8,
        "extend": 8,
    },
    "last_frame_needs_first": True,
    "references_with_frames": False,
    "prompt_required_with_references": True,
    "continuations": ("extend",),
    "extend_resolution": "720p",
}
# Family prefix -> what models of the family take. The first prefix that matches wins.
FAMILIES: tuple[tuple[str, dict], ...] = (
    (
        "gemini-omni-",
        {
            "family": "gemini-omni",
            "durations": tuple(range(3, 11)),  # 3-10 s; 1.2 reportedly 15 s (unconfirmed)
            "resolutions": ("360p", "720p", "1080p", "4k"),
            "aspect_ratios": ("16:9", "9:16"),
            "frame_images": ("first_frame", "last_frame"),
            "max_reference_images": 3,
            "audio_always": True,
            "seed": True,
            "continuations": ("extend", "edit"),
            # An extension adds to the earlier video: about 40 s in all on 1.1 (30 s reported
            # for 1.2, see EXTENDED_SECONDS).
            "max_extended_seconds": 40,
        },
    ),
    (
        "veo-3.1-lite",
        _VEO_31
        | {
            "family": "veo-3.1-lite",
            "resolutions": ("720p", "1080p"),
            "max_reference_images": 0,
        },
    ),
    ("veo-3.1", _VEO_31),
)
# Shut down on the Gemini API (Veo 2 and 3.0 in June 2026, the 3.1 previews in October 2026).
RETIRED = re.compile(r"^veo-(2\.|3\.0-|3\.1-.*generate-preview$)")
VIDEO_PREFIXES = ("gemini-omni-", "veo-")
UNKNOWN_NOTE = (
    "This model is new to MarketOS, so only its safest settings are offered (8 seconds, 720p, "
    "no images)."
)
UNKNOWN = {
    "durations": (8,),
    "resolutions": ("720p",),
    "aspect_ratios": ("16:9", "9:16"),
    "note": UNKNOWN_NOTE,
}
# Google's published Gemini API prices per second of Veo video (audio included), in USD: at
# 720p/1080p, and at 4k where the model makes it.
VEO_PRICES = {
    "veo-3.1": (Decimal("0.40"), Decimal("0.60")),
    "veo-3.1-fast": (Decimal("0.15"), Decimal("0.30")),
    "veo-3.1-lite": (Decimal("0.05"), None),
}
# Omni bills tokens: about 5,792 output video tokens per second at 720p. Other resolutions are
# assumed to scale with their pixel count (an estimate until Google says otherwise).
OMNI_TOKENS_PER_SECOND = 5792
PIXELS_VS_720P = {"360p": Decimal("0.25"), "720p": 1, "1080p": Decimal("2.25"), "4k": 9}
# How Google names a safety refusal (in a 400 at submit, or a failed step's error).
SAFETY_WORDS = ("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII")
# The longest an extended Omni video may become, by model id where it differs from the family's.
EXTENDED_SECONDS = {"gemini-omni-1.2-": 30}
OMNI_FAILURES = {
    "incomplete": "Gemini stopped before the video was finished.",
    "budget_exceeded": "Gemini stopped: the request ran over its budget.",
    "requires_action": "Gemini asked for an action MarketOS cannot take for this job.",
}


def family_of(model_id: str) -> dict | None:
    return next((caps for prefix, caps in FAMILIES if model_id.startswith(prefix)), None)


def uses_interactions(model_id: str) -> bool:
    return model_id.startswith("gemini-omni-")


class GeminiProvider(HttpProvider):
    slug = "gemini"
    label = NAME
    key_prefix = "AIza"
    key_help = "Gemini API keys start with AIza and are at aistudio.google.com/apikey."
    base_url_setting = "GEMINI_BASE_URL"

    gone_text = (
        "Gemini no longer has this clip (files are deleted after 2 days), so it cannot be "
        "copied. Generate it again to get a new one."
    )

    @staticmethod
    def error_for(response: httpx.Response) -> ProviderError:
        return error_for(response)

    def _auth(self) -> dict[str, str]:
        # Always a header, never ?key=: URLs end up in logs, headers do not.
        return {"x-goog-api-key": self._api_key}

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{API_VERSION}/{path}"

    def _call(self, method: str, path: str, *, timeout: float | None = None, **kwargs) -> dict:
        return self._request(method, self._url(path), timeout=timeout, **kwargs)

    # --- models --------------------------------------------------------------------------

    def _video_models(self, timeout: float | None = None) -> list[dict]:
        """Every listed model of a video family that Google has not retired (all pages)."""
        found, token = [], None
        for _ in range(20):
            params = {"pageSize": 1000} | ({"pageToken": token} if token else {})
            body = self._call("GET", "models", params=params, timeout=timeout)
            models = body.get("models")
            if not isinstance(models, list):
                raise UnexpectedResponse(f"{NAME} sent a model list without 'models'. Try later.")
            for entry in models:
                name = entry.get("name") if isinstance(entry, dict) else None
                model_id = name.removeprefix("models/") if isinstance(name, str) else ""
                if model_id.startswith(VIDEO_PREFIXES) and not RETIRED.match(model_id):
                    found.append(entry)
            token = body.get("nextPageToken")
            if not token:
                break
        return found

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        video = self._video_models(timeout)
        if not video:
            return KeyCheck(
                detail="Gemini accepted the key, but it offers no video model.",
                usable=False,
                problem="no_models",
            )
        names = ", ".join(str(m.get("displayName") or m["name"]) for m in video)
        return KeyCheck(detail=f"Gemini accepted the key; video models: {names}.")

    def list_models(self) -> list[ModelInfo]:
        result = []
        for entry in self._video_models():
            model_id = entry["name"].removeprefix("models/")
            known = family_of(model_id) or UNKNOWN | {"family": model_id}
            for prefix, seconds in EXTENDED_SECONDS.items():
                if model_id.startswith(prefix):
                    known = known | {"max_extended_seconds": seconds}
            description = str(entry.get("description") or "")
            result.append(
                ModelInfo(
                    provider=self.slug,
                    id=model_id,
                    name=str(entry.get("displayName") or model_id),
                    description=description,
                    pricing={"per second": str(veo_price(model_id))}
                    if not uses_interactions(model_id) and veo_price(model_id)
                    else {},
                    **known,
                )
            )
        return result

    # --- submitting ----------------------------------------------------------------------

    def submit(self, spec: JobSpec, model: ModelInfo) -> SubmitResult:
        model_id = spec.model.removeprefix("models/")
        if not MODEL_ID.match(model_id):
            raise BadRequest(f"{model_id!r} is not a Gemini model name.")
        if uses_interactions(model_id):
            path, body = "interactions", self.interaction_body(spec, model)
        else:
            path, body = f"models/{model_id}:predictLongRunning", self.predict_body(spec, model)
        with make_client(timeout=self._timeout) as client:
            request = client.build_request("POST", self._url(path), headers=self._auth(), json=body)
            response = send_submit(client, request, NAME)
            if not response.is_success:
                error = error_for(response)
                if spec.parent and source_is_gone(response):
                    raise SourceGone(
                        "Gemini no longer keeps the clip this version carries on from (it was "
                        "deleted or has expired), so it cannot be extended or edited any more. "
                        "Nothing was started or charged.",
                        raw=error.raw,
                        status_code=response.status_code,
                    )
                raise error
            reply = accepted_json(response, NAME)
        if uses_interactions(model_id):
            interaction = reply.get("id")
            if not isinstance(interaction, str) or not MODEL_ID.match(interaction):
                raise unknown_outcome(NAME, "its reply names no interaction", response.text)
            return SubmitResult(interaction, f"interactions/{interaction}", JobStatus.RUNNING)
        name = reply.get("name")
        if not isinstance(name, str) or not OPERATION_NAME.match(name):
            raise unknown_outcome(NAME, "its reply names no operation", response.text)
        return SubmitResult(job_id=name, polling_url=name, status=JobStatus.PENDING)

    def predict_body(self, spec: JobSpec, model: ModelInfo) -> dict:
        """Veo's ``predictLongRunning`` body, as google-genai 2.x builds it for the Gemini API."""
        instance: dict = {"prompt": spec.prompt} if spec.prompt else {}
        references = []
        for image in spec.images:
            inline = {"bytesBase64Encoded": image.base64(), "mimeType": image.mime_type}
            if image.role == "first_frame":
                instance["image"] = inline
            elif image.role == "last_frame":
                instance["lastFrame"] = inline
            else:
                references.append({"image": inline, "referenceType": "ASSET"})
        if references:
            instance["referenceImages"] = references
        if spec.parent and spec.parent.video_uri:
            instance["video"] = {"uri": spec.parent.video_uri}
        parameters: dict = {"sampleCount": spec.sample_count}
        if spec.aspect_ratio:
            parameters["aspectRatio"] = spec.aspect_ratio
        if spec.resolution:
            parameters["resolution"] = spec.resolution
        if spec.duration:
            parameters["durationSeconds"] = spec.duration
        if spec.negative_prompt.strip():
            parameters["negativePrompt"] = spec.negative_prompt.strip()
        if spec.person_generation:
            # Only when asked for: some projects and regions refuse any value.
            parameters["personGeneration"] = spec.person_generation
        return {"instances": [instance], "parameters": parameters}

    def interaction_body(self, spec: JobSpec, model: ModelInfo) -> dict:
        """An Interactions API body for Omni: images as content blocks placed by tags."""
        blocks: list[dict] = []
        tags: list[str] = []
        references = 0
        for image in spec.images:
            blocks.append({"type": "image", "data": image.base64(), "mime_type": image.mime_type})
            if image.role == "reference":
                tags.append(f"<IMAGE_REF_{references}>")
                references += 1
            else:
                tags.append(f"<{image.role.upper()}>")
        text = " ".join([*tags, spec.prompt]).strip()
        blocks.append({"type": "text", "text": text})
        response_format: dict = {"type": "video"}
        if spec.aspect_ratio:
            response_format["aspect_ratio"] = spec.aspect_ratio
        if spec.resolution:
            response_format["resolution"] = spec.resolution
        if spec.duration:
            response_format["duration"] = f"{spec.duration}s"
        response_format["delivery"] = settings.GEMINI_DELIVERY
        if spec.parent:
            task = spec.parent.kind
        elif references:
            task = "reference_to_video"
        else:
            task = "image_to_video" if spec.images else "text_to_video"
        config: dict = {"video_config": {"task": task}}
        if spec.seed is not None:
            config["seed"] = spec.seed
        body: dict = {
            "model": spec.model,
            # As google-genai 3.x sends a list of content blocks: one user turn.
            "input": [{"type": "user_input", "content": blocks}],
            "response_format": response_format,
            "generation_config": config,
            "background": True,
        }
        if spec.parent:
            body["previous_interaction_id"] = spec.parent.job_id
        return body

    @staticmethod
    def estimate(spec: JobSpec, model: ModelInfo) -> Estimate | None:
        seconds = spec.duration or (model.durations[-1] if model.durations else 0)
        if uses_interactions(spec.model):
            seconds, what = omni_output_seconds(spec, seconds)
            factor = PIXELS_VS_720P.get(spec.resolution or "720p", 1)
            tokens = Decimal(OMNI_TOKENS_PER_SECOND * seconds) * Decimal(factor)
            rate = Decimal(str(settings.OMNI_VIDEO_OUTPUT_USD_PER_MILLION))
            amount = tokens * rate / 1_000_000
            basis = f"{what}: about {tokens:,.0f} video tokens at ${rate}/million"
            return Estimate.of(amount, basis)
        price = veo_price(spec.model, spec.resolution)
        if price is None or not seconds:
            return None
        basis = f"{seconds} s at ${price}/s with audio"
        return Estimate.of(price * seconds * spec.sample_count, basis)

    # --- following a job -----------------------------------------------------------------

    def poll(self, polling_url: str) -> JobState:
        if match := INTERACTION_NAME.match(polling_url):
            return self._poll_interaction(match.group(1))
        if not OPERATION_NAME.match(polling_url):
            raise BadRequest(f"{polling_url!r} is not a Gemini operation or interaction.")
        return self._poll_operation(polling_url)

    @staticmethod
    def continuation_duration(
        kind: str, model: ModelInfo, source_seconds: int | None, wanted: int | None
    ) -> int | None:
        """Omni: an extension adds a duration the model offers to the earlier video, as long
        as the whole stays within the model's limit; an edit keeps the earlier video's length,
        so no duration is asked. Veo: what the model requires (8 s to extend)."""
        if not uses_interactions(model.id):
            return HttpProvider.continuation_duration(kind, model, source_seconds, wanted)
        if kind == "edit":
            return None
        room = (model.max_extended_seconds or 10**6) - (source_seconds or 0)
        fits = [seconds for seconds in model.durations if seconds <= room]
        if not fits:
            raise InvalidSpec(
                {
                    "duration": f"This clip is already {source_seconds} s long; {model.name} "
                    f"extends videos to {model.max_extended_seconds} s in all."
                }
            )
        return wanted if wanted in fits else fits[-1]

    def source_kept(self, parent: Continuation) -> bool:
        """Omni: ask for the earlier interaction (an unknown one answers 400 "Invalid
        interaction name"). Veo files are kept 2 days, which the clip's expiry says."""
        if OPERATION_NAME.match(parent.job_id):
            return True
        try:
            body = self._read_interaction(parent.job_id)
        except ProviderError as exc:
            if exc.status_code in (400, 404) and "interaction" in (exc.raw or "").lower():
                return False
            raise
        return body.get("status") == "completed" and last_video(body) is not None

    @staticmethod
    def can_cancel(polling_url: str) -> bool:
        # Omni jobs can be stopped; Veo operations cannot on this API.
        return bool(INTERACTION_NAME.match(polling_url))

    def cancel(self, polling_url: str) -> None:
        if not (match := INTERACTION_NAME.match(polling_url)):
            raise BadRequest("Veo jobs cannot be cancelled on the Gemini API.")
        self._call("POST", f"interactions/{match.group(1)}/cancel")

    @staticmethod
    def continuation(kind: str, job_id: str, output_url: str) -> Continuation:
        """Omni carries on from the earlier interaction; Veo extends the earlier video, named
        by its file's public URI (as the API returned it)."""
        if not OPERATION_NAME.match(job_id):
            return Continuation(kind=kind, job_id=job_id)
        match = FILE_ID.match(urlsplit(output_url).path)
        if not match:
            return Continuation(kind=kind, job_id=job_id)
        uri = f"https://{PUBLIC_HOST}/{API_VERSION}/files/{match.group(1)}:download?alt=media"
        return Continuation(kind=kind, job_id=job_id, video_uri=uri)

    def _poll_operation(self, name: str) -> JobState:
        body = self._call("GET", name)
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
        outputs = self._operation_outputs(result)
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

    def _operation_outputs(self, result: dict) -> tuple[Output, ...]:
        samples = result.get("generatedSamples") or []
        expires = timezone.now() + FILE_RETENTION
        outputs = []
        for sample in samples if isinstance(samples, list) else []:
            uri = (sample.get("video") or {}).get("uri") if isinstance(sample, dict) else None
            url = self.file_url(uri)
            outputs.append(Output(index=len(outputs), url=url, expires_at=expires))
        return tuple(outputs)

    def file_url(self, uri) -> str:
        """A download URL for a file the API named, rebuilt on our configured base URL (the
        API names its public host; never follow a URI verbatim with the key)."""
        parts = urlsplit(uri if isinstance(uri, str) else "")
        match = FILE_ID.match(parts.path)
        if parts.scheme != "https" or not match:
            raise UnexpectedResponse(f"{NAME} returned a video without a usable file uri.")
        return self._url(f"files/{match.group(1)}:download?alt=media")

    def _read_interaction(self, interaction: str) -> dict:
        """The interaction as JSON, its inline videos only counted: a finished job's reply
        can carry the whole clip, which is read when the clip is copied, not when polled."""
        client = api_client(self._timeout)
        url = self._url(f"interactions/{interaction}")
        headers = {**self._auth(), "Accept-Encoding": "identity"}  # read raw, as it streams
        request = client.build_request("GET", url, headers=headers)
        response = send(client, request, NAME, stream=True)
        try:
            if not response.is_success:
                response.read()
                raise error_for(response)
            try:
                body, _ = streamjson.parse(response.iter_raw(), keep=False)
            except (streamjson.StreamError, UnicodeDecodeError) as exc:
                raise UnexpectedResponse(
                    f"{NAME} sent a reply that is not the JSON its API documents ({exc}). "
                    "It may be having problems; try again later."
                ) from None
            except httpx.HTTPError:
                raise ProviderUnavailable(f"The reply from {NAME} broke off.") from None
        finally:
            response.close()
        if not isinstance(body, dict):
            raise UnexpectedResponse(f"{NAME} sent an interaction that is not a JSON object.")
        return body

    def _poll_interaction(self, interaction: str) -> JobState:
        body = self._read_interaction(interaction)
        reported = omni_cost(body.get("usage"))
        state = self._interaction_state(interaction, body, reported.amount)
        return replace(state, unusable_cost=reported.unusable) if reported.unusable else state

    def _interaction_state(self, interaction: str, body: dict, cost: Decimal | None) -> JobState:
        status = str(body.get("status") or "")
        if status == "completed":
            video = last_video(body)
            if video is None:
                said = " ".join(texts(body))[:500]
                return JobState(
                    JobStatus.BLOCKED,
                    status,
                    cost=cost,
                    cost_is_estimate=cost is not None,
                    error="Gemini finished without a video, which means its safety rules "
                    "refused the request."
                    + (f" Gemini said: {said}" if said else "")
                    + (
                        f" It may still have charged about ${cost:.2f} for the tokens it read "
                        "and thought."
                        if cost
                        else " Nothing was charged."
                    )
                    + " The same prompt would be refused again.",
                    raw_error=str(body.get("steps"))[:2000],
                )
            if video.get("uri"):
                url = self.file_url(video["uri"])
            else:
                url = self._url(f"interactions/{interaction}") + INLINE
            output = Output(index=0, url=url, expires_at=timezone.now() + FILE_RETENTION)
            return JobState(
                JobStatus.COMPLETED, status, (output,), cost=cost, cost_is_estimate=True
            )
        if status == "failed":
            raw = "; ".join(step_errors(body)) or "no reason given"
            if any(word in raw.upper() for word in SAFETY_WORDS):
                return JobState(
                    JobStatus.BLOCKED,
                    status,
                    cost=cost,
                    cost_is_estimate=cost is not None,
                    error="Gemini's safety rules refused to make this video"
                    + (f" (Gemini said: {raw.rstrip('.')})" if raw else "")
                    + ". The same prompt would be refused again.",
                    raw_error=raw[:2000],
                )
            return JobState(
                JobStatus.FAILED,
                status,
                cost=cost,
                cost_is_estimate=cost is not None,
                error=f"Gemini could not make this video: {raw.rstrip('.')}.",
                raw_error=raw[:2000],
            )
        if status == "cancelled":
            return JobState(JobStatus.CANCELLED, status, error="The job was cancelled.")
        if status in OMNI_FAILURES:
            raw = "; ".join(step_errors(body))
            return JobState(
                JobStatus.FAILED, status, error=OMNI_FAILURES[status], raw_error=raw[:2000]
            )
        # queued, in_progress, or a status added after this was written: not finished yet.
        return JobState(JobStatus.RUNNING, status)

    # --- downloads -----------------------------------------------------------------------

    @contextmanager
    def open_output(self, output: Output) -> Iterator[Download]:
        if not output.url.endswith(INLINE):
            with super().open_output(output) as download:
                yield download
            return
        # The video is inside the interaction's JSON: stream it, decoding it on the way.
        cap = settings.MAX_CLIP_BYTES
        with stream(
            output.url.removesuffix(INLINE),
            timeout=self._timeout,
            provider_name=NAME,
            credentials=self._auth(),
            credential_origin=self.base_url,
            error_for=self.download_error,
            max_bytes=cap * 4 // 3 + CHUNK,  # base64 and the JSON around it
        ) as reply:
            yield InlineVideo(reply)


class InlineVideo:
    """The last video of an interaction's model output, decoded from base64 as it streams.

    The whole reply is read first (its base64 strings decoded to temporary files as they go
    by, nothing held in memory), because only the end of it says which video is the result;
    meanwhile empty chunks come out now and then, so a caller's progress (a lease heartbeat)
    keeps going. Then the chosen video is handed on in chunks.
    """

    content_type = "video/mp4"

    def __init__(self, reply: Download):
        self._reply = reply
        self.url = reply.url
        self.content_length = None

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        parser = streamjson.Parser(limit=settings.MAX_CLIP_BYTES)
        try:
            for chunk in self._reply.iter_bytes():
                parser.feed(chunk)
                yield b""
            body, spooled = parser.result()
        except streamjson.StreamError as exc:
            parser.discard()
            raise UnexpectedResponse(
                f"{NAME} sent a reply that is not valid JSON ({exc})."
            ) from None
        except OverflowError as exc:
            parser.discard()
            raise too_large(exc.args[0]) from None
        except BaseException:
            parser.discard()
            raise
        try:
            video = last_video(body) if isinstance(body, dict) else None
            data = video.get("data") if video else None
            if not isinstance(data, streamjson.Spooled) or not data.size:
                raise OutputGone("Gemini's reply no longer holds this clip's video.")
            while piece := data.file.read(chunk_size or CHUNK):
                yield piece
        finally:
            for item in spooled:
                item.close()


def omni_output_seconds(spec: JobSpec, asked: int) -> tuple[int, str]:
    """How many seconds of video an Omni job makes, and so is billed for: an extension
    makes the earlier video plus what it adds, an edit the earlier video's length."""
    parent = spec.parent
    if parent is None or not parent.source_seconds:
        return asked, f"{asked} s"
    if parent.kind == "extend":
        total = parent.source_seconds + asked
        return total, f"{parent.source_seconds} s clip + {asked} s = {total} s"
    if parent.kind == "edit":
        return parent.source_seconds, f"the {parent.source_seconds} s clip edited"
    return asked, f"{asked} s"


def source_is_gone(response: httpx.Response) -> bool:
    """Whether a refused continuation names an earlier interaction the API does not know."""
    message = str(error_message(response).get("message") or "").lower()
    return "previous_interaction_id" in message and "not found" in message


def last_video(body: dict) -> dict | None:
    """The last video block of the last ``model_output`` step, or None."""
    steps = body.get("steps") if isinstance(body.get("steps"), list) else []
    for step in reversed(steps):
        if isinstance(step, dict) and step.get("type") == "model_output":
            content = step.get("content") if isinstance(step.get("content"), list) else []
            videos = [b for b in content if isinstance(b, dict) and b.get("type") == "video"]
            return videos[-1] if videos else None
    return None


def texts(body: dict) -> list[str]:
    steps = body.get("steps") if isinstance(body.get("steps"), list) else []
    return [
        str(block.get("text"))
        for step in steps
        if isinstance(step, dict) and step.get("type") == "model_output"
        for block in step.get("content") or []
        if isinstance(block, dict) and block.get("type") == "text" and block.get("text")
    ]


def step_errors(body: dict) -> list[str]:
    found = []
    for step in body.get("steps") or []:
        error = step.get("error") if isinstance(step, dict) else None
        if isinstance(error, dict) and error.get("message"):
            found.append(str(error["message"]))
    for error in body.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            found.append(str(error["message"]))
    return found


def omni_cost(usage) -> ReportedCost:
    """USD from an interaction's ``usage``, at the rates in settings (an estimate). Token counts
    that are not whole numbers from zero up are kept aside as sent, and nothing is computed."""
    if not isinstance(usage, dict):
        return ReportedCost()
    try:
        checked = ReportedCost.of(_omni_cost(usage))
    except (TypeError, ValueError, ArithmeticError):
        checked = ReportedCost(unusable="?")
    # What is kept aside is what the provider sent: the usage, not a sum made from it.
    return ReportedCost(unusable=ReportedCost.describe(usage)) if checked.unusable else checked


def _tokens(value) -> int:
    """A token count: a whole number, zero or more (absent: 0); Google's JSON may write a
    64-bit count as a string of digits."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    raise ValueError(f"not a token count: {value!r}")


def _omni_cost(usage: dict) -> Decimal | None:
    by_modality = usage.get("output_tokens_by_modality") or []
    if not isinstance(by_modality, list):
        raise TypeError("output_tokens_by_modality is not a list")
    video = sum(
        _tokens(entry.get("tokens"))
        for entry in by_modality
        if isinstance(entry, dict) and entry.get("modality") == "video"
    )
    total_output = _tokens(usage.get("total_output_tokens"))
    thought = _tokens(usage.get("total_thought_tokens"))
    other_output = max(total_output - video, 0) + thought
    inputs = _tokens(usage.get("total_input_tokens"))
    if not (video or other_output or inputs):
        return None
    amount = (
        Decimal(video) * Decimal(str(settings.OMNI_VIDEO_OUTPUT_USD_PER_MILLION))
        + Decimal(other_output) * Decimal(str(settings.OMNI_TEXT_OUTPUT_USD_PER_MILLION))
        + Decimal(inputs) * Decimal(str(settings.OMNI_INPUT_USD_PER_MILLION))
    ) / 1_000_000
    return amount.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def veo_price(model_id: str, resolution: str | None = None) -> Decimal | None:
    caps = family_of(model_id)
    if caps is None:
        return None
    family = (
        "veo-3.1-fast" if "fast" in model_id and caps["family"] == "veo-3.1" else caps["family"]
    )
    standard, four_k = VEO_PRICES.get(family, (None, None))
    return four_k if (resolution or "").lower() == "4k" and four_k else standard


def error_for(response: httpx.Response) -> ProviderError:
    """Map a Google API error to a typed error. Google's front end (auth, quota) answers
    ``{"error":{"code":400,"status":"INVALID_ARGUMENT",...}}``; the Interactions endpoint
    ``{"error":{"code":"<string>","message":...}}``."""
    error = error_message(response)
    message = str(error.get("message") or "")
    reasons = {str(d.get("reason")) for d in error.get("details") or [] if isinstance(d, dict)}
    if response.status_code == 400 and "personGeneration" in message:
        return BadRequest(
            "Gemini does not allow the chosen “People” setting for this key's project or "
            "region. Choose “Provider default” under People and try again.",
            raw=response.text[:1000],
            status_code=400,
        )
    if response.status_code == 400 and any(word in message.upper() for word in SAFETY_WORDS):
        return SafetyRefused(
            "Gemini's safety rules refused this request before starting it (nothing was "
            "charged). Rephrase the prompt or change the images.",
            raw=response.text[:1000],
            status_code=400,
        )
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
