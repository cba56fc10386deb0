"""The world a fault campaign (``bench.chaos``) runs in: its throwaway database, the worker
processes and how they are killed, the threads that hunt exports being rendered and stream zips
to a slow client, and the jobs it makes, each with its random faults and a tag in its prompt.
"""

import hashlib
import io
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024**2
TAG = re.compile(r"chaos job \d+ [0-9a-f]{8}")
POSTGRES = "postgres://postgres@127.0.0.1:5432"
AIMED = ("submit", "poll", "download", "render", "zip")
# The partial file of an export being rendered: rendition-<pk>-<attempt>-….render.mp4
RENDERING = re.compile(r"/\.partial/rendition-(\d+)-(\d+)-[^/]*\.render\.mp4$")

# Random faults a job may carry, with weights; None is a job with no fault of its own.
FAULTS = [
    (None, 30),
    ("[sandbox:500-submit=2]", 6),
    ("[sandbox:429-submit]", 6),
    ("[sandbox:500-poll=2]", 8),
    ("[sandbox:429-poll]", 6),
    ("[sandbox:odd-status=2]", 6),
    ("[sandbox:500-download]", 8),
    ("[sandbox:broken-download]", 8),
    ("[sandbox:fail]", 4),
    ("[sandbox:safety]", 3),
]


def create_database(server: str) -> str:
    name = f"marketos_chaos_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def socket_inodes_by_port() -> dict[int, str]:
    """Local TCP port -> socket inode, for every TCP socket on this machine."""
    ports = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            ports[int(fields[1].rsplit(":", 1)[1], 16)] = fields[9]
    return ports


def owner_of_port(port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the socket bound to local ``port``."""
    inode = socket_inodes_by_port().get(port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == wanted:
                        return pid
                except OSError:
                    continue
        except OSError:
            continue
    return None


class Workers:
    """``db_worker`` processes, each restarted as soon as it has been killed."""

    def __init__(self, count: int, log: Path) -> None:
        self.log = log.open("ab")
        self.processes = [self._start() for _ in range(count)]
        self.kills = 0
        self.lock = threading.Lock()  # the main loop and the render hunter both kill

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"],
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def kill(self, pid: int) -> bool:
        with self.lock:
            for number, process in enumerate(self.processes):
                if process.pid == pid:
                    process.send_signal(signal.SIGKILL)
                    process.wait(10)
                    self.kills += 1
                    self.processes[number] = self._start()
                    return True
        return False

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def rendering(pids: list[int]) -> dict[int, tuple[int, int]]:
    """Worker pid -> (export pk, attempt) it is rendering now, from the partial file it has
    open."""
    found = {}
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if match := RENDERING.search(os.readlink(fd)):
                        found[pid] = (int(match[1]), int(match[2]))
                except OSError:
                    continue
        except OSError:
            continue
    return found


class RenderHunter(threading.Thread):
    """Kills workers in the middle of rendering an export: ``goal`` exports once each, and
    the first ``doomed`` exports it finds on every attempt (those must then end failed at the
    attempt cap, never be rendered again without end). Renders are short (about a second
    for a sandbox clip), so it looks every 10 ms."""

    def __init__(self, workers: Workers, goal: int, doomed: int, landed) -> None:
        super().__init__(daemon=True)
        self.workers, self.goal, self.doomed_count, self.landed = workers, goal, doomed, landed
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.doomed: set[int] = set()
        self.killed: dict[int, set[int]] = {}  # export pk -> the attempts killed

    def run(self) -> None:
        while not self.stop.wait(0.01):
            for pid, (pk, attempt) in rendering(self.workers.pids).items():
                with self.lock:
                    if attempt in self.killed.get(pk, ()):
                        continue
                    if pk not in self.doomed:
                        if len(self.doomed) < self.doomed_count:
                            self.doomed.add(pk)
                        elif pk in self.killed or self.once() >= self.goal:
                            continue
                if self.workers.kill(pid):
                    self.record(pk, attempt)
                    self.landed["render"] += 1

    def once(self) -> int:
        return sum(1 for pk in self.killed if pk not in self.doomed)

    def record(self, pk: int, attempt: int) -> None:
        with self.lock:
            self.killed.setdefault(pk, set()).add(attempt)


class Zipper(threading.Thread):
    """A slow client downloading Save all zips of finished jobs, so that a zip is often being
    streamed when gunicorn's worker is killed. Checks every zip it reads in full."""

    def __init__(self, base: str, cookies: dict, ready_jobs) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies, self.ready_jobs = base, cookies, ready_jobs
        self.streaming: int | None = None  # the number of the zip being read now
        self.streams = 0
        self.stop = threading.Event()
        self.cut, self.complete, self.bad = 0, 0, []
        self.killed: set[int] = set()  # the zips whose server was killed while they streamed

    def run(self) -> None:
        # A small receive buffer, so that the zip is still being written when a kill comes,
        # not already sitting in the client's socket.
        transport = httpx.HTTPTransport(
            socket_options=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)]
        )
        with httpx.Client(
            base_url=self.base, cookies=self.cookies, timeout=30, transport=transport
        ) as client:
            while not self.stop.is_set():
                jobs = self.ready_jobs()
                if not jobs:
                    time.sleep(0.5)
                    continue
                job = random.choice(jobs)  # noqa: S311
                try:
                    self._read(client, job)
                except httpx.HTTPError:
                    self.cut += 1
                finally:
                    self.streaming = None

    def _read(self, client: httpx.Client, job) -> None:
        with client.stream("GET", f"/videos/{job}/clips.zip") as response:
            if response.status_code != 200:
                self.bad.append(f"{job}: HTTP {response.status_code}")
                return
            expected = int(response.headers["Content-Length"])
            received = io.BytesIO()
            self.streams += 1
            self.streaming = self.streams
            for chunk in response.iter_raw(64 * 1024):
                received.write(chunk)
                time.sleep(0.02)  # about 3 MB/s: a client on a slow line
        self.streaming = None
        if received.tell() != expected:
            self.cut += 1
        elif zipfile.ZipFile(received).testzip() is not None:  # every member's CRC checked
            self.bad.append(f"{job}: a zip with a damaged member")
        else:
            self.complete += 1


def gunicorn_worker(master: subprocess.Popen) -> int | None:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return int(children[0]) if children else None


def pick_fault() -> str:
    faults, weights = zip(*FAULTS, strict=True)
    return random.choices(faults, weights)[0] or ""  # noqa: S311


def new_job(number: int, keys: dict):
    from providers.base import JobSpec
    from videos import lifecycle

    tag = f"chaos job {number} {uuid.uuid4().hex[:8]}"
    fault = pick_fault()
    roll = random.random()  # noqa: S311
    if roll < 0.55:  # a Veo clip through OpenRouter, often several MB (a copy worth killing)
        size = random.randint(2, 10) * MiB if random.random() < 0.6 else 0  # noqa: S311
        huge = f" [sandbox:huge={size}]" if size else ""
        # Most made at 9:16 for a 4:5 or 1:1 ad: the clip gets an export (a render to kill).
        ad_format = random.choice(["portrait", "square", None])  # noqa: S311
        spec = JobSpec(
            model="google/veo-3.1",
            prompt=f"{tag} {fault}{huge}",
            duration=8,
            aspect_ratio="9:16" if ad_format else None,
            ad_format=ad_format,
        )
        key = keys["openrouter"]
    elif roll < 0.8:  # several outputs in one job
        clips = random.randint(2, 4)  # noqa: S311
        prompt = f"{tag} {fault} [sandbox:clips={clips}]"
        spec = JobSpec(model="sandbox/multi-clip", prompt=prompt, duration=2)
        key = keys["openrouter"]
    else:  # Gemini Omni on the Interactions API, its video fetched from a uri
        fault = fault.replace("[sandbox:safety]", "")
        spec = JobSpec(model="gemini-omni-1.1-flash", prompt=f"{tag} {fault}", duration=4)
        key = keys["gemini"]
    job, _ = lifecycle.start_job(key.owner, key, spec, uuid.uuid4().hex)
    return job


def provider_sha256(clip, key) -> str:
    """The SHA-256 of the bytes the provider serves for this output, fetched afresh."""
    secret = key.reveal()
    headers = {"Authorization": f"Bearer {secret}", "x-goog-api-key": secret}
    digest = hashlib.sha256()
    url = clip.source_url
    with httpx.stream("GET", url, headers=headers, follow_redirects=True, timeout=60) as response:
        response.raise_for_status()
        for chunk in response.iter_raw():
            digest.update(chunk)
    return digest.hexdigest()
