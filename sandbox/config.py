"""Settings of one sandbox process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OPENROUTER_KEY_PREFIX = "sk-or-v1-sandbox"
GEMINI_KEY_PREFIX = "AIzaSandbox"


@dataclass(frozen=True)
class Config:
    job_seconds: float
    cache_dir: Path
    # Exact keys to accept; None accepts any key with the sandbox prefix.
    openrouter_keys: frozenset[str] | None = None
    gemini_keys: frozenset[str] | None = None
    quiet: bool = False
    # How long every submit and poll takes to answer, in seconds (randomised 0.5x to 1.5x), and
    # how fast downloads flow (bytes per second; None: as fast as the socket goes). A real API
    # is slow; a slow sandbox lets a fault campaign catch a worker with a request in flight.
    latency: float = 0.0
    download_rate: int | None = None

    def openrouter_key_ok(self, key: str) -> bool:
        if self.openrouter_keys is not None:
            return key in self.openrouter_keys
        return key.startswith(OPENROUTER_KEY_PREFIX)

    def gemini_key_ok(self, key: str) -> bool:
        if self.gemini_keys is not None:
            return key in self.gemini_keys
        return key.startswith(GEMINI_KEY_PREFIX)


def parse_keys(value: str | None) -> frozenset[str] | None:
    """``"a,b"`` -> ``{"a", "b"}``; empty or unset means "use the prefix rule"."""
    if not value:
        return None
    keys = frozenset(part.strip() for part in value.split(",") if part.strip())
    return keys or None
