"""Run the sandbox as a real subprocess from tests and demos.

with SandboxProcess("--job-seconds", "1") as sandbox:
    client = OpenRouter(api_key="sk-or-v1-sandbox-demo", server_url=sandbox.openrouter_base_url)
    ...
    assert sandbox.stats()["submissions"]["openrouter"] == 1
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any, Self

import av
import httpx

READY_PREFIX = "sandbox listening on "


class SandboxProcess:
    """Starts ``python -m sandbox --port 0 *args`` and stops it on exit."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def openrouter_base_url(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def gemini_base_url(self) -> str:
        return self.url

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "sandbox", "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        assert self.process.stdout is not None
        line = _readline(self.process.stdout, self.startup_timeout)
        if not line.startswith(READY_PREFIX):
            self.stop()
            raise RuntimeError(f"sandbox did not start (first line: {line!r})")
        self.url = line[len(READY_PREFIX) :].strip()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None

    def stats(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/_sandbox/stats", timeout=10)
        response.raise_for_status()
        stats: dict[str, Any] = response.json()
        return stats

    def reset(self) -> None:
        httpx.post(f"{self.url}/_sandbox/reset", timeout=10).raise_for_status()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _readline(stream: IO[str], timeout: float) -> str:
    """First line of ``stream``, or "" if none arrives in time (the process hung or died)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    duration: float
    frames: int
    has_audio: bool


def probe_video(data: bytes) -> VideoInfo:
    """Open MP4 bytes with FFmpeg (PyAV) and decode every frame; raises if it is not a video."""
    with av.open(io.BytesIO(data), "r") as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        return VideoInfo(
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            duration=(container.duration or 0) / av.time_base,
            frames=frames,
            has_audio=bool(container.streams.audio),
        )
