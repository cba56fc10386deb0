"""One worker process following many in-flight sandbox jobs.

Prints the polls per second it makes and its CPU time per poll. Every job stays "in progress"
at the sandbox for the whole run, and polling is set to once a second per job (production backs
off to every 30 s), so the worker polls each job every second through the poll sweep.
Run: ``python -m bench.polling [--jobs 500] [--seconds 30]``.
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sandbox.testing import SandboxProcess

from .setup import configure, demo_key

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    with SandboxProcess("--quiet") as sandbox:
        configure(sandbox, MARKETOS_POLL_MIN_SECONDS="1", MARKETOS_POLL_MAX_SECONDS="1")
        from django.db.models import Sum

        from providers.base import JobSpec
        from videos import lifecycle
        from videos.models import VideoJob

        user, key = demo_key()
        for i in range(args.jobs):
            spec = JobSpec(model="google/veo-3.1", prompt=f"[sandbox:slow=3600] job {i}")
            job, _ = lifecycle.start_job(user, key, spec, uuid.uuid4().hex)
            lifecycle.submit(job.pk)
        waiting = VideoJob.objects.filter(status=VideoJob.Status.WAITING).count()
        print(f"cores: {os.cpu_count()}; jobs in flight at the sandbox: {waiting}")

        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(3)  # let it start up and settle
            polls = lambda: VideoJob.objects.aggregate(n=Sum("poll_count"))["n"] or 0  # noqa: E731
            first_polls, first_cpu, started = polls(), cpu_seconds(worker.pid), time.monotonic()
            time.sleep(args.seconds)
            done, cpu = polls() - first_polls, cpu_seconds(worker.pid) - first_cpu
            elapsed = time.monotonic() - started
        finally:
            worker.terminate()
            worker.wait(10)
        print(f"polls in {elapsed:.0f} s: {done} ({done / elapsed:.1f} polls/s)")
        share, per_poll = cpu / elapsed, cpu / done * 1000
        print(f"worker CPU: {cpu:.1f} s ({share:.0%} of a core), {per_poll:.1f} ms per poll")
        print(
            f"at the production cadence (every 30 s per job) one core of worker follows about "
            f"{int(30_000 / per_poll)} jobs at once"
        )


if __name__ == "__main__":
    main()
