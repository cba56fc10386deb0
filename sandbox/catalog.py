"""The models each fake provider offers, with the capabilities its submit validation enforces.

OpenRouter entries mirror the shape of ``GET /api/v1/videos/models``; Gemini entries follow the
capability table in PROVIDERS.md (Veo 3.x) plus one sandbox-only model that returns several
videos per request, because no real Veo model on the Developer API does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OpenRouterModel:
    id: str
    name: str
    created: int
    description: str
    supported_durations: list[int]
    default_duration: int
    supported_resolutions: list[str]
    supported_aspect_ratios: list[str]
    supported_sizes: list[str] | None
    supported_frame_images: list[str]
    generate_audio: bool | None
    seed: bool | None
    allowed_passthrough_parameters: list[str]
    pricing_skus: dict[str, str]
    # Not part of the API: how many outputs a job produces unless a clips marker says otherwise.
    default_outputs: int = 1
    max_outputs: int = 1

    def to_api(self) -> dict[str, object]:
        return {
            "id": self.id,
            "canonical_slug": self.id,
            "name": self.name,
            "created": self.created,
            "description": self.description,
            "supported_durations": self.supported_durations,
            "supported_resolutions": self.supported_resolutions,
            "supported_aspect_ratios": self.supported_aspect_ratios,
            "supported_sizes": self.supported_sizes,
            "supported_frame_images": self.supported_frame_images,
            "generate_audio": self.generate_audio,
            "seed": self.seed,
            "allowed_passthrough_parameters": self.allowed_passthrough_parameters,
            "pricing_skus": self.pricing_skus,
            "hugging_face_id": None,
            "upscale_factor": None,
            "creativity": None,
        }

    def cost(self, duration: int, audio: bool, outputs: int) -> float:
        """USD for one job, from this model's pricing SKUs."""
        if "per_clip" in self.pricing_skus:
            return round(float(self.pricing_skus["per_clip"]) * outputs, 4)
        sku = "per_second_with_audio" if audio else "per_second"
        rate = float(self.pricing_skus.get(sku, self.pricing_skus["per_second"]))
        return round(rate * duration * outputs, 4)


_VEO_PASSTHROUGH = ["negative_prompt", "person_generation", "enhance_prompt"]

OPENROUTER_MODELS: dict[str, OpenRouterModel] = {
    model.id: model
    for model in [
        OpenRouterModel(
            id="google/veo-3.1",
            name="Google: Veo 3.1",
            created=1760486400,
            description="Google's state-of-the-art video model with native audio, "
            "first and last frame control.",
            supported_durations=[4, 6, 8],
            default_duration=8,
            supported_resolutions=["720p", "1080p", "4K"],
            supported_aspect_ratios=["16:9", "9:16"],
            supported_sizes=None,
            supported_frame_images=["first_frame", "last_frame"],
            generate_audio=True,
            seed=True,
            allowed_passthrough_parameters=_VEO_PASSTHROUGH,
            pricing_skus={"per_second": "0.20", "per_second_with_audio": "0.40"},
        ),
        OpenRouterModel(
            id="google/veo-3.1-fast",
            name="Google: Veo 3.1 Fast",
            created=1760486400,
            description="A faster, cheaper Veo 3.1 for drafts and iteration.",
            supported_durations=[4, 6, 8],
            default_duration=8,
            supported_resolutions=["720p", "1080p"],
            supported_aspect_ratios=["16:9", "9:16"],
            supported_sizes=None,
            supported_frame_images=["first_frame", "last_frame"],
            generate_audio=True,
            seed=True,
            allowed_passthrough_parameters=_VEO_PASSTHROUGH,
            pricing_skus={"per_second": "0.10", "per_second_with_audio": "0.15"},
        ),
        OpenRouterModel(
            id="kwaivgi/kling-v3.0-pro",
            name="Kling: Kling v3.0 Pro",
            created=1767225600,
            description="Kling's professional tier: cinematic motion, 1080p output.",
            supported_durations=[5, 10],
            default_duration=5,
            supported_resolutions=["1080p"],
            supported_aspect_ratios=["16:9", "9:16", "1:1"],
            supported_sizes=None,
            supported_frame_images=["first_frame", "last_frame"],
            generate_audio=True,
            seed=None,
            allowed_passthrough_parameters=["negative_prompt", "cfg_scale"],
            pricing_skus={"per_second": "0.112", "per_second_with_audio": "0.168"},
        ),
        OpenRouterModel(
            id="openai/sora-2-pro",
            name="OpenAI: Sora 2 Pro",
            created=1759708800,
            description="OpenAI's flagship video model with synchronized audio.",
            supported_durations=[4, 8, 12],
            default_duration=4,
            supported_resolutions=["720p", "1080p"],
            supported_aspect_ratios=["16:9", "9:16"],
            supported_sizes=["1280x720", "720x1280", "1920x1080", "1080x1920"],
            supported_frame_images=["first_frame"],
            generate_audio=None,
            seed=False,
            allowed_passthrough_parameters=[],
            pricing_skus={"per_second": "0.30"},
        ),
        OpenRouterModel(
            id="sandbox/multi-clip",
            name="Sandbox: Multi-clip",
            created=1767225600,
            description="Offline sandbox model that returns several clips per job "
            "(3 unless the prompt says [sandbox:clips=N]).",
            supported_durations=[2, 4, 6, 8],
            default_duration=4,
            supported_resolutions=["480p", "720p", "1080p"],
            supported_aspect_ratios=[
                "16:9",
                "9:16",
                "1:1",
                "4:3",
                "3:4",
                "3:2",
                "2:3",
                "21:9",
                "9:21",
            ],
            supported_sizes=None,
            supported_frame_images=["first_frame", "last_frame"],
            generate_audio=True,
            seed=True,
            allowed_passthrough_parameters=[],
            pricing_skus={"per_clip": "0.01"},
            default_outputs=3,
            max_outputs=4,
        ),
    ]
}


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
    first_frame: bool
    last_frame: bool
    max_reference_images: int
    max_samples: int = 1
    # Resolution -> aspect ratios allowed there, where narrower than ``aspect_ratios``.
    aspect_limits: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def to_api(self) -> dict[str, object]:
        return {
            "name": f"models/{self.name}",
            "version": self.name.split("-")[1],
            "displayName": self.display_name,
            "description": self.description,
            "inputTokenLimit": 480,
            "outputTokenLimit": 8192,
            "supportedGenerationMethods": ["predictLongRunning"],
        }


_VEO_31_DESCRIPTION = "Veo 3.1 generates 8-second 720p, 1080p or 4k videos with native audio."

VEO_MODELS: dict[str, VeoModel] = {
    model.name: model
    for model in [
        VeoModel(
            name="veo-3.1-generate-preview",
            display_name="Veo 3.1",
            description=_VEO_31_DESCRIPTION,
            durations=(4, 6, 8),
            resolutions=("720p", "1080p", "4k"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=("1080p", "4k"),
            first_frame=True,
            last_frame=True,
            max_reference_images=3,
        ),
        VeoModel(
            name="veo-3.1-fast-generate-preview",
            display_name="Veo 3.1 Fast",
            description="A faster Veo 3.1 for drafts and iteration.",
            durations=(4, 6, 8),
            resolutions=("720p", "1080p", "4k"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=("1080p", "4k"),
            first_frame=True,
            last_frame=True,
            max_reference_images=3,
        ),
        VeoModel(
            name="veo-3.1-lite-generate-preview",
            display_name="Veo 3.1 Lite",
            description="The most affordable Veo 3.1 model.",
            durations=(4, 6, 8),
            resolutions=("720p", "1080p"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=("1080p",),
            first_frame=True,
            last_frame=True,
            max_reference_images=0,
        ),
        VeoModel(
            name="veo-3.0-generate-001",
            display_name="Veo 3",
            description="Veo 3 generates 8-second videos with native audio.",
            durations=(8,),
            resolutions=("720p", "1080p"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=(),
            first_frame=True,
            last_frame=False,
            max_reference_images=0,
            aspect_limits={"1080p": ("16:9",)},
        ),
        VeoModel(
            name="veo-3.0-fast-generate-001",
            display_name="Veo 3 Fast",
            description="A faster Veo 3 for drafts and iteration.",
            durations=(8,),
            resolutions=("720p", "1080p"),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=(),
            first_frame=True,
            last_frame=False,
            max_reference_images=0,
            aspect_limits={"1080p": ("16:9",)},
        ),
        VeoModel(
            # The one Veo model that makes several videos per request (sampleCount 1-4).
            name="veo-2.0-generate-001",
            display_name="Veo 2",
            description="Veo 2 generates silent 5 to 8-second 720p videos, up to 4 per request.",
            durations=(5, 6, 7, 8),
            resolutions=("720p",),
            aspect_ratios=("16:9", "9:16"),
            eight_seconds_only_at=(),
            first_frame=True,
            last_frame=False,
            max_reference_images=0,
            max_samples=4,
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


# The full list that GET /v1beta/models returns: video models among ordinary ones, so clients
# have to pick video models by their generation method rather than assume every model is Veo.
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
    *(model.to_api() for model in VEO_MODELS.values()),
]
