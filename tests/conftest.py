import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


def pytest_unconfigure(config):
    """The run's folder (media, static, SQLite files) goes with the run that made it."""
    from django.conf import settings

    if getattr(settings, "RUN_DIR_MADE_BY", None) == os.getpid():
        shutil.rmtree(os.environ["MARKETOS_TEST_RUN_DIR"], ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox():
    """The offline provider, as a real process on an ephemeral port."""
    from sandbox.testing import SandboxProcess

    with SandboxProcess("--job-seconds", "1") as server:
        yield server


@pytest.fixture
def providers(settings, sandbox):
    """Point both provider adapters at the sandbox."""
    settings.OPENROUTER_BASE_URL = sandbox.openrouter_base_url
    settings.GEMINI_BASE_URL = sandbox.gemini_base_url
    return sandbox


@pytest.fixture
def signed_in(browser, live_server, reachable, user):
    """(base URL, open_page): ``open_page(viewport)`` is a new browser page logged in as
    alice, its console and page errors collected in ``page.errors``."""
    from tests.helpers import browser_page, log_in

    contexts = []

    def open_page(viewport):
        errors = []
        context, page = browser_page(browser, viewport, errors)
        contexts.append(context)
        page.errors = errors
        log_in(page, live_server.url)
        return page

    yield live_server.url, open_page
    for context in contexts:
        context.close()


@pytest.fixture
def reachable(providers, settings):
    """The sandbox, and the download guard letting clips come from it (it runs on loopback,
    which the guard refuses to anything not named here)."""
    port = providers.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}", f"localhost:{port}"]
    return providers


class _Misbehaving(BaseHTTPRequestHandler):
    """Answers every request badly, by the first path segment: hang, 500, html, list, drop."""

    def do_GET(self):
        mode = self.path.strip("/").split("/")[0]
        if mode in ("gzip", "trickle"):
            self._stream(mode)
            return
        if mode == "hang":
            time.sleep(self.server.hang_seconds)
            body, status, kind = b"{}", 200, "application/json"
        elif mode == "500":
            body, status, kind = (
                b'{"error":{"code":500,"message":"Internal"}}',
                500,
                "application/json",
            )
        elif mode == "html":
            body, status, kind = b"<html><body>Gateway says hi</body></html>", 200, "text/html"
        elif mode == "drop" and self.path.endswith("/videos/models"):
            # A model list, so that a submit gets as far as being sent (and then dropped).
            model = {"id": "google/veo-3.1", "name": "Veo 3.1", "supported_durations": [8]}
            body, status, kind = json.dumps({"data": [model]}).encode(), 200, "application/json"
        elif mode == "list":
            body, status, kind = json.dumps([1, 2]).encode(), 200, "application/json"
        else:
            body, status, kind = b"", 404, "text/plain"
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up first, as it should on "hang"

    def _stream(self, mode):
        """gzip: a small body that inflates hugely (a bomb); trickle: a byte every 0.2 s."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            if mode == "gzip":
                body = gzip.compress(b"\0" * 10_000_000)
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"\0")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            pass  # the client gave up, as it should

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        mode = self.path.strip("/").split("/")[0]
        if mode == "drop":  # the request arrived; the answer never comes
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def misbehaving_server():
    """A real HTTP server on loopback that hangs, fails or answers HTML depending on the path."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    server.daemon_threads = True
    server.hang_seconds = 5
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: no request counts (rate limits) carried over."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def user(db):
    """The owner of tests/personas.py (alice)."""
    from tests.factories import make_user
    from tests.personas import OWNER

    return make_user(OWNER.username)


@pytest.fixture
def other_user(db):
    """The outsider of tests/personas.py (bob)."""
    from tests.factories import make_user
    from tests.personas import OUTSIDER

    return make_user(OUTSIDER.username)


@pytest.fixture
def agency(user):
    """Alice's agency, with her teammates of tests/personas.py: an admin, a member and a viewer
    (users named after their role)."""
    from tests.factories import add_member, make_user, make_workspace
    from tests.personas import TEAMMATES
    from workspaces.models import Membership

    workspace = make_workspace(user, "Acme Agency")
    for role, persona in TEAMMATES.items():
        add_member(workspace, make_user(persona.username), Membership.Role(role))
    return workspace


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Skips without it, unless CI demands it."""
    executable = shutil.which("chromium")
    if not executable:
        if os.environ.get("MARKETOS_REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def database_url() -> str:
    """The URL of the database the tests are using right now, for worker processes."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """A real ``manage.py db_worker`` process on the test database, pointed at the sandbox."""

    def __init__(self, sandbox, **env):
        port = sandbox.url.rsplit(":", 1)[1]
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "MARKETOS_OPENROUTER_BASE_URL": sandbox.openrouter_base_url,
            "MARKETOS_GEMINI_BASE_URL": sandbox.gemini_base_url,
            "MARKETOS_ALLOW_PRIVATE_HOSTS": f"127.0.0.1:{port},localhost:{port}",
            "MARKETOS_POLL_MIN_SECONDS": "0.3",
            "MARKETOS_POLL_MAX_SECONDS": "1",
            "MARKETOS_CLIP_RETRY_SECONDS": "0.2",
            "MARKETOS_PROVIDER_TIMEOUT": "10",
            **env,
        }
        self.process = None

    def start(self):
        root = Path(__file__).resolve().parent.parent
        run_dir = Path(self.env["MARKETOS_MEDIA_ROOT"]).parent
        run_dir.mkdir(parents=True, exist_ok=True)
        log = open(run_dir / "worker.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay"],
            cwd=root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(providers, transactional_db):
    workers = []

    def start(**env):
        worker = Worker(providers, **env).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
