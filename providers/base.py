"""What every provider adapter speaks: plain dataclasses in, plain dataclasses out, typed errors.

Nothing outside ``providers`` performs provider I/O; the rest of the app only sees these
types. Error messages are written for the user who owns the key; ``raw`` keeps the provider's own
words for admins. No error ever carries a secret.
"""

import base64
import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol


class ProviderError(Exception):
    """Base of all provider failures. ``str(error)`` is safe to show to the key's owner."""

    def __init__(self, message: str, *, raw: str = "", status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.raw = raw
        self.status_code = status_code


class InvalidKey(ProviderError):
    """The provider refused the key (401/403, or Gemini's API_KEY_INVALID)."""


class OutOfCredits(ProviderError):
    """The key's account cannot pay for this (OpenRouter 402)."""


class BadRequest(ProviderError):
    """The provider refused the request's parameters; ``message`` is the provider's explanation."""


class SafetyRefused(BadRequest):
    """The provider's safety rules refused the request before starting it (nothing charged)."""


class SourceGone(BadRequest):
    """The provider no longer keeps the earlier job a continuation (extend, edit) carries on
    from: it expired, was deleted, or was forgotten. Nothing was started or charged."""


class RateLimited(ProviderError):
    """Too many requests (429, or 503 with Retry-After); try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """A temporary failure: timeout, connection error, 5xx. Safe to retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnexpectedResponse(ProviderUnavailable):
    """The provider answered, but not with the JSON its API documents."""


class InvalidSpec(BadRequest):
    """The job asks for something the model does not support; caught before anything is sent.

    ``errors`` maps a JobSpec field to a message, so forms can show each next to its field.
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


class SubmitOutcomeUnknown(ProviderError):
    """The submit request went out but no answer came back: the job may or may not exist.

    Never retried automatically, since a retry could pay for the same video twice.
    """


class OutputGone(ProviderError):
    """The provider no longer has this output (expired or deleted)."""


class DownloadRefused(ProviderError):
    """The download guard refused an output: never retried, since it would be refused again."""


class UnsafeURL(DownloadRefused):
    """A URL the guard will not fetch (not https, a private address, credentials in it)."""


class OutputTooLarge(DownloadRefused):
    """An output larger than this server keeps (``MARKETOS_MAX_CLIP_BYTES``)."""


class WebhookRejected(ProviderError):
    """A webhook delivery that is not signed, fresh and well formed; ``status_code`` says how."""


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook delivery: which provider job it is about, and a key to accept it once.

    Both come from the signed body, so nobody can replay a delivery under another key.
    """

    job_id: str
    delivery_key: str
    kind: str = ""


@dataclass(frozen=True)
class KeyCheck:
    """The result of asking a provider whether a key works.

    ``usable`` is False for a key the provider accepts but that cannot pay for anything now
    (no credits left): it is not "working" for the person who wants a video.
    """

    detail: str = ""
    usable: bool = True
    # Why an accepted key cannot be used: "no_credit" or "no_models".
    problem: str = ""


FRAME_ROLES = ("first_frame", "last_frame")
ASPECT_RATIOS = ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21")
PERSON_GENERATION = {
    "allow_all": "People of any age",
    "allow_adult": "Adults only",
    "dont_allow": "No people",
}
# A prompt longer than this is refused unless the model says otherwise.
DEFAULT_MAX_PROMPT_CHARS = 4000


@dataclass(frozen=True)
class ModelInfo:
    """What one model accepts. Empty tuples mean "not offered"; None means "unknown"."""

    provider: str
    id: str
    name: str
    description: str = ""
    family: str = ""  # what capabilities were keyed by, e.g. "veo-3.1" or "gemini-omni"
    durations: tuple[int, ...] = ()
    resolutions: tuple[str, ...] = ()
    aspect_ratios: tuple[str, ...] = ()
    frame_images: tuple[str, ...] = ()  # subset of FRAME_ROLES
    max_reference_images: int = 0
    # True: audio can be switched on and off (and is sent explicitly); None: the model decides.
    audio: bool | None = None
    audio_always: bool = False  # the model always makes sound and cannot be asked otherwise
    seed: bool | None = None
    negative_prompt: bool = False
    person_generation: tuple[str, ...] = ()  # values of PERSON_GENERATION it takes
    max_outputs: int = 1  # how many clips one request may ask for (Gemini sampleCount)
    max_prompt_chars: int = DEFAULT_MAX_PROMPT_CHARS
    pricing: dict[str, str] = field(default_factory=dict)
    # Durations forced by other choices, e.g. Veo's {"1080p": 8, "last_frame": 8, ...}.
    required_durations: dict[str, int] = field(default_factory=dict)
    # Aspect ratios allowed only at some resolutions, e.g. {"1080p": ("16:9",)}.
    aspect_ratios_at: dict[str, tuple[str, ...]] = field(default_factory=dict)
    last_frame_needs_first: bool = False
    # False: reference images cannot be combined with first/last frames.
    references_with_frames: bool = True
    prompt_required_with_references: bool = False
    # What can be done with a finished clip of this model (keys of CONTINUATIONS).
    continuations: tuple[str, ...] = ()
    # Extending needs this resolution (Veo: 720p); a needed duration is in required_durations.
    extend_resolution: str | None = None
    # The longest an extended clip may become in all (Omni: about 40 s), None: no known limit.
    max_extended_seconds: int | None = None
    # How many clips one job makes when the model decides it (OpenRouter lists no count):
    # learnt from the jobs this server has seen; 1 until then.
    outputs_per_job: int = 1
    # False while that count is not known (the model decides it and has not finished a job
    # here yet): the estimate is then for one clip, and says that it is per clip.
    outputs_known: bool = True
    # Our option ("negative_prompt") -> the provider's own parameter name for it.
    passthrough: dict[str, str] = field(default_factory=dict)
    # Said on the form: what we do not know about this model, or why an option is missing.
    note: str = ""

    @property
    def accepts_images(self) -> bool:
        return bool(self.frame_images or self.max_reference_images)

    def durations_for(self, resolution: str | None) -> tuple[int, ...]:
        """The durations still possible at ``resolution`` (Veo: 1080p and 4K need 8 s)."""
        needed = self.required_durations.get(resolution or "")
        return (needed,) if needed in self.durations else self.durations


@dataclass(frozen=True)
class ImageInput:
    role: str  # "first_frame", "last_frame" or "reference"
    mime_type: str
    data: bytes = field(repr=False)

    def base64(self) -> str:
        return base64.b64encode(self.data).decode()

    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.base64()}"


@dataclass(frozen=True)
class Continuation:
    """A job that carries on from an earlier result of the same model: "extend" it, or "edit"
    it by the prompt's instruction. ``job_id`` is the provider's id of the earlier job (or
    interaction); ``video_uri`` the earlier output's provider URI, where the API wants that."""

    kind: str  # "extend" or "edit"
    job_id: str
    video_uri: str = ""
    # How long the earlier clip really is (probed, in whole seconds), when known: what an
    # extension adds to, and how long an edit of it comes out.
    source_seconds: int | None = None


CONTINUATIONS = {"extend": "Extend", "edit": "Edit with a prompt"}


@dataclass(frozen=True)
class JobSpec:
    model: str
    prompt: str
    negative_prompt: str = ""
    duration: int | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    person_generation: str | None = None
    sample_count: int = 1
    images: tuple[ImageInput, ...] = ()
    callback_url: str | None = None
    parent: Continuation | None = None
    # The ad format the clip is for (a key of videos.formats): never sent to the provider,
    # which is asked for ``aspect_ratio``; kept so the clip can be reframed into it.
    ad_format: str | None = None

    def validate(self, model: ModelInfo) -> None:
        """Refuse what ``model`` does not support, before anything is sent (raises InvalidSpec)."""
        errors: dict[str, str] = {}

        def check(name, value, allowed, what):
            if value is not None and allowed and value not in allowed:
                choices = ", ".join(str(a) for a in allowed)
                errors[name] = f"{model.name} does not offer {what} {value}; choose {choices}."

        roles = [image.role for image in self.images]
        references = roles.count("reference")
        frames = [role for role in roles if role in FRAME_ROLES]
        if not self.prompt.strip() and not self.images:
            errors["prompt"] = "Describe the video you want (or give it a first frame)."
        elif not self.prompt.strip() and references and model.prompt_required_with_references:
            errors["prompt"] = f"{model.name} needs a prompt to go with reference images."
        if len(self.prompt) > model.max_prompt_chars:
            errors["prompt"] = (
                f"The prompt is {len(self.prompt):,} characters long; {model.name} takes at "
                f"most {model.max_prompt_chars:,}."
            )
        check("duration", self.duration, model.durations, "a duration of")
        check("resolution", self.resolution, model.resolutions, "the resolution")
        check("aspect_ratio", self.aspect_ratio, model.aspect_ratios, "the aspect ratio")
        limited = model.aspect_ratios_at.get(self.resolution or "")
        if limited and "aspect_ratio" not in errors:
            check("aspect_ratio", self.aspect_ratio, limited, f"at {self.resolution} the ratio")
        if self.generate_audio is not None and model.audio is not True:
            if self.generate_audio and not model.audio_always:
                errors["generate_audio"] = f"{model.name} cannot be asked for audio."
            elif not self.generate_audio and model.audio_always:
                errors["generate_audio"] = f"{model.name} always makes sound; it cannot be off."
        if self.seed is not None and not model.seed:
            errors["seed"] = f"{model.name} does not take a seed."
        if self.negative_prompt.strip() and not model.negative_prompt:
            errors["negative_prompt"] = f"{model.name} does not take a negative prompt."
        if self.person_generation and self.person_generation not in model.person_generation:
            errors["person_generation"] = f"{model.name} does not take this people setting."
        if not 1 <= self.sample_count <= model.max_outputs:
            errors["sample_count"] = (
                f"{model.name} makes at most {model.max_outputs} clip(s) per request."
            )
        for role in FRAME_ROLES:
            if role in roles and role not in model.frame_images:
                errors[role] = f"{model.name} does not take a {role.replace('_', ' ')} image."
            elif roles.count(role) > 1:
                errors[role] = f"Give at most one {role.replace('_', ' ')} image."
        if (
            "last_frame" in roles
            and "first_frame" not in roles
            and model.last_frame_needs_first
            and "last_frame" not in errors
        ):
            errors["last_frame"] = f"{model.name} needs a first frame to go with a last frame."
        if references > model.max_reference_images:
            errors["reference"] = (
                f"{model.name} takes no reference images."
                if not model.max_reference_images
                else f"{model.name} takes at most {model.max_reference_images} reference images."
            )
        elif references and frames and not model.references_with_frames:
            errors["reference"] = (
                f"{model.name} cannot combine reference images with a first or last frame "
                "(the references would be ignored): use one or the other."
            )
        if self.parent:
            if self.parent.kind not in model.continuations:
                what = CONTINUATIONS.get(self.parent.kind, self.parent.kind).lower()
                errors["parent"] = f"{model.name} cannot {what} a clip."
            elif self.parent.kind == "extend" and self.images:
                errors["parent"] = "Extending a clip takes no images."
            if self.parent.kind == "extend" and model.extend_resolution not in (
                None,
                self.resolution,
            ):
                errors["resolution"] = (
                    f"{model.name} extends clips at {model.extend_resolution} only."
                )
        conditions = {
            "extend" if self.parent and self.parent.kind == "extend" else None: "an extension",
            self.resolution: self.resolution,
            "last_frame" if "last_frame" in roles else None: "a last frame",
            "reference_images" if references else None: "reference images",
        }
        for condition, reason in conditions.items():
            needed = model.required_durations.get(condition or "")
            if needed and self.duration not in (None, needed) and "duration" not in errors:
                errors["duration"] = f"{model.name} needs {needed} seconds with {reason}."
        if errors:
            raise InvalidSpec(errors)


@dataclass(frozen=True)
class Estimate:
    """What a job should cost, computed before anything is sent, and how."""

    amount: Decimal
    basis: str  # e.g. "8 s at $0.20/s without audio"

    @classmethod
    def of(cls, amount: Decimal, basis: str) -> "Estimate":
        """An estimate rounded to the cent, as prices are shown."""
        return cls(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), basis)

    def __str__(self):
        return f"${self.amount:.2f}"


# The most a provider may report for one job and have it counted: far above the dearest job on
# sale (four 4K clips of the longest length come to tens of dollars), and well inside the column
# that stores costs (twelve digits, six of them after the point).
MAX_REPORTED_COST = Decimal("10000")
COST_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class ReportedCost:
    """A cost as a provider reported it: ``amount`` when it can be counted; else ``unusable``
    keeps what was sent (not a number, not finite, negative or absurd), for a person to see,
    and the job is counted at its estimate instead. Both empty: no cost was reported."""

    amount: Decimal | None = None
    unusable: str = ""

    UNUSABLE_CHARS = 100

    @classmethod
    def of(cls, value) -> "ReportedCost":
        """Check a reported cost, in US dollars: a JSON number, finite, from 0 to
        ``MAX_REPORTED_COST``, kept to the micro-dollar."""
        if value is None:
            return cls()
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
            if amount.is_finite() and 0 <= amount <= MAX_REPORTED_COST:
                # 0 + amount: a reported -0.0 is counted, and shown, as 0.
                return cls(0 + amount.quantize(COST_PLACES, rounding=ROUND_HALF_UP))
        return cls(unusable=cls.describe(value))

    @classmethod
    def describe(cls, value) -> str:
        """``value`` as the provider wrote it in JSON (NaN, Infinity, 1e+30, "12"), shortened."""
        try:
            text = str(value) if isinstance(value, Decimal) else json.dumps(value, default=str)
        except (TypeError, ValueError):
            text = repr(value)
        limit = cls.UNUSABLE_CHARS
        return text if len(text) <= limit else text[: limit - 1] + "…"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    BLOCKED = "blocked"  # refused by the provider's safety filter, not charged
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self not in (JobStatus.PENDING, JobStatus.RUNNING)


@dataclass(frozen=True)
class SubmitResult:
    job_id: str
    polling_url: str  # absolute URL (OpenRouter) or operation name (Gemini)
    status: JobStatus = JobStatus.PENDING


@dataclass(frozen=True)
class Output:
    """One video a job made. ``url`` until ``expires_at``; then (or if it fails) ``fallback_url``.

    OpenRouter's signed copies need no key but expire; its keyed endpoint keeps working.
    """

    index: int
    url: str
    expires_at: datetime | None = None
    fallback_url: str = ""


@dataclass(frozen=True)
class JobState:
    status: JobStatus
    provider_status: str = ""
    outputs: tuple[Output, ...] = ()
    cost: Decimal | None = None
    cost_is_estimate: bool = False  # computed by us from usage, not a price the provider stated
    # A cost the provider reported that cannot be counted, as it was sent (``ReportedCost``):
    # the job goes on and is counted at its estimate.
    unusable_cost: str = ""
    error: str = ""  # for the user
    raw_error: str = ""  # the provider's words, for admins
    retry_after: float | None = None  # a hint for the next poll


class OutputStream(Protocol):
    """One output as it arrives from the provider (``http.Download`` and its kin)."""

    url: str
    content_type: str
    content_length: int | None

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


class Provider(Protocol):
    """An adapter. The class attributes are all the rest of the app knows about a provider:
    forms, key checks, settings and webhooks are derived from them through the registry."""

    slug: str  # stored on keys and jobs: never change it once keys exist
    label: str  # what people read: "OpenRouter"
    key_prefix: str  # how its keys start, to catch a key filed under the wrong provider
    key_help: str  # where a user finds a key
    base_url_setting: str  # the Django setting that holds the API's base URL
    webhook_secret_setting: str  # empty: no webhooks, polling only

    def verify_key(self, *, timeout: float | None = None) -> KeyCheck:
        """Ask the provider whether the key works. Raises InvalidKey or another ProviderError."""
        ...

    def list_models(self) -> list[ModelInfo]: ...

    def submit(self, spec: JobSpec, model: ModelInfo) -> SubmitResult: ...

    @staticmethod
    def estimate(spec: JobSpec, model: ModelInfo) -> Estimate | None:
        """The expected price of ``spec``, or None when the provider publishes none."""
        ...

    def poll(self, polling_url: str) -> JobState: ...

    def open_output(self, output: Output) -> AbstractContextManager[OutputStream]:
        """Stream one output through the download guard: ``iter_bytes()`` yields it."""
        ...
