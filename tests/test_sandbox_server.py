"""The sandbox process itself: start-up line, key configuration, control endpoints, routing."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from sandbox.testing import SandboxProcess, probe_video
from tests.helpers import wait_for


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    cache = tmp_path_factory.getbasetemp() / "sandbox-clips"
    with SandboxProcess("--job-seconds", "0.3", "--quiet", "--cache-dir", str(cache)) as process:
        yield process


def test_prints_exactly_one_line_with_its_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--host", "127.0.0.1", "--quiet"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert re.fullmatch(r"sandbox listening on http://127\.0\.0\.1:\d+\n", line)
        url = line.split()[-1]
        assert httpx.get(f"{url}/_sandbox/stats").status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stdout.read() == ""
    process.stdout.close()


def test_configured_keys_replace_the_prefix_rule() -> None:
    with SandboxProcess(
        "--quiet",
        "--openrouter-keys",
        "sk-or-v1-real-looking-1,sk-or-v1-real-looking-2",
        env={"SANDBOX_GEMINI_KEYS": "AIzaConfigured"},
    ) as process:
        key_url = f"{process.openrouter_base_url}/key"
        for key, status in [
            ("sk-or-v1-real-looking-2", 200),
            ("sk-or-v1-sandbox-default", 401),
        ]:
            response = httpx.get(key_url, headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == status
        models = f"{process.gemini_base_url}/v1beta/models"
        assert httpx.get(models, headers={"x-goog-api-key": "AIzaConfigured"}).status_code == 200
        assert httpx.get(models, headers={"x-goog-api-key": "AIzaSandboxX"}).status_code == 400


def test_reset_clears_jobs_and_counters(sandbox: SandboxProcess) -> None:
    headers = {"Authorization": "Bearer sk-or-v1-sandbox-reset"}
    body = {"model": "google/veo-3.1", "prompt": "x", "duration": 4}
    response = httpx.post(f"{sandbox.openrouter_base_url}/videos", json=body, headers=headers)
    job_id = response.json()["id"]
    assert sandbox.stats()["submissions"]["openrouter"] >= 1
    sandbox.reset()
    stats = sandbox.stats()
    assert stats["submissions"] == {}
    assert stats["jobs"] == {}
    assert stats["off_origin_requests"] == []
    gone = httpx.get(f"{sandbox.openrouter_base_url}/videos/{job_id}", headers=headers)
    assert gone.status_code == 404


def test_unknown_routes_answer_in_each_providers_style(sandbox: SandboxProcess) -> None:
    openrouter = httpx.get(f"{sandbox.url}/api/v1/nothing")
    assert openrouter.json() == {"error": {"code": 404, "message": "Not Found"}}
    gemini = httpx.get(f"{sandbox.url}/v1beta/nothing")
    assert gemini.json()["error"]["status"] == "NOT_FOUND"
    wrong_method = httpx.delete(f"{sandbox.openrouter_base_url}/videos/models")
    assert wrong_method.status_code == 405
    assert httpx.post(f"{sandbox.openrouter_base_url}/videos", content=b"{").status_code == 401


def test_parallel_downloads_of_one_job(sandbox: SandboxProcess) -> None:
    headers = {"Authorization": "Bearer sk-or-v1-sandbox-parallel"}
    with httpx.Client(base_url=sandbox.openrouter_base_url, headers=headers) as api:
        body = {
            "model": "sandbox/multi-clip",
            "prompt": "parallel [sandbox:clips=4]",
            "duration": 2,
        }
        job_id = api.post("/videos", json=body).json()["id"]
        while (job := api.get(f"/videos/{job_id}").json())["status"] != "completed":
            time.sleep(0.05)
        urls = job["unsigned_urls"] * 3
        with ThreadPoolExecutor(max_workers=6) as pool:
            bodies = list(pool.map(lambda url: api.get(url).content, urls))
    assert len(set(bodies)) == 4
    for content in set(bodies):
        assert probe_video(content).frames == 24
    assert sandbox.stats()["jobs"][job_id]["downloads"] == 12


def test_a_slow_sandbox_lists_each_request_in_flight_with_its_client_port(tmp_path) -> None:
    # --latency holds every submit and poll, --download-rate paces downloads; while they are
    # being answered /_sandbox/inflight names each one and the port it came from.
    args = ["--job-seconds", "0.2", "--latency", "1.5", "--download-rate", "50000", "--quiet"]
    with (
        SandboxProcess(*args, "--cache-dir", str(tmp_path)) as slow,
        httpx.Client(
            base_url=slow.openrouter_base_url,
            headers={"Authorization": "Bearer sk-or-v1-sandbox-slow"},
        ) as api,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):

        def in_flight() -> list[dict]:
            return httpx.get(f"{slow.url}/_sandbox/inflight").json()["requests"]

        body = {"model": "sandbox/multi-clip", "prompt": "slow [sandbox:clips=1]", "duration": 2}
        submitted = pool.submit(api.post, "/videos", json=body)
        wait_for(lambda: len(in_flight()) == 1, timeout=5)  # it has reached the sandbox
        [submit] = in_flight()
        assert submit["kind"] == "submit" and submit["path"] == "/api/v1/videos"
        started = time.monotonic()
        job_id = submitted.result().json()["id"]
        assert time.monotonic() - started > 0.1  # it was still being held
        wait_for(lambda: in_flight() == [], timeout=5)

        polled = pool.submit(api.get, f"/videos/{job_id}")
        wait_for(lambda: len(in_flight()) == 1, timeout=5)
        assert [request["kind"] for request in in_flight()] == ["poll"]
        while polled.result().json()["status"] != "completed":
            polled = pool.submit(api.get, f"/videos/{job_id}")

        started = time.monotonic()
        with api.stream("GET", f"/videos/{job_id}/content") as download:
            [held] = in_flight()
            assert held["kind"] == "download"
            assert (
                held["client_port"]
                == download.extensions["network_stream"].get_extra_info("client_addr")[1]
            )
            size = sum(len(chunk) for chunk in download.iter_raw())
        assert time.monotonic() - started >= size / 50000 * 0.8
        wait_for(lambda: in_flight() == [], timeout=5)
