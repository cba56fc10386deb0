"""The download guard lives in the providers' HTTP layer: every output download passes it."""

import pytest

from providers import http
from providers.base import OutputTooLarge, UnsafeURL
from providers.gemini import GeminiProvider
from providers.openrouter import OpenRouterProvider
from tests.factories import GEMINI_KEY, OPENROUTER_KEY
from tests.helpers import finished_output


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/clip.mp4",
        "http://example.com/clip.mp4",  # plain http to a public host
        "https://127.0.0.1/clip.mp4",
        "https://localhost/clip.mp4",
        "https://10.1.2.3/clip.mp4",
        "https://192.168.0.10/clip.mp4",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/clip.mp4",
        "https://[::ffff:127.0.0.1]/clip.mp4",
        "https://user:pw@example.com/clip.mp4",
        "https:///no-host",
        "https://example.com:99999/clip.mp4",  # a port out of range is refused, not a crash
    ],
)
def test_unsafe_urls_are_refused(url, settings):
    settings.ALLOW_PRIVATE_HOSTS = []
    with pytest.raises(UnsafeURL):
        http.check_url(url)


def test_an_allowed_private_host_port_may_use_http(settings):
    settings.ALLOW_PRIVATE_HOSTS = ["127.0.0.1:8100"]
    http.check_url("http://127.0.0.1:8100/api/v1/videos/x/content")
    with pytest.raises(UnsafeURL):
        http.check_url("http://127.0.0.1:8101/other-port")


def test_public_https_passes():
    http.check_url("https://93.184.215.14/clip.mp4")


def test_every_adapter_download_is_guarded(sandbox, settings):
    """No caller passes a guard: an output on a host that is not allowed is refused anyway."""
    settings.ALLOW_PRIVATE_HOSTS = []
    provider = OpenRouterProvider(OPENROUTER_KEY, base_url=sandbox.openrouter_base_url)
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}"]
    output = finished_output(provider, "google/veo-3.1", duration=8)
    settings.ALLOW_PRIVATE_HOSTS = []
    with pytest.raises(UnsafeURL), provider.open_output(output):
        pass


def test_the_address_is_checked_again_when_connecting(sandbox, settings, monkeypatch):
    """Even if a URL passed its check, the address actually connected to is checked again (a
    DNS answer that changes between the two cannot smuggle a private address in)."""
    provider = GeminiProvider(GEMINI_KEY, base_url=sandbox.gemini_base_url)
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}", f"localhost:{port}"]
    output = finished_output(provider, "veo-3.1-generate-sandbox", duration=4)
    monkeypatch.setattr(http, "check_url", lambda url: None)  # as if DNS said "public"
    settings.ALLOW_PRIVATE_HOSTS = []
    with pytest.raises(UnsafeURL, match="private or local address"), provider.open_output(output):
        pass
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}", f"localhost:{port}"]
    with provider.open_output(output) as download:
        assert sum(len(chunk) for chunk in download.iter_bytes()) > 0


def test_the_size_cap_holds_while_streaming(sandbox, settings):
    provider = OpenRouterProvider(OPENROUTER_KEY, base_url=sandbox.openrouter_base_url)
    port = sandbox.url.rsplit(":", 1)[1]
    settings.ALLOW_PRIVATE_HOSTS = [f"127.0.0.1:{port}"]
    output = finished_output(provider, "google/veo-3.1", "[sandbox:huge=5000000] big", duration=8)
    settings.MAX_CLIP_BYTES = 4_000_000
    with pytest.raises(OutputTooLarge, match="larger"), provider.open_output(output) as download:
        for _ in download.iter_bytes():
            pass


def test_no_client_keeps_a_cookie_from_one_call_to_the_next():
    """One API client serves every user's key: a cookie a provider set for one call must not
    ride along with the next (another user's)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "session=abc; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/videos/x"
        for client in (http.api_client(timeout=5.0), http.make_client(timeout=5.0)):
            client.get(url)
            client.get(url)
    finally:
        server.shutdown()
    assert seen == [None, None, None, None]
