"""For the same inputs, the body our adapters send equals the body the official SDK builds.

OpenRouter: the ``openrouter`` SDK; Veo on the Gemini API: google-genai 2.34 (the last line that
builds ``predictLongRunning`` with an API key); Omni on the Interactions API: google-genai 3.4,
run in its own small environment (``tests.oracles``). Models come from the real catalogue
shapes (OpenRouter's live model list, Gemini's families), not from hand-made stand-ins.
"""

import json
from pathlib import Path

import pytest

from providers.base import Continuation, ImageInput, JobSpec, ModelInfo
from providers.gemini import GeminiProvider, family_of
from providers.openrouter import OpenRouterProvider, model_info
from tests.oracles import genai2_veo_body, genai3_run, openrouter_body
from tests.oracles.scenarios import FIRST_FRAME, LAST_FRAME, REFERENCE_IMAGES, b64

CATALOGUE = Path(__file__).resolve().parent / "openapi" / "openrouter-video-models-2026-10.json"
OPENROUTER = OpenRouterProvider("sk-or-v1-conformance", base_url="https://openrouter.ai/api/v1")
GEMINI = GeminiProvider("AIza-conformance", base_url="https://generativelanguage.googleapis.com")
FIRST = ImageInput("first_frame", "image/png", FIRST_FRAME)
LAST = ImageInput("last_frame", "image/png", LAST_FRAME)
REFS = tuple(ImageInput("reference", "image/png", data) for data in REFERENCE_IMAGES)


def listed(model_id: str):
    entries = json.loads(CATALOGUE.read_text())["data"]
    return model_info(next(e for e in entries if e["id"] == model_id))


def data_url(data: bytes) -> str:
    return f"data:image/png;base64,{b64(data)}"


def frame(data: bytes, role: str) -> dict:
    return {"type": "image_url", "image_url": {"url": data_url(data)}, "frame_type": role}


def reference(data: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": data_url(data)}}


# --- OpenRouter: POST /videos -----------------------------------------------------------------

VEO_TEXT = {"model": "google/veo-3.1", "prompt": "A paper boat drifts down a rainy street."}

OPENROUTER_CASES = {
    "text, audio off": (
        JobSpec(**VEO_TEXT, duration=8, resolution="720p", aspect_ratio="16:9"),
        VEO_TEXT
        | {"duration": 8, "resolution": "720p", "aspect_ratio": "16:9", "generate_audio": False},
    ),
    "text, audio on, seed": (
        JobSpec(**VEO_TEXT, duration=4, generate_audio=True, seed=42),
        VEO_TEXT | {"duration": 4, "generate_audio": True, "seed": 42},
    ),
    "first and last frame": (
        JobSpec(**VEO_TEXT, duration=8, images=(FIRST, LAST)),
        VEO_TEXT
        | {
            "duration": 8,
            "generate_audio": False,
            "frame_images": [frame(FIRST_FRAME, "first_frame"), frame(LAST_FRAME, "last_frame")],
        },
    ),
    "three reference images": (
        JobSpec(**VEO_TEXT, duration=8, images=REFS),
        VEO_TEXT
        | {
            "duration": 8,
            "generate_audio": False,
            "input_references": [reference(data) for data in REFERENCE_IMAGES],
        },
    ),
    "negative prompt and people, as Veo spells them": (
        JobSpec(**VEO_TEXT, negative_prompt="text, logos", person_generation="allow_adult"),
        VEO_TEXT
        | {
            "generate_audio": False,
            "provider": {
                "options": {
                    slug: {
                        "parameters": {
                            "negativePrompt": "text, logos",
                            "personGeneration": "allow_adult",
                        }
                    }
                    for slug in ("google-vertex", "google-ai-studio")
                }
            },
        },
    ),
    "extend an earlier job": (
        JobSpec(
            **VEO_TEXT, duration=8, parent=Continuation("extend", job_id="gen-vid-1-abcdefghij")
        ),
        VEO_TEXT
        | {"duration": 8, "generate_audio": False, "previous_job_id": "gen-vid-1-abcdefghij"},
    ),
    "wan: negative prompt under alibaba": (
        JobSpec(model="alibaba/wan-2.7", prompt="p", duration=5, negative_prompt="blur"),
        {
            "model": "alibaba/wan-2.7",
            "prompt": "p",
            "duration": 5,
            "generate_audio": False,
            "provider": {"options": {"alibaba": {"parameters": {"negative_prompt": "blur"}}}},
        },
    ),
    "runway: no audio switch, a callback": (
        JobSpec(
            model="runway/gen-4.5",
            prompt="p",
            duration=5,
            seed=7,
            callback_url="https://video.example.com/webhooks/openrouter/",
        ),
        {
            "model": "runway/gen-4.5",
            "prompt": "p",
            "duration": 5,
            "seed": 7,
            "callback_url": "https://video.example.com/webhooks/openrouter/",
        },
    ),
}


@pytest.mark.parametrize("case", OPENROUTER_CASES)
def test_openrouter_body_equals_the_sdks(case):
    spec, sdk_kwargs = OPENROUTER_CASES[case]
    model = listed(spec.model)
    spec.validate(model)  # a request the form would let through
    assert OPENROUTER.submit_body(spec, model) == openrouter_body(**sdk_kwargs)


# --- Gemini API, Veo: predictLongRunning ------------------------------------------------------

VEO = "veo-3.1-generate-sandbox"


def gemini_model(model_id: str) -> ModelInfo:
    return ModelInfo(provider="gemini", id=model_id, name=model_id, **family_of(model_id))


VEO_CASES = {
    "text, negative prompt": (
        JobSpec(
            model=VEO,
            prompt="A paper boat.",
            negative_prompt="text, logos",
            duration=8,
            resolution="720p",
            aspect_ratio="16:9",
        ),
        {
            "prompt": "A paper boat.",
            "config": {
                "number_of_videos": 1,
                "duration_seconds": 8,
                "resolution": "720p",
                "aspect_ratio": "16:9",
                "negative_prompt": "text, logos",
            },
        },
    ),
    "first and last frame": (
        JobSpec(model=VEO, prompt="A dolly-in.", duration=8, images=(FIRST, LAST)),
        {
            "prompt": "A dolly-in.",
            "image": (FIRST_FRAME, "image/png"),
            "config": {
                "number_of_videos": 1,
                "duration_seconds": 8,
                "last_frame": (LAST_FRAME, "image/png"),
            },
        },
    ),
    "three reference images": (
        JobSpec(model=VEO, prompt="A beach advert.", duration=8, images=REFS),
        {
            "prompt": "A beach advert.",
            "config": {
                "number_of_videos": 1,
                "duration_seconds": 8,
                "reference_images": [
                    {"image": (data, "image/png"), "reference_type": "asset"}
                    for data in REFERENCE_IMAGES
                ],
            },
        },
    ),
    "people setting only when chosen": (
        JobSpec(model=VEO, prompt="A crowd.", person_generation="allow_adult"),
        {
            "prompt": "A crowd.",
            "config": {"number_of_videos": 1, "person_generation": "allow_adult"},
        },
    ),
    "extend an earlier video": (
        JobSpec(
            model=VEO,
            prompt="The boat sails out to sea.",
            duration=8,
            resolution="720p",
            parent=Continuation(
                "extend",
                job_id=f"models/{VEO}/operations/abc",
                video_uri="https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media",
            ),
        ),
        {
            "prompt": "The boat sails out to sea.",
            "video_uri": "https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media",
            "config": {"number_of_videos": 1, "duration_seconds": 8, "resolution": "720p"},
        },
    ),
}


@pytest.mark.parametrize("case", VEO_CASES)
def test_veo_body_equals_google_genai_2(case):
    spec, sdk = VEO_CASES[case]
    model = gemini_model(VEO)
    spec.validate(model)
    assert GEMINI.predict_body(spec, model) == genai2_veo_body(VEO, **sdk)


# --- Gemini API, Omni: the Interactions API ---------------------------------------------------

OMNI = "gemini-omni-1.1-flash"
VIDEO_FORMAT = {"type": "video", "aspect_ratio": "16:9", "resolution": "720p", "duration": "8s"}


def image_block(data: bytes) -> dict:
    return {"type": "image", "data": b64(data), "mime_type": "image/png"}


def omni_case(text, blocks=(), task=None, **extra):
    sdk = {
        "model": OMNI,
        "background": True,
        "input": [*blocks, {"type": "text", "text": text}],
        "response_format": VIDEO_FORMAT | {"delivery": "uri"},
        "generation_config": {"video_config": {"task": task}} | extra.pop("config", {}),
    }
    return sdk | extra


OMNI_SPEC = {"model": OMNI, "duration": 8, "resolution": "720p", "aspect_ratio": "16:9"}
OMNI_CASES = {
    "text to video": (
        JobSpec(**OMNI_SPEC, prompt="A paper boat."),
        omni_case("A paper boat.", task="text_to_video"),
    ),
    "first frame, seed": (
        JobSpec(**OMNI_SPEC, prompt="It spins.", images=(FIRST,), seed=42),
        omni_case(
            "<FIRST_FRAME> It spins.",
            [image_block(FIRST_FRAME)],
            "image_to_video",
            config={"seed": 42},
        ),
    ),
    "first and last frame": (
        JobSpec(**OMNI_SPEC, prompt="Day to night.", images=(FIRST, LAST)),
        omni_case(
            "<FIRST_FRAME> <LAST_FRAME> Day to night.",
            [image_block(FIRST_FRAME), image_block(LAST_FRAME)],
            "image_to_video",
        ),
    ),
    "three references": (
        JobSpec(**OMNI_SPEC, prompt="On a beach.", images=REFS),
        omni_case(
            "<IMAGE_REF_0> <IMAGE_REF_1> <IMAGE_REF_2> On a beach.",
            [image_block(data) for data in REFERENCE_IMAGES],
            "reference_to_video",
        ),
    ),
    "edit an earlier result": (
        JobSpec(**OMNI_SPEC, prompt="Make it snow.", parent=Continuation("edit", "v1_earlier")),
        omni_case("Make it snow.", task="edit", previous_interaction_id="v1_earlier"),
    ),
    "extend an earlier result": (
        JobSpec(**OMNI_SPEC, prompt="Carry on.", parent=Continuation("extend", "v1_earlier")),
        omni_case("Carry on.", task="extend", previous_interaction_id="v1_earlier"),
    ),
}


@pytest.fixture(scope="module")
def omni_sdk_bodies():
    """All the 3.x bodies in one run of the SDK's own environment."""
    results = genai3_run([{"op": "create", "kwargs": sdk} for _, sdk in OMNI_CASES.values()])
    return {name: result[0].body for name, result in zip(OMNI_CASES, results, strict=True)}


@pytest.mark.parametrize("case", OMNI_CASES)
def test_omni_body_equals_google_genai_3(case, omni_sdk_bodies, settings):
    settings.GEMINI_DELIVERY = "uri"
    spec, _ = OMNI_CASES[case]
    model = gemini_model(OMNI)
    spec.validate(model)
    assert GEMINI.interaction_body(spec, model) == omni_sdk_bodies[case]
