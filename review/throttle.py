"""Budgets for share-link guests: every request under ``/s/`` counts per client address and per
link, and wrong passwords count per address and link against a much smaller budget, and per
link from every address together (``GUEST_LINK_PASSWORD_RATE``): past that the link is paused,
refusing every password (the right one too) until the window ends, and the team is told once.
A guest's comments count per guest and per address on the link. Over budget: 429 with
Retry-After.

Counts are common.rates' fixed windows that a client's first request opens (``GUEST_RATE`` of
(120, 60) allows 120 requests in the minute after it).
"""

import math

from django.conf import settings
from django.shortcuts import render

from common import rates
from common.client_address import client_ip

# Every guest URL starts with it (review/guest_urls.py builds its paths from it).
PREFIX = "s/"


def spend(request, token: str) -> int:
    """Count one guest request; 0 if within budget, else the seconds to wait."""
    return rates.over(
        (
            ("guest-address", rates.hashed(client_ip(request)), settings.GUEST_RATE),
            ("guest-link", rates.hashed(token), settings.GUEST_LINK_RATE),
        )
    )


def _password_ident(request, link) -> str:
    return rates.hashed(client_ip(request), link.token_digest)


def password_wait(request, link) -> int:
    """0 if this address may still try a password on ``link``, else the seconds to wait."""
    limit, seconds = settings.GUEST_PASSWORD_RATE
    ident = _password_ident(request, link)
    if rates.counted("guest-password", ident) < limit:
        return 0
    return rates.wait("guest-password", ident, seconds)


def paused_wait(link) -> int:
    """0 while ``link`` takes passwords, else the seconds until it does again: too many wrong
    ones were tried on it, from every address together."""
    limit, seconds = settings.GUEST_LINK_PASSWORD_RATE
    if rates.counted("guest-link-password", link.token_digest) < limit:
        return 0
    return rates.wait("guest-link-password", link.token_digest, seconds)


def password_failed(request, link) -> None:
    """Count a wrong password against the address and the link; the one that pauses the link
    tells its team (once per window: only one request counts up to the limit)."""
    rates.count("guest-password", _password_ident(request, link), settings.GUEST_PASSWORD_RATE[1])
    limit, seconds = settings.GUEST_LINK_PASSWORD_RATE
    if rates.count("guest-link-password", link.token_digest, seconds) == limit:
        link.paused_for_wrong_passwords(limit, seconds)


def comment_wait(request, reviewer) -> int:
    """Count one comment (or reply) by the guest ``reviewer``: 0 within budget, else the
    seconds to wait. Counted per name and per address on the link, since a name is typed."""
    budget = settings.GUEST_COMMENT_RATE
    digest = reviewer.link.token_digest
    return rates.over(
        (
            ("guest-comment", rates.hashed(digest, reviewer.guest_name), budget),
            ("guest-comment-address", rates.hashed(digest, client_ip(request)), budget),
        )
    )


def paused(request, wait: int):
    """The plain 429 page of a link paused after too many wrong passwords, with Retry-After."""
    context = {"wait_minutes": math.ceil(wait / 60)}
    response = render(request, "review/share_paused.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


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
