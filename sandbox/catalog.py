"""The models each fake provider offers, with the capabilities its submit validation enforces.

OpenRouter entries are the live ``GET /api/v1/videos/models`` answer of October 2026, field for
field (ids, canonical slugs, passthrough keys with their exact casing, pricing SKU names,
``input_modalities``, the edit/upscale/avatar models with ``supported_durations: null``), plus the
sandbox-only ``sandbox/multi-clip`` model that returns several clips per job. Each model also has
the upstream provider slugs that ``provider.options`` keys must name to reach it.

Gemini entries are what a key lists on ``GET /v1beta/models`` in November 2026: text models, the
two Gemini Omni models (served only through the Interactions API), one still-served Veo id and a
retired Veo id that is still listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

type ModelKind = Literal["video", "edit", "upscale", "avatar"]

# Exactly as GET /api/v1/videos/models answers (name, created and description added; the
# capture left them out).
_OPENROUTER_API: list[dict[str, Any]] = [
    {
        "id": "google/veo-3.1",
        "canonical_slug": "google/veo-3.1-20260320",
        "name": "Google: Veo 3.1",
        "created": 1773964800,
        "description": "Google's state-of-the-art video model with native audio, first and last "
        "frame control.",
        "supported_durations": [4, 6, 8],
        "supported_resolutions": ["720p", "1080p", "4K"],
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": [
            "1280x720",
            "1080x1920",
            "1920x1080",
            "720x1280",
            "3840x2160",
            "2160x3840",
        ],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [
            "personGeneration",
            "aspectRatio",
            "negativePrompt",
            "conditioningScale",
            "enhancePrompt",
        ],
        "pricing_skus": {
            "duration_seconds_with_audio": "0.40",
            "duration_seconds_with_audio_4k": "0.60",
            "duration_seconds_without_audio": "0.20",
            "duration_seconds_without_audio_4k": "0.40",
        },
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "google/veo-3.1-fast",
        "canonical_slug": "google/veo-3.1-fast-20260320",
        "name": "Google: Veo 3.1 Fast",
        "created": 1773964800,
        "description": "A faster, cheaper Veo 3.1 for drafts and iteration.",
        "supported_durations": [4, 6, 8],
        "supported_resolutions": ["720p", "1080p", "4K"],
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": [
            "1280x720",
            "1080x1920",
            "1920x1080",
            "720x1280",
            "3840x2160",
            "2160x3840",
        ],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [
            "personGeneration",
            "aspectRatio",
            "negativePrompt",
            "conditioningScale",
            "enhancePrompt",
        ],
        "pricing_skus": {
            "duration_seconds_with_audio": "0.12",
            "duration_seconds_with_audio_4k": "0.30",
            "duration_seconds_without_audio": "0.10",
            "duration_seconds_with_audio_720p": "0.10",
            "duration_seconds_without_audio_4k": "0.25",
            "duration_seconds_without_audio_720p": "0.08",
        },
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "google/veo-3.1-lite",
        "canonical_slug": "google/veo-3.1-lite-20260331",
        "name": "Google: Veo 3.1 Lite",
        "created": 1774915200,
        "description": "The most affordable Veo 3.1 model, up to 1080p.",
        "supported_durations": [8, 4, 6],
        "supported_resolutions": ["720p", "1080p"],
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": ["1280x720", "720x1280", "1920x1080", "1080x1920"],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [
            "personGeneration",
            "aspectRatio",
            "negativePrompt",
            "conditioningScale",
            "enhancePrompt",
        ],
        "pricing_skus": {
            "duration_seconds_with_audio": "0.08",
            "duration_seconds_without_audio": "0.05",
            "duration_seconds_with_audio_720p": "0.05",
            "duration_seconds_without_audio_720p": "0.03",
        },
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "kwaivgi/kling-v3.0-pro",
        "canonical_slug": "kwaivgi/kling-v3.0-pro-20260429",
        "name": "Kling: Kling v3.0 Pro",
        "created": 1777420800,
        "description": "Kling's professional tier: cinematic motion with optional native audio.",
        "supported_durations": [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        "supported_resolutions": ["720p"],
        "supported_aspect_ratios": ["16:9", "9:16", "1:1"],
        "supported_sizes": ["1280x720", "720x1280", "720x720"],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": False,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": ["negative_prompt", "cfg_scale"],
        "pricing_skus": {
            "duration_seconds": "0.112",
            "duration_seconds_with_audio": "0.168",
            "text_to_video_duration_seconds_720p": "0.112",
            "image_to_video_duration_seconds_720p": "0.112",
        },
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "bytedance/seedance-2.0",
        "canonical_slug": "bytedance/seedance-2.0-20260414",
        "name": "ByteDance: Seedance 2.0",
        "created": 1776124800,
        "description": "Multi-shot video with native audio; takes image, video and audio "
        "references.",
        "supported_durations": [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        "supported_resolutions": ["480p", "720p", "1080p", "4K"],
        "supported_aspect_ratios": ["1:1", "3:4", "9:16", "4:3", "16:9", "21:9", "9:21"],
        "supported_sizes": [
            "720x720",
            "720x960",
            "720x1280",
            "1280x720",
            "1080x1080",
            "1080x1440",
            "1080x1920",
            "1920x1080",
            "3840x2160",
            "2160x3840",
        ],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": ["watermark", "req_key"],
        "pricing_skus": {
            "video_tokens": "0.000007",
            "video_tokens_4k": "0.000004",
            "video_tokens_1080p": "0.0000077",
            "video_tokens_without_audio": "0.000007",
            "video_tokens_with_video_input": "0.0000043",
        },
        "input_modalities": ["text", "image", "video", "audio"],
        "hugging_face_id": None,
    },
    {
        "id": "alibaba/wan-2.7",
        "canonical_slug": "alibaba/wan-2.7-20260414",
        "name": "Alibaba: Wan 2.7",
        "created": 1776124800,
        "description": "Wan 2.7 text and image to video with audio.",
        "supported_durations": [2, 3, 4, 5, 6, 7, 8, 9, 10],
        "supported_resolutions": ["720p", "1080p"],
        "supported_aspect_ratios": ["16:9", "9:16", "1:1", "4:3", "3:4"],
        "supported_sizes": [
            "1280x720",
            "720x1280",
            "1920x1080",
            "1080x1920",
            "720x720",
            "1080x1080",
        ],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [
            "negative_prompt",
            "prompt_extend",
            "audio",
            "ratio",
            "last_image",
            "video",
            "videos",
            "images",
        ],
        "pricing_skus": {"duration_seconds": "0.1"},
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "runway/gen-4.5",
        "canonical_slug": "runway/gen-4.5-20260729",
        "name": "Runway: Gen-4.5",
        "created": 1785283200,
        "description": "Runway's Gen-4.5: precise motion from text or a first frame, silent "
        "output.",
        "supported_durations": [2, 3, 4, 5, 6, 7, 8, 9, 10],
        "supported_resolutions": ["720p"],
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": ["1280x720", "720x1280"],
        "supported_frame_images": ["first_frame"],
        "generate_audio": False,
        "seed": True,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": ["contentModeration"],
        "pricing_skus": {"cents_per_second_output": "12"},
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "x-ai/grok-imagine-video-1.5",
        "canonical_slug": "x-ai/grok-imagine-video-1.5-20260719",
        "name": "xAI: Grok Imagine Video 1.5",
        "created": 1784419200,
        "description": "Grok Imagine video generation from text or an image.",
        "supported_durations": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        "supported_resolutions": ["480p", "720p", "1080p"],
        "supported_aspect_ratios": ["16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3"],
        "supported_sizes": None,
        "supported_frame_images": ["first_frame"],
        "generate_audio": None,
        "seed": None,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [],
        "pricing_skus": {
            "cents_per_image_input": "1",
            "cents_per_video_output_second_480p": "8",
            "cents_per_video_output_second_720p": "14",
            "cents_per_video_output_second_1080p": "25",
        },
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "minimax/hailuo-2.3",
        "canonical_slug": "minimax/hailuo-2.3-20260420",
        "name": "MiniMax: Hailuo 2.3",
        "created": 1776643200,
        "description": "Hailuo 2.3: 1080p clips of 6 or 10 seconds.",
        "supported_durations": [6, 10],
        "supported_resolutions": ["1080p"],
        "supported_aspect_ratios": ["16:9"],
        "supported_sizes": ["1920x1080"],
        "supported_frame_images": ["first_frame"],
        "generate_audio": False,
        "seed": None,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": ["prompt_optimizer", "fast_pretreatment"],
        "pricing_skus": {"duration_seconds": "0.0817"},
        "input_modalities": ["text", "image"],
        "hugging_face_id": None,
    },
    {
        "id": "black-forest-labs/flux-video-edit",
        "canonical_slug": "black-forest-labs/flux-video-edit-20260910",
        "name": "Black Forest Labs: FLUX Video Edit",
        "created": 1788998400,
        "description": "Edits an input video from a text instruction.",
        "supported_durations": None,
        "supported_resolutions": None,
        "supported_aspect_ratios": None,
        "supported_sizes": None,
        "supported_frame_images": None,
        "generate_audio": False,
        "seed": False,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": ["safety_tolerance"],
        "pricing_skus": {"cents_per_second_output": "3"},
        "input_modalities": ["text", "video"],
        "hugging_face_id": None,
    },
    {
        "id": "black-forest-labs/flux-video-upscale",
        "canonical_slug": "black-forest-labs/flux-video-upscale-20260819",
        "name": "Black Forest Labs: FLUX Video Upscale",
        "created": 1787097600,
        "description": "Upscales an input video by 1.5x to 3x, precise or creative.",
        "supported_durations": None,
        "supported_resolutions": None,
        "supported_aspect_ratios": None,
        "supported_sizes": None,
        "supported_frame_images": None,
        "generate_audio": False,
        "seed": False,
        "upscale_factor": {"min": 1.5, "max": 3},
        "creativity": [0, 1],
        "allowed_passthrough_parameters": ["safety_tolerance"],
        "pricing_skus": {
            "cents_per_megapixel_second_precise": "7.5",
            "cents_per_megapixel_second_creative": "10.5",
        },
        "input_modalities": ["text", "video"],
        "hugging_face_id": None,
    },
    {
        "id": "heygen/avatar-iv",
        "canonical_slug": "heygen/avatar-iv-20260625",
        "name": "HeyGen: Avatar IV",
        "created": 1782345600,
        "description": "A talking avatar from one photo and an audio track.",
        "supported_durations": None,
        "supported_resolutions": ["720p", "1080p"],
        "supported_aspect_ratios": ["16:9", "9:16", "1:1"],
        "supported_sizes": None,
        "supported_frame_images": None,
        "generate_audio": False,
        "seed": False,
        "upscale_factor": None,
        "creativity": None,
        "allowed_passthrough_parameters": [
            "voice_id",
            "voice_settings",
            "motion_prompt",
            "expressiveness",
            "fit",
            "remove_background",
            "background",
            "caption",
            "title",
        ],
        "pricing_skus": {"duration_seconds": "0.05"},
        "input_modalities": ["text", "image", "audio"],
        "hugging_face_id": None,
    },
]

_MULTI_CLIP: dict[str, Any] = {
    "id": "sandbox/multi-clip",
    "canonical_slug": "sandbox/multi-clip-20260101",
    "name": "Sandbox: Multi-clip",
    "created": 1767225600,
    "description": "Offline sandbox model that returns several clips per job "
    "(3 unless the prompt says [sandbox:clips=N]).",
    "supported_durations": [2, 4, 6, 8],
    "supported_resolutions": ["480p", "720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21"],
    "supported_sizes": None,
    "supported_frame_images": ["first_frame", "last_frame"],
    "generate_audio": True,
    "seed": True,
    "upscale_factor": None,
    "creativity": None,
    "allowed_passthrough_parameters": ["style"],
    "pricing_skus": {"duration_seconds": "0.01"},
    "input_modalities": ["text", "image"],
    "hugging_face_id": None,
}


@dataclass(frozen=True)
class OpenRouterModel:
    # The catalogue entry exactly as the API lists it.
    api: dict[str, Any]
    # Not part of the API: upstream provider slugs that provider.options must name.
    provider_slugs: tuple[str, ...]
    kind: ModelKind = "video"
    # Duration used when a submit leaves it out (None: the output follows the input).
    default_duration: int | None = None
    # How many outputs a job produces unless a clips marker says otherwise.
    default_outputs: int = 1
    max_outputs: int = 1

    @property
    def id(self) -> str:
        return str(self.api["id"])

    def field(self, name: str) -> Any:
        return self.api.get(name)

    @property
    def supported_durations(self) -> list[int] | None:
        return self.api["supported_durations"]

    @property
    def supported_resolutions(self) -> list[str] | None:
        return self.api["supported_resolutions"]

    @property
    def supported_aspect_ratios(self) -> list[str] | None:
        return self.api["supported_aspect_ratios"]

    @property
    def supported_sizes(self) -> list[str] | None:
        return self.api["supported_sizes"]

    @property
    def supported_frame_images(self) -> list[str]:
        return self.api["supported_frame_images"] or []

    @property
    def input_modalities(self) -> list[str]:
        return self.api["input_modalities"] or ["text"]

    @property
    def allowed_passthrough_parameters(self) -> list[str]:
        return self.api["allowed_passthrough_parameters"]

    @property
    def pricing_skus(self) -> dict[str, str]:
        return self.api["pricing_skus"] or {}

    @property
    def is_veo(self) -> bool:
        return self.id.startswith("google/veo-")


_UPSTREAM: dict[str, tuple[tuple[str, ...], ModelKind, int | None]] = {
    "google/veo-3.1": (("google-vertex", "google-ai-studio"), "video", 8),
    "google/veo-3.1-fast": (("google-vertex", "google-ai-studio"), "video", 8),
    "google/veo-3.1-lite": (("google-vertex", "google-ai-studio"), "video", 8),
    "kwaivgi/kling-v3.0-pro": (("streamlake",), "video", 5),
    "bytedance/seedance-2.0": (("byteplus",), "video", 5),
    "alibaba/wan-2.7": (("alibaba",), "video", 5),
    "runway/gen-4.5": (("runway",), "video", 5),
    "x-ai/grok-imagine-video-1.5": (("xai",), "video", 6),
    "minimax/hailuo-2.3": (("minimax",), "video", 6),
    "black-forest-labs/flux-video-edit": (("black-forest-labs",), "edit", None),
    "black-forest-labs/flux-video-upscale": (("black-forest-labs",), "upscale", None),
    "heygen/avatar-iv": (("heygen",), "avatar", None),
}

OPENROUTER_MODELS: dict[str, OpenRouterModel] = {
    entry["id"]: OpenRouterModel(
        api=entry,
        provider_slugs=_UPSTREAM[entry["id"]][0],
        kind=_UPSTREAM[entry["id"]][1],
        default_duration=_UPSTREAM[entry["id"]][2],
    )
    for entry in _OPENROUTER_API
}
OPENROUTER_MODELS["sandbox/multi-clip"] = OpenRouterModel(
    api=_MULTI_CLIP,
    provider_slugs=("sandbox",),
    default_duration=4,
    default_outputs=3,
    max_outputs=4,
)


# --- Gemini ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VeoModel:
    name: str
    display_name: str
    description: str
    durations: tuple[int, ...]
    resolutions: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    # Resolutions at which only 8-second clips can be made.
    eight_seconds_only_at: tuple[str, ...]
    max_reference_images: int
    # Resolutions at which an earlier output can be extended.
    extension_resolutions: tuple[str, ...] = ("720p",)
    max_samples: int = 1

    def to_api(self) -> dict[str, object]:
        return {
            "name": f"models/{self.name}",
            "version": "3.1",
            "displayName": self.display_name,
            "description": self.description,
            "inputTokenLimit": 480,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": ["predictLongRunning"],
        }


VEO_MODELS: dict[str, VeoModel] = {
    model.name: model
    for model in [
        VeoModel(
            # Stands in for "a Veo id this key still lists": Veo 3.1 capabilities.
            name="veo-3.1-generate-sandbox",
            display_name="Veo 3.1 (sandbox)",
            description="Veo 3.1 generates 4, 6 or 8-second 720p, 1080p or 4k videos with "
            "native audio.",
            durations=(4, 6, 8),
            resolutions=("720p", "1080p", "4k"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=("1080p", "4k"),
            max_reference_images=3,
        ),
    ]
}

# Veo ids that were shut down on the Gemini API: predictLongRunning answers 404.
_RETIRED_VEO = re.compile(
    r"veo-2\.0-generate-001|veo-3\.0-[a-z0-9.-]+|veo-3\.1(-[a-z]+)?-generate-preview"
)
RETIREMENT_REPLACEMENT = "gemini-omni-1.1-flash"


def is_retired_veo(name: str) -> bool:
    return _RETIRED_VEO.fullmatch(name) is not None


@dataclass(frozen=True)
class OmniModel:
    name: str
    display_name: str
    # response_format.duration range in seconds.
    min_seconds: int
    max_seconds: int
    # Longest video an extend chain may reach.
    max_total_seconds: int
    # What GET /models says it supports: not reliable, as on the real API.
    methods: tuple[str, ...] = field(default=("generateContent",))

    def to_api(self) -> dict[str, object]:
        return {
            "name": f"models/{self.name}",
            "version": self.name.removeprefix("gemini-omni-").removesuffix("-flash"),
            "displayName": self.display_name,
            "description": f"{self.display_name}: video generation and editing with native "
            "audio, served through the Interactions API.",
            "inputTokenLimit": 32768,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": list(self.methods),
        }


OMNI_MODELS: dict[str, OmniModel] = {
    model.name: model
    for model in [
        OmniModel(
            name="gemini-omni-1.1-flash",
            display_name="Gemini Omni 1.1 Flash",
            min_seconds=3,
            max_seconds=10,
            max_total_seconds=40,
            methods=("generateContent", "countTokens"),
        ),
        OmniModel(
            name="gemini-omni-1.2-flash",
            display_name="Gemini Omni 1.2 Flash",
            min_seconds=3,
            max_seconds=15,
            max_total_seconds=60,
            methods=("createInteraction",),
        ),
    ]
}


def _gemini_text_model(name: str, display_name: str, version: str) -> dict[str, object]:
    return {
        "name": f"models/{name}",
        "version": version,
        "displayName": display_name,
        "description": f"{display_name}: a multimodal model for text generation.",
        "inputTokenLimit": 1048576,
        "outputTokenLimit": 65536,
        "supportedGenerationMethods": [
            "generateContent",
            "countTokens",
            "createCachedContent",
            "batchGenerateContent",
        ],
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": True,
    }


# The full list that GET /v1beta/models returns: video models among ordinary ones; Omni listing
# generateContent; a retired Veo id still listed. Clients pick the path by family and filter
# retired ids themselves.
GEMINI_MODELS: list[dict[str, object]] = [
    _gemini_text_model("gemini-2.5-flash", "Gemini 2.5 Flash", "001"),
    _gemini_text_model("gemini-2.5-pro", "Gemini 2.5 Pro", "2.5"),
    _gemini_text_model("gemini-3-pro-preview", "Gemini 3 Pro Preview", "3-pro-preview-11-2025"),
    {
        "name": "models/gemini-embedding-001",
        "version": "001",
        "displayName": "Gemini Embedding 001",
        "description": "Obtain a distributed representation of a text.",
        "inputTokenLimit": 2048,
        "outputTokenLimit": 1,
        "supportedGenerationMethods": ["embedContent", "countTextTokens", "countTokens"],
    },
    {
        "name": "models/imagen-4.0-generate-001",
        "version": "001",
        "displayName": "Imagen 4",
        "description": "Vertex served Imagen 4.0 model",
        "inputTokenLimit": 480,
        "outputTokenLimit": 8192,
        "supportedGenerationMethods": ["predict"],
    },
    *(model.to_api() for model in OMNI_MODELS.values()),
    *(model.to_api() for model in VEO_MODELS.values()),
    {
        # Shut down on 2026-06-30 but still listed: predictLongRunning answers 404.
        "name": "models/veo-3.0-generate-001",
        "version": "3.0",
        "displayName": "Veo 3",
        "description": "Veo 3 generates 8-second videos with native audio.",
        "inputTokenLimit": 480,
        "outputTokenLimit": 8192,
        "supportedGenerationMethods": ["predictLongRunning"],
    },
]
