"""Budgets for share-link guests: every request under ``/s/`` counts per client address and per
link, and wrong passwords count per address and link against a much smaller budget. Over
budget: 429 with Retry-After.

Counts live in Django's cache, in fixed windows (``GUEST_RATE`` of (120, 60) allows 120
requests in each minute). Only digests of addresses and tokens are used as cache keys.
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


def _window(scope: str, ident: str, seconds: int) -> tuple[str, int]:
    """The cache key of the current window and the seconds until it ends."""
    now = time.time()
    window = int(now // seconds)
    return f"guest-rate:{scope}:{ident}:{window}", max(1, math.ceil((window + 1) * seconds - now))


def _count(scope: str, ident: str, seconds: int) -> tuple[int, int]:
    """One more in this window: (the count so far, seconds until the window ends)."""
    key, wait = _window(scope, ident, seconds)
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key), wait
    except ValueError:  # the window ended between the two calls
        cache.set(key, 1, timeout=seconds + 1)
        return 1, wait


def spend(request, token: str) -> int:
    """Count one guest request; 0 if within budget, else the seconds to wait."""
    budgets = (
        ("address", _hashed(client_ip(request)), settings.GUEST_RATE),
        ("link", _hashed(token), settings.GUEST_LINK_RATE),
    )
    for scope, ident, (limit, seconds) in budgets:
        count, wait = _count(scope, ident, seconds)
        if count > limit:
            return wait
    return 0


def _password_ident(request, link) -> str:
    return _hashed(client_ip(request), link.token_digest)


def password_wait(request, link) -> int:
    """0 if this address may still try a password on ``link``, else the seconds to wait."""
    limit, seconds = settings.GUEST_PASSWORD_RATE
    key, wait = _window("password", _password_ident(request, link), seconds)
    return wait if (cache.get(key) or 0) >= limit else 0


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
