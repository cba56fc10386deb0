"""The fake OpenRouter is as strict as the real one: catalogue, costs, passthrough, Veo rules,
continuations, body limit, signed URLs and odd replies, over httpx."""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.testing import SandboxProcess, probe_video
from tests.helpers import until_ended

KEY = "sk-or-v1-sandbox-rules"
REFERENCE = Path(__file__).parent / "openapi/openrouter-video-models-2026-10.json"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(1000)).decode()
PNG_URL = f"data:image/png;base64,{PNG}"
IMAGE = {"type": "image_url", "image_url": {"url": PNG_URL}}
VIDEO = {"type": "video_url", "video_url": {"url": "https://example.com/in.mp4"}}
AUDIO = {"type": "audio_url", "audio_url": {"url": "https://example.com/voice.mp3"}}
FIRST = {**IMAGE, "frame_type": "first_frame"}
LAST = {**IMAGE, "frame_type": "last_frame"}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.3", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=sandbox.openrouter_base_url, headers=headers, timeout=60) as client:
        yield client


def post(api: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"model": "google/veo-3.1", "prompt": "A lighthouse", **fields}
    return api.post("/videos", json={name: value for name, value in body.items() if value != ...})


def submit(api: httpx.Client, **fields: Any) -> str:
    response = post(api, **fields)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def refused(response: httpx.Response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"error"}
    assert payload["error"]["code"] == status
    return payload["error"]["message"]


def job_stats(sandbox: SandboxProcess, job_id: str) -> dict[str, Any]:
    return sandbox.stats()["jobs"][job_id]


# --- catalogue --------------------------------------------------------------------------------


def test_catalogue_has_every_reference_model_field_for_field(api: httpx.Client) -> None:
    served = {model["id"]: model for model in api.get("/videos/models").json()["data"]}
    reference = json.loads(REFERENCE.read_text())["data"]
    for expected in reference:
        model = served[expected["id"]]
        for name, value in expected.items():
            assert model[name] == value, (expected["id"], name)
        assert isinstance(model["name"], str)
        assert isinstance(model["created"], int)
    assert set(served) == {model["id"] for model in reference} | {"sandbox/multi-clip"}


def test_catalogue_edit_upscale_avatar_and_multi_clip(api: httpx.Client) -> None:
    served = {model["id"]: model for model in api.get("/videos/models").json()["data"]}
    for model_id in (
        "black-forest-labs/flux-video-edit",
        "black-forest-labs/flux-video-upscale",
        "heygen/avatar-iv",
    ):
        assert served[model_id]["supported_durations"] is None
    multi = served["sandbox/multi-clip"]
    assert multi["input_modalities"] == ["text", "image"]
    assert multi["pricing_skus"] == {"duration_seconds": "0.01"}
    assert multi["canonical_slug"].startswith("sandbox/multi-clip-")
    assert "openai/sora-2-pro" not in served


# --- cost --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "cost"),
    [
        ({"duration": 8}, 3.2),  # audio on when generate_audio is omitted
        ({"duration": 8, "generate_audio": False}, 1.6),
        ({"duration": 8, "resolution": "4K"}, 4.8),
        ({"duration": 8, "resolution": "4K", "generate_audio": False}, 3.2),
        ({"model": "google/veo-3.1-fast", "duration": 4}, 0.4),  # the _720p SKU
        ({"model": "google/veo-3.1-fast", "duration": 4, "generate_audio": False}, 0.32),
        ({"model": "google/veo-3.1-fast", "duration": 8, "resolution": "1080p"}, 0.96),
        ({"model": "google/veo-3.1-fast", "duration": 8, "size": "1920x1080"}, 0.96),
        ({"model": "kwaivgi/kling-v3.0-pro", "duration": 5}, 0.84),
        ({"model": "kwaivgi/kling-v3.0-pro", "duration": 5, "generate_audio": False}, 0.56),
        ({"model": "bytedance/seedance-2.0", "duration": 5}, 0.756),
        ({"model": "bytedance/seedance-2.0", "duration": 5, "resolution": "1080p"}, 1.8711),
        ({"model": "bytedance/seedance-2.0", "duration": 5, "input_references": [VIDEO]}, 0.4644),
        ({"model": "alibaba/wan-2.7", "duration": 5}, 0.5),
        ({"model": "runway/gen-4.5", "duration": 5}, 0.6),
        ({"model": "x-ai/grok-imagine-video-1.5", "duration": 6}, 0.84),
        ({"model": "x-ai/grok-imagine-video-1.5", "duration": 6, "frame_images": [FIRST]}, 0.85),
        ({"model": "minimax/hailuo-2.3", "duration": 6}, 0.4902),
        ({"model": "sandbox/multi-clip", "duration": 2}, 0.06),  # three outputs
        ({"model": "black-forest-labs/flux-video-edit", "input_references": [VIDEO]}, 0.15),
        (
            {
                "model": "black-forest-labs/flux-video-upscale",
                "prompt": ...,
                "input_references": [VIDEO],
                "upscale_factor": 2,
                "creativity": 1,
            },
            1.93536,
        ),
        (
            {
                "model": "black-forest-labs/flux-video-upscale",
                "prompt": ...,
                "input_references": [VIDEO],
                "upscale_factor": 2,
            },
            1.3824,
        ),
        ({"model": "heygen/avatar-iv", "input_references": [IMAGE, AUDIO]}, 0.25),
    ],
)
def test_cost_follows_the_pricing_skus(api: httpx.Client, fields: dict[str, Any], cost: float):
    job = finish(api, submit(api, **fields))
    assert job["status"] == "completed"
    assert job["usage"]["cost"] == pytest.approx(cost)


def test_generate_audio_false_makes_a_silent_clip(api: httpx.Client) -> None:
    silent = finish(api, submit(api, duration=4, generate_audio=False))
    loud = finish(api, submit(api, duration=4))
    assert not probe_video(api.get(silent["unsigned_urls"][0]).content).has_audio
    assert probe_video(api.get(loud["unsigned_urls"][0]).content).has_audio
    assert silent["usage"]["cost"] < loud["usage"]["cost"]


# --- edit, upscale and avatar models ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"model": "black-forest-labs/flux-video-edit"},
            "black-forest-labs/flux-video-edit edits an existing video: add an input_references "
            "item of type video_url (text-to-video is not supported by this model)",
        ),
        (
            {"model": "black-forest-labs/flux-video-upscale", "upscale_factor": 2},
            "black-forest-labs/flux-video-upscale upscales an existing video",
        ),
        (
            {"model": "heygen/avatar-iv", "input_references": [IMAGE]},
            "heygen/avatar-iv animates a photo with an audio track: add input_references items "
            "of type image_url and audio_url",
        ),
        (
            {
                "model": "black-forest-labs/flux-video-edit",
                "input_references": [VIDEO],
                "duration": 5,
            },
            "black-forest-labs/flux-video-edit does not support duration",
        ),
        (
            {
                "model": "black-forest-labs/flux-video-edit",
                "input_references": [VIDEO],
                "frame_images": [FIRST],
            },
            "black-forest-labs/flux-video-edit does not support frame_images",
        ),
        (
            {
                "model": "black-forest-labs/flux-video-edit",
                "input_references": [VIDEO],
                "resolution": "720p",
            },
            "black-forest-labs/flux-video-edit does not support resolution",
        ),
        (
            {
                "model": "black-forest-labs/flux-video-upscale",
                "input_references": [VIDEO],
                "upscale_factor": 4,
            },
            "upscale_factor 4 is out of range for black-forest-labs/flux-video-upscale: 1.5 to 3",
        ),
        (
            {
                "model": "black-forest-labs/flux-video-upscale",
                "input_references": [VIDEO],
                "creativity": 2,
            },
            "creativity must be one of 0, 1",
        ),
    ],
)
def test_edit_upscale_avatar_need_their_inputs(
    api: httpx.Client, fields: dict[str, Any], message: str
) -> None:
    assert message in refused(post(api, **fields))


# --- passthrough ------------------------------------------------------------------------------


def options(slug: str, value: object) -> dict[str, Any]:
    return {"options": {slug: value}}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"provider": options("google-vertex", {"parameters": {"negative_prompt": "text"}})},
            'Passthrough parameter "negative_prompt" is not allowed for google/veo-3.1 on '
            'google-vertex. Did you mean "negativePrompt"? Keys are case-sensitive. Allowed '
            "parameters: personGeneration, aspectRatio, negativePrompt, conditioningScale, "
            "enhancePrompt",
        ),
        (
            {"provider": options("google-ai-studio", {"parameters": {"NegativePrompt": "x"}})},
            'Passthrough parameter "NegativePrompt" is not allowed',
        ),
        (
            {"provider": options("google-vertex", {"negativePrompt": "text"})},
            'provider.options.google-vertex.negativePrompt: only "parameters" can be passed '
            "through to google-vertex",
        ),
        (
            {"provider": options("google-vertex", {"parameters": ["negativePrompt"]})},
            "provider.options.google-vertex.parameters: Expected object",
        ),
        (
            {
                "model": "x-ai/grok-imagine-video-1.5",
                "duration": 6,
                "provider": options("xai", {"parameters": {"style": "noir"}}),
            },
            'Passthrough parameter "style" is not allowed for x-ai/grok-imagine-video-1.5 on '
            "xai. Allowed parameters: none",
        ),
        ({"provider": {"order": ["google-vertex"]}}, "provider: Unrecognized key(s) in object"),
    ],
)
def test_passthrough_refusals(api: httpx.Client, fields: dict[str, Any], message: str) -> None:
    assert message in refused(post(api, **fields))


def test_passthrough_applied_and_foreign_slugs_dropped(
    api: httpx.Client, sandbox: SandboxProcess
) -> None:
    provider = {
        "options": {
            "google-vertex": {"parameters": {"negativePrompt": "logos", "personGeneration": "x"}},
            # Not Veo's provider: silently dropped, whatever it holds.
            "alibaba": {"parameters": {"negative_prompt": "ignored"}, "junk": 1},
        }
    }
    job_id = submit(api, duration=4, provider=provider)
    stats = job_stats(sandbox, job_id)
    assert stats["passthrough_applied"] == {
        "google-vertex": {"negativePrompt": "logos", "personGeneration": "x"}
    }
    assert stats["details"]["passthrough_ignored"] == ["alibaba"]

    for model, slug, fields in [
        ("kwaivgi/kling-v3.0-pro", "streamlake", {"duration": 5}),
        ("alibaba/wan-2.7", "alibaba", {"duration": 5}),
        ("sandbox/multi-clip", "sandbox", {"duration": 2}),
    ]:
        name = "style" if slug == "sandbox" else "negative_prompt"
        job_id = submit(
            api, model=model, provider=options(slug, {"parameters": {name: "text"}}), **fields
        )
        assert job_stats(sandbox, job_id)["passthrough_applied"] == {slug: {name: "text"}}


# --- Veo rules, frames and references -----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration": 8, "frame_images": [LAST]}, "a last_frame image requires a first_frame"),
        ({"duration": 6, "frame_images": [FIRST, LAST]}, "a last_frame image requires duration 8"),
        ({"duration": 4, "resolution": "1080p"}, "resolution 1080p requires duration 8 (got 4)"),
        ({"duration": 6, "resolution": "4K"}, "resolution 4K requires duration 8 (got 6)"),
        ({"duration": 4, "size": "1920x1080"}, "resolution 1080p requires duration 8"),
        (
            {"duration": 8, "input_references": [VIDEO]},
            "input_references[0]: google/veo-3.1 does not accept video inputs (input "
            "modalities: text, image)",
        ),
        (
            {"model": "alibaba/wan-2.7", "duration": 5, "input_references": [AUDIO]},
            "alibaba/wan-2.7 does not accept audio inputs",
        ),
    ],
)
def test_veo_rules_and_modalities(api: httpx.Client, fields: dict[str, Any], message: str) -> None:
    assert message in refused(post(api, **fields))


def test_frame_images_win_over_references(api: httpx.Client, sandbox: SandboxProcess) -> None:
    with_frames = submit(
        api, duration=8, frame_images=[FIRST, LAST], input_references=[IMAGE, IMAGE]
    )
    stats = job_stats(sandbox, with_frames)
    assert stats["references_ignored"] is True
    assert stats["details"]["input_references"] == []
    assert stats["request"]["frame_images"][0]["image_url"]["url"] == "<image/png 1008 bytes>"
    assert len(stats["request"]["input_references"]) == 2
    references_only = submit(api, duration=8, input_references=[IMAGE])
    assert job_stats(sandbox, references_only)["references_ignored"] is False


def test_seedance_takes_every_reference_kind(api: httpx.Client) -> None:
    job_id = submit(
        api, model="bytedance/seedance-2.0", duration=4, input_references=[IMAGE, VIDEO, AUDIO]
    )
    assert finish(api, job_id)["status"] == "completed"


def test_safety_submit_marker(api: httpx.Client) -> None:
    assert "SAFETY" in refused(post(api, prompt="x [sandbox:safety-submit]", duration=4))


# --- previous_job_id ------------------------------------------------------------------------------


def test_previous_job_id(api: httpx.Client, sandbox: SandboxProcess) -> None:
    done = submit(api, duration=4)
    finish(api, done)
    message = refused(post(api, duration=4, previous_job_id="gen-vid-0-nothing"), 404)
    assert message == "Previous video generation job gen-vid-0-nothing not found"
    other_key = {"Authorization": "Bearer sk-or-v1-sandbox-someone-else"}
    body = {"model": "google/veo-3.1", "prompt": "x", "duration": 4, "previous_job_id": done}
    assert api.post("/videos", json=body, headers=other_key).status_code == 404
    message = refused(post(api, model="google/veo-3.1-fast", duration=4, previous_job_id=done))
    assert message == (
        f"previous_job_id {done} was generated by google/veo-3.1; a continuation must use the "
        "same model, not google/veo-3.1-fast"
    )
    running = submit(api, prompt="x [sandbox:slow=30]", duration=4)
    message = refused(post(api, duration=4, previous_job_id=running), 409)
    assert message == (
        f"previous_job_id {running} is pending; only a completed job can be extended or edited"
    )
    failed = submit(api, prompt="x [sandbox:fail]", duration=4)
    finish(api, failed)
    assert "is failed" in refused(post(api, duration=4, previous_job_id=failed), 409)

    extended = submit(api, prompt="Continue the shot", duration=8, previous_job_id=done)
    assert job_stats(sandbox, extended)["parent"] == done
    assert finish(api, extended)["status"] == "completed"
    no_prompt = submit(api, prompt=..., duration=8, previous_job_id=done)
    assert job_stats(sandbox, no_prompt)["parent"] == done
    # Veo's extension underneath: 8 s, as at Google.
    message = refused(post(api, duration=4, previous_job_id=done))
    assert message == "google/veo-3.1: continuing a previous job requires duration 8 (got 4)"


# --- body limit -----------------------------------------------------------------------------------


def test_body_over_50_mib_gets_413(api: httpx.Client) -> None:
    padding = "A" * (50 * 1024 * 1024)
    body = json.dumps({"model": "google/veo-3.1", "prompt": "x", "session_id": padding})
    response = api.post("/videos", content=body, headers={"Content-Type": "application/json"})
    message = refused(response, 413)
    assert "limit is 52428800 bytes (50 MiB)" in message


def test_413_is_sent_before_the_body_is_read(sandbox: SandboxProcess) -> None:
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        connection.sendall(
            b"POST /api/v1/videos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + KEY.encode() + b"\r\n"
            b"Content-Length: 60000000\r\n\r\n"
        )
        # Not one byte of the body is sent: the answer must come anyway (head and body may
        # arrive in separate pieces; the server closes the connection after it).
        reply = b""
        while piece := connection.recv(65536):
            reply += piece
    assert reply.startswith(b"HTTP/1.1 413 ")
    _head, _, payload = reply.partition(b"\r\n\r\n")
    assert json.loads(payload)["error"]["code"] == 413


def test_body_just_under_the_limit_is_read(api: httpx.Client) -> None:
    padding = "A" * (49 * 1024 * 1024)
    body = json.dumps({"model": "google/veo-3.1", "prompt": "x", "duration": 4, "user": padding})
    response = api.post("/videos", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 202


# --- completed jobs, signed URLs and odd replies --------------------------------------------------


def test_signed_expired(api: httpx.Client) -> None:
    job = finish(api, submit(api, prompt="x [sandbox:signed-expired]", duration=4))
    [signed] = job["urls"]
    assert isinstance(job["expires_at"], int)
    assert job["expires_at"] < time.time()
    denied = httpx.get(signed)
    assert denied.status_code == 403
    assert b"ExpiredToken" in denied.content
    # The keyed endpoint still works: that is the fallback.
    assert probe_video(api.get(job["unsigned_urls"][0]).content).frames > 0


def test_unsigned_urls_always_and_signed_only_with_markers(api: httpx.Client) -> None:
    plain = finish(api, submit(api, duration=4))
    assert "urls" not in plain
    assert "expires_at" not in plain
    signed = finish(api, submit(api, prompt="x [sandbox:signed-other-host]", duration=4))
    assert len(signed["unsigned_urls"]) == len(signed["urls"]) == 1
    assert signed["expires_at"] > time.time()


def test_odd_status_then_normal(api: httpx.Client) -> None:
    job_id = submit(api, prompt="x [sandbox:odd-status=2]", duration=4)
    assert [api.get(f"/videos/{job_id}").json()["status"] for _ in range(2)] == [
        "queued_upstream",
        "queued_upstream",
    ]
    assert finish(api, job_id)["status"] == "completed"


def test_foreign_polling_url(api: httpx.Client) -> None:
    response = post(api, prompt="x [sandbox:foreign-polling-url]", duration=4)
    job_id = response.json()["id"]
    assert response.json()["polling_url"] == f"https://videos.example.net/api/v1/videos/{job_id}"
    assert finish(api, job_id)["polling_url"].startswith("https://videos.example.net/")


def test_nocredit_key(sandbox: SandboxProcess) -> None:
    headers = {"Authorization": "Bearer sk-or-v1-sandbox-nocredit-1"}
    key = httpx.get(f"{sandbox.openrouter_base_url}/key", headers=headers).json()["data"]
    assert key["limit_remaining"] == 0
    assert key["usage"] == key["limit"]
    body = {"model": "google/veo-3.1", "prompt": "x", "duration": 4}
    response = httpx.post(f"{sandbox.openrouter_base_url}/videos", json=body, headers=headers)
    assert "Insufficient credits" in refused(response, 402)


def test_stats_keep_the_request_without_payloads(api: httpx.Client, sandbox: SandboxProcess):
    job_id = submit(api, duration=8, frame_images=[FIRST], seed=3)
    request = job_stats(sandbox, job_id)["request"]
    assert request == {
        "model": "google/veo-3.1",
        "prompt": "A lighthouse",
        "duration": 8,
        "frame_images": [
            {
                "type": "image_url",
                "image_url": {"url": "<image/png 1008 bytes>"},
                "frame_type": "first_frame",
            }
        ],
        "seed": 3,
    }


def finish(api: httpx.Client, job_id: str) -> dict[str, Any]:
    return until_ended(api, f"/videos/{job_id}", ("pending", "in_progress"))
