"""100 concurrent clients polling the status panel of running jobs, under gunicorn on SQLite.

Prints requests per second and p50/p99 latency for the status panel as htmx polls it (with the
version the page shows: an unchanged job answers 204), for the panel rendered in full every
time, and, measured the same way in the same run, for a trivial view (``/healthz``).
Run: ``python -m bench.status [--clients 100] [--seconds 10]``.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from sandbox.testing import SandboxProcess

from .setup import configure, free_port, login_session


async def hammer(base: str, paths: list[str], cookies: dict, seconds: float) -> list[float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=len(paths), max_keepalive_connections=len(paths))
    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits) as client:

        async def one_client(path: str) -> None:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(path, headers={"HX-Request": "true"})
                if response.status_code not in (200, 204, 286):
                    raise RuntimeError(f"{path}: HTTP {response.status_code}")
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(one_client(path) for path in paths))
    return latencies


def report(name: str, latencies: list[float], seconds: float) -> float:
    rps = len(latencies) / seconds
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    print(f"{name:22} {rps:8.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    with SandboxProcess("--quiet") as sandbox:
        configure(sandbox, MARKETOS_SSL_REDIRECT="0", MARKETOS_SECURE_COOKIES="0")
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from videos.models import VideoJob

        call_command("collectstatic", "--no-input", verbosity=0)
        user = get_user_model().objects.create_user("bench-status", password=uuid.uuid4().hex)
        session_key = login_session(user)
        jobs = VideoJob.objects.bulk_create(
            VideoJob(
                owner=user,
                idempotency_key=uuid.uuid4().hex,
                provider="openrouter",
                model="google/veo-3.1",
                prompt=f"Running job {i}",
                parameters={"duration": 8, "aspect_ratio": "16:9"},
                status=VideoJob.Status.WAITING,
                provider_status="in_progress",
            )
            for i in range(args.clients)
        )
        port = free_port()
        server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [
                sys.executable, "-m", "gunicorn", "marketos.wsgi",
                "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers),
                "--worker-class", "gthread", "--threads", "4",
                "--log-level", "warning",
            ],
            cwd=Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    httpx.get(f"{base}/healthz").raise_for_status()
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            cookies = {"sessionid": session_key}
            # As htmx polls: the URL the page carries, with the version it shows.
            live = [
                httpx.get(f"{base}/videos/{job.public_id}/live/", cookies=cookies)
                .text.split('hx-get="')[1]
                .split('"')[0]
                for job in jobs
            ]
            full = [f"/videos/{job.public_id}/live/" for job in jobs]
            trivial = ["/healthz"] * args.clients
            asyncio.run(hammer(base, live[:10], cookies, 1))  # warm up
            print(
                f"cores: {os.cpu_count()}; gunicorn: {args.workers} workers x 4 threads; "
                f"{args.clients} clients for {args.seconds:g} s each; SQLite"
            )
            panel = report(
                "status panel", asyncio.run(hammer(base, live, cookies, args.seconds)),
                args.seconds,
            )  # fmt: skip
            rendered = report(
                "panel, re-rendered", asyncio.run(hammer(base, full, cookies, args.seconds)),
                args.seconds,
            )  # fmt: skip
            plain = report(
                "trivial view", asyncio.run(hammer(base, trivial, cookies, args.seconds)),
                args.seconds,
            )  # fmt: skip
            print(f"status panel / trivial view: {panel / plain:.2f}")
            print(f"re-rendered panel / trivial view: {rendered / plain:.2f}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
