"""Every prompt-marker scenario and validation rule of the fake Gemini/Veo API, over httpx."""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from sandbox.testing import SandboxProcess, probe_video

KEY = "AIzaSandbox-scenarios"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.3", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"x-goog-api-key": KEY}
    with httpx.Client(base_url=sandbox.gemini_base_url, headers=headers, timeout=30) as client:
        yield client


def png_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 18), (10, 20, 200)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def submit_response(
    api: httpx.Client,
    prompt: str = "x",
    model: str = "veo-3.1-fast-generate-preview",
    instance: dict[str, Any] | None = None,
    version: str = "v1beta",
    **parameters: Any,
) -> httpx.Response:
    body = {"instances": [{"prompt": prompt, **(instance or {})}], "parameters": parameters}
    return api.post(f"/{version}/models/{model}:predictLongRunning", json=body)


def submit(api: httpx.Client, prompt: str = "x", **kwargs: Any) -> str:
    response = submit_response(api, prompt, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["name"]


def finish(api: httpx.Client, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = api.get(f"/v1beta/{name}")
        if response.status_code == 200 and response.json().get("done"):
            return response.json()
        time.sleep(0.05)
    raise AssertionError("operation never finished")


def file_ids(operation: dict[str, Any]) -> list[str]:
    samples = operation["response"]["generateVideoResponse"]["generatedSamples"]
    return [re.fullmatch(FILE_URI, sample["video"]["uri"]).group(1) for sample in samples]


FILE_URI = (
    r"https://generativelanguage\.googleapis\.com/v1beta/files/([a-z0-9]+):download\?alt=media"
)


def download(api: httpx.Client, file_id: str, **kwargs: Any) -> httpx.Response:
    return api.get(f"/v1beta/files/{file_id}:download", params={"alt": "media"}, **kwargs)


def job_id(name: str) -> str:
    return name.rsplit("/", 1)[1]


def test_pending_operation_is_just_its_name(api: httpx.Client) -> None:
    name = submit(api, "x [sandbox:slow=5]")
    assert re.fullmatch(r"models/veo-3\.1-fast-generate-preview/operations/[a-z0-9]+", name)
    assert api.get(f"/v1beta/{name}").json() == {"name": name}


def test_done_operation_shape(api: httpx.Client) -> None:
    operation = finish(api, submit(api))
    assert operation["done"] is True
    response = operation["response"]
    assert response["@type"].endswith("PredictLongRunningResponse")
    assert len(file_ids(operation)) == 1


def test_fail(api: httpx.Client) -> None:
    operation = finish(api, submit(api, "x [sandbox:fail]"))
    assert "response" not in operation
    assert operation["error"]["code"] == 13
    assert operation["error"]["message"]


def test_safety(api: httpx.Client) -> None:
    operation = finish(api, submit(api, "x [sandbox:safety]"))
    video_response = operation["response"]["generateVideoResponse"]
    assert "generatedSamples" not in video_response
    assert video_response["raiMediaFilteredCount"] == 1
    assert video_response["raiMediaFilteredReasons"][0].endswith(
        "You have not been charged for this attempt."
    )


@pytest.mark.parametrize("marker", ["gone", "expire"])
def test_gone_files_answer_404(api: httpx.Client, marker: str) -> None:
    [file_id] = file_ids(finish(api, submit(api, f"x [sandbox:{marker}]")))
    response = download(api, file_id)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"


def test_429_submit(api: httpx.Client, sandbox: SandboxProcess) -> None:
    limited = submit_response(api, "x [sandbox:429-submit]")
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert submit_response(api, "x [sandbox:429-submit]").status_code == 200


def test_500_submit(api: httpx.Client) -> None:
    failed = submit_response(api, "x [sandbox:500-submit]")
    assert failed.status_code == 500
    assert failed.json()["error"]["status"] == "INTERNAL"
    assert submit_response(api, "x [sandbox:500-submit]").status_code == 200


@pytest.mark.parametrize(
    ("marker", "status"), [("429-poll", "RESOURCE_EXHAUSTED"), ("500-poll", "INTERNAL")]
)
def test_poll_faults(api: httpx.Client, sandbox: SandboxProcess, marker: str, status: str) -> None:
    name = submit(api, f"x [sandbox:{marker}]")
    first = api.get(f"/v1beta/{name}")
    assert first.json()["error"]["status"] == status
    assert api.get(f"/v1beta/{name}").status_code == 200
    assert sandbox.stats()["jobs"][job_id(name)]["polls"] == 2


def test_500_download(api: httpx.Client) -> None:
    [file_id] = file_ids(finish(api, submit(api, "x [sandbox:500-download]")))
    assert download(api, file_id).status_code == 500
    assert download(api, file_id, follow_redirects=True).status_code == 200


def test_download_redirects_to_another_host(api: httpx.Client, sandbox: SandboxProcess) -> None:
    name = submit(api, "redirected")
    [file_id] = file_ids(finish(api, name))
    redirect = download(api, file_id)
    assert redirect.status_code == 302
    location = redirect.headers["location"]
    assert location.startswith(sandbox.url.replace("127.0.0.1", "localhost"))
    # A careful client drops the key when the host changes; the sandbox records what arrived.
    served = httpx.get(location)
    assert probe_video(served.content).duration == pytest.approx(8, abs=0.2)
    hits = [hit for hit in sandbox.stats()["off_origin_requests"] if hit["job_id"] == job_id(name)]
    assert hits[-1]["credential_headers"] == []


def test_download_on_localhost_is_served_directly_with_ranges(
    api: httpx.Client, sandbox: SandboxProcess
) -> None:
    [file_id] = file_ids(finish(api, submit(api, "direct")))
    url = f"{sandbox.url.replace('127.0.0.1', 'localhost')}/v1beta/files/{file_id}:download"
    whole = httpx.get(url, params={"alt": "media", "key": KEY})
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    part = httpx.get(url, params={"alt": "media", "key": KEY}, headers={"Range": "bytes=4-11"})
    assert part.status_code == 206
    assert part.content == whole.content[4:12] == b"ftypisom"


def test_broken_download_through_redirect(api: httpx.Client) -> None:
    [file_id] = file_ids(finish(api, submit(api, "x [sandbox:broken-download]")))
    with pytest.raises(httpx.RemoteProtocolError):
        download(api, file_id, follow_redirects=True)
    probe_video(download(api, file_id, follow_redirects=True).content)


def test_not_video_and_huge(api: httpx.Client) -> None:
    [page] = file_ids(finish(api, submit(api, "x [sandbox:not-video]")))
    response = download(api, page, follow_redirects=True)
    assert response.headers["content-type"] == "video/mp4"
    assert response.content.startswith(b"<!DOCTYPE html>")
    [huge] = file_ids(finish(api, submit(api, "x [sandbox:huge=5000000000]")))
    head = download(api, huge, follow_redirects=True, headers={"Range": "bytes=0-7"})
    assert head.headers["content-range"] == "bytes 0-7/5000000000"


def test_sample_count_on_multi_model_and_clips_marker(api: httpx.Client) -> None:
    four = finish(api, submit(api, model="veo-2.0-generate-001", sampleCount=4))
    assert len(file_ids(four)) == 4
    documented_spelling = finish(api, submit(api, model="veo-2.0-generate-001", numberOfVideos=2))
    assert len(file_ids(documented_spelling)) == 2
    by_marker = finish(api, submit(api, "x [sandbox:clips=3]", model="veo-2.0-generate-001"))
    ids = file_ids(by_marker)
    assert len(ids) == 3
    contents = {download(api, file_id, follow_redirects=True).content for file_id in ids}
    assert len(contents) == 3


def test_every_image_spelling_is_accepted(api: httpx.Client) -> None:
    data = png_b64()
    instance = {
        "image": {"inlineData": {"mimeType": "image/png", "data": data}},
        "lastFrame": {"bytesBase64Encoded": data, "mimeType": "image/png"},
        "referenceImages": [
            {
                "image": {"bytesBase64Encoded": data, "mimeType": "image/png"},
                "referenceType": "ASSET",
            },
            {
                "image": {"inlineData": {"mimeType": "image/png", "data": data}},
                "referenceType": "asset",
            },
        ],
    }
    name = submit(
        api,
        instance=instance,
        model="veo-3.1-generate-preview",
        durationSeconds="8",
        aspectRatio="9:16",
        personGeneration="allow_adult",
        negativePrompt="text",
    )
    [file_id] = file_ids(finish(api, name))
    video = probe_video(download(api, file_id, follow_redirects=True).content)
    assert (video.width, video.height) == (180, 320)


def test_v1_paths_work_too(api: httpx.Client) -> None:
    name = submit(api, version="v1")
    assert api.get(f"/v1/{name}").status_code == 200
    assert api.get("/v1/models").status_code == 200


IMAGE = {"bytesBase64Encoded": "iVBORw0KGgo=", "mimeType": "image/png"}


@pytest.mark.parametrize(
    ("model", "instance", "parameters", "message"),
    [
        ("veo-3.1-generate-preview", {}, {"durationSeconds": 5}, "durationSeconds (5)"),
        ("veo-3.1-generate-preview", {}, {"durationSeconds": 6, "resolution": "4k"}, "requires"),
        ("veo-3.1-lite-generate-preview", {}, {"resolution": "4k"}, "Resolution 4k"),
        ("veo-3.1-generate-preview", {}, {"aspectRatio": "1:1"}, "Aspect ratio 1:1"),
        ("veo-3.0-generate-001", {}, {"durationSeconds": 4}, "durationSeconds (4)"),
        (
            "veo-3.0-generate-001",
            {},
            {"resolution": "1080p", "aspectRatio": "9:16"},
            "only with aspect ratio 16:9",
        ),
        ("veo-3.0-generate-001", {"image": IMAGE, "lastFrame": IMAGE}, {}, "lastFrame"),
        (
            "veo-3.1-lite-generate-preview",
            {"referenceImages": [{"image": IMAGE, "referenceType": "asset"}]},
            {},
            "referenceImages is not supported",
        ),
        (
            "veo-3.1-generate-preview",
            {"referenceImages": [{"image": IMAGE, "referenceType": "asset"}]},
            {"durationSeconds": 4},
            "Reference images require durationSeconds 8",
        ),
        (
            "veo-3.1-generate-preview",
            {"referenceImages": [{"image": IMAGE, "referenceType": "asset"}] * 4},
            {},
            "At most 3",
        ),
        (
            "veo-3.1-generate-preview",
            {"referenceImages": [{"image": IMAGE, "referenceType": "style"}]},
            {},
            "referenceType",
        ),
        ("veo-3.1-generate-preview", {}, {"sampleCount": 2}, "sampleCount must be between 1 and 1"),
        ("veo-2.0-generate-001", {}, {"sampleCount": 5}, "between 1 and 4"),
        ("veo-3.1-generate-preview", {}, {"numberOfClips": 2}, 'Unknown name "numberOfClips"'),
        (
            "veo-3.1-generate-preview",
            {"image": IMAGE},
            {"personGeneration": "allow_all"},
            "allow_all",
        ),
        ("veo-3.1-generate-preview", {"image": {"mimeType": "image/png"}}, {}, "bytes"),
        ("veo-3.1-generate-preview", {"image": {**IMAGE, "mimeType": "text/html"}}, {}, "mime"),
    ],
)
def test_invalid_arguments(
    api: httpx.Client,
    model: str,
    instance: dict[str, Any],
    parameters: dict[str, Any],
    message: str,
) -> None:
    response = submit_response(api, model=model, instance=instance, **parameters)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["status"] == "INVALID_ARGUMENT"
    assert message in error["message"]


def test_non_video_model_cannot_predict(api: httpx.Client) -> None:
    response = submit_response(api, model="gemini-2.5-flash")
    assert response.status_code == 404
    assert "not supported for predictLongRunning" in response.json()["error"]["message"]


def test_keys(sandbox: SandboxProcess) -> None:
    models = f"{sandbox.url}/v1beta/models"
    assert httpx.get(models, params={"key": KEY}).status_code == 200
    assert httpx.get(models).json()["error"]["status"] == "PERMISSION_DENIED"
    bad = httpx.get(models, headers={"x-goog-api-key": "AIzaNotSandbox"})
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["message"] == "API key not valid. Please pass a valid API key."
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["reason"] == "API_KEY_INVALID"


def test_models_pagination(api: httpx.Client) -> None:
    first = api.get("/v1beta/models", params={"pageSize": 4}).json()
    assert len(first["models"]) == 4
    rest = api.get("/v1beta/models", params={"pageToken": first["nextPageToken"]}).json()
    names = [model["name"] for model in first["models"] + rest["models"]]
    assert "models/veo-3.1-generate-preview" in names
    assert "nextPageToken" not in rest
