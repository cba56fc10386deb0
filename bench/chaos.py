"""Fault campaign: many jobs, three real workers on PostgreSQL, and SIGKILL aimed at the work.

The sandbox answers slowly (every submit and poll takes a while, downloads are paced) and each
job carries random faults (500s and 429s on submit, poll and download, downloads cut half-way,
undocumented statuses, failures, safety blocks, clips of several MB). Many Veo jobs are made for
an ad format of another shape, so each of their clips gets an export the workers render. While
the jobs run, workers are killed with SIGKILL and restarted, at five kinds of moment:

- aimed: a submit, a poll or a clip download the sandbox is answering right now, found through
  its in-flight list and the client port's owner in /proc;
- aimed: an export being rendered, found by the partial file its worker has open; the first
  few exports found are killed on every attempt, so that they must end at the attempt cap;
- a Save all zip being streamed to a slow client by gunicorn (its worker killed mid-stream);
- random: any worker at any moment (most of these land on an idle worker, and are shown so).

When every job and export has ended it prints the figures and checks them: each job submitted at
most once (a job whose submit was cut off waits for a person, "needs attention", and is never
re-sent); no job, clip or export left running; every stored clip has the provider's SHA-256 and
every export its recorded one; no export rendered more often than its attempt cap allows (an
export killed on every attempt ends failed at the cap, and no other export fails); every ready
clip made for another shape has its export; no partial file left. It exits 1 when one of these
fails.

Run: ``python -m bench.chaos [--jobs 200] [--workers 3]`` (``make chaos``). PostgreSQL: a fresh
database is created on DATABASE_URL's server (default ``postgres://postgres@127.0.0.1:5432``) and
dropped afterwards.
"""

import argparse
import collections
import hashlib
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import uuid

import httpx

from sandbox.testing import SandboxProcess

from .chaos_world import (
    AIMED,
    POSTGRES,
    TAG,
    MiB,
    RenderHunter,
    Workers,
    Zipper,
    create_database,
    drop_database,
    gunicorn_worker,
    new_job,
    owner_of_port,
    provider_sha256,
    rendering,
)
from .setup import configure, login_session, start_gunicorn


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=12, help="aimed kills of each kind")
    parser.add_argument(
        "--doomed-exports", type=int, default=2, help="exports killed on every attempt"
    )
    parser.add_argument("--random-kills", type=int, default=12)
    parser.add_argument("--arrival", type=float, default=2.0, help="new jobs per second")
    parser.add_argument("--deadline", type=float, default=900, help="seconds before giving up")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    # Stopped from outside: still drop the database and stop the processes.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    random.seed(seed)
    url = os.environ.get("DATABASE_URL", "")
    server = url.rsplit("/", 1)[0] if url.startswith("postgres") else POSTGRES
    database = create_database(server)
    os.environ["DATABASE_URL"] = f"{server}/{database}"
    sandbox_args = ["--job-seconds", "2", "--latency", "0.4", "--download-rate", str(4 * MiB)]
    try:
        with SandboxProcess(*sandbox_args, "--quiet") as sandbox:
            return campaign(sandbox, args, seed)
    finally:
        drop_database(server, database)


def campaign(sandbox, args, seed: int) -> int:
    workdir = configure(
        sandbox,
        MARKETOS_SSL_REDIRECT="0",
        MARKETOS_SECURE_COOKIES="0",
        MARKETOS_POLL_MIN_SECONDS="1",
        MARKETOS_POLL_MAX_SECONDS="2",
        MARKETOS_CLIP_RETRY_SECONDS="1",
        MARKETOS_CLIP_LEASE_SECONDS="10",
        MARKETOS_RECOVERY_INTERVAL_SECONDS="3",
        MARKETOS_RECOVERY_GRACE_SECONDS="8",
        MARKETOS_PROVIDER_TIMEOUT="20",
        MARKETOS_GEMINI_DELIVERY="uri",
        MARKETOS_LOG_LEVEL="ERROR",
    )
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db.models import Sum

    from videos.media import claims
    from videos.models import ProviderKey, Rendition, VideoJob
    from workspaces.access import personal_workspace

    call_command("collectstatic", "--no-input", verbosity=0)
    user = get_user_model().objects.create_user("chaos", password=uuid.uuid4().hex)
    keys = {}
    for provider, secret in [
        ("openrouter", "sk-or-v1-sandbox-chaos-00000000000000000000"),
        ("gemini", "AIzaSandboxChaos000000000000000000000"),
    ]:
        key = ProviderKey(
            workspace=personal_workspace(user), owner=user, provider=provider, label=provider
        )
        key.set_secret(secret)
        key.status = ProviderKey.Status.VALID
        key.save()
        keys[provider] = key

    workers = Workers(args.workers, workdir / "workers.log")
    web, base = start_gunicorn(
        "--workers", "1", "--log-level", "error", "--timeout", "60",
        stdout=workers.log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip

    def large_ready_jobs() -> list[str]:
        """Finished jobs whose zip is big enough to outlast the kernel's socket buffers."""
        return [
            str(public_id)
            for public_id in VideoJob.objects.filter(status=VideoJob.Status.READY)
            .annotate(total=Sum("clips__size"))
            .filter(total__gt=6 * MiB)
            .order_by("?")
            .values_list("public_id", flat=True)[:20]
        ]

    zipper = Zipper(base, {"sessionid": login_session(user)}, large_ready_jobs)
    zipper.start()

    landed = collections.Counter()
    hunter = RenderHunter(workers, args.kills, args.doomed_exports, landed)
    hunter.start()
    aimed_goal = {kind: args.kills for kind in AIMED if kind != "render"}
    random_left = args.random_kills
    jobs, created_at = [], time.monotonic()
    started = time.monotonic()
    print(
        f"seed {seed}; {args.jobs} jobs arriving at {args.arrival:g}/s; {args.workers} workers; "
        f"PostgreSQL; sandbox {' '.join(sandbox.args)}",
        flush=True,
    )
    try:
        while True:
            now = time.monotonic()
            while len(jobs) < args.jobs and len(jobs) < (now - created_at) * args.arrival:
                jobs.append(new_job(len(jobs), keys).pk)
            live = VideoJob.objects.filter(pk__in=jobs).exclude(status__in=VideoJob.TERMINAL)
            rendering_now = Rendition.objects.filter(
                clip__job__pk__in=jobs,
                status__in=[Rendition.Status.PENDING, Rendition.Status.RENDERING],
            )
            if (
                len(jobs) == args.jobs
                and not live.exists()
                and not rendering_now.exists()
                and not exports_missing(jobs)
            ):
                break
            if now - started > args.deadline:
                print("deadline reached with jobs still running", flush=True)
                break
            kind = aim(sandbox, workers, web, zipper, aimed_goal, landed)
            if kind is None and random_left and random.random() < 0.05:  # noqa: S311
                random_left -= 1
                victim = random.choice(workers.pids)  # noqa: S311
                busy = in_flight_kinds(sandbox, workers)
                if victim in (renders := rendering([victim])):
                    hunter.record(*renders[victim])
                    busy[victim] = "render"
                landed[f"random: {busy.get(victim, 'idle')}"] += 1
                workers.kill(victim)
            time.sleep(random.uniform(0.05, 0.3))  # noqa: S311
        hunter.stop.set()
        # Let recovery sweep what the last kills left (partial files of dead copies and
        # renders: their leases lapse first).
        sweep_until = time.monotonic() + 30
        while any(claims.partial_dir().iterdir()) and time.monotonic() < sweep_until:
            time.sleep(1)
        elapsed = time.monotonic() - started
    finally:
        hunter.stop.set()
        zipper.stop.set()
        workers.stop()
        web.terminate()
        web.wait(10)

    return report(sandbox, jobs, keys, landed, workers, zipper, hunter, elapsed)


def exports_missing(jobs) -> list:
    """Ready clips of jobs made for another shape without their export (asked for when the
    clip is copied, or by recovery when that worker died first)."""
    from videos.models import Clip

    clips = Clip.objects.filter(job__pk__in=jobs, status=Clip.Status.READY)
    clips = clips.select_related("job").prefetch_related("renditions")
    return [
        clip
        for clip in clips
        if clip.job.needs_reframe
        and clip.job.ad_format.key not in {r.format for r in clip.renditions.all()}
    ]


def in_flight_kinds(sandbox, workers: Workers) -> dict[int, str]:
    """Worker pid -> the kind of request it has in flight at the sandbox."""
    requests = httpx.get(f"{sandbox.url}/_sandbox/inflight").json()["requests"]
    found = {}
    for request in requests:
        pid = owner_of_port(request["client_port"], workers.pids)
        if pid is not None:
            found[pid] = request["kind"]
    return found


def aim(sandbox, workers, web, zipper, goal: dict, landed) -> str | None:
    """Kill a worker in the middle of a kind of work still short of its goal, if one is in
    flight right now. Returns the kind it hit."""
    wanted = [kind for kind in goal if landed[kind] < goal[kind]]
    if not wanted:
        return None
    stream = zipper.streaming
    if "zip" in wanted and stream is not None and stream not in zipper.killed:
        pid = gunicorn_worker(web)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            zipper.killed.add(stream)
            landed["zip"] += 1
            return "zip"
    requests = httpx.get(f"{sandbox.url}/_sandbox/inflight").json()["requests"]
    random.shuffle(requests)
    for request in requests:
        kind = request["kind"]
        # Submits and polls are held 0.2 s at least: one just arrived is surely still there.
        if kind not in wanted or (kind != "download" and request["seconds"] > 0.1):
            continue
        pid = owner_of_port(request["client_port"], workers.pids)
        if pid is not None:
            workers.kill(pid)
            landed[kind] += 1
            return kind
    return None


def report(sandbox, jobs, keys, landed, workers, zipper, hunter, elapsed) -> int:
    from django.core.files.storage import default_storage
    from django_tasks_db.models import DBTaskResult

    from videos.media import claims
    from videos.models import Clip, Rendition, VideoJob

    problems = []
    stats = sandbox.stats()
    # Every prompt starts with its own tag, whatever the adapter does to the rest of it.
    by_tag = collections.Counter(
        match.group(0) for job in stats["jobs"].values() if (match := TAG.search(job["prompt"]))
    )
    queryset = VideoJob.objects.filter(pk__in=jobs)
    status = collections.Counter(queryset.values_list("status", flat=True))
    submissions = collections.Counter()
    for job in queryset:
        count = by_tag[TAG.search(job.prompt).group(0)]
        submissions[count, job.status] += 1
        if count > 1:
            problems.append(f"job {job.public_id} was submitted {count} times")
        if count == 0 and job.status == VideoJob.Status.READY:
            problems.append(f"job {job.public_id} is ready without a submission")
    stuck = queryset.exclude(status__in=VideoJob.TERMINAL).count()
    if stuck:
        problems.append(f"{stuck} jobs still running")

    clips = Clip.objects.filter(job__pk__in=jobs).select_related("job")
    clip_status = collections.Counter(clip.status for clip in clips)
    verified = 0
    for clip in clips.filter(status=Clip.Status.READY):
        stored = hashlib.sha256()
        with default_storage.open(clip.file.name, "rb") as handle:
            while chunk := handle.read(MiB):
                stored.update(chunk)
        served = provider_sha256(clip, keys[clip.job.provider])
        if clip.sha256 == stored.hexdigest() == served:
            verified += 1
        else:
            problems.append(f"clip {clip.job.public_id}/{clip.index}: SHA-256 differs")
    ready_clips = clip_status.get(Clip.Status.READY, 0)
    stuck_clips = sum(n for s, n in clip_status.items() if s not in Clip.TERMINAL)
    if stuck_clips:
        problems.append(f"{stuck_clips} clips not finished")

    exports = Rendition.objects.filter(clip__job__pk__in=jobs)
    export_status = collections.Counter(exports.values_list("status", flat=True))
    export_attempts = collections.Counter(exports.values_list("attempts", flat=True))
    cap = Rendition.MAX_ATTEMPTS
    endless = exports.filter(attempts__gt=cap).count()
    if endless:
        problems.append(f"{endless} exports rendered more often than their cap of {cap}")
    stuck_exports = exports.filter(
        status__in=[Rendition.Status.PENDING, Rendition.Status.RENDERING]
    ).count()
    if stuck_exports:
        problems.append(f"{stuck_exports} exports not finished")
    missing = len(exports_missing(jobs))
    if missing:
        problems.append(f"{missing} ready clips without their export")
    exports_verified = 0
    for export in exports.filter(status=Rendition.Status.READY):
        stored, size = hashlib.sha256(), 0
        with default_storage.open(export.file.name, "rb") as handle:
            while chunk := handle.read(MiB):
                stored.update(chunk)
                size += len(chunk)
        if export.sha256 == stored.hexdigest() and export.size == size:
            exports_verified += 1
        else:
            problems.append(f"export {export.pk}: stored file differs from its SHA-256")
    # An export fails only when every one of its attempts was killed (at the cap).
    killed_every_time = {
        pk for pk, attempts in hunter.killed.items() if attempts >= set(range(1, cap + 1))
    }
    failed_messages = collections.Counter()
    for export in exports.filter(status=Rendition.Status.FAILED):
        failed_messages[export.error] += 1
        if export.pk not in killed_every_time:
            problems.append(f"export {export.pk} failed: {export.error}")
    at_cap = exports.filter(pk__in=killed_every_time, status=Rendition.Status.FAILED).count()
    if at_cap != len(killed_every_time & set(exports.values_list("pk", flat=True))):
        problems.append("an export killed on every attempt did not end failed at the cap")

    partials = list(claims.partial_dir().iterdir())
    if partials:
        problems.append(f"{len(partials)} partial files left: {[p.name for p in partials]}")
    attention = status.get(VideoJob.Status.NEEDS_ATTENTION, 0)

    print(f"\n{len(jobs)} jobs in {elapsed:.0f} s")
    print("jobs by state:      " + ", ".join(f"{s} {n}" for s, n in status.most_common()))
    print(f"submissions per job (needs attention: {attention}):")
    for count in sorted({count for count, _ in submissions}):
        these = [(state, n) for (c, state), n in submissions.most_common() if c == count]
        states = ", ".join(f"{state} {n}" for state, n in these)
        print(f"  {count}: {sum(n for _, n in these)} jobs ({states})")
    tasks = collections.Counter(DBTaskResult.objects.values_list("task_path", flat=True).iterator())
    print(
        "tasks queued in all: "
        + ", ".join(f"{path.rsplit('.', 1)[1]} {n}" for path, n in tasks.most_common())
    )
    print("clips by state:     " + ", ".join(f"{s} {n}" for s, n in clip_status.most_common()))
    print(f"clips stored with the provider's SHA-256: {verified} of {ready_clips}")
    print("exports by state:   " + ", ".join(f"{s} {n}" for s, n in export_status.most_common()))
    print(
        f"exports by attempts (cap {cap}): "
        + ", ".join(f"{a}: {n}" for a, n in sorted(export_attempts.items()))
    )
    print(
        f"exports killed on every attempt: {len(killed_every_time)}, ended failed at the cap: "
        f"{at_cap}; exports killed on some attempts: "
        f"{sum(1 for pk in hunter.killed if hunter.killed[pk] and pk not in killed_every_time)}"
    )
    for message, n in failed_messages.most_common():
        print(f"  failed {n}: {message}")
    print(f"exports stored with their SHA-256: {exports_verified} of {export_status['ready']}")
    print(
        f"jobs stuck: {stuck}; clips stuck: {stuck_clips}; exports stuck: {stuck_exports}; "
        f"endless renders (attempts over the cap): {endless}; clips without their export: "
        f"{missing}; partial files left: {len(partials)}"
    )
    aimed = ", ".join(f"{kind} in flight {landed[kind]}" for kind in AIMED)
    random_landed = ", ".join(
        f"{name.split(': ')[1]} {n}"
        for name, n in sorted(landed.items())
        if name.startswith("random")
    )
    print(f"SIGKILLs: {workers.kills} workers + {landed['zip']} gunicorn")
    print(f"  aimed: {aimed}")
    print(f"  at random moments: {random_landed or 'none'}")
    print(f"zips read in full: {zipper.complete}; streams cut off by a kill: {zipper.cut}")
    for problem in problems + zipper.bad:
        print(f"PROBLEM: {problem}")
    print("all checks passed" if not problems and not zipper.bad else "CHECKS FAILED")
    return 1 if problems or zipper.bad else 0


if __name__ == "__main__":
    sys.exit(main())
