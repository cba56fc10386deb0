"""Budgets for share-link guests: every request under ``/s/`` counts per client address and per
link, and wrong passwords count per address and link against a much smaller budget. Over
budget: 429 with Retry-After.

Counts live in Django's cache, in fixed windows that a client's first request opens
(``GUEST_RATE`` of (120, 60) allows 120 requests in the minute after it). Only digests of
addresses and tokens are used as cache keys.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from marketos.client_ip import client_ip

# Every guest URL starts with it (review/guest_urls.py builds its paths from it).
PREFIX = "s/"


def _hashed(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _key(scope: str, ident: str) -> str:
    return f"guest-rate:{scope}:{ident}"


def _count(scope: str, ident: str, seconds: int) -> int:
    """One more in the window this client's first request opened; the count so far."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=seconds):
        cache.set(f"{key}:since", time.time(), timeout=seconds)
        return 1
    try:
        return cache.incr(key)  # keeps the window's expiry (local memory, Redis)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=seconds)
        return 1


def _wait(scope: str, ident: str, seconds: int) -> int:
    """Seconds until the current window ends."""
    since = cache.get(f"{_key(scope, ident)}:since")
    if since is None:
        return seconds
    return max(1, math.ceil(since + seconds - time.time()))


def spend(request, token: str) -> int:
    """Count one guest request; 0 if within budget, else the seconds to wait."""
    budgets = (
        ("address", _hashed(client_ip(request)), settings.GUEST_RATE),
        ("link", _hashed(token), settings.GUEST_LINK_RATE),
    )
    for scope, ident, (limit, seconds) in budgets:
        if _count(scope, ident, seconds) > limit:
            return _wait(scope, ident, seconds)
    return 0


def _password_ident(request, link) -> str:
    return _hashed(client_ip(request), link.token_digest)


def password_wait(request, link) -> int:
    """0 if this address may still try a password on ``link``, else the seconds to wait."""
    limit, seconds = settings.GUEST_PASSWORD_RATE
    ident = _password_ident(request, link)
    if (cache.get(_key("password", ident)) or 0) < limit:
        return 0
    return _wait("password", ident, seconds)


def password_failed(request, link) -> None:
    _count("password", _password_ident(request, link), settings.GUEST_PASSWORD_RATE[1])


def too_many(request, wait: int, what: str = "requests"):
    """The plain 429 page, with Retry-After."""
    response = render(
        request,
        "review/share_throttled.html",
        {"wait_minutes": math.ceil(wait / 60), "what": what},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


class GuestRateMiddleware:
    """Counts every guest request before its view runs; answers 429 over budget. Guest pages
    are also kept out of search engines."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/" + PREFIX

    def __call__(self, request):
        if not request.path_info.startswith(self.prefix):
            return self.get_response(request)
        token = request.path_info[len(self.prefix) :].split("/", 1)[0]
        wait = spend(request, token)
        response = too_many(request, wait) if wait else self.get_response(request)
        response.setdefault("X-Robots-Tag", "noindex, nofollow")
        return response
