"""What every provider adapter speaks: plain dataclasses in, plain dataclasses out, typed errors.

Nothing outside ``videos.providers`` performs provider I/O; the rest of the app only sees these
types. Error messages are written for the user who owns the key; ``raw`` keeps the provider's own
words for admins. No error ever carries a secret.
"""

from dataclasses import dataclass, field
from typing import Protocol


class ProviderError(Exception):
    """Base of all provider failures. ``str(error)`` is safe to show to the key's owner."""

    def __init__(self, message: str, *, raw: str = "", status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.raw = raw
        self.status_code = status_code


class InvalidKey(ProviderError):
    """The provider refused the key (401/403, or Gemini's API_KEY_INVALID)."""


class OutOfCredits(ProviderError):
    """The key's account cannot pay for this (OpenRouter 402)."""


class BadRequest(ProviderError):
    """The provider refused the request's parameters; ``message`` is the provider's explanation."""


class RateLimited(ProviderError):
    """Too many requests (429, or 503 with Retry-After); try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    """A temporary failure: timeout, connection error, 5xx. Safe to retry later."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class UnexpectedResponse(ProviderUnavailable):
    """The provider answered, but not with the JSON its API documents."""


@dataclass(frozen=True)
class KeyCheck:
    """The result of asking a provider whether a key works."""

    detail: str = ""
    extra: dict = field(default_factory=dict)


class Provider(Protocol):
    slug: str

    def verify_key(self) -> KeyCheck:
        """Ask the provider whether the key works. Raises InvalidKey or another ProviderError."""
        ...
