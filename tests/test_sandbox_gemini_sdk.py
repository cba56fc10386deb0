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


MODEL = "veo-3.1-generate-sandbox"


def test_models_list_mixes_video_and_text_models(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)  # the pager needs its client alive while it iterates
    models = {model.name: model for model in client.models.list()}
    assert "generateContent" in models["models/gemini-2.5-flash"].supported_actions
    # Omni is listed, but its methods say nothing reliable about video.
    assert models["models/gemini-omni-1.1-flash"].supported_actions == [
        "generateContent",
        "countTokens",
    ]
    assert "models/gemini-omni-1.2-flash" in models
    assert models[f"models/{MODEL}"].supported_actions == ["predictLongRunning"]
    # Retired but still listed: clients filter it themselves.
    assert models["models/veo-3.0-generate-001"].supported_actions == ["predictLongRunning"]
    assert "models/veo-2.0-generate-001" not in models
    assert not [name for name in models if name.endswith("-generate-preview")]


def test_generate_poll_download(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="A lighthouse at dawn, waves crashing"),
        config=types.GenerateVideosConfig(
            aspect_ratio="16:9",
            duration_seconds=4,
            resolution="720p",
            negative_prompt="people",
            number_of_videos=1,
            enhance_prompt=True,
        ),
    )
    assert operation.name.startswith(f"models/{MODEL}/operations/")
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


def test_image_inputs_references_and_extension(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    image = types.Image(image_bytes=png(), mime_type="image/png")
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="Product turntable", image=image),
        config=types.GenerateVideosConfig(
            aspect_ratio="9:16",
            duration_seconds=8,
            last_frame=image,
            person_generation="allow_adult",
        ),
    )
    operation = wait(client, operation)
    [generated] = operation.response.generated_videos
    video = probe_video(client.files.download(file=generated.video))
    assert (video.width, video.height) == (180, 320)

    # Reference images, as the SDK spells them ("asset" becomes "ASSET").
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="The bottle on a beach"),
        config=types.GenerateVideosConfig(
            duration_seconds=8,
            reference_images=[
                types.VideoGenerationReferenceImage(image=image, reference_type="asset")
            ]
            * 3,
        ),
    )
    stats = sandbox.stats()["jobs"][operation.name.rsplit("/", 1)[1]]
    references = stats["request"]["instances"][0]["referenceImages"]
    assert [reference["referenceType"] for reference in references] == ["ASSET"] * 3
    assert len(wait(client, operation).response.generated_videos) == 1

    # Extension: the downloaded video (with its bytes) goes back in; the SDK keeps only the uri.
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="Keep turning", video=generated.video),
        config=types.GenerateVideosConfig(duration_seconds=8, resolution="720p"),
    )
    operation = wait(client, operation)
    [extended] = operation.response.generated_videos
    assert probe_video(client.files.download(file=extended.video)).duration == pytest.approx(
        15, abs=0.2
    )


def test_invalid_arguments_and_bad_key(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    with pytest.raises(errors.ClientError, match="requires durationSeconds 8") as caught:
        client.models.generate_videos(
            model=MODEL,
            source=types.GenerateVideosSource(prompt="x"),
            config=types.GenerateVideosConfig(duration_seconds=4, resolution="1080p"),
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"

    with pytest.raises(errors.ClientError, match="sampleCount must be 1"):
        client.models.generate_videos(
            model=MODEL,
            source=types.GenerateVideosSource(prompt="x"),
            config=types.GenerateVideosConfig(number_of_videos=2),
        )
    # Options the Gemini API refuses, the SDK already refuses before sending.
    with pytest.raises(ValueError, match="seed parameter is only supported"):
        client.models.generate_videos(
            model=MODEL,
            source=types.GenerateVideosSource(prompt="x"),
            config=types.GenerateVideosConfig(seed=3),
        )

    with pytest.raises(errors.ClientError, match="is no longer available") as caught:
        client.models.generate_videos(
            model="veo-3.1-generate-preview", source=types.GenerateVideosSource(prompt="x")
        )
    assert caught.value.code == 404
    with pytest.raises(errors.ClientError, match="only supports Interactions API"):
        client.models.generate_videos(
            model="gemini-omni-1.1-flash", source=types.GenerateVideosSource(prompt="x")
        )

    restricted = make_client(sandbox, key="AIzaSandbox-restricted")
    with pytest.raises(errors.ClientError, match="allow_adult for personGeneration is currently"):
        restricted.models.generate_videos(
            model=MODEL,
            source=types.GenerateVideosSource(prompt="x"),
            config=types.GenerateVideosConfig(person_generation="allow_adult"),
        )

    bad_client = make_client(sandbox, key="AIzaWrong")
    with pytest.raises(errors.ClientError, match="API key not valid") as caught:
        list(bad_client.models.list())
    assert caught.value.code == 400


def test_safety_filtered_job(sandbox: SandboxProcess) -> None:
    client = make_client(sandbox)
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="something [sandbox:safety]"),
    )
    operation = wait(client, operation)
    assert not operation.response.generated_videos
    assert operation.response.rai_media_filtered_count == 1
    assert "not been charged" in operation.response.rai_media_filtered_reasons[0]
