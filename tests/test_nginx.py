"""The shipped nginx config, run for real in front of the app: clips are handed to nginx with
X-Accel-Redirect only after Django checked who is asking.

deploy/nginx/marketos.conf is rendered into a temporary prefix (loopback port, the test's media
and static folders, the live server as upstream) and run unprivileged by an ``nginx`` process.
Without nginx the test is skipped, except in CI (``CI`` or ``MARKETOS_REQUIRE_NGINX`` set).
"""

import http.client
import os
import pwd
import re
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from sandbox.clips import ClipSpec, render
from tests.factories import make_clip, make_job, make_key
from videos.models import Clip, VideoJob

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "marketos.conf"
ACCEL_PREFIX = "/protected-media/"
CLIENT_ADDRESS = "127.0.0.2"  # a loopback address other than nginx's own, to tell them apart


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if not found and os.access("/usr/sbin/nginx", os.X_OK):
        found = "/usr/sbin/nginx"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_site(upstream: str, port: int, media_root: Path, static_root: Path) -> str:
    """The shipped site config with this machine's addresses and folders, nothing else."""
    text = SITE.read_text()
    substitutions = [
        (r"(?m)^(\s*)server 127\.0\.0\.1:8000;", rf"\g<1>server {upstream};"),
        (r"(?m)^(\s*)listen 80;", rf"\g<1>listen 127.0.0.1:{port};"),
        (r"(?m)^(\s*)alias /srv/marketos/media/;", rf"\g<1>alias {media_root}/;"),
        (r"(?m)^(\s*)alias /srv/marketos/static/;", rf"\g<1>alias {static_root}/;"),
    ]
    for pattern, replacement in substitutions:
        text, count = re.subn(pattern, replacement, text)
        assert count == 1, f"{SITE.name}: expected one line matching {pattern}"
    return text


def main_config(prefix: Path) -> str:
    """An nginx.conf that needs no privileges: everything it writes is under ``prefix``."""
    # Run as root (containers), the workers would drop to "nobody" and could not read the
    # test's private temporary folders.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind}_temp;"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 64; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp_paths}
    include {prefix}/marketos.conf;
}}
"""


class Nginx:
    def __init__(self, binary: str, prefix: Path, port: int):
        self.binary, self.prefix, self.port = binary, prefix, port
        self.conf = prefix / "nginx.conf"
        self.process = None

    def command(self, *extra) -> list[str]:
        error_log = str(self.prefix / "error.log")
        return [self.binary, "-p", str(self.prefix), "-c", str(self.conf), "-e", error_log, *extra]

    def start(self):
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"nginx did not start listening:\n{self.error_log()}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()  # the master stops its workers
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def get(self, path, headers=None, *, method="GET", body=None, source=CLIENT_ADDRESS):
        """One request from ``source``, as a visitor elsewhere would send it."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source, 0)
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            response.body = response.read()
            return response
        finally:
            connection.close()


@pytest.fixture
def nginx(live_server, settings, tmp_path):
    binary = nginx_binary()
    if not binary:
        message = "nginx is not installed (apt-get install -y nginx)"
        if os.environ.get("CI") or os.environ.get("MARKETOS_REQUIRE_NGINX"):
            pytest.fail(message)
        pytest.skip(message)
    settings.MEDIA_ACCEL_PREFIX = ACCEL_PREFIX
    settings.TRUSTED_PROXY_COUNT = 1  # nginx is the one proxy in front
    media_root, static_root = Path(settings.MEDIA_ROOT), Path(settings.STATIC_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    static_root.mkdir(parents=True, exist_ok=True)
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    port = free_port()
    upstream = f"127.0.0.1:{live_server.thread.port}"
    (prefix / "marketos.conf").write_text(render_site(upstream, port, media_root, static_root))
    (prefix / "nginx.conf").write_text(main_config(prefix))
    server = Nginx(binary, prefix, port).start()
    yield server
    server.stop()


@pytest.fixture
def clip(user, tmp_path):
    """A ready clip of alice's with a real, playable MP4 in the media root."""
    job = make_job(
        user,
        key=make_key(user),
        idempotency_key=uuid.uuid4().hex,
        provider="openrouter",
        model="google/veo-3.1",
        prompt="A harbour at dawn",
        parameters={"duration": 1, "sample_count": 1},
        status=VideoJob.Status.READY,
        provider_job_id=f"gen-vid-1-{uuid.uuid4().hex[:20]}",
    )
    video = tmp_path / "clip.mp4"
    render(ClipSpec("A harbour at dawn", 320, 180, 1, 0, 1, False), video)
    return make_clip(job, status=Clip.Status.READY, video_bytes=video.read_bytes())


def session_cookie(user) -> dict:
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    return {"Cookie": f"{cookie.key}={cookie.value}"}


def test_the_owner_gets_the_clip_from_nginx_after_django_said_yes(nginx, clip, user, live_server):
    owner = session_cookie(user)
    url = reverse("videos:clip_download", args=[clip.job.public_id, 1])
    stored = Path(default_storage.path(clip.file.name))
    data = stored.read_bytes()

    # Django itself answers with a hand-off and no body.
    direct = http.client.HTTPConnection("127.0.0.1", live_server.thread.port, timeout=10)
    direct.request("GET", url, headers=owner)
    handoff = direct.getresponse()
    assert handoff.status == 200 and handoff.read() == b""
    assert handoff.getheader("X-Accel-Redirect") == ACCEL_PREFIX + clip.file.name
    direct.close()

    # Through nginx: the file's bytes, served by nginx's static module (its ETag is the file's
    # modification time and size), with Django's type and download name.
    response = nginx.get(url, owner)
    assert response.status == 200, nginx.error_log()
    assert response.body == data
    assert response.getheader("Content-Length") == str(len(data))
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Content-Type") == "video/mp4"
    assert response.getheader("X-Accel-Redirect") is None
    # Private, as when Django sends the file itself: no shared cache keeps it.
    assert response.getheader("Cache-Control") == "private, max-age=3600"
    info = stored.stat()
    assert response.getheader("ETag") == f'"{int(info.st_mtime):x}-{info.st_size:x}"'
    filename = clip.download_name(1)
    assert filename == "a-harbour-at-dawn-1-of-1.mp4"
    assert response.getheader("Content-Disposition") == f'attachment; filename="{filename}"'

    # The player's URL: inline.
    inline = nginx.get(reverse("videos:clip_file", args=[clip.job.public_id, 1]), owner)
    assert inline.status == 200 and inline.body == data
    assert inline.getheader("Content-Disposition") == "inline"


def test_a_range_is_answered_by_nginx(nginx, clip, user):
    url = reverse("videos:clip_file", args=[clip.job.public_id, 1])
    data = Path(default_storage.path(clip.file.name)).read_bytes()
    response = nginx.get(url, {**session_cookie(user), "Range": "bytes=100-199"})
    assert response.status == 206, nginx.error_log()
    assert response.body == data[100:200]
    assert response.getheader("Content-Range") == f"bytes 100-199/{len(data)}"
    assert response.getheader("Content-Length") == "100"
    assert response.getheader("Content-Type") == "video/mp4"


@pytest.mark.parametrize("stem", ["clip 1", "clip%201", "clïp ?#;+"])
def test_names_that_need_quoting_reach_the_right_file(nginx, clip, user, stem):
    name = f"clips/{clip.job.public_id}/{stem}.mp4"
    stored = default_storage.save(name, ContentFile(b"stored as " + stem.encode()))
    assert stored == name
    Clip.objects.filter(pk=clip.pk).update(file=name)
    response = nginx.get(
        reverse("videos:clip_file", args=[clip.job.public_id, 1]), session_cookie(user)
    )
    assert response.status == 200, nginx.error_log()
    assert response.body == b"stored as " + stem.encode()


def test_nobody_else_gets_the_clip(nginx, clip, other_user):
    for name in ("clip_file", "clip_download"):
        url = reverse(f"videos:{name}", args=[clip.job.public_id, 1])
        stranger = nginx.get(url, session_cookie(other_user))
        assert stranger.status == 404, name
        assert stranger.getheader("Content-Type").startswith("text/html")
        assert b"ftyp" not in stranger.body

        anonymous = nginx.get(url)
        assert anonymous.status == 302, name
        assert anonymous.getheader("Location").startswith(reverse("login") + "?next=")
        assert anonymous.body == b""


def test_the_media_location_is_internal(nginx, clip, user):
    path = ACCEL_PREFIX + clip.file.name
    assert Path(default_storage.path(clip.file.name)).exists()
    for headers in ({}, session_cookie(user)):
        response = nginx.get(path, headers)
        assert response.status == 404
        assert b"ftyp" not in response.body


def test_django_sees_the_visitors_address_and_scheme_that_nginx_forwards(nginx, user, settings):
    """Failed logins count per address: the one nginx saw, not nginx's, not a forged one. The
    scheme is nginx's too: a forged "https" would make Django demand a Referer (403)."""
    from axes.models import AccessAttempt

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    login = nginx.get(reverse("login"))
    assert login.status == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', login.body)[1].decode()
    csrf = re.search(r"csrftoken=([^;]+)", login.getheader("Set-Cookie"))[1]
    form = f"username=alice&password=wrong-password&csrfmiddlewaretoken={token}"
    refused = nginx.get(
        reverse("login"),
        {
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": "203.0.113.9",  # forged by the visitor
            "X-Forwarded-Proto": "https",  # forged too
        },
        method="POST",
        body=form,
    )
    assert refused.status == 200  # the form again, with an error
    attempt = AccessAttempt.objects.get(username="alice")
    assert attempt.ip_address == CLIENT_ADDRESS


def test_static_files_and_the_upload_limit(nginx, settings):
    name = f"nginx-test-{uuid.uuid4().hex}.css"
    (Path(settings.STATIC_ROOT) / name).write_text("body { color: black; }")
    response = nginx.get(f"/static/{name}")
    assert response.status == 200 and response.body == b"body { color: black; }"
    assert response.getheader("Content-Type") == "text/css"
    assert response.getheader("Cache-Control") == "max-age=604800"  # expires 7d
    # Five 10 MB images fit; far more is refused by nginx before it reaches the app.
    too_big = nginx.get(
        reverse("videos:generate"), {"Content-Length": str(65 * 1024 * 1024)}, method="POST"
    )
    assert too_big.status == 413
