"""Fixed-window counters in Django's cache, for budgets on what one client may do (guests on a
share link, password-reset e-mails).

A window opens with the first count and lasts ``seconds``; only digests of addresses, tokens
and e-mail addresses are used as cache keys. With several web processes the counts are shared
only through a shared cache (MARKETOS_REDIS_URL).
"""

import hashlib
import math
import time

from django.core.cache import cache


def hashed(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _key(scope: str, ident: str) -> str:
    return f"rate:{scope}:{ident}"


def count(scope: str, ident: str, seconds: int) -> int:
    """One more in the window ``ident``'s first count opened; the count so far."""
    key = _key(scope, ident)
    if cache.add(key, 1, timeout=seconds):
        cache.set(f"{key}:since", time.time(), timeout=seconds)
        return 1
    try:
        return cache.incr(key)  # keeps the window's expiry (local memory, Redis)
    except ValueError:  # the window ended between the two calls
        cache.add(key, 1, timeout=seconds)
        return 1


def counted(scope: str, ident: str) -> int:
    """The count so far in the current window, without counting."""
    return cache.get(_key(scope, ident)) or 0


def wait(scope: str, ident: str, seconds: int) -> int:
    """Seconds until the current window ends."""
    since = cache.get(f"{_key(scope, ident)}:since")
    if since is None:
        return seconds
    return max(1, math.ceil(since + seconds - time.time()))


def over(budgets) -> int:
    """Count one against each of ``budgets`` ((scope, ident, (limit, seconds)), ...): 0 while
    every one is within its limit, else the seconds to wait for the first one over it."""
    for scope, ident, (limit, seconds) in budgets:
        if count(scope, ident, seconds) > limit:
            return wait(scope, ident, seconds)
    return 0
