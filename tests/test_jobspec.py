"""JobSpec.validate refuses what a model does not support, before anything is sent."""

import pytest

from providers.base import Continuation, ImageInput, InvalidSpec, JobSpec, ModelInfo
from providers.gemini import family_of

PNG = ImageInput("first_frame", "image/png", b"\x89PNG...")
LAST = ImageInput("last_frame", "image/png", b"\x89PNG...")
REF = ImageInput("reference", "image/png", b"x")
VEO31 = ModelInfo(provider="gemini", id="veo-3.1", name="Veo 3.1", **family_of("veo-3.1-x"))
OMNI = ModelInfo(provider="gemini", id="omni", name="Omni", **family_of("gemini-omni-1.1-flash"))
VEO30 = ModelInfo(
    provider="x",
    id="veo-3.0",
    name="Veo 3",
    durations=(8,),
    resolutions=("720p", "1080p"),
    aspect_ratios=("16:9", "9:16"),
    frame_images=("first_frame",),
    aspect_ratios_at={"1080p": ("16:9",)},
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
    assert errors(VEO31, duration=8, images=(PNG, LAST), person_generation="allow_adult") == {}
    assert errors(VEO31, duration=8, images=(REF, REF, REF)) == {}
    assert errors(OMNI, duration=5, resolution="4k", images=(PNG, LAST), seed=1) == {}
    assert errors(KLING, duration=10, generate_audio=True, seed=7) == {}
    assert errors(KLING, duration=10, generate_audio=False) == {}


def test_durations_narrow_with_the_resolution():
    assert VEO31.durations_for("720p") == (4, 6, 8)
    assert VEO31.durations_for("4k") == (8,)
    assert OMNI.durations_for("4k") == tuple(range(3, 11))


def test_continuations_follow_the_model():
    extend = Continuation("extend", "job-1")
    assert errors(VEO31, duration=8, resolution="720p", parent=extend) == {}
    assert "resolution" in errors(VEO31, duration=8, resolution="1080p", parent=extend)
    assert "duration" in errors(VEO31, duration=4, resolution="720p", parent=extend)
    assert "cannot edit" in errors(VEO31, parent=Continuation("edit", "j"))["parent"]
    assert errors(OMNI, parent=Continuation("edit", "v1_x")) == {}
    assert "cannot extend" in errors(KLING, parent=extend)["parent"]


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
        (VEO31, {"generate_audio": False}, "generate_audio", "always makes sound"),
        (VEO30, {"generate_audio": True}, "generate_audio", "cannot be asked for audio"),
        (VEO31, {"images": (LAST,), "duration": 8}, "last_frame", "needs a first frame"),
        (VEO31, {"images": (PNG, LAST), "duration": 6}, "duration", "8 seconds with a last frame"),
        (VEO31, {"images": (PNG, REF), "duration": 8}, "reference", "cannot combine"),
        (VEO31, {"images": (REF,), "duration": 8, "prompt": ""}, "prompt", "needs a prompt"),
        (VEO31, {"person_generation": "allow_kids"}, "person_generation", "people setting"),
        (OMNI, {"negative_prompt": "x"}, "negative_prompt", "does not take a negative prompt"),
        (OMNI, {"duration": 12}, "duration", "choose 3, 4, 5, 6, 7, 8, 9, 10"),
        (KLING, {"prompt": "x" * 4001}, "prompt", "takes at most 4,000"),
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
