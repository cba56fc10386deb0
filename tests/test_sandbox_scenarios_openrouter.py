"""Every prompt-marker scenario and every validation rule of the fake OpenRouter, over httpx."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import av
import httpx
import pytest

from sandbox.testing import SandboxProcess, probe_video
from tests.helpers import until_ended

KEY = "sk-or-v1-sandbox-scenarios"
GIB = 1024**3


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.3", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=sandbox.openrouter_base_url, headers=headers, timeout=30) as client:
        yield client


def submit(api: httpx.Client, prompt: str, **fields: Any) -> str:
    body = {"model": "google/veo-3.1-fast", "prompt": prompt, "duration": 4, **fields}
    response = api.post("/videos", json=body)
    assert response.status_code == 202, response.text
    return response.json()["id"]


def job_stats(sandbox: SandboxProcess, job_id: str) -> dict[str, Any]:
    return sandbox.stats()["jobs"][job_id]


def test_fail(api: httpx.Client) -> None:
    job = finish(api, submit(api, "x [sandbox:fail]"))
    assert job["status"] == "failed"
    assert isinstance(job["error"], str)
    assert "usage" not in job


def test_safety(api: httpx.Client) -> None:
    job = finish(api, submit(api, "x [sandbox:safety]"))
    assert job["status"] == "failed"
    assert "Content policy violation" in job["error"]


def test_expire(api: httpx.Client) -> None:
    job_id = submit(api, "x [sandbox:expire]")
    job = finish(api, job_id)
    assert job["status"] == "expired"
    assert "unsigned_urls" not in job
    assert api.get(f"/videos/{job_id}/content").status_code == 410


def test_gone(api: httpx.Client) -> None:
    job_id = submit(api, "x [sandbox:gone]")
    job = finish(api, job_id)
    assert job["status"] == "completed"
    response = api.get(job["unsigned_urls"][0])
    assert response.status_code == 410
    assert response.json()["error"]["code"] == 410


def test_429_submit_then_success_pays_once(api: httpx.Client, sandbox: SandboxProcess) -> None:
    key = "sk-or-v1-sandbox-429"
    body = {"model": "google/veo-3.1", "prompt": "x [sandbox:429-submit=2]", "duration": 4}
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(2):
        limited = api.post("/videos", json=body, headers=headers)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "2"
        assert limited.json() == {"error": {"code": 429, "message": "Rate limit exceeded"}}
    assert api.post("/videos", json=body, headers=headers).status_code == 202
    assert sandbox.stats()["submissions_by_key"]["openrouter"][key] == 1


def test_500_submit_creates_no_job(api: httpx.Client, sandbox: SandboxProcess) -> None:
    key = "sk-or-v1-sandbox-500"
    body = {"model": "google/veo-3.1", "prompt": "x [sandbox:500-submit]", "duration": 4}
    headers = {"Authorization": f"Bearer {key}"}
    assert api.post("/videos", json=body, headers=headers).status_code == 500
    assert key not in sandbox.stats()["submissions_by_key"].get("openrouter", {})
    assert api.post("/videos", json=body, headers=headers).status_code == 202


@pytest.mark.parametrize(("marker", "status"), [("429-poll", 429), ("500-poll", 500)])
def test_poll_faults(api: httpx.Client, sandbox: SandboxProcess, marker: str, status: int) -> None:
    job_id = submit(api, f"x [sandbox:{marker}=2]")
    for _ in range(2):
        response = api.get(f"/videos/{job_id}")
        assert response.status_code == status
        if status == 429:
            assert response.headers["retry-after"] == "2"
    assert api.get(f"/videos/{job_id}").status_code == 200
    assert job_stats(sandbox, job_id)["polls"] == 3


def test_500_download(api: httpx.Client, sandbox: SandboxProcess) -> None:
    job_id = submit(api, "x [sandbox:500-download]")
    url = finish(api, job_id)["unsigned_urls"][0]
    assert api.get(url).status_code == 500
    assert api.get(url).status_code == 200
    assert job_stats(sandbox, job_id)["downloads"] == 2


def test_slow(api: httpx.Client) -> None:
    job_id = submit(api, "x [sandbox:slow=2]")
    time.sleep(0.8)
    assert api.get(f"/videos/{job_id}").json()["status"] == "in_progress"
    assert finish(api, job_id)["status"] == "completed"


def test_broken_download_closes_half_way(api: httpx.Client) -> None:
    url = finish(api, submit(api, "x [sandbox:broken-download]"))["unsigned_urls"][0]
    with api.stream("GET", url) as response:
        expected = int(response.headers["content-length"])
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError):
            for chunk in response.iter_bytes():
                received.extend(chunk)
    assert 0 < len(received) < expected
    whole = api.get(url)
    assert len(whole.content) == expected
    probe_video(whole.content)


def test_not_video(api: httpx.Client) -> None:
    url = finish(api, submit(api, "x [sandbox:not-video]"))["unsigned_urls"][0]
    response = api.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "video/mp4"
    assert response.content.startswith(b"<!DOCTYPE html>")
    with pytest.raises(av.error.InvalidDataError):
        probe_video(response.content)


def test_huge_default_is_three_gib_and_range_capable(api: httpx.Client) -> None:
    url = finish(api, submit(api, "x [sandbox:huge]"))["unsigned_urls"][0]
    with api.stream("GET", url) as response:
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == 3 * GIB
        assert next(response.iter_bytes())[4:8] == b"ftyp"
    tail = api.get(url, headers={"Range": "bytes=-16"})
    assert tail.status_code == 206
    assert tail.headers["content-range"] == f"bytes {3 * GIB - 16}-{3 * GIB - 1}/{3 * GIB}"
    assert tail.content == bytes(16)


def test_huge_small_padding_stays_playable(api: httpx.Client) -> None:
    url = finish(api, submit(api, "x [sandbox:huge=2000000]"))["unsigned_urls"][0]
    data = api.get(url).content
    assert len(data) == 2_000_000
    assert probe_video(data).duration == pytest.approx(4, abs=0.2)


def test_signed_other_host_records_credentials(api: httpx.Client, sandbox: SandboxProcess) -> None:
    job_id = submit(api, "x [sandbox:signed-other-host]")
    job = finish(api, job_id)
    [signed] = job["urls"]
    assert signed.startswith(sandbox.url.replace("127.0.0.1", "localhost") + "/_sandbox/signed/")
    assert job["expires_at"] > time.time()
    assert probe_video(httpx.get(signed).content).frames > 0
    httpx.get(signed, headers={"Authorization": f"Bearer {KEY}"})
    hits = [hit for hit in sandbox.stats()["off_origin_requests"] if hit["job_id"] == job_id]
    assert [hit["credential_headers"] for hit in hits] == [[], ["authorization"]]


def test_unsigned_is_the_default(api: httpx.Client) -> None:
    for prompt in ("x", "x [sandbox:unsigned]"):
        job = finish(api, submit(api, prompt))
        assert "urls" not in job
        assert len(job["unsigned_urls"]) == 1


@pytest.mark.parametrize(
    ("prompt", "count"),
    [
        ("multi", 3),
        ("multi [sandbox:clips=2]", 2),
        ("multi [sandbox:clips=4]", 4),
        ("multi [sandbox:clips=9]", 4),
    ],
)
def test_clips(api: httpx.Client, prompt: str, count: int) -> None:
    job_id = submit(api, prompt, model="sandbox/multi-clip", duration=2)
    urls = finish(api, job_id)["unsigned_urls"]
    assert len(urls) == count
    assert len({api.get(url).content for url in urls}) == count


def test_clips_marker_is_ignored_by_single_output_models(api: httpx.Client) -> None:
    assert len(finish(api, submit(api, "x [sandbox:clips=3]"))["unsigned_urls"]) == 1


def test_ranges_and_accept_headers(api: httpx.Client) -> None:
    url = finish(api, submit(api, "ranges"))["unsigned_urls"][0]
    whole = api.get(url, headers={"Accept": "application/octet-stream"})
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    size = len(whole.content)
    for accept in ("application/json", "video/mp4", "*/*", "text/html"):
        assert api.get(url, headers={"Accept": accept}).content == whole.content
    part = api.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{size}"
    open_ended = api.get(url, headers={"Range": f"bytes={size - 5}-"})
    assert open_ended.content == whole.content[-5:]
    unsatisfiable = api.get(url, headers={"Range": f"bytes={size}-"})
    assert unsatisfiable.status_code == 416
    assert unsatisfiable.headers["content-range"] == f"bytes */{size}"


def test_content_needs_the_key(api: httpx.Client, sandbox: SandboxProcess) -> None:
    url = finish(api, submit(api, "x"))["unsigned_urls"][0]
    assert httpx.get(url).status_code == 401
    other_key = {"Authorization": "Bearer sk-or-v1-sandbox-someone-else"}
    assert httpx.get(url, headers=other_key).status_code == 404


def test_stats_count_polls_downloads_and_keys(api: httpx.Client, sandbox: SandboxProcess) -> None:
    job_id = submit(api, "counted")
    job = finish(api, job_id)
    api.get(job["unsigned_urls"][0])
    api.get(job["unsigned_urls"][0], headers={"Range": "bytes=0-9"})
    stats = job_stats(sandbox, job_id)
    assert stats["polls"] >= 1
    assert stats["downloads"] == 2
    assert stats["downloads_by_index"] == {"0": 2}
    assert stats["key"] == KEY
    assert stats["model"] == "google/veo-3.1-fast"


PNG_DATA_URL = "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"model": "acme/nope"}, "acme/nope is not a valid video model ID"),
        ({"model": "openai/sora-2-pro"}, "openai/sora-2-pro is not a valid video model ID"),
        ({"duration": 5}, "Duration 5s is not supported by google/veo-3.1-fast"),
        ({"model": "google/veo-3.1-lite", "resolution": "4K"}, "Resolution 4K is not supported"),
        ({"resolution": "4k"}, "Resolution 4k is not supported"),
        ({"aspect_ratio": "1:1"}, "Aspect ratio 1:1 is not supported"),
        ({"model": "x-ai/grok-imagine-video-1.5", "size": "1280x720", "duration": 6}, "size"),
        ({"size": "640x480"}, "Size 640x480 is not supported"),
        ({"size": "1280x720", "aspect_ratio": "9:16"}, "size 1280x720 contradicts"),
        (
            {"model": "runway/gen-4.5", "generate_audio": False, "duration": 5},
            "runway/gen-4.5 does not support generate_audio",
        ),
        (
            {"model": "kwaivgi/kling-v3.0-pro", "seed": 7, "duration": 5},
            "kwaivgi/kling-v3.0-pro does not support seed",
        ),
        (
            {
                "model": "runway/gen-4.5",
                "duration": 5,
                "frame_images": [
                    {
                        "type": "image_url",
                        "image_url": {"url": PNG_DATA_URL},
                        "frame_type": "last_frame",
                    }
                ],
            },
            "does not support last_frame images",
        ),
        ({"negative_prompt": "text"}, "Unrecognized key(s) in object: 'negative_prompt'"),
        ({"upscale_factor": 2}, "upscale_factor is not supported by google/veo-3.1-fast"),
        ({"creativity": 1}, "creativity is not supported by google/veo-3.1-fast"),
        ({"generate_audio": "no"}, "generate_audio: Expected boolean"),
        ({"callback_url": "http://example.com/hook"}, "callback_url must be an HTTPS URL"),
        ({"input_references": ["https://example.com/a.png"]}, "Expected object, received string"),
        (
            {"input_references": [{"type": "image_url", "image_url": {"url": "data:x;base64,%%"}}]},
            "invalid base64",
        ),
        ({"prompt": None}, "prompt is required"),
        ({"prompt": "x [sandbox:explode]"}, "Unknown sandbox marker [sandbox:explode]"),
    ],
)
def test_submit_validation(api: httpx.Client, fields: dict[str, Any], message: str) -> None:
    body = {"model": "google/veo-3.1-fast", "prompt": "x", **fields}
    body = {name: value for name, value in body.items() if value is not None}
    response = api.post("/videos", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
    assert message in response.json()["error"]["message"]


def test_submit_accepts_data_url_frames_and_references(api: httpx.Client) -> None:
    image = {"type": "image_url", "image_url": {"url": PNG_DATA_URL}}
    job_id = submit(
        api,
        "with images",
        model="google/veo-3.1",
        frame_images=[
            {**image, "frame_type": "first_frame"},
            {**image, "frame_type": "last_frame"},
        ],
        input_references=[image],
        generate_audio=False,
        seed=42,
        resolution="1080p",
        aspect_ratio="9:16",
        duration=8,
    )
    job = finish(api, job_id)
    assert job["status"] == "completed"
    video = probe_video(api.get(job["unsigned_urls"][0]).content)
    assert (video.width, video.height) == (180, 320)
    assert not video.has_audio


def test_key_endpoint_reflects_spend(api: httpx.Client) -> None:
    headers = {"Authorization": "Bearer sk-or-v1-sandbox-spender"}
    before = api.get("/key", headers=headers).json()["data"]
    assert before["usage"] == 0
    job_id = api.post(
        "/videos",
        json={"model": "google/veo-3.1", "prompt": "x", "duration": 4},
        headers=headers,
    ).json()["id"]
    deadline = time.monotonic() + 10
    while api.get(f"/videos/{job_id}", headers=headers).json()["status"] != "completed":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    after = api.get("/key", headers=headers).json()["data"]
    assert after["usage"] == pytest.approx(1.6)
    assert after["limit_remaining"] == pytest.approx(after["limit"] - 1.6)


def finish(api: httpx.Client, job_id: str) -> dict[str, Any]:
    return until_ended(api, f"/videos/{job_id}", ("pending", "in_progress"))
