"""Every prompt-marker scenario and validation rule of the fake Gemini/Veo API, over httpx."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.testing import SandboxProcess, probe_video
from tests.helpers import png_b64

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


def submit_response(
    api: httpx.Client,
    prompt: str = "x",
    model: str = "veo-3.1-generate-sandbox",
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
    assert re.fullmatch(r"models/veo-3\.1-generate-sandbox/operations/[a-z0-9]+", name)
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


def test_sdk_shaped_images_are_accepted(api: httpx.Client, sandbox: SandboxProcess) -> None:
    data = png_b64((10, 20, 200))
    image = {"bytesBase64Encoded": data, "mimeType": "image/png"}
    name = submit(
        api,
        instance={"image": image, "lastFrame": image},
        durationSeconds="8",
        aspectRatio="9:16",
        personGeneration="allow_adult",
        negativePrompt="text",
        sampleCount=1,
    )
    [file_id] = file_ids(finish(api, name))
    video = probe_video(download(api, file_id, follow_redirects=True).content)
    assert (video.width, video.height) == (180, 320)
    request = sandbox.stats()["jobs"][job_id(name)]["request"]
    size = len(base64.b64decode(data))
    assert request["instances"][0]["image"] == {
        "bytesBase64Encoded": f"<image/png {size} bytes>",
        "mimeType": "image/png",
    }
    assert request["parameters"]["negativePrompt"] == "text"


def test_three_reference_images_arrive(api: httpx.Client, sandbox: SandboxProcess) -> None:
    reference = {
        "image": {"bytesBase64Encoded": png_b64((10, 20, 200)), "mimeType": "image/png"},
        "referenceType": "ASSET",
    }
    name = submit(api, "The bottle on a beach", instance={"referenceImages": [reference] * 3})
    stats = sandbox.stats()["jobs"][job_id(name)]
    assert len(stats["request"]["instances"][0]["referenceImages"]) == 3
    assert stats["details"]["reference_images"] == 3
    assert finish(api, name)["done"] is True


def test_extension_of_an_earlier_output(api: httpx.Client, sandbox: SandboxProcess) -> None:
    first = finish(api, submit(api, "A fox runs", durationSeconds=6))
    [file_id] = file_ids(first)
    uri = first["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    name = submit(api, "The fox jumps", instance={"video": {"uri": uri}}, durationSeconds=8)
    assert sandbox.stats()["jobs"][job_id(name)]["parent"] == job_id(first["name"])
    [extended] = file_ids(finish(api, name))
    video = probe_video(download(api, extended, follow_redirects=True).content)
    assert video.duration == pytest.approx(13, abs=0.2)  # 6 s + 7 s
    assert file_id != extended

    gone = finish(api, submit(api, "x [sandbox:gone]"))
    gone_uri = gone["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    refused = submit_response(api, instance={"video": {"uri": gone_uri}})
    assert refused.status_code == 400
    assert "no longer available" in refused.json()["error"]["message"]
    other = httpx.post(
        f"{sandbox.gemini_base_url}/v1beta/models/veo-3.1-generate-sandbox:predictLongRunning",
        json={"instances": [{"prompt": "x", "video": {"uri": uri}}]},
        headers={"x-goog-api-key": "AIzaSandbox-someone-else"},
    )
    assert other.status_code == 400
    assert "does not name a video generated by Veo for this project" in other.text


def test_v1_paths_work_too(api: httpx.Client) -> None:
    name = submit(api, version="v1")
    assert api.get(f"/v1/{name}").status_code == 200
    assert api.get("/v1/models").status_code == 200


IMAGE = {"bytesBase64Encoded": "iVBORw0KGgo=", "mimeType": "image/png"}
ASSET = {"image": IMAGE, "referenceType": "ASSET"}
VIDEO = {"uri": "https://generativelanguage.googleapis.com/v1beta/files/nothere:download?alt=media"}


@pytest.mark.parametrize(
    ("instance", "parameters", "message"),
    [
        ({}, {"durationSeconds": 5}, "The value for durationSeconds (5) is not supported"),
        (
            {},
            {"durationSeconds": 6, "resolution": "4k"},
            "Resolution 4k requires durationSeconds 8.",
        ),
        (
            {},
            {"durationSeconds": 4, "resolution": "1080p"},
            "Resolution 1080p requires durationSeconds 8.",
        ),
        ({}, {"resolution": "4K"}, "Resolution 4K is not supported"),
        ({}, {"resolution": "480p"}, "Resolution 480p is not supported"),
        ({}, {"aspectRatio": "1:1"}, "Aspect ratio 1:1 is not supported"),
        ({"lastFrame": IMAGE}, {}, "lastFrame requires image (the first frame)."),
        (
            {"image": IMAGE, "lastFrame": IMAGE},
            {"durationSeconds": 6},
            "lastFrame (interpolation) requires durationSeconds 8.",
        ),
        (
            {"referenceImages": [ASSET]},
            {"durationSeconds": 4},
            "Reference images require durationSeconds 8.",
        ),
        ({"referenceImages": [ASSET] * 4}, {}, "At most 3 reference images"),
        (
            {"referenceImages": [{"image": IMAGE, "referenceType": "asset"}]},
            {},
            "referenceImages[0].referenceType must be ASSET on the Gemini API, got 'asset'.",
        ),
        ({"referenceImages": [{"image": IMAGE, "referenceType": "STYLE"}]}, {}, "must be ASSET"),
        ({"referenceImages": [{"image": IMAGE}]}, {}, "must be ASSET"),
        (
            {"referenceImages": [ASSET], "image": IMAGE},
            {},
            "referenceImages cannot be combined with image or lastFrame.",
        ),
        ({"prompt": None, "referenceImages": [ASSET], "image": IMAGE}, {}, "cannot be combined"),
        ({"video": VIDEO}, {"durationSeconds": 6}, "Video extension requires durationSeconds 8."),
        (
            {"video": VIDEO},
            {"resolution": "1080p"},
            "Video extension is only supported at 720p, not 1080p.",
        ),
        ({"video": VIDEO, "image": IMAGE}, {}, "video (extension) cannot be combined with image"),
        ({"video": VIDEO}, {}, "does not name a video generated by Veo for this project"),
        (
            {"video": {"encodedVideo": "AAAA", "encoding": "video/mp4"}},
            {},
            "`encodedVideo` isn't supported by this model.",
        ),
        (
            {"image": {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}}},
            {},
            "`inlineData` isn't supported by this model.",
        ),
        (
            {"image": {"gcsUri": "gs://bucket/a.png", "mimeType": "image/png"}},
            {},
            "`gcsUri` isn't supported by this model.",
        ),
        ({}, {"numberOfVideos": 1}, "`numberOfVideos` isn't supported by this model."),
        ({}, {"seed": 42}, "`seed` isn't supported by this model."),
        ({}, {"generateAudio": False}, "`generateAudio` isn't supported by this model."),
        ({}, {"fps": 24}, "`fps` isn't supported by this model."),
        ({}, {"storageUri": "gs://bucket/out/"}, "`storageUri` isn't supported by this model."),
        ({}, {"sampleCount": 2}, "sampleCount must be 1 for veo-3.1-generate-sandbox"),
        (
            {},
            {"numberOfClips": 2},
            "Unknown name \"numberOfClips\" at 'parameters': Cannot find field.",
        ),
        ({"negative": "x"}, {}, "Unknown name \"negative\" at 'instances[0]'"),
        (
            {"image": IMAGE},
            {"personGeneration": "allow_all"},
            "allow_all for personGeneration is not supported with image inputs",
        ),
        ({}, {"personGeneration": "everyone"}, "Invalid personGeneration value: everyone."),
        ({"image": {"mimeType": "image/png"}}, {}, "image bytes are required"),
        ({"image": {**IMAGE, "mimeType": "text/html"}}, {}, "unsupported mimeType text/html"),
        ({"prompt": None}, {}, "A prompt or an image is required."),
    ],
)
def test_invalid_arguments(
    api: httpx.Client,
    instance: dict[str, Any],
    parameters: dict[str, Any],
    message: str,
) -> None:
    instance = {"prompt": "x", **instance}
    instance = {name: value for name, value in instance.items() if value is not None}
    body = {"instances": [instance], "parameters": parameters}
    response = api.post("/v1beta/models/veo-3.1-generate-sandbox:predictLongRunning", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["status"] == "INVALID_ARGUMENT"
    assert message in error["message"]


def test_restricted_project_refuses_people(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.gemini_base_url}/v1beta/models/veo-3.1-generate-sandbox:predictLongRunning"
    headers = {"x-goog-api-key": "AIzaSandbox-restricted-eu"}
    for value in ("allow_adult", "allow_all"):
        body = {"instances": [{"prompt": "x"}], "parameters": {"personGeneration": value}}
        response = httpx.post(url, json=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": 400,
            "message": f"{value} for personGeneration is currently not supported.",
            "status": "INVALID_ARGUMENT",
        }
    body = {"instances": [{"prompt": "x"}], "parameters": {"personGeneration": "dont_allow"}}
    assert httpx.post(url, json=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "model",
    [
        "veo-2.0-generate-001",
        "veo-3.0-generate-001",
        "veo-3.0-fast-generate-001",
        "veo-3.1-generate-preview",
        "veo-3.1-fast-generate-preview",
        "veo-3.1-lite-generate-preview",
    ],
)
def test_retired_veo_ids_answer_404(api: httpx.Client, model: str) -> None:
    response = submit_response(api, model=model)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": 404,
        "message": f"models/{model} is no longer available. Please use gemini-omni-1.1-flash "
        "instead.",
        "status": "NOT_FOUND",
    }


@pytest.mark.parametrize("model", ["gemini-omni-1.1-flash", "gemini-omni-1.2-flash"])
def test_omni_only_through_interactions(api: httpx.Client, model: str) -> None:
    for path in (f"{model}:predictLongRunning", f"{model}:generateContent"):
        response = api.post(f"/v1beta/models/{path}", json={"instances": [{"prompt": "x"}]})
        assert response.status_code == 400
        assert response.json()["error"]["message"] == "This model only supports Interactions API."
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_safety_submit_marker(api: httpx.Client) -> None:
    response = submit_response(api, "x [sandbox:safety-submit]")
    assert response.status_code == 400
    assert "SAFETY" in response.json()["error"]["message"]


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
    assert "models/veo-3.1-generate-sandbox" in names
    assert "models/veo-3.0-generate-001" in names  # retired, still listed
    assert "models/veo-3.1-generate-preview" not in names
    assert "models/veo-2.0-generate-001" not in names
    assert "nextPageToken" not in rest
