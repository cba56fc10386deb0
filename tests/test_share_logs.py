"""Share-link tokens never reach the log: the refused guest requests Django logs (a wrong
password, a dead link, a refused download or comment), its development server's lines and
gunicorn's access lines all name the link as ``/s/[link]/``."""

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.urls import reverse

from review.models import Comment, Reviewer, ShareLink
from tests.conftest import database_url
from tests.factories import make_job, make_project, make_ready_clip, member
from tests.personas import OWNER
from videos.models import VideoJob

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_log():
    """What the app's own log handler (settings LOGGING's "console") writes, meanwhile."""
    (handler,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    written = io.StringIO()
    before = handler.setStream(written)
    yield written
    handler.setStream(before)


@pytest.fixture
def shared(agency, user):
    """A project with a ready clip and a team comment, shared by a password link, a view-only
    link and a revoked one: (clip, comment, {name: token})."""
    project = make_project(agency)
    job = make_job(user, agency, project=project, status=VideoJob.Status.READY, prompt="Dawn")
    clip = make_ready_clip(job)
    alice = member(agency, OWNER)
    comment = Comment.add(clip, "Team remark", by=Reviewer.member(alice))
    _, locked = ShareLink.create(by=alice, project=project, password="open sesame")
    _, viewing = ShareLink.create(by=alice, project=project)
    dead, dead_token = ShareLink.create(by=alice, project=project)
    dead.revoke(by=alice)
    return clip, comment, {"locked": locked, "viewing": viewing, "dead": dead_token}


def refuse_guests(base, get, post, clip, comment, tokens):
    """Refused guest requests of every kind; the statuses they got."""
    job = clip.job.public_id
    return [
        post(f"{base}/s/{tokens['locked']}/", {"name": "Eve", "password": "wrong guess"}),
        get(f"{base}/s/{tokens['dead']}/videos/"),
        get(f"{base}/s/{tokens['dead']}/clip/{job}/1/"),
        get(f"{base}/s/made-up-{tokens['viewing'][:20]}/videos/"),
        get(f"{base}/s/{tokens['viewing']}/videos/{job}/clips/1/download"),
        post(f"{base}/s/{tokens['viewing']}/clip/{job}/1/comments/{comment.public_id}/resolve/"),
    ]


@pytest.mark.django_db
def test_refused_guest_requests_are_logged_without_the_link_s_token(shared, app_log):
    clip, comment, tokens = shared
    guest = Client()
    guest.post(reverse("share:gate", args=[tokens["viewing"]]), {"name": "Dana"})

    def get(url):
        return guest.get(url).status_code

    def post(url, data=None):
        return guest.post(url, data or {}).status_code

    assert refuse_guests("", get, post, clip, comment, tokens) == [400, 404, 404, 404, 403, 403]
    # The development server's line about the same request.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /s/{tokens['dead']}/videos/ HTTP/1.1", "404", "1234"
    )
    log = app_log.getvalue()
    assert "Bad Request: /s/[link]/" in log
    assert "Not Found: /s/[link]/videos/" in log
    assert "Forbidden: /s/[link]/videos/" in log  # the download a link does not allow
    assert "Forbidden (Permission denied): /s/[link]/clip/" in log  # another's comment
    assert '"GET /s/[link]/videos/ HTTP/1.1" 404' in log
    for token in tokens.values():
        assert token not in log and token[:20] not in log


@pytest.mark.django_db(transaction=True)
def test_gunicorn_s_access_lines_and_django_s_name_no_token(shared, tmp_path):
    clip, comment, tokens = shared
    port = free_port()
    output = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
    }
    with output.open("wb") as sink:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "marketos.wsgi"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--access-logfile", "-"),
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                httpx.get(f"{base}/healthz").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client() as browser:
            gate = browser.get(f"{base}/s/{tokens['viewing']}/").text
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', gate)[1]

            def get(url):
                return browser.get(url, follow_redirects=False).status_code

            def post(url, data=None):
                data = {**(data or {}), "csrfmiddlewaretoken": csrf}
                return browser.post(url, data=data, follow_redirects=False).status_code

            assert post(f"{base}/s/{tokens['viewing']}/", {"name": "Dana"}) == 302  # admitted
            statuses = refuse_guests(base, get, post, clip, comment, tokens)
    finally:
        server.terminate()
        server.wait(15)
    assert statuses == [400, 404, 404, 404, 403, 403]
    log = output.read_text()
    assert "gunicorn.access" in log and '"GET /s/[link]/videos/ HTTP/1.1" 404' in log
    assert "Not Found: /s/[link]/videos/" in log and "Bad Request: /s/[link]/" in log
    for token in tokens.values():
        assert token not in log and token[:20] not in log
