"""Failure scenarios, chosen by markers in the prompt.

A marker is ``[sandbox:NAME]`` or ``[sandbox:NAME=VALUE]`` anywhere in the prompt (for the
Interactions API: anywhere in the input's text); several can be combined. Counters ("the first N")
are kept per job (for submit: per identical request body, so a client retrying the same submit sees
it succeed after N failures). Columns: OpenRouter, Veo (``predictLongRunning``), Interactions.

===========================  ============================================================
marker                       effect
===========================  ============================================================
``fail``                     job ends failed: OpenRouter ``status: failed`` with an ``error``
                             string; Veo operation ``done`` with ``error {code, message}``;
                             Interactions ``failed`` with ``steps[].error`` and ``errors[]``
``expire``                   OpenRouter: job ends ``expired``. Veo, Interactions: like ``gone``
``gone``                     the content is gone: OpenRouter 410, Veo and Interactions 404 on
                             the file download (Interactions: uri delivery only)
``safety``                   OpenRouter: failed, content-policy error, no cost. Veo:
                             ``raiMediaFilteredCount`` / ``raiMediaFilteredReasons``.
                             Interactions: completed with a text block and no video
``safety-submit``            the submit itself is refused: 400 with ``SAFETY`` in the message
``budget``                   Interactions: ends ``budget_exceeded`` with no video
``429-submit[=N]``           first N submits answer 429 with ``Retry-After: 2`` (default 1)
``429-poll[=N]``             first N polls of the job answer 429 with ``Retry-After: 2``
``500-submit[=N]``           first N submits answer 500 (no job is created)
``500-poll[=N]``             first N polls answer 500
``500-download[=N]``         first N downloads answer 500
``broken-download[=N]``      first N downloads send the full Content-Length, then close the
                             connection half-way through the body
``odd-status[=N]``           first N polls answer a status the API does not document
                             (OpenRouter ``queued_upstream``, Interactions ``paused``)
``slow[=SECONDS]``           the job takes that long (default 60) instead of ``--job-seconds``
``not-video``                the content is an HTML page served as ``video/mp4``
``huge[=BYTES]``             the content is a real MP4 padded with one MP4 ``free`` box to
                             BYTES (default 3 GiB); generated on the fly, Range-capable
``unsigned``                 OpenRouter: only ``unsigned_urls`` (the default behaviour)
``signed-other-host``        OpenRouter: completed job also lists signed ``urls`` on another
                             host (no key needed) with a future ``expires_at``
``signed-expired``           OpenRouter: ``urls`` listed, but ``expires_at`` is in the past and
                             the signed URLs answer 403
``foreign-polling-url``      OpenRouter: ``polling_url`` is absolute on another host
                             (``https://videos.example.net/api/v1/videos/<id>``)
``clips=N``                  outputs of ``sandbox/multi-clip`` (1-4; default 3)
``cost=VALUE``               a hostile provider's bill: OpenRouter reports ``usage.cost`` as
                             VALUE, a JSON number when it reads as one (``NaN``,
                             ``Infinity``, ``-1``, ``1e30``), else the string VALUE.
                             Interactions: every token count in ``usage`` is VALUE
===========================  ============================================================

On the Interactions API the download markers (``gone``, ``expire``, ``huge``, ``500-download``,
``broken-download``) need ``response_format.delivery: "uri"``; with inline delivery they are a
400. An unknown marker is rejected with a 400 so that a typo never silently means "no scenario".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER = re.compile(r"\[sandbox:([a-z0-9-]+)(?:=([^\]\s]*))?\]", re.IGNORECASE)

# Markers that make the first N matching requests fail, then behave normally.
FAULTS = (
    "429-submit",
    "429-poll",
    "500-submit",
    "500-poll",
    "500-download",
    "broken-download",
    "odd-status",
)
FLAGS = (
    "fail",
    "expire",
    "gone",
    "safety",
    "safety-submit",
    "budget",
    "not-video",
    "unsigned",
    "signed-other-host",
    "signed-expired",
    "foreign-polling-url",
)

DEFAULT_SLOW_SECONDS = 60.0
DEFAULT_HUGE_BYTES = 3 * 1024**3
MAX_CLIPS = 4


class ScenarioError(ValueError):
    """A marker that is unknown or has a bad value."""


@dataclass(frozen=True)
class Scenario:
    flags: frozenset[str] = frozenset()
    # Marker name -> how many matching requests fail before things behave normally.
    faults: dict[str, int] = field(default_factory=dict)
    slow_seconds: float | None = None
    huge_bytes: int | None = None
    clips: int | None = None
    # ``cost=VALUE``: what the provider says the job cost (or its token counts), as sent.
    reported_cost: float | str | None = None

    def has(self, flag: str) -> bool:
        return flag in self.flags


def parse(prompt: str) -> Scenario:
    """Read every ``[sandbox:...]`` marker in ``prompt``."""
    flags: set[str] = set()
    faults: dict[str, int] = {}
    slow: float | None = None
    huge: int | None = None
    clips: int | None = None
    reported_cost: float | str | None = None
    for match in MARKER.finditer(prompt):
        name, value = match.group(1).lower(), match.group(2)
        try:
            if name in FAULTS:
                faults[name] = int(value) if value else 1
            elif name in FLAGS and value is None:
                flags.add(name)
            elif name == "slow":
                slow = float(value) if value else DEFAULT_SLOW_SECONDS
            elif name == "huge":
                huge = int(value) if value else DEFAULT_HUGE_BYTES
            elif name == "cost" and value:
                reported_cost = reported(value)
            elif name == "clips" and value:
                clips = min(max(int(value), 1), MAX_CLIPS)
            else:
                raise ScenarioError(f"Unknown sandbox marker {match.group(0)}")
        except ValueError as error:
            if isinstance(error, ScenarioError):
                raise
            raise ScenarioError(f"Bad value in sandbox marker {match.group(0)}") from error
    return Scenario(
        flags=frozenset(flags),
        faults=faults,
        slow_seconds=slow,
        huge_bytes=huge,
        clips=clips,
        reported_cost=reported_cost,
    )


def reported(value: str) -> float | str:
    """A ``cost=`` value as the JSON reply carries it: a number when it reads as one
    (including the NaN and Infinity that Python's JSON writes), else the text itself."""
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value
