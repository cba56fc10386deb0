"""Status panel polls that find nothing new, answered before the rest of the request is built.

A page watching a running job polls its panel every 2 s, and almost every poll finds the job as it
was. The full path costs a session query, a user query, the version lookup and a pass through every
middleware; with hundreds of people watching their jobs that is most of the server's work.

So the panel's poll URL carries a pass: ``t``, signed by us, naming the job and (as a keyed hash,
never the key itself) the session it was given to, issued only by a view that has just passed the
access check for that job. While the pass is fresh, a poll from that same session whose version
``v`` still matches answers 204 from one indexed column, ahead of sessions, users and the rest.
Anything else (a stale or foreign pass, another session, a changed job) goes the full way, which
checks access again and hands out a new pass. A pass outlives a logout or a lost membership by
at most ``PASS_SECONDS``, and all it can tell in that time is "nothing changed".
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import VideoJob

PASS_SECONDS = 300
_SALT = "videos.live.panel-pass"
_signer = signing.TimestampSigner(salt=_SALT)


def _session_tag(session_key: str) -> str:
    return salted_hmac(_SALT, session_key, algorithm="sha256").hexdigest()[:24]


def poll_url(request, public_id, version: str) -> str:
    """The URL the panel polls: its version and a pass for this session."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    token = _signer.sign_object({"j": str(public_id), "s": _session_tag(session_key)})
    return f"{reverse('videos:job_live', args=[public_id])}?v={version}&t={token}"


def _granted(request) -> str | None:
    """The job that a fresh pass on this request names, if it was given to this session."""
    token = request.GET.get("t")
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not token or not session_key:
        return None
    try:
        granted = _signer.unsign_object(token, max_age=PASS_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(granted, dict) or not isinstance(granted.get("j"), str):
        return None
    if not constant_time_compare(str(granted.get("s")), _session_tag(session_key)):
        return None
    return granted["j"]


def pass_holds(request, public_id) -> bool:
    """Whether the request carries a fresh pass for this job, given to this session."""
    return _granted(request) == str(public_id)


class UnchangedPanelMiddleware:
    """Answers 204 to a panel poll with a fresh pass and an unchanged version (see above)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "GET" and "t" in request.GET and self._unchanged(request):
            return HttpResponse(status=204)
        return self.get_response(request)

    @staticmethod
    def _unchanged(request) -> bool:
        public_id = _granted(request)
        if public_id is None or request.path_info != reverse("videos:job_live", args=[public_id]):
            return False
        version = request.GET.get("v")
        return version is not None and VideoJob.panel_version_of(public_id) == version
