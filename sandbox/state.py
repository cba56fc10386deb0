"""Jobs and counters shared by all request threads, behind one lock."""

from __future__ import annotations

import secrets
import string
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from .clips import ClipSpec
from .scenarios import Scenario

type Provider = Literal["openrouter", "gemini"]
type Phase = Literal["pending", "in_progress", "done", "cancelled"]
# Which API made the job: OpenRouter, Veo's predictLongRunning or Gemini's Interactions API.
type Api = Literal["openrouter", "predictLongRunning", "interactions"]

_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def random_id(length: int, alphabet: str = _LOWER_ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def openrouter_job_id() -> str:
    # The format the official SDK documents for video job ids.
    return f"gen-vid-{int(time.time())}-{random_id(20, _ALNUM)}"


@dataclass
class Job:
    id: str
    provider: Provider
    key: str
    model: str
    prompt: str
    scenario: Scenario
    clips: list[ClipSpec]
    latency: float
    cost: float = 0.0
    created: float = field(default_factory=time.monotonic)
    created_unix: int = field(default_factory=lambda: int(time.time()))
    # Gemini file ids / OpenRouter signed-URL tokens, one per output.
    file_ids: list[str] = field(default_factory=list)
    # Scenario fault name -> how many times it has fired for this job.
    fired: Counter[str] = field(default_factory=Counter)
    api: Api = "openrouter"
    # The submit body as received, base64 payloads replaced by short descriptions.
    request: Any = None
    # OpenRouter: provider slug -> passthrough parameters that reached the model.
    passthrough_applied: dict[str, dict[str, Any]] | None = None
    # OpenRouter: input_references dropped because frame_images were given.
    references_ignored: bool = False
    # The earlier job or interaction this one continues (extend / edit).
    parent: str | None = None
    # Per-API settings of the job (resolution, delivery, task, ...).
    details: dict[str, Any] = field(default_factory=dict)
    cancelled_at: float | None = None
    deleted: bool = False

    def phase(self) -> Phase:
        if self.cancelled_at is not None:
            return "cancelled"
        elapsed = time.monotonic() - self.created
        if elapsed >= self.latency:
            return "done"
        # Spend the first third queued, like a real provider picking the job up.
        return "pending" if elapsed < self.latency / 3 else "in_progress"


@dataclass
class OffOriginHit:
    endpoint: str
    job_id: str
    index: int
    credential_headers: list[str]

    def to_api(self) -> dict[str, object]:
        return {
            "endpoint": self.endpoint,
            "job_id": self.job_id,
            "index": self.index,
            "credential_headers": self.credential_headers,
        }


class Store:
    """All sandbox state. Every read-modify-write happens under ``self.lock``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._reset_locked()

    def _reset_locked(self) -> None:
        self.jobs: dict[str, Job] = {}
        # Gemini file id / signed-URL token -> (job id, output index).
        self.files: dict[str, tuple[str, int]] = {}
        self.submit_attempts: Counter[Provider] = Counter()
        self.submissions: Counter[Provider] = Counter()
        self.submissions_by_key: dict[Provider, Counter[str]] = defaultdict(Counter)
        self.submit_faults: Counter[tuple[str, str]] = Counter()
        self.polls: Counter[str] = Counter()
        self.downloads: Counter[str] = Counter()
        self.downloads_by_index: dict[str, Counter[int]] = defaultdict(Counter)
        self.off_origin: list[OffOriginHit] = []

    def reset(self) -> None:
        with self.lock:
            self._reset_locked()

    def add_job(self, job: Job, file_ids: list[str]) -> None:
        with self.lock:
            job.file_ids = file_ids
            self.jobs[job.id] = job
            for index, file_id in enumerate(file_ids):
                self.files[file_id] = (job.id, index)
            self.submissions[job.provider] += 1
            self.submissions_by_key[job.provider][job.key] += 1

    def get_job(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def lookup_file(self, file_id: str) -> tuple[Job, int] | None:
        with self.lock:
            found = self.files.get(file_id)
            return (self.jobs[found[0]], found[1]) if found else None

    def count_submit(self, provider: Provider) -> None:
        with self.lock:
            self.submit_attempts[provider] += 1

    def submit_fault(self, fingerprint: str, scenario: Scenario, names: tuple[str, ...]) -> str:
        """Name of the submit fault that fires for this request body now, or ``""``."""
        with self.lock:
            for name in names:
                limit = scenario.faults.get(name, 0)
                if self.submit_faults[(fingerprint, name)] < limit:
                    self.submit_faults[(fingerprint, name)] += 1
                    return name
        return ""

    def fire(self, job: Job, name: str) -> bool:
        """Whether fault ``name`` fires for this request of ``job`` (the first N do)."""
        with self.lock:
            if job.fired[name] < job.scenario.faults.get(name, 0):
                job.fired[name] += 1
                return True
            return False

    def cancel(self, job: Job) -> bool:
        """Cancel a running job; False when it had already finished."""
        with self.lock:
            if job.phase() in ("done", "cancelled"):
                return False
            job.cancelled_at = time.monotonic()
            return True

    def delete(self, job: Job) -> None:
        with self.lock:
            job.deleted = True

    def count_poll(self, job: Job) -> None:
        with self.lock:
            self.polls[job.id] += 1

    def count_download(self, job: Job, index: int) -> None:
        with self.lock:
            self.downloads[job.id] += 1
            self.downloads_by_index[job.id][index] += 1

    def record_off_origin(self, hit: OffOriginHit) -> None:
        with self.lock:
            self.off_origin.append(hit)

    def spent(self, provider: Provider, key: str) -> float:
        with self.lock:
            return sum(
                job.cost
                for job in self.jobs.values()
                if job.provider == provider and job.key == key and job.phase() == "done"
            )

    def stats(self) -> dict[str, object]:
        with self.lock:
            return {
                "submit_attempts": dict(self.submit_attempts),
                "submissions": dict(self.submissions),
                "submissions_by_key": {
                    provider: dict(counts) for provider, counts in self.submissions_by_key.items()
                },
                "polls": dict(self.polls),
                "downloads": dict(self.downloads),
                "jobs": {
                    job.id: {
                        "provider": job.provider,
                        "api": job.api,
                        "key": job.key,
                        "model": job.model,
                        "prompt": job.prompt,
                        "outputs": len(job.clips),
                        "phase": job.phase(),
                        "deleted": job.deleted,
                        "request": job.request,
                        "passthrough_applied": job.passthrough_applied,
                        "references_ignored": job.references_ignored,
                        "parent": job.parent,
                        "details": job.details,
                        "cost": job.cost,
                        "polls": self.polls[job.id],
                        "downloads": self.downloads[job.id],
                        "downloads_by_index": {
                            str(index): count
                            for index, count in sorted(self.downloads_by_index[job.id].items())
                        },
                    }
                    for job in self.jobs.values()
                },
                "off_origin_requests": [hit.to_api() for hit in self.off_origin],
            }
