"""The official OpenRouter SDK drives the sandbox from catalogue to playable MP4."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Iterator

import pytest
from openrouter import OpenRouter, errors
from PIL import Image

from sandbox.testing import SandboxProcess, probe_video

KEY = "sk-or-v1-sandbox-sdk"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.5", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def client(sandbox: SandboxProcess) -> Iterator[OpenRouter]:
    with OpenRouter(api_key=KEY, server_url=sandbox.openrouter_base_url) as sdk:
        yield sdk


def wait_until_terminal(client: OpenRouter, job_id: str, timeout: float = 15) -> object:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = client.video_generation.get_generation(job_id=job_id)
        seen.append(job.status)
        if job.status in ("completed", "failed", "cancelled", "expired"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} never finished: {seen}")


def png_data_url() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (200, 40, 40)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_models_list_parses_in_the_sdk(client: OpenRouter) -> None:
    models = {model.id: model for model in client.video_generation.list_videos_models().data}
    assert {"google/veo-3.1", "kwaivgi/kling-v3.0-pro", "sandbox/multi-clip"} <= set(models)
    assert not any(model_id.startswith("openai/") for model_id in models)
    veo = models["google/veo-3.1"]
    assert veo.canonical_slug == "google/veo-3.1-20260320"
    assert veo.supported_durations == [4, 6, 8]
    assert veo.supported_aspect_ratios == ["16:9", "9:16"]
    assert veo.supported_frame_images == ["first_frame", "last_frame"]
    assert veo.generate_audio is True
    assert "negativePrompt" in veo.allowed_passthrough_parameters
    assert veo.pricing_skus["duration_seconds_without_audio"] == "0.20"
    upscale = models["black-forest-labs/flux-video-upscale"]
    assert upscale.supported_durations is None
    assert (upscale.upscale_factor.min, upscale.upscale_factor.max) == (1.5, 3)
    assert upscale.creativity == [0, 1]
    assert models["heygen/avatar-iv"].supported_resolutions == ["720p", "1080p"]


def test_generate_poll_download_single_clip(client: OpenRouter, sandbox: SandboxProcess) -> None:
    submitted = client.video_generation.generate(
        model="google/veo-3.1-fast",
        prompt="A paper boat on a rainy street",
        duration=4,
        aspect_ratio="9:16",
        resolution="720p",
    )
    assert submitted.status == "pending"
    assert submitted.polling_url == f"/api/v1/videos/{submitted.id}"

    job = wait_until_terminal(client, submitted.id)
    assert job.status == "completed"
    assert len(job.unsigned_urls) == 1
    assert job.unsigned_urls[0].startswith(sandbox.openrouter_base_url)
    assert job.usage.cost > 0
    assert job.usage.is_byok is False

    response = client.video_generation.get_video_content(job_id=submitted.id, index=0)
    assert response.headers["content-type"] == "video/mp4"
    video = probe_video(response.read())
    assert (video.width, video.height) == (180, 320)
    assert video.duration == pytest.approx(4, abs=0.2)
    assert video.has_audio


def test_multi_clip_outputs_differ(client: OpenRouter) -> None:
    submitted = client.video_generation.generate(
        model="sandbox/multi-clip",
        prompt="Sneaker launch teaser",
        duration=2,
        aspect_ratio="1:1",
        frame_images=[
            {"type": "image_url", "image_url": {"url": png_data_url()}, "frame_type": "first_frame"}
        ],
        input_references=[{"type": "image_url", "image_url": {"url": png_data_url()}}],
    )
    job = wait_until_terminal(client, submitted.id)
    assert job.status == "completed"
    assert len(job.unsigned_urls) == 3

    clips = [
        client.video_generation.get_video_content(job_id=submitted.id, index=index).read()
        for index in range(3)
    ]
    assert len(set(clips)) == 3
    for clip in clips:
        video = probe_video(clip)
        assert (video.width, video.height) == (240, 240)
        assert video.duration == pytest.approx(2, abs=0.2)


def test_sdk_raises_typed_errors(sandbox: SandboxProcess, client: OpenRouter) -> None:
    with pytest.raises(errors.BadRequestResponseError, match="Duration 5s"):
        client.video_generation.generate(model="google/veo-3.1", prompt="x", duration=5)

    bad = OpenRouter(api_key="sk-or-v1-wrong", server_url=sandbox.openrouter_base_url)
    with bad, pytest.raises(errors.UnauthorizedResponseError):
        bad.video_generation.generate(model="google/veo-3.1", prompt="x")

    broke = OpenRouter(api_key="sk-or-v1-sandbox-nocredit", server_url=sandbox.openrouter_base_url)
    with broke, pytest.raises(errors.PaymentRequiredResponseError, match="Insufficient credits"):
        broke.video_generation.generate(model="google/veo-3.1", prompt="x")


def test_sdk_sends_passthrough_and_previous_job(
    client: OpenRouter, sandbox: SandboxProcess
) -> None:
    first = client.video_generation.generate(
        model="google/veo-3.1-fast",
        prompt="A kite over dunes",
        duration=4,
        generate_audio=False,
        provider={"options": {"google-vertex": {"parameters": {"negativePrompt": "text"}}}},
    )
    assert wait_until_terminal(client, first.id).status == "completed"
    stats = sandbox.stats()["jobs"][first.id]
    assert stats["passthrough_applied"] == {"google-vertex": {"negativePrompt": "text"}}
    assert stats["request"]["generate_audio"] is False

    second = client.video_generation.generate(
        model="google/veo-3.1-fast", prompt="Now the kite lands", previous_job_id=first.id
    )
    assert sandbox.stats()["jobs"][second.id]["parent"] == first.id
    with pytest.raises(errors.OpenRouterError, match="same model"):
        client.video_generation.generate(
            model="google/veo-3.1", prompt="x", previous_job_id=first.id
        )


def test_sdk_reads_signed_urls_and_odd_statuses(client: OpenRouter) -> None:
    submitted = client.video_generation.generate(
        model="google/veo-3.1-fast",
        prompt="Signed [sandbox:signed-expired] [sandbox:odd-status=2]",
        duration=4,
    )
    odd = client.video_generation.get_generation(job_id=submitted.id)
    assert odd.status == "queued_upstream"  # an open enum: the SDK keeps the unknown value
    job = wait_until_terminal(client, submitted.id)
    assert job.status == "completed"
    assert isinstance(job.urls, list)
    assert all(isinstance(url, str) for url in job.urls)
    assert isinstance(job.expires_at, int)
    assert job.expires_at < time.time()


def test_sdk_sees_failed_job_error_string(client: OpenRouter) -> None:
    submitted = client.video_generation.generate(
        model="google/veo-3.1", prompt="storm [sandbox:fail]", duration=4
    )
    job = wait_until_terminal(client, submitted.id)
    assert job.status == "failed"
    assert isinstance(job.error, str)
    assert job.error
