"""The status panel under gunicorn on SQLite: what an unchanged poll costs, and how many people
watching their jobs one 2-core server keeps up with.

1. Closed loop: 100 clients, each polling as fast as it is answered, for the status panel as
   htmx polls it (with the version the page shows: an unchanged job answers 204), for the panel
   rendered in full every time, and, measured the same way in the same run, for a trivial view
   (``/healthz``). Prints requests per second, p50/p99 latency and the ratios.
2. Open loop: N viewers, each polling its job's panel every 2 s whatever happens (as the page
   does), N stepping up; prints the load and latency at each step and the largest N served
   with p99 under 100 ms, then what happens past it.

Run: ``python -m bench.status [--clients 100] [--seconds 10] [--viewers 250,500,...]``.
"""

import argparse
import asyncio
import html
import os
import subprocess
import uuid

import httpx

from sandbox.testing import SandboxProcess

from . import loadgen
from .setup import configure, login_session, start_gunicorn

STEPS = "250,500,1000,1500,2000,2500,3000,4000"


def report(name: str, results: loadgen.Results, seconds: float) -> float:
    rps = len(results.latencies) / seconds
    p50, p99 = results.percentile(50) * 1000, results.percentile(99) * 1000
    print(f"{name:22} {rps:8.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return rps


def ramp(port: int, headers: bytes, live: list[str], steps: list[int], seconds: float) -> None:
    print(f"\nopen loop: N viewers, each polling its status panel every 2 s, {seconds:g} s a step")
    print(f"{'viewers':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'failed':>7}")
    best, over = None, 0
    for viewers in steps:
        paths = [live[i % len(live)] for i in range(viewers)]
        results = asyncio.run(
            loadgen.open_loop("127.0.0.1", port, headers, paths, 2.0, seconds, settle=2.5)
        )
        p50, p99 = results.percentile(50) * 1000, results.percentile(99) * 1000
        worst = max(results.latencies, default=0) * 1000
        rps = len(results.latencies) / seconds
        print(
            f"{viewers:8} {rps:8.1f} {p50:8.1f} {p99:8.1f} {worst:8.0f} {results.failures:7}",
            flush=True,
        )
        if p99 < 100 and not results.failures:
            best = viewers
        else:
            over += 1
            if over == 2:  # one step past the limit shows how it degrades; two is enough
                break
    print(f"largest N served with p99 under 100 ms: {best or 'none of the steps'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--viewers", default=STEPS, help="open-loop steps (comma-separated)")
    parser.add_argument("--step-seconds", type=float, default=10)
    args = parser.parse_args()
    steps = [int(n) for n in args.viewers.split(",") if n]
    with SandboxProcess("--quiet") as sandbox:
        configure(sandbox, MARKETOS_SSL_REDIRECT="0", MARKETOS_SECURE_COOKIES="0")
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        from videos.models import VideoJob
        from workspaces.access import personal_workspace

        call_command("collectstatic", "--no-input", verbosity=0)
        user = get_user_model().objects.create_user("bench-status", password=uuid.uuid4().hex)
        session_key = login_session(user)
        workspace = personal_workspace(user)
        jobs = VideoJob.objects.bulk_create(
            VideoJob(
                workspace=workspace,
                owner=user,
                idempotency_key=uuid.uuid4().hex,
                provider="openrouter",
                model="google/veo-3.1",
                prompt=f"Running job {i}",
                parameters={"duration": 8, "aspect_ratio": "16:9"},
                status=VideoJob.Status.WAITING,
                provider_status="in_progress",
            )
            for i in range(max(args.clients, *steps))
        )
        server, base = start_gunicorn(
            "--workers", str(args.workers),
            "--worker-class", "gthread", "--threads", "4",
            # Viewers poll every 2 s: keep their connections open across polls.
            "--keep-alive", "5", "--worker-connections", "2000",
            "--log-level", "warning",
        )  # fmt: skip
        port = int(base.rsplit(":", 1)[1])
        try:
            cookies = {"sessionid": session_key}
            headers = f"Cookie: sessionid={session_key}\r\nHX-Request: true\r\n".encode()
            # As htmx polls: the URL the page carries, with the version it shows.
            live = [
                html.unescape(
                    httpx.get(f"{base}/videos/{job.public_id}/live/", cookies=cookies)
                    .text.split('hx-get="')[1]
                    .split('"')[0]
                )
                for job in jobs
            ]
            full = [f"/videos/{job.public_id}/live/" for job in jobs[: args.clients]]
            trivial = ["/healthz"] * args.clients

            def closed(paths):
                return asyncio.run(
                    loadgen.closed_loop("127.0.0.1", port, headers, paths, args.seconds)
                )

            closed(live[:10])  # warm up
            print(f"cores: {os.cpu_count()}; gunicorn: {args.workers} workers x 4 threads; SQLite")
            print(f"closed loop: {args.clients} clients for {args.seconds:g} s each")
            panel = report("status panel", closed(live[: args.clients]), args.seconds)
            rendered = report("panel, re-rendered", closed(full), args.seconds)
            plain = report("trivial view", closed(trivial), args.seconds)
            print(f"status panel / trivial view: {panel / plain:.2f} (target >= 0.8)")
            print(f"re-rendered panel / trivial view: {rendered / plain:.2f}")
            ramp(port, headers, live, steps, args.step_seconds)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
