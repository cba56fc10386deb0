"""HTTP plumbing: routing requests to the fake APIs, refusing oversized bodies (413) before reading
them, and writing (streamed) responses."""

from __future__ import annotations

import functools
import itertools
import random
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from . import gemini, openrouter
from .clips import ClipCache
from .config import Config
from .gemini import GeminiAPI
from .interactions import InteractionsAPI
from .openrouter import OpenRouterAPI
from .state import Store
from .web import Request, Response, json_response

# Data-URL images make Gemini bodies large, but nothing legitimate is bigger than this.
# (OpenRouter's own limit, 50 MiB, is openrouter.MAX_SUBMIT_BYTES.)
MAX_BODY_BYTES = 64 * 1024 * 1024
# After a 413, how much of the unread body is discarded, and for how long, before closing.
MAX_DISCARD_BYTES = 512 * 1024 * 1024
DISCARD_TIMEOUT_SECONDS = 4.0  # idle time: reset by every piece that arrives

type Handler = Callable[..., Response]
# What a request is, for --latency, --download-rate and the in-flight list.
SUBMIT, POLL, DOWNLOAD = "submit", "poll", "download"

_VERSION = r"(?P<version>v1beta|v1)"
_MODEL = r"(?P<model>[A-Za-z0-9._-]+)"
_INTERACTION = r"(?P<interaction_id>[A-Za-z0-9_-]+)"


class Sandbox:
    """The application: state, rendered clips and the routing table."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store = Store()
        cache = ClipCache(config.cache_dir)
        self.openrouter = OpenRouterAPI(config, self.store, cache)
        self.gemini = GeminiAPI(config, self.store, cache)
        self.interactions = InteractionsAPI(config, self.store, cache, self.gemini)
        table: list[tuple[str, str, Handler, str | None]] = [
            ("GET", r"/_sandbox/stats", self.stats, None),
            ("GET", r"/_sandbox/inflight", self.inflight, None),
            ("POST", r"/_sandbox/reset", self.reset, None),
            ("GET", r"/_sandbox/signed/(?P<token>[a-z0-9]+)", self.openrouter.signed, DOWNLOAD),
            (
                "GET",
                r"/_sandbox/gemini-files/(?P<file_id>[a-z0-9]+)",
                self.gemini.storage,
                DOWNLOAD,
            ),
            ("POST", r"/api/v1/videos", self.openrouter.submit, SUBMIT),
            ("GET", r"/api/v1/videos/models", self.openrouter.models, None),
            ("GET", r"/api/v1/videos/(?P<job_id>[^/]+)", self.openrouter.poll, POLL),
            ("GET", r"/api/v1/videos/(?P<job_id>[^/]+)/content", self.openrouter.content, DOWNLOAD),
            ("GET", r"/api/v1/key", self.openrouter.key, None),
            ("GET", rf"/{_VERSION}/models", self.gemini.list_models, None),
            ("GET", rf"/{_VERSION}/models/{_MODEL}", self.gemini.get_model, None),
            (
                "POST",
                rf"/{_VERSION}/models/{_MODEL}:predictLongRunning",
                self.gemini.submit,
                SUBMIT,
            ),
            (
                "GET",
                rf"/{_VERSION}/models/{_MODEL}/operations/(?P<operation>[a-z0-9]+)",
                self.gemini.poll,
                POLL,
            ),
            (
                "POST",
                rf"/{_VERSION}/models/{_MODEL}:generateContent",
                self.gemini.omni_generate_content,
                None,
            ),
            (
                "GET",
                rf"/{_VERSION}/files/(?P<file_id>[a-z0-9]+):download",
                self.gemini.download,
                DOWNLOAD,
            ),
            ("GET", rf"/{_VERSION}/files/(?P<file_id>[a-z0-9]+)", self.gemini.file, None),
            ("POST", rf"/{_VERSION}/interactions", self.interactions.create, SUBMIT),
            ("GET", rf"/{_VERSION}/interactions/{_INTERACTION}", self.interactions.get, POLL),
            ("DELETE", rf"/{_VERSION}/interactions/{_INTERACTION}", self.interactions.delete, None),
            (
                "POST",
                rf"/{_VERSION}/interactions/{_INTERACTION}/cancel",
                self.interactions.cancel,
                None,
            ),
        ]
        self.routes = [
            (method, re.compile(pattern), handler, kind) for method, pattern, handler, kind in table
        ]
        # Requests being answered right now, by a number of their own: what, from which port.
        self._inflight: dict[int, tuple[str, str, int, float]] = {}
        self._inflight_lock = threading.Lock()
        self._inflight_ids = itertools.count()

    def stats(self, request: Request) -> Response:
        return json_response(200, self.store.stats())

    def inflight(self, request: Request) -> Response:
        """Submits, polls and downloads being answered now, and the client port each came from:
        a fault campaign kills the worker holding that port while its request is in flight."""
        now = time.monotonic()
        with self._inflight_lock:
            entries = list(self._inflight.values())
        return json_response(
            200,
            {
                "requests": [
                    {"kind": kind, "path": path, "client_port": port, "seconds": now - since}
                    for kind, path, port, since in entries
                ]
            },
        )

    @contextmanager
    def answering(self, kind: str, path: str, client_port: int) -> Iterator[None]:
        number = next(self._inflight_ids)
        with self._inflight_lock:
            self._inflight[number] = (kind, path, client_port, time.monotonic())
        try:
            yield
        finally:
            with self._inflight_lock:
                del self._inflight[number]

    def reset(self, request: Request) -> Response:
        self.store.reset()
        self.interactions.reset()
        return json_response(200, {"ok": True})

    def route(self, request: Request) -> tuple[Callable[[], Response], str | None]:
        """The call that answers ``request``, and what kind of request it is."""
        path_matched = False
        for method, pattern, handler, kind in self.routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if method == request.method:
                return functools.partial(handler, request, **match.groupdict()), kind
        return functools.partial(self._no_route, request, 405 if path_matched else 404), None

    def handle(self, request: Request) -> Response:
        answer, _ = self.route(request)
        return answer()

    @staticmethod
    def _no_route(request: Request, status: int) -> Response:
        message = "Method Not Allowed" if status == 405 else "Not Found"
        if request.path.startswith("/api/"):
            return openrouter.error(status, message)
        if request.path.startswith("/v1"):
            return gemini.error(status, "NOT_FOUND" if status == 404 else "UNIMPLEMENTED", message)
        return json_response(status, {"error": message})

    @staticmethod
    def crashed(request: Request) -> Response:
        if request.path.startswith("/api/"):
            return openrouter.error(500, "Internal Server Error")
        return gemini.internal_error()


class SandboxHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, as clients of the real APIs expect; without Nagle's
    # algorithm, as real servers run, a head and body written apart do not wait on each other.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "MarketOS-Sandbox/1.0"
    sys_version = ""
    server: SandboxServer

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            # The client died mid-request (a worker killed by a fault campaign): nothing to do.
            self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def handle_expect_100(self) -> bool:
        # A client that waits for "100 Continue" is told 413 without sending the body at all.
        refusal = self._oversized()
        if refusal is not None:
            self.close_connection = True
            self._write(refusal)
            return False
        return super().handle_expect_100()

    def _oversized(self) -> Response | None:
        """The 413 for a body over the API's limit, judged by Content-Length alone."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        path = urlsplit(self.path).path
        if path.startswith("/api/"):
            return openrouter.too_large(length) if length > openrouter.MAX_SUBMIT_BYTES else None
        if length > MAX_BODY_BYTES:
            return gemini.error(
                413,
                "INVALID_ARGUMENT",
                f"Request payload size exceeds the limit: {MAX_BODY_BYTES} bytes.",
            )
        return None

    def _dispatch(self) -> None:
        refusal = self._oversized()
        if refusal is not None:
            # Answer before reading a byte of the body, then discard what the client still
            # sends so that it can read the answer instead of hitting a reset connection.
            self.close_connection = True
            self._write(refusal)
            self._discard_body(int(self.headers.get("Content-Length") or 0))
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=unquote(parts.path),
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        sandbox = self.server.sandbox
        answer, kind = sandbox.route(request)
        if kind is None:
            self._answer(request, answer, rate=None)
            return
        with sandbox.answering(kind, request.path, self.client_address[1]):
            if kind in (SUBMIT, POLL) and sandbox.config.latency:
                # The request has arrived: what happens next happens even if the client dies.
                time.sleep(sandbox.config.latency * random.uniform(0.5, 1.5))  # noqa: S311
            self._answer(
                request, answer, rate=sandbox.config.download_rate if kind == DOWNLOAD else None
            )

    def _answer(self, request: Request, answer: Callable[[], Response], rate: int | None) -> None:
        try:
            response = answer()
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = Sandbox.crashed(request)
        self._write(response, rate)

    def _discard_body(self, length: int) -> None:
        try:
            self.wfile.flush()
            self.connection.settimeout(DISCARD_TIMEOUT_SECONDS)
            remaining = min(length, MAX_DISCARD_BYTES)
            while remaining > 0:
                chunk = self.rfile.read1(min(remaining, 1024 * 1024))
                if not chunk:
                    return
                remaining -= len(chunk)
        except OSError:
            return

    def _write(self, response: Response, rate: int | None = None) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(response.content_length))
        self.end_headers()
        body = response.body
        try:
            if isinstance(body, bytes):
                self.wfile.write(body)
                return
            budget = response.truncate_after
            sent, started = 0, time.monotonic()
            for chunk in body.chunks():
                if budget is not None and len(chunk) >= budget:
                    self.wfile.write(chunk[:budget])
                    self._drop_connection()
                    return
                if rate:
                    sent = self._paced(chunk, rate, sent, started)
                else:
                    self.wfile.write(chunk)
                if budget is not None:
                    budget -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away mid-body (a cancelled or ranged download); nothing to do.
            self.close_connection = True

    def _paced(self, chunk: bytes, rate: int, sent: int, started: float) -> int:
        """Write ``chunk`` in small pieces, each no sooner than ``rate`` allows; returns the
        bytes sent so far."""
        step = max(1024, rate // 20)
        for offset in range(0, len(chunk), step):
            piece = chunk[offset : offset + step]
            sent += len(piece)
            time.sleep(max(0.0, sent / rate - (time.monotonic() - started)))
            self.wfile.write(piece)
        return sent

    def _drop_connection(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.sandbox.config.quiet:
            super().log_message(format, *args)


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        super().__init__(address, SandboxHandler)
