"""A download's body is read straight from the guarded connection: every byte, nothing more.

The connection hands the HTTP parser each header block alone (``http._HeadersFirst``), so the
body of a response of known length is still unread when its headers are in. These tests send
responses in awkward pieces, over plain TCP and over TLS, and compare what comes out.
"""

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from contextlib import contextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from providers import http
from providers.base import Output, ProviderUnavailable
from providers.openrouter import OpenRouterProvider
from tests.factories import OPENROUTER_KEY

# A body with blank lines of both kinds in it, and more than one socket read long.
BODY = (b"\x00\x00\x00\x18ftypmp42" + b"\r\n\r\n\n\n" * 20_000 + bytes(range(256)) * 700)[:300_001]


def head(*lines: str, end: bytes = b"\r\n") -> bytes:
    return b"".join(line.encode() + end for line in lines) + end


def ok(length: int = len(BODY), end: bytes = b"\r\n") -> bytes:
    return head("HTTP/1.1 200 OK", "Content-Type: video/mp4", f"Content-Length: {length}", end=end)


@contextmanager
def scripted_server(pieces: list[bytes], tls: ssl.SSLContext | None = None):
    """A loopback server that answers one request with ``pieces``, sent apart, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        try:
            connection, _ = listener.accept()
            if tls:
                connection = tls.wrap_socket(connection, server_side=True)
            with connection:
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                request = b""
                while b"\r\n\r\n" not in request:
                    request += connection.recv(4096)
                for piece in pieces:
                    connection.sendall(piece)
                    time.sleep(0.02)  # separate reads on the other side, most of the time
        except OSError:
            pass  # the client went away first

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        listener.close()
        thread.join(timeout=5)


def download(url: str, settings) -> bytes:
    settings.ALLOW_PRIVATE_HOSTS = [url.split("//", 1)[1]]
    provider = OpenRouterProvider(OPENROUTER_KEY, base_url=f"{url}/api/v1", timeout=5)
    with provider.open_output(Output(index=0, url=f"{url}/clip.mp4")) as body:
        return b"".join(body.iter_bytes())


@pytest.mark.parametrize(
    "pieces",
    [
        pytest.param([ok() + BODY], id="all-at-once"),
        pytest.param([ok()[:-1], ok()[-1:] + BODY[:10], BODY[10:]], id="blank-line-split"),
        pytest.param([ok()[:-3], ok()[-3:], BODY[:5], BODY[5:]], id="headers-alone"),
        pytest.param([ok(end=b"\n") + BODY], id="bare-line-feeds"),
        pytest.param(
            [head("HTTP/1.1 100 Continue") + head("HTTP/1.1 103 Early Hints") + ok() + BODY],
            id="interim-responses",
        ),
        pytest.param(
            [
                head("HTTP/1.1 200 OK", "Transfer-Encoding: chunked"),
                *(b"%x\r\n%s\r\n" % (len(part), part) for part in (BODY[:7], BODY[7:])),
                b"0\r\n\r\n",
            ],
            id="chunked",
        ),
        pytest.param([ok() + BODY + b"HTTP/1.1 200 OK\r\n\r\nnot the clip"], id="extra-bytes"),
    ],
)
def test_the_body_arrives_whole_however_it_is_cut(pieces, settings):
    with scripted_server(pieces) as url:
        assert download(url, settings) == BODY


def test_a_body_cut_short_is_a_broken_download(settings):
    with (
        scripted_server([ok() + BODY[:1000]]) as url,
        pytest.raises(ProviderUnavailable, match="broke off"),
    ):
        download(url, settings)


def test_a_body_is_read_once(settings):
    with scripted_server([ok() + BODY]) as url:
        settings.ALLOW_PRIVATE_HOSTS = [url.split("//", 1)[1]]
        provider = OpenRouterProvider(OPENROUTER_KEY, base_url=f"{url}/api/v1", timeout=5)
        with provider.open_output(Output(index=0, url=f"{url}/clip.mp4")) as body:
            assert b"".join(body.iter_bytes()) == BODY
            with pytest.raises(ProviderUnavailable, match="StreamConsumed"):
                next(body.iter_bytes())


def test_a_reply_without_content_has_none(settings):
    with scripted_server([ok(length=0)]) as url:
        assert download(url, settings) == b""


@pytest.fixture
def tls_server_context(monkeypatch, tmp_path):
    """A certificate for 127.0.0.1 that the guarded client trusts for this test only."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setattr(http, "_tls", lambda: ssl.create_default_context(cadata=pem.decode()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return server


def test_the_body_arrives_whole_over_tls(tls_server_context, settings):
    with scripted_server([ok()[:-1], ok()[-1:] + BODY[:10], BODY[10:]], tls_server_context) as url:
        assert download(url, settings) == BODY


class _Pieces:
    """A stand-in for a socket that answers reads with the given pieces, then end of stream."""

    def __init__(self, pieces: list[bytes]):
        self.pieces = list(pieces)

    def read(self, max_bytes, timeout=None):
        if not self.pieces:
            return b""
        piece = self.pieces.pop(0)
        if len(piece) > max_bytes:
            self.pieces.insert(0, piece[max_bytes:])
        return piece[:max_bytes]


def header_blocks(connection, count: int) -> list[bytes]:
    """Read as h11 does: until the buffer holds a blank line, ``count`` times."""
    blocks = []
    for _ in range(count):
        block = b""
        while not http._BLANK_LINE.search(block):
            data = connection.read(65536)
            assert data, "the connection ended inside a header block"
            block += data
        blocks.append(block)
    return blocks


@pytest.mark.parametrize("end", [b"\r\n", b"\n"])
def test_the_parser_is_handed_each_header_block_alone_wherever_reads_split(end):
    interim = head("HTTP/1.1 100 Continue", end=end)
    final = ok(length=11, end=end)
    body = b"hello\r\n\r\nx"
    wire = interim + final + body
    for first in range(1, len(wire)):
        for second in range(first + 1, len(wire) + 1):
            pieces = [wire[:first], wire[first:second], wire[second:]]
            connection = http._HeadersFirst(_Pieces(pieces))
            assert header_blocks(connection, 2) == [interim, final], pieces
            assert b"".join(connection.body(len(body), None)) == body, pieces
