"""HTTP plumbing: routing requests to the fake APIs, refusing oversized bodies (413) before reading
them, and writing (streamed) responses."""

from __future__ import annotations

import re
import socket
import sys
import traceback
from collections.abc import Callable
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
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/_sandbox/stats", self.stats),
            ("POST", r"/_sandbox/reset", self.reset),
            ("GET", r"/_sandbox/signed/(?P<token>[a-z0-9]+)", self.openrouter.signed),
            ("GET", r"/_sandbox/gemini-files/(?P<file_id>[a-z0-9]+)", self.gemini.storage),
            ("POST", r"/api/v1/videos", self.openrouter.submit),
            ("GET", r"/api/v1/videos/models", self.openrouter.models),
            ("GET", r"/api/v1/videos/(?P<job_id>[^/]+)", self.openrouter.poll),
            ("GET", r"/api/v1/videos/(?P<job_id>[^/]+)/content", self.openrouter.content),
            ("GET", r"/api/v1/key", self.openrouter.key),
            ("GET", rf"/{_VERSION}/models", self.gemini.list_models),
            ("GET", rf"/{_VERSION}/models/{_MODEL}", self.gemini.get_model),
            (
                "POST",
                rf"/{_VERSION}/models/{_MODEL}:predictLongRunning",
                self.gemini.submit,
            ),
            (
                "GET",
                rf"/{_VERSION}/models/{_MODEL}/operations/(?P<operation>[a-z0-9]+)",
                self.gemini.poll,
            ),
            (
                "POST",
                rf"/{_VERSION}/models/{_MODEL}:generateContent",
                self.gemini.omni_generate_content,
            ),
            (
                "GET",
                rf"/{_VERSION}/files/(?P<file_id>[a-z0-9]+):download",
                self.gemini.download,
            ),
            ("GET", rf"/{_VERSION}/files/(?P<file_id>[a-z0-9]+)", self.gemini.file),
            ("POST", rf"/{_VERSION}/interactions", self.interactions.create),
            ("GET", rf"/{_VERSION}/interactions/{_INTERACTION}", self.interactions.get),
            ("DELETE", rf"/{_VERSION}/interactions/{_INTERACTION}", self.interactions.delete),
            (
                "POST",
                rf"/{_VERSION}/interactions/{_INTERACTION}/cancel",
                self.interactions.cancel,
            ),
        ]
        self.routes = [(method, re.compile(pattern), handler) for method, pattern, handler in table]

    def stats(self, request: Request) -> Response:
        return json_response(200, self.store.stats())

    def reset(self, request: Request) -> Response:
        self.store.reset()
        self.interactions.reset()
        return json_response(200, {"ok": True})

    def handle(self, request: Request) -> Response:
        path_matched = False
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            path_matched = True
            if method == request.method:
                return handler(request, **match.groupdict())
        return self._no_route(request, 405 if path_matched else 404)

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
        try:
            response = self.server.sandbox.handle(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = Sandbox.crashed(request)
        self._write(response)

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

    def _write(self, response: Response) -> None:
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
            for chunk in body.chunks():
                if budget is not None and len(chunk) >= budget:
                    self.wfile.write(chunk[:budget])
                    self._drop_connection()
                    return
                self.wfile.write(chunk)
                if budget is not None:
                    budget -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # The client went away mid-body (a cancelled or ranged download); nothing to do.
            self.close_connection = True

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
