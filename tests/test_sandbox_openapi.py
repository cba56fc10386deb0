"""Every kind of OpenRouter response the sandbox sends validates against OpenRouter's OpenAPI spec.

The spec (tests/openapi/) is the August 2026 subset brought in line with what the `openrouter`
SDK 1.3.84 models (`urls`, `expires_at`, `previous_job_id`, `input_modalities`, 409/413 on
submit, 429 on poll, 409/410 on content), with job, usage and model objects closed so that an
undeclared field fails. Range replies (206/416) are not in the spec; the SDK checks below cover
the statuses it knows.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.response.exceptions import InvalidData
from openrouter import OpenRouter, errors
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sandbox.testing import SandboxProcess

SPEC = OpenAPI.from_file_path(str(Path(__file__).parent / "openapi/openrouter-videos-openapi.yaml"))
KEY = "sk-or-v1-sandbox-openapi"


class SpecRequest:
    """An httpx request as openapi-core sees it, moved onto the spec's server URL."""

    def __init__(self, request: httpx.Request) -> None:
        self.host_url = "https://openrouter.ai"
        self.path = request.url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(request.url.params.multi_items()),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class SpecResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(dict(response.headers))
        # openapi-core checks `type: string, format: binary` bodies as JSON-schema strings, so
        # binary bodies are handed over as text (every byte preserved).
        json_body = self.content_type.startswith("application/json")
        self.data = response.content if json_body else response.content.decode("latin-1")


def assert_conforms(response: httpx.Response) -> httpx.Response:
    SPEC.validate_response(SpecRequest(response.request), SpecResponse(response))
    return response


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.5", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {KEY}"}
    with httpx.Client(base_url=sandbox.openrouter_base_url, headers=headers) as client:
        yield client


def submit(api: httpx.Client, prompt: str, **fields: object) -> str:
    body = {"model": "google/veo-3.1", "prompt": prompt, "duration": 4, **fields}
    response = assert_conforms(api.post("/videos", json=body))
    assert response.status_code == 202
    return response.json()["id"]


def poll_until_done(api: httpx.Client, job_id: str) -> httpx.Response:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        response = assert_conforms(api.get(f"/videos/{job_id}"))
        if response.json()["status"] not in ("pending", "in_progress"):
            return response
        time.sleep(0.1)
    raise AssertionError("job never finished")


def test_models_and_key(api: httpx.Client) -> None:
    models = assert_conforms(api.get("/videos/models")).json()["data"]
    assert len(models) >= 5
    key = assert_conforms(api.get("/key")).json()["data"]
    assert key["label"] == "sk-or-v1-sa...api"
    assert key["is_free_tier"] is False
    assert_conforms(api.get("/key", headers={"Authorization": "Bearer sk-or-v1-nope"}))
    missing = assert_conforms(httpx.get(str(api.base_url.join("key"))))
    assert missing.json() == {"error": {"code": 401, "message": "Missing Authentication header"}}


def test_job_lifecycle_pending_in_progress_completed(api: httpx.Client) -> None:
    job_id = submit(api, "slow sunrise [sandbox:slow=2] [sandbox:signed-other-host]")
    first = assert_conforms(api.get(f"/videos/{job_id}")).json()
    assert first["status"] == "pending"
    time.sleep(1.0)
    assert assert_conforms(api.get(f"/videos/{job_id}")).json()["status"] == "in_progress"
    done = poll_until_done(api, job_id).json()
    assert done["status"] == "completed"
    assert done["urls"]
    assert done["expires_at"] > time.time()
    content = assert_conforms(api.get(f"/videos/{job_id}/content", params={"index": 0}))
    assert content.headers["content-type"] == "video/mp4"


def test_failed_and_expired_jobs(api: httpx.Client) -> None:
    failed, filtered, expired = (
        submit(api, f"x [sandbox:{marker}]") for marker in ("fail", "safety", "expire")
    )
    failed_job = poll_until_done(api, failed).json()
    assert failed_job["status"] == "failed"
    assert isinstance(failed_job["error"], str)
    filtered_job = poll_until_done(api, filtered).json()
    assert filtered_job["status"] == "failed"
    assert "Content policy" in filtered_job["error"]
    assert poll_until_done(api, expired).json()["status"] == "expired"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"model": "google/veo-9", "prompt": "x"}, 400),
        ({"model": "google/veo-3.1", "prompt": "x", "resolution": "480p"}, 400),
        ({"model": "google/veo-3.1", "prompt": "x [sandbox:429-submit]"}, 429),
        ({"model": "google/veo-3.1", "prompt": "x [sandbox:500-submit]"}, 500),
    ],
)
def test_submit_errors(api: httpx.Client, body: dict[str, object], status: int) -> None:
    response = assert_conforms(api.post("/videos", json=body))
    assert response.status_code == status
    assert response.json()["error"]["code"] == status


def test_submit_auth_and_credit_errors(sandbox: SandboxProcess) -> None:
    url = f"{sandbox.openrouter_base_url}/videos"
    body = {"model": "google/veo-3.1", "prompt": "x"}
    missing = assert_conforms(httpx.post(url, json=body))
    assert missing.status_code == 401
    broke = {"Authorization": "Bearer sk-or-v1-sandbox-nocredit"}
    assert assert_conforms(httpx.post(url, json=body, headers=broke)).status_code == 402


def test_poll_and_content_errors(api: httpx.Client) -> None:
    assert assert_conforms(api.get("/videos/gen-vid-0-unknown")).status_code == 404
    assert assert_conforms(api.get("/videos/gen-vid-0-unknown/content")).status_code == 404
    job_id = submit(api, "x [sandbox:500-poll]")
    assert assert_conforms(api.get(f"/videos/{job_id}")).status_code == 500
    done_id = submit(api, "x")
    poll_until_done(api, done_id)
    assert assert_conforms(api.get(f"/videos/{done_id}/content?index=x")).status_code == 400
    assert assert_conforms(api.get(f"/videos/{done_id}/content?index=7")).status_code == 404
    anonymous = httpx.get(str(api.base_url.join(f"videos/{done_id}/content")))
    assert assert_conforms(anonymous).status_code == 401


def test_statuses_beyond_the_spec_are_ones_the_sdk_knows(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    with OpenRouter(api_key=KEY, server_url=sandbox.openrouter_base_url) as sdk:
        running = submit(api, "x [sandbox:slow=30]")
        with pytest.raises(errors.ConflictResponseError):
            sdk.video_generation.get_video_content(job_id=running, index=0)
        gone = submit(api, "x [sandbox:gone]")
        poll_until_done(api, gone)
        with pytest.raises(errors.GoneResponseError):
            sdk.video_generation.get_video_content(job_id=gone, index=0)


def test_models_declare_input_modalities(api: httpx.Client) -> None:
    models = assert_conforms(api.get("/videos/models")).json()["data"]
    assert all(model["input_modalities"] for model in models)


def test_continuations_and_their_refusals_conform(api: httpx.Client) -> None:
    done = submit(api, "first")
    poll_until_done(api, done)
    body = {"model": "google/veo-3.1", "prompt": "more", "duration": 8, "previous_job_id": done}
    assert assert_conforms(api.post("/videos", json=body)).status_code == 202
    short = {**body, "duration": 4}  # Veo extends by 8 s only
    assert assert_conforms(api.post("/videos", json=short)).status_code == 400
    running = submit(api, "x [sandbox:slow=30]")
    conflict = {**body, "previous_job_id": running}
    assert assert_conforms(api.post("/videos", json=conflict)).status_code == 409
    unknown = {**body, "previous_job_id": "gen-vid-0-unknown"}
    assert assert_conforms(api.post("/videos", json=unknown)).status_code == 404


def oversized_submit(sandbox: SandboxProcess) -> httpx.Response:
    """A submit announcing a body over 50 MiB, of which nothing is sent: the 413 comes anyway.

    (Sending the 50 MiB as well races the server's close against the upload on a loaded
    machine: the answer is the same, but a client may see the reset first.)"""
    host, port = sandbox.url.removeprefix("http://").split(":")
    length = 50 * 1024 * 1024 + 1
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        connection.sendall(
            f"POST /api/v1/videos HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        reply = b""
        while piece := connection.recv(65536):
            reply += piece
    head, _, payload = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    request = httpx.Request(
        "POST",
        f"{sandbox.openrouter_base_url}/videos",
        headers={"Content-Type": "application/json"},
    )
    return httpx.Response(
        int(status_line.split()[1]), headers=headers, content=payload, request=request
    )


def test_413_and_poll_429_conform(api: httpx.Client, sandbox: SandboxProcess) -> None:
    assert assert_conforms(oversized_submit(sandbox)).status_code == 413
    job_id = submit(api, "x [sandbox:429-poll]")
    assert assert_conforms(api.get(f"/videos/{job_id}")).status_code == 429


def test_signed_expired_job_conforms(api: httpx.Client) -> None:
    done = poll_until_done(api, submit(api, "x [sandbox:signed-expired]")).json()
    assert done["expires_at"] < time.time()
    assert all(isinstance(url, str) for url in done["urls"])


def test_undocumented_status_and_fields_fail_validation(api: httpx.Client) -> None:
    job_id = submit(api, "x [sandbox:odd-status]")
    odd = api.get(f"/videos/{job_id}")
    assert odd.json()["status"] == "queued_upstream"
    with pytest.raises(InvalidData):
        assert_conforms(odd)
    # The closed job schema catches a field the spec does not declare.
    done = poll_until_done(api, submit(api, "x"))
    tampered = httpx.Response(
        200,
        json={**done.json(), "download_url": "https://example.com/x.mp4"},
        request=done.request,
    )
    with pytest.raises(InvalidData):
        assert_conforms(tampered)
