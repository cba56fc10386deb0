"""The request oracles capture what the official SDKs really send, byte for byte."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest

from tests.oracles import (
    GENAI3_VERSION,
    OracleEnvUnavailable,
    OracleRefused,
    ensure_genai3_env,
    genai2_veo_body,
    genai2_veo_request,
    genai3_interactions_body,
    genai3_interactions_request,
    genai3_run,
    golden_body,
    load_golden,
    openrouter_body,
    openrouter_request,
)
from tests.oracles.genai3 import pip_failure_is_offline
from tests.oracles.golden import GOLDEN_DIR, build_goldens, stored_goldens
from tests.oracles.scenarios import (
    FIRST_FRAME,
    INTERACTION_SCENARIOS,
    LAST_FRAME,
    REFERENCE_IMAGES,
    b64,
)

VEO = "veo-3.1-generate-preview"
PNG_URL = "data:image/png;base64," + b64(FIRST_FRAME)
LAST_URL = "data:image/png;base64," + b64(LAST_FRAME)


def compact(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


# --- OpenRouter ---------------------------------------------------------------------------


def test_openrouter_text_to_video_body_and_wire_format() -> None:
    request = openrouter_request(
        model="google/veo-3.1",
        prompt="A paper boat on a rainy street, café sign",
        duration=8,
        resolution="720p",
        aspect_ratio="16:9",
        generate_audio=False,
    )
    assert request.method == "POST"
    assert request.path == "/api/v1/videos"
    assert request.headers["authorization"] == "Bearer sk-or-v1-oracle"
    assert request.headers["content-type"] == "application/json"
    # model first, then the other fields alphabetically; False is sent, not dropped
    assert list(request.body) == [
        "model",
        "aspect_ratio",
        "duration",
        "generate_audio",
        "prompt",
        "resolution",
    ]
    assert request.body == {
        "model": "google/veo-3.1",
        "aspect_ratio": "16:9",
        "duration": 8,
        "generate_audio": False,
        "prompt": "A paper boat on a rainy street, café sign",
        "resolution": "720p",
    }
    # compact separators, non-ASCII escaped
    assert request.content == compact(request.body)
    assert b"caf\\u00e9" in request.content


def test_openrouter_frames_references_and_continuation() -> None:
    body = openrouter_body(
        model="google/veo-3.1",
        prompt="p",
        frame_images=[
            {"type": "image_url", "image_url": {"url": PNG_URL}, "frame_type": "first_frame"},
            {"type": "image_url", "image_url": {"url": LAST_URL}, "frame_type": "last_frame"},
        ],
        input_references=[
            {"type": "image_url", "image_url": {"url": f"https://cdn.example/{n}.png"}}
            for n in range(3)
        ],
        previous_job_id="job-abc123",
        callback_url="https://hooks.example/openrouter",
        seed=42,
    )
    assert body["frame_images"] == [
        {"image_url": {"url": PNG_URL}, "type": "image_url", "frame_type": "first_frame"},
        {"image_url": {"url": LAST_URL}, "type": "image_url", "frame_type": "last_frame"},
    ]
    assert body["input_references"] == [
        {"image_url": {"url": f"https://cdn.example/{n}.png"}, "type": "image_url"}
        for n in range(3)
    ]
    assert body["previous_job_id"] == "job-abc123"
    assert body["callback_url"] == "https://hooks.example/openrouter"
    assert body["seed"] == 42
    assert "generate_audio" not in body  # omitted unless given


def test_openrouter_passthrough_slugs_are_aliased_sorted_and_filtered() -> None:
    body = openrouter_body(
        model="google/veo-3.1",
        prompt="p",
        provider={
            "options": {
                "google-vertex": {"parameters": {"negativePrompt": "text, logos"}},
                "google_ai_studio": {"parameters": {"negativePrompt": "text, logos"}},
                "google": {"parameters": {"negativePrompt": "dropped"}},
            }
        },
    )
    assert body["provider"] == {
        "options": {
            "google-ai-studio": {"parameters": {"negativePrompt": "text, logos"}},
            "google-vertex": {"parameters": {"negativePrompt": "text, logos"}},
        }
    }
    assert list(body["provider"]["options"]) == ["google-ai-studio", "google-vertex"]


def test_openrouter_refuses_plain_string_references() -> None:
    with pytest.raises(OracleRefused, match="discriminator") as refused:
        openrouter_body(model="google/veo-3.1", input_references=["https://cdn.example/a.png"])
    assert refused.value.sdk == "openrouter"


# --- google-genai 2.34: Veo predictLongRunning -------------------------------------------


def test_genai2_text_to_video_body_path_and_wire_format() -> None:
    request = genai2_veo_request(
        VEO,
        prompt="A paper boat on a rainy street",
        config={
            "number_of_videos": 1,
            "duration_seconds": 8,
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "negative_prompt": "text, logos",
        },
    )
    assert request.method == "POST"
    assert request.path == f"/v1beta/models/{VEO}:predictLongRunning"
    assert request.headers["x-goog-api-key"] == "AIza-oracle"
    assert request.body == {
        "instances": [{"prompt": "A paper boat on a rainy street"}],
        "parameters": {
            "sampleCount": 1,
            "durationSeconds": 8,
            "aspectRatio": "16:9",
            "resolution": "720p",
            "negativePrompt": "text, logos",
        },
    }
    assert next(iter(request.body["parameters"])) == "sampleCount"
    assert "personGeneration" not in request.body["parameters"]
    # Python's default json.dumps: ", " and ": " separators
    assert request.content == json.dumps(request.body).encode()


def test_genai2_first_and_last_frame_are_base64_images() -> None:
    body = genai2_veo_body(
        VEO,
        prompt="p",
        image=(FIRST_FRAME, "image/png"),
        config={"last_frame": (LAST_FRAME, "image/png"), "duration_seconds": 8},
    )
    instance = body["instances"][0]
    assert instance["image"] == {"bytesBase64Encoded": b64(FIRST_FRAME), "mimeType": "image/png"}
    assert instance["lastFrame"] == {"bytesBase64Encoded": b64(LAST_FRAME), "mimeType": "image/png"}
    assert list(instance) == ["prompt", "image", "lastFrame"]


def test_genai2_reference_images_send_upper_case_asset() -> None:
    body = genai2_veo_body(
        VEO,
        prompt="p",
        config={
            "reference_images": [
                {"image": (image, "image/png"), "reference_type": kind}
                for image, kind in zip(REFERENCE_IMAGES, ("asset", "ASSET", "Asset"), strict=True)
            ]
        },
    )
    assert body["instances"][0]["referenceImages"] == [
        {
            "image": {"bytesBase64Encoded": b64(image), "mimeType": "image/png"},
            "referenceType": "ASSET",
        }
        for image in REFERENCE_IMAGES
    ]


def test_genai2_extension_and_person_generation() -> None:
    uri = "https://generativelanguage.googleapis.com/v1beta/files/abc123:download?alt=media"
    body = genai2_veo_body(
        VEO, prompt="p", video_uri=uri, config={"person_generation": "allow_adult"}
    )
    assert body == {
        "instances": [{"prompt": "p", "video": {"uri": uri}}],
        "parameters": {"personGeneration": "allow_adult"},
    }


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"seed": 1}, "seed parameter is only supported"),
        ({"generate_audio": False}, "generate_audio parameter is only supported"),
        ({"fps": 24}, "fps parameter is only supported"),
        ({"output_gcs_uri": "gs://b/o"}, "output_gcs_uri parameter is only supported"),
        (
            {
                "reference_images": [
                    {"image": (FIRST_FRAME, "image/png"), "reference_type": "style"}
                ]
            },
            "STYLE enum value is only supported",
        ),
        ({"last_frame": {"gcs_uri": "gs://b/o.png"}}, "gcs_uri parameter is only supported"),
    ],
)
def test_genai2_refuses_vertex_only_inputs(config: dict, message: str) -> None:
    with pytest.raises(OracleRefused, match=message) as refused:
        genai2_veo_body(VEO, prompt="p", config=config)
    assert refused.value.sdk == "google-genai 2.34"
    assert "Gemini Developer API" in refused.value.message


# --- google-genai 3.4: Interactions, from the golden files (no venv needed) ----------------


def test_every_scenario_has_a_golden_made_from_the_same_call() -> None:
    assert sorted(stored_goldens()) == sorted(f"{name}.json" for name in INTERACTION_SCENARIOS)
    for name, scenario in INTERACTION_SCENARIOS.items():
        golden = load_golden(name)
        assert golden["version"] == GENAI3_VERSION
        assert golden["call"]["kwargs"] == scenario["kwargs"], f"{name}: run the regenerate"


def test_golden_image_to_video_wraps_blocks_in_a_user_input_step() -> None:
    golden = load_golden("image_to_video_first_frame")
    assert golden["request"]["method"] == "POST"
    assert golden["request"]["path"] == "/v1beta/interactions"
    body = golden["request"]["body"]
    assert body["input"] == [
        {
            "content": [
                {"data": b64(FIRST_FRAME), "mime_type": "image/png", "type": "image"},
                {"text": "<FIRST_FRAME> The product spins on a marble table.", "type": "text"},
            ],
            "type": "user_input",
        }
    ]
    assert body["response_format"] == {
        "aspect_ratio": "16:9",
        "delivery": "uri",
        "duration": "8s",
        "resolution": "720p",
        "type": "video",
    }
    assert body["generation_config"] == {"seed": 42, "video_config": {"task": "image_to_video"}}
    assert list(body) == ["model", "background", "generation_config", "input", "response_format"]
    assert golden["request"]["content_length"] == len(compact(body))


def test_golden_string_input_and_continuations() -> None:
    assert golden_body("text_to_video_string_input")["input"] == (
        "A paper boat drifts down a rainy street at dusk."
    )
    assert "generation_config" not in golden_body("text_to_video_string_input")
    for name, task in (("edit_previous", "edit"), ("extend_previous", "extend")):
        body = golden_body(name)
        assert body["previous_interaction_id"] == "v1_previous-oracle"
        assert body["generation_config"] == {"video_config": {"task": task}}
    blocks = golden_body("reference_to_video_3")["input"][0]["content"]
    assert [block["type"] for block in blocks] == ["image", "image", "image", "text"]


def test_golden_poll_and_cancel_paths() -> None:
    poll = load_golden("poll_get")["request"]
    assert (poll["method"], poll["path"], poll["query"]) == (
        "GET",
        "/v1beta/interactions/v1_oracle-job",
        {"stream": "false"},
    )
    cancel = load_golden("cancel")["request"]
    assert (cancel["method"], cancel["path"], cancel["body"], cancel["content_length"]) == (
        "POST",
        "/v1beta/interactions/v1_oracle-job/cancel",
        None,
        0,
    )


# --- google-genai 3.4: the isolated venv ---------------------------------------------------


@pytest.fixture(scope="session")
def genai3_env() -> Path:
    """Build the 3.x venv once; skip only when no registry is reachable, and never in CI."""
    try:
        return ensure_genai3_env()
    except OracleEnvUnavailable as exc:
        if exc.offline and not os.environ.get("CI"):
            pytest.skip(f"google-genai {GENAI3_VERSION} venv not buildable offline: {exc}")
        raise


def test_goldens_are_current(genai3_env: Path) -> None:
    fresh = build_goldens()
    stale = sorted(name for name in fresh if stored_goldens().get(name) != fresh[name])
    assert not stale, f"stale golden files {stale}: run python -m tests.oracles.regenerate"


def test_genai3_body_matches_the_documented_example(genai3_env: Path) -> None:
    request = genai3_interactions_request(
        model="gemini-omni-1.1-flash",
        background=True,
        input=[
            {"type": "image", "data": FIRST_FRAME, "mime_type": "image/png"},  # bytes -> base64
            {"type": "text", "text": "<FIRST_FRAME> The product spins on a marble table."},
        ],
        response_format={
            "type": "video",
            "aspect_ratio": "16:9",
            "resolution": "720p",
            "duration": "8s",
            "delivery": "uri",
        },
        generation_config={"video_config": {"task": "image_to_video"}, "seed": 42},
    )
    assert request.path == "/v1beta/interactions"
    assert request.headers["x-goog-api-key"] == "AIza-oracle"
    assert request.body == golden_body("image_to_video_first_frame")
    assert request.content == compact(request.body)  # compact, keys in the SDK's order


def test_genai3_every_scenario_is_compact_json(genai3_env: Path) -> None:
    results = genai3_run(list(INTERACTION_SCENARIOS.values()))
    for (name, scenario), result in zip(INTERACTION_SCENARIOS.items(), results, strict=True):
        (request,) = result
        expected = b"" if scenario["op"] != "create" else compact(request.body)
        assert request.content == expected, name


def test_genai3_refusals_and_what_it_lets_through(genai3_env: Path) -> None:
    with pytest.raises(OracleRefused, match="negative_prompt") as refused:
        genai3_interactions_body(model="gemini-omni-1.1-flash", input="p", negative_prompt="x")
    assert refused.value.sdk_error == "TypeError"
    # a numeric duration is not refused: the dict falls through to the untyped variant
    body = genai3_interactions_body(
        model="gemini-omni-1.1-flash", input="p", response_format={"type": "video", "duration": 8}
    )
    assert body["response_format"] == {"type": "video", "duration": 8}


# --- building the venv ---------------------------------------------------------------------


def test_env_build_failure_is_clear_and_not_offline(tmp_path: Path) -> None:
    with pytest.raises(OracleEnvUnavailable, match="python -m venv failed to run") as failed:
        ensure_genai3_env(base_python=str(tmp_path / "no-python"), env_dir=tmp_path / "env")
    assert failed.value.offline is False


def test_env_build_reuses_a_finished_env(tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    (env_dir / "bin").mkdir(parents=True)
    (env_dir / "bin" / "python").symlink_to(sys.executable)
    (env_dir / ".complete").write_text("{}")
    python = ensure_genai3_env(base_python=str(tmp_path / "no-python"), env_dir=env_dir)
    assert python == env_dir / "bin" / "python"


@pytest.mark.parametrize(
    ("output", "offline"),
    [
        (
            "WARNING: Retrying (Retry(total=1...)) after connection broken by "
            "'NewConnectionError(...: Failed to establish a new connection: [Errno 101] "
            "Network is unreachable')'",
            True,
        ),
        (
            "ERROR: Could not find a version that satisfies the requirement google-genai==3.4.0 "
            "(from versions: none)",
            True,
        ),
        ("ERROR: Failed building wheel for cffi", False),
        ("ERROR: Could not open requirements file: [Errno 2] No such file", False),
    ],
)
def test_pip_offline_classification(output: str, offline: bool) -> None:
    assert pip_failure_is_offline(output) is offline


def test_golden_images_are_the_scenario_images() -> None:
    blocks = golden_body("image_to_video_first_last_frame")["input"][0]["content"]
    assert [base64.b64decode(block["data"]) for block in blocks[:2]] == [FIRST_FRAME, LAST_FRAME]
    assert GOLDEN_DIR.is_dir()
