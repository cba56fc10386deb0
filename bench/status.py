"""The status panel under gunicorn (SQLite, or the database DATABASE_URL names): what an
unchanged poll costs, and how many people watching their jobs one 2-core server keeps up with.

Every viewer is a browser of its own: its own account and session, its own job, and its job
page opened once (rendered in full, as when a person opens it) before it starts polling.

1. Closed loop: 100 clients, each polling as fast as it is answered, for the status panel as
   htmx polls it (with the version the page shows: an unchanged job answers 204), for the panel
   rendered in full every time, and, measured the same way in the same run, for a trivial view
   (``/healthz``). Prints requests per second, p50/p99 latency and the ratios.
2. Open loop: N viewers, each polling its job's panel every 2 s whatever happens (as the page
   does, taking up the new poll URL whenever a panel comes back in full), N stepping up; prints
   the load and latency at each step and the largest N served with p99 under 100 ms, then what
   happens past it.

gunicorn runs with the production settings (``bench.setup.GUNICORN``, as README.md documents).
Run: ``python -m bench.status [--clients 100] [--seconds 10] [--viewers 250,500,...]``.
"""

import argparse
import asyncio
import datetime
import os
import subprocess
import time
import uuid

from sandbox.testing import SandboxProcess

from . import loadgen
from .setup import GUNICORN, configure, start_gunicorn

STEPS = "250,500,1000,1500,2000,3000,4000"


def report(name: str, results: loadgen.Results, seconds: float) -> float:
    rps = len(results.latencies) / seconds
    p50, p99 = results.percentile(50) * 1000, results.percentile(99) * 1000
    print(f"{name:22} {rps:8.1f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return rps


def make_viewers(count: int) -> list[tuple[str, str]]:
    """``count`` people, each logged in in a browser of their own and with a job running in
    their own workspace: (session key, job page path) each."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from videos.models import VideoJob
    from workspaces.models import Membership, Workspace

    tag = uuid.uuid4().hex[:8]
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"viewer-{tag}-{i}", password="!unusable")  # noqa: S106
        for i in range(count)
    )
    workspaces = Workspace.objects.bulk_create(
        Workspace(name=user.username, slug=user.username, personal=True) for user in users
    )
    Membership.objects.bulk_create(
        Membership(workspace=workspace, user=user, role=Membership.Role.OWNER)
        for user, workspace in zip(users, workspaces, strict=True)
    )
    # (SQLite and PostgreSQL both give bulk-created rows their ids.)
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
        for i, (user, workspace) in enumerate(zip(users, workspaces, strict=True))
    )
    expiry = timezone.now() + datetime.timedelta(days=1)
    store, sessions = SessionStore(), []
    for user in users:
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(
            Session(
                session_key=get_random_string(32, VALID_KEY_CHARS),
                session_data=store.encode(data),
                expire_date=expiry,
            )
        )
    Session.objects.bulk_create(sessions)
    return [
        (session.session_key, job.get_absolute_url())
        for session, job in zip(sessions, jobs, strict=True)
    ]


def open_pages(port: int, viewers: list[tuple[str, str]]) -> list[tuple[bytes, str]]:
    """Each viewer opens its job page once (rendered in full): the headers its polls carry and
    the URL the page polls, each."""
    started = time.perf_counter()
    answers = asyncio.run(
        loadgen.fetch_all(
            "127.0.0.1",
            port,
            [(f"Cookie: sessionid={key}\r\n".encode(), page) for key, page in viewers],
            concurrency=8,
        )
    )
    took = time.perf_counter() - started
    polling = []
    for (key, page), (status, body) in zip(viewers, answers, strict=True):
        url = loadgen.poll_url(body)
        if status != 200 or not url:
            raise SystemExit(f"{page} answered {status} without a status panel to poll")
        polling.append((f"Cookie: sessionid={key}\r\nHX-Request: true\r\n".encode(), url))
    if viewers:
        print(
            f"  {len(viewers)} new viewers opened their job page "
            f"({len(viewers) / took:.0f} pages/s, 8 at a time)",
            flush=True,
        )
    return polling


def ramp(
    port: int,
    viewers: list[tuple[str, str]],
    polling: list[tuple[bytes, str]],
    steps: list[int],
    seconds: float,
) -> None:
    """The open loop's steps; ``polling``: the viewers whose pages are open already."""
    print(f"\nopen loop: N viewers, each polling its status panel every 2 s, {seconds:g} s a step")
    print("(full: polls answered with the panel in full rather than 204)")
    header = f"{'viewers':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'failed':>7}"
    print(f"{header} {'full':>6}", flush=True)
    best, over = None, 0
    for count in steps:
        polling += open_pages(port, viewers[len(polling) : count])
        results = asyncio.run(
            loadgen.open_loop("127.0.0.1", port, polling[:count], 2.0, seconds, settle=2.5)
        )
        p50, p99 = results.percentile(50) * 1000, results.percentile(99) * 1000
        worst = max(results.latencies, default=0) * 1000
        rps = len(results.latencies) / seconds
        full = sum(n for status, n in results.statuses.items() if status != 204)
        print(
            f"{count:8} {rps:8.1f} {p50:8.1f} {p99:8.1f} {worst:8.0f} {results.failures:7} "
            f"{full:6}",
            flush=True,
        )
        if p99 < 100 and not results.failures:
            best = count
        else:
            over += 1
            if over == 2:  # one step past the limit shows how it degrades; two is enough
                break
    print(f"largest N served with p99 under 100 ms: {best or 'none of the steps'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--viewers", default=STEPS, help="open-loop steps (comma-separated)")
    parser.add_argument("--step-seconds", type=float, default=10)
    args = parser.parse_args()
    steps = [int(n) for n in args.viewers.split(",") if n]
    with SandboxProcess("--quiet") as sandbox:
        configure(sandbox, MARKETOS_SSL_REDIRECT="0", MARKETOS_SECURE_COOKIES="0")
        from django.core.management import call_command
        from django.db import connection

        call_command("collectstatic", "--no-input", verbosity=0)
        viewers = make_viewers(max(args.clients, *steps))
        database = connection.display_name
        connection.close()
        server, base = start_gunicorn("--log-level", "warning")
        port = int(base.rsplit(":", 1)[1])
        try:
            print(f"cores: {os.cpu_count()}; database: {database}")
            print(f"gunicorn {' '.join(GUNICORN)}")
            first = open_pages(port, viewers[: args.clients])
            full = [(headers, url.split("?", 1)[0]) for headers, url in first]
            trivial = [(headers, "/healthz") for headers, _ in first]

            def closed(pairs):
                return asyncio.run(loadgen.closed_loop("127.0.0.1", port, pairs, args.seconds))

            closed(first[:10])  # warm up
            print(f"closed loop: {args.clients} clients for {args.seconds:g} s each")
            panel = report("status panel", closed(first), args.seconds)
            rendered = report("panel, re-rendered", closed(full), args.seconds)
            plain = report("trivial view", closed(trivial), args.seconds)
            print(f"status panel / trivial view: {panel / plain:.2f} (target >= 0.8)")
            print(f"re-rendered panel / trivial view: {rendered / plain:.2f}")
            ramp(port, viewers, first, steps, args.step_seconds)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
