"""Redirects that stay on this site: a ``next`` sent with a form, a link stored for later."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(url: str) -> bool:
    """Whether ``url`` is a path on this site ("/videos/…"), never another host or scheme."""
    return (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


def redirect_back(request, default):
    """Back where the form was (the ``next`` it sent, when it is on this site), else to
    ``default``."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe else default)
