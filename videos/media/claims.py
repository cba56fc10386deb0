"""The files and the running budget of claimed work: a clip being copied, an export being
rendered, and whatever a worker copies or renders next (the work itself is a
``videos.models.LeasedWork``).

A partial file is named for the claim that writes it, ``<kind>-<pk>-<attempt>-…``, in one
directory beside the media root: recovery removes exactly the files no live lease holds (a
dead attempt's, or one of work that has ended), however old or new they look. A
``Heartbeat``, called as the work goes (each chunk or packet), renews the lease now and then
and stops the work when another worker has taken it over or when its attempt has spent its
time or size budget.
"""

import re
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from django.conf import settings

PARTIAL_DIR = ".partial"
PARTIAL_NAME = re.compile(r"^(?P<kind>[a-z]+)-(?P<pk>\d+)-(?P<attempt>\d+)-")


class LeaseLost(Exception):
    """Another worker took the work over (this one's lease lapsed): stop, change nothing."""


class OverBudget(Exception):
    """This attempt has taken as long, or written as much, as one may: trying again would
    only take as long again."""


def partial_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / PARTIAL_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def partial_prefix(kind: str, pk: int, attempt: int) -> str:
    """The start of the name of every partial file claim ``attempt`` of the work writes."""
    return f"{kind}-{pk}-{attempt}"


def new_partial(prefix: str, suffix: str) -> str:
    """An empty partial file named for a claim (``prefix``); its path."""
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 (the caller removes it)
        prefix=f"{prefix}-", suffix=suffix, dir=partial_dir(), delete=False
    )
    handle.close()
    return handle.name


class Partial(NamedTuple):
    path: Path
    kind: str
    pk: int
    attempt: int


def partials(kind: str | None = None) -> list[Partial]:
    """Every partial file named for a claim (of ``kind`` only, when given)."""
    found = []
    for path in partial_dir().iterdir():
        if (match := PARTIAL_NAME.match(path.name)) and kind in (None, match["kind"]):
            found.append(Partial(path, match["kind"], int(match["pk"]), int(match["attempt"])))
    return found


class Heartbeat:
    """Keeps one claim alive while its work runs, within its budget.

    Called with the bytes written so far, as often as the work likes (it is cheap): it
    renews the lease through ``renew`` once ``every`` seconds have passed (``renew`` answers
    False when another worker has the work now: LeaseLost), and raises OverBudget with
    ``over_time`` or ``over_size`` once the attempt has run ``max_seconds`` or written
    ``max_bytes`` (None: no such budget).
    """

    def __init__(
        self,
        renew,
        *,
        every: float,
        max_seconds: float | None = None,
        max_bytes: int | None = None,
        over_time: str = "",
        over_size: str = "",
    ):
        self.renew, self.every = renew, every
        self.max_seconds, self.max_bytes = max_seconds, max_bytes
        self.over_time, self.over_size = over_time, over_size
        self.started = self.last_beat = time.monotonic()

    def __call__(self, written: int = 0) -> None:
        now = time.monotonic()
        if self.max_seconds is not None and now - self.started > self.max_seconds:
            raise OverBudget(self.over_time)
        if self.max_bytes is not None and written > self.max_bytes:
            raise OverBudget(self.over_size)
        if now - self.last_beat > self.every:
            if self.renew() is False:
                raise LeaseLost()
            self.last_beat = now
