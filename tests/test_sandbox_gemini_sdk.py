"""The official google-genai SDK drives the sandbox's Veo endpoints to a playable MP4."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from google import genai
from google.genai import errors, types
from PIL import Image

from sandbox.testing import SandboxProcess, probe_video

KEY = "AIzaSandbox-sdk"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.5", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


def make_client(sandbox: SandboxProcess, key: str = KEY) -> genai.Client:
    return genai.Client(
        api_key=key, http_options=types.HttpOptions(base_url=sandbox.gemini_base_url)
    )


def wait(client: genai.Client, operation: types.GenerateVideosOperation) -> object:
    deadline = time.monotonic() + 15
    while not operation.done:
        assert time.monotonic() < deadline, "operation never finished"
        time.sleep(0.1)
        operation = client.operations.get(operation)
    return operation


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 36), (40, 160, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_models_list_mixes_video_and_text_models(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)  # the pager needs its client alive while it iterates
    models = {model.name: model for model in client.models.list()}
    assert "generateContent" in models["models/gemini-2.5-flash"].supported_actions
    for name in (
        "veo-3.1-generate-preview",
        "veo-3.1-fast-generate-preview",
        "veo-3.1-lite-generate-preview",
        "veo-3.0-generate-001",
        "veo-3.0-fast-generate-001",
        "veo-2.0-generate-001",
    ):
        assert models[f"models/{name}"].supported_actions == ["predictLongRunning"]


def test_generate_poll_download(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    operation = client.models.generate_videos(
        model="veo-3.1-generate-preview",
        source=types.GenerateVideosSource(prompt="A lighthouse at dawn, waves crashing"),
        config=types.GenerateVideosConfig(
            aspect_ratio="16:9", duration_seconds=4, resolution="720p", negative_prompt="people"
        ),
    )
    assert operation.name.startswith("models/veo-3.1-generate-preview/operations/")
    operation = wait(client, operation)
    assert operation.error is None
    videos = operation.response.generated_videos
    assert len(videos) == 1
    assert videos[0].video.uri.startswith("https://generativelanguage.googleapis.com/v1beta/files/")

    data = client.files.download(file=videos[0].video)
    video = probe_video(data)
    assert (video.width, video.height) == (320, 180)
    assert video.duration == pytest.approx(4, abs=0.2)
    assert video.has_audio

    # The download went through the cross-host redirect; the SDK carries its key along.
    file_hits = [
        hit for hit in sandbox.stats()["off_origin_requests"] if hit["endpoint"] == "gemini-files"
    ]
    assert file_hits
    assert "x-goog-api-key" in file_hits[-1]["credential_headers"]


def test_sample_count_and_image_inputs(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    image = types.Image(image_bytes=png(), mime_type="image/png")
    operation = client.models.generate_videos(
        model="veo-2.0-generate-001",
        source=types.GenerateVideosSource(prompt="Product turntable", image=image),
        config=types.GenerateVideosConfig(
            number_of_videos=3,
            aspect_ratio="9:16",
            duration_seconds=8,
            person_generation="allow_adult",
        ),
    )
    operation = wait(client, operation)
    videos = operation.response.generated_videos
    assert len(videos) == 3
    clips = [client.files.download(file=generated.video) for generated in videos]
    assert len(set(clips)) == 3
    for clip in clips:
        video = probe_video(clip)
        assert (video.width, video.height) == (180, 320)
        assert video.duration == pytest.approx(8, abs=0.2)

    # Last frame and reference images, on the model that takes them.
    operation = client.models.generate_videos(
        model="veo-3.1-generate-preview",
        source=types.GenerateVideosSource(prompt="Product turntable", image=image),
        config=types.GenerateVideosConfig(
            aspect_ratio="16:9",
            duration_seconds=8,
            last_frame=image,
            reference_images=[
                types.VideoGenerationReferenceImage(image=image, reference_type="ASSET")
            ],
            person_generation="allow_adult",
        ),
    )
    operation = wait(client, operation)
    assert len(operation.response.generated_videos) == 1


def test_invalid_arguments_and_bad_key(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    with pytest.raises(errors.ClientError, match="requires durationSeconds 8") as caught:
        client.models.generate_videos(
            model="veo-3.1-generate-preview",
            source=types.GenerateVideosSource(prompt="x"),
            config=types.GenerateVideosConfig(duration_seconds=4, resolution="1080p"),
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"

    bad_client = make_client(sandbox, key="AIzaWrong")
    with pytest.raises(errors.ClientError, match="API key not valid") as caught:
        list(bad_client.models.list())
    assert caught.value.code == 400


def test_safety_filtered_job(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    operation = client.models.generate_videos(
        model="veo-3.1-fast-generate-preview",
        source=types.GenerateVideosSource(prompt="something [sandbox:safety]"),
    )
    operation = wait(client, operation)
    assert not operation.response.generated_videos
    assert operation.response.rai_media_filtered_count == 1
    assert "not been charged" in operation.response.rai_media_filtered_reasons[0]
