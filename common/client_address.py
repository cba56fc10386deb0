"""Who is asking: the client's address, also behind the reverse proxies the operator trusts.

Login throttling counts failures per address, so behind nginx the proxy's own address must not
stand for every visitor (one attacker would lock everybody out), and a visitor must not be able
to choose their address by sending an X-Forwarded-For header of their own.
"""

from django.conf import settings


def client_ip(request) -> str:
    """``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` proxies in front, the address the
    outermost trusted proxy saw (counted from the right of X-Forwarded-For)."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-hops] if len(forwarded) >= hops else remote
