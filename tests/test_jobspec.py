"""JobSpec.validate refuses what a model does not support, before anything is sent."""

import pytest

from providers.base import ImageInput, InvalidSpec, JobSpec, ModelInfo
from providers.gemini import CAPABILITIES

PNG = ImageInput("first_frame", "image/png", b"\x89PNG...")
VEO31 = ModelInfo(
    provider="gemini",
    id="veo-3.1",
    name="Veo 3.1",
    negative_prompt=True,
    **{k: v for k, v in CAPABILITIES["veo-3.1-generate-preview"].items() if k != "description"},
)
VEO30 = ModelInfo(
    provider="gemini",
    id="veo-3.0",
    name="Veo 3",
    **{k: v for k, v in CAPABILITIES["veo-3.0-generate-001"].items() if k != "description"},
)
KLING = ModelInfo(
    provider="openrouter",
    id="kling",
    name="Kling",
    durations=(5, 10),
    resolutions=("1080p",),
    aspect_ratios=("16:9", "1:1"),
    audio=True,
    seed=True,
)


def errors(model, **kwargs):
    try:
        JobSpec(model=model.id, prompt=kwargs.pop("prompt", "a cat"), **kwargs).validate(model)
    except InvalidSpec as exc:
        return exc.errors
    return {}


def test_a_supported_spec_passes():
    assert errors(VEO31, duration=8, resolution="1080p", aspect_ratio="9:16", images=(PNG,)) == {}
    assert errors(KLING, duration=10, generate_audio=True, seed=7) == {}


@pytest.mark.parametrize(
    ("model", "kwargs", "field", "text"),
    [
        (VEO31, {"duration": 5}, "duration", "does not offer a duration of 5; choose 4, 6, 8"),
        (VEO31, {"resolution": "480p"}, "resolution", "does not offer the resolution 480p"),
        (VEO31, {"aspect_ratio": "1:1"}, "aspect_ratio", "choose 16:9, 9:16"),
        (VEO31, {"duration": 4, "resolution": "1080p"}, "duration", "needs 8 seconds with 1080p"),
        (
            VEO31,
            {"duration": 6, "images": (ImageInput("reference", "image/png", b"x"),)},
            "duration",
            "needs 8 seconds with reference images",
        ),
        (
            VEO31,
            {"images": (ImageInput("reference", "image/png", b"x"),) * 4},
            "reference",
            "at most 3 reference images",
        ),
        (
            VEO30,
            {"images": (ImageInput("last_frame", "image/png", b"x"),)},
            "last_frame",
            "does not take a last frame image",
        ),
        (VEO30, {"resolution": "1080p", "aspect_ratio": "9:16"}, "aspect_ratio", "at 1080p"),
        (VEO30, {"sample_count": 2}, "sample_count", "at most 1 clip"),
        (KLING, {"negative_prompt": "blur"}, "negative_prompt", "does not take a negative prompt"),
        (VEO31, {"generate_audio": True}, "generate_audio", "cannot be asked for audio"),
        (VEO31, {"seed": 3}, "seed", "does not take a seed"),
        (KLING, {"images": (PNG,)}, "first_frame", "does not take a first frame image"),
        (KLING, {"prompt": "   "}, "prompt", "Describe the video"),
        (KLING, {"images": (PNG, PNG)}, "first_frame", ""),
    ],
)
def test_unsupported_values_are_refused_with_a_clear_message(model, kwargs, field, text):
    found = errors(model, **kwargs)
    assert field in found, found
    assert text in found[field]


def test_invalid_spec_is_a_bad_request_with_every_problem():
    with pytest.raises(InvalidSpec) as info:
        JobSpec(model="kling", prompt="x", duration=7, resolution="4K").validate(KLING)
    assert set(info.value.errors) == {"duration", "resolution"}
    assert "duration of 7" in str(info.value) and "4K" in str(info.value)
