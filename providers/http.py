"""The one place where provider HTTP clients are built and provider replies are decoded.

Downloads of outputs go through the download guard, which no caller can leave out: https only,
public addresses only (checked after DNS resolution, on the address actually connected to, and
for every redirect), unless an operator allowed a ``host:port`` for the sandbox; credentials only
to the provider's own origin; and a size cap while streaming. A body of known length is read
straight from the guarded connection, without the HTTP parser's copies (see ``_HeadersFirst``).
"""

import email.utils
import functools
import http.cookiejar
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .base import (
    BadRequest,
    Continuation,
    InvalidKey,
    ModelInfo,
    Output,
    OutputGone,
    OutputTooLarge,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    SubmitOutcomeUnknown,
    UnexpectedResponse,
    UnsafeURL,
)

USER_AGENT = "MarketOS-Video/0.1"
# The minimum download rate is only judged after this long (connections start slowly).
DOWNLOAD_GRACE_SECONDS = 60
MAX_REDIRECTS = 5
# A download's body is read from the connection up to this much at a time: four times
# httpcore's size, so a fast connection costs a quarter of the reads and trips through the
# guard. TLS hands over one record (16 KiB at most) per read whatever is asked for.
READ_BYTES = 256 * 1024
# Connecting should be quick everywhere; reading may legitimately take a while for big bodies.
CONNECT_TIMEOUT = 5.0


@functools.cache
def _tls() -> ssl.SSLContext:
    # Loading the CA bundle costs milliseconds; a worker polling hundreds of jobs does it once.
    return httpx.create_ssl_context()


class _PinnedBackend(httpcore.SyncBackend):
    """Resolves a host once, lets ``check_address`` veto each address, connects to that one.

    Checking a URL's addresses and then letting the HTTP client resolve the name again leaves a
    gap in which DNS can change its answer (rebinding); here the checked address is the one used.
    TLS still verifies the certificate against the host name.
    """

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(str(exc)) from None
        address = infos[0][4][0]
        for info in infos:
            check_address(host, port, info[4][0])
        stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
        return _HeadersFirst(stream)


# h11 ends a header block at its first blank line, written LF CR LF or LF LF.
_BLANK_LINE = re.compile(rb"\n\r?\n")


class _HeadersFirst(httpcore.NetworkStream):
    """A connection that hands the HTTP parser nothing past the end of a header block.

    When a response's headers arrive, its body is therefore still here (in ``_pending``, then
    the socket), and ``Download`` can read it straight from the connection: one copy of each
    byte instead of the four that h11, httpcore and httpx make with a trip through some ten
    generators per read. For a clip that is most of the CPU time its download costs.
    """

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream
        self._pending = b""
        self._tail = b""  # the end of what went out, for a blank line split between reads
        self.split = True

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:max_bytes], self._pending[max_bytes:]
        else:
            data = self._stream.read(max_bytes, timeout)
        if self.split and data:
            window = self._tail + data
            if match := _BLANK_LINE.search(window):
                end = match.end() - len(self._tail)
                data, self._pending = data[:end], data[end:] + self._pending
                self._tail = b""
            else:
                self._tail = window[-2:]
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        # A request goes out: its response's header block is the next one to set apart.
        self.split, self._tail = True, b""
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> "_HeadersFirst":
        return _HeadersFirst(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)

    def body(self, length: int, timeout: float | None) -> Iterator[bytes]:
        """The next ``length`` bytes, as they arrive; the connection is not reused after."""
        self.split = False
        while length > 0:
            chunk = self.read(min(READ_BYTES, length), timeout)
            if not chunk:
                raise httpx.RemoteProtocolError("The connection closed before the body ended.")
            length -= len(chunk)
            yield chunk


def allowed_private(host: str, port: int | None) -> bool:
    return f"{host}:{port}" in settings.ALLOW_PRIVATE_HOSTS


def check_url(url: str) -> None:
    """Refuse anything but https to a public address (the sandbox's host:port excepted)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise UnsafeURL(f"Refused to download from {parts.scheme or 'a'}:// URL; only https.")
    if parts.username or parts.password:
        raise UnsafeURL("Refused a download URL that carries credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL(f"Refused a download URL with an invalid port ({host}).") from None
    if allowed_private(host, port):
        return
    if parts.scheme != "https":
        raise UnsafeURL(f"Refused to download over plain http from {host}; only https.")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError):
        raise UnsafeURL(f"Could not resolve the download host {host}.") from None
    for address in addresses:
        check_address(host, port, address)


# IPv6 ranges that carry an IPv4 address in their last 32 bits: NAT64 (RFC 6052, 8215),
# IPv4-compatible (deprecated) and IPv4-translated (SIIT) addresses.
EMBEDDING_V4 = tuple(
    ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)


def embedded_ipv4(ip) -> list:
    """IPv4 addresses an IPv6 address stands for (mapped, 6to4, Teredo, NAT64...)."""
    if ip.version != 6:
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in EMBEDDING_V4):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def check_address(host: str, port: int, address: str) -> None:
    """Refuse a connection to a non-public address (checked again at connect time), including
    an IPv6 address that embeds a private IPv4 one."""
    if allowed_private(host.lower(), port):
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or any(not v4.is_global for v4 in embedded_ipv4(ip)):
        raise UnsafeURL(
            f"Refused to download from {host}: it resolves to a private or local address."
        )


@functools.cache
def api_client(timeout: float) -> httpx.Client:
    """One client per process (and timeout) for calls to the providers' own APIs: connections
    are kept alive between polls instead of being opened, and a client built, every time.
    Submits never use it (a paid request must not go out on a connection that may have gone
    stale, which would make its outcome unknown), nor do downloads of outputs (they go through
    the guarded client of ``stream``)."""
    return make_client(timeout=timeout)


def make_client(*, timeout: float, guarded: bool = False) -> httpx.Client:
    # Redirects are followed by hand (see ``stream``) so credentials never follow them blindly.
    transport = None
    if guarded:
        transport = httpx.HTTPTransport(verify=_tls())
        # httpx does not expose the connection pool's network backend; it is the only hook
        # that sees the address actually connected to.
        transport._pool._network_backend = _PinnedBackend()
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        verify=_tls(),
        transport=transport,
        # No cookies, ever: one client serves every user's key, and a cookie set for one
        # would go out with the next user's calls.
        cookies=http.cookiejar.CookieJar(
            policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
        ),
    )


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def send(
    client: httpx.Client, request: httpx.Request, provider_name: str, *, stream: bool = False
) -> httpx.Response:
    """Send ``request``; network failures become ProviderUnavailable with a plain message."""
    try:
        return client.send(request, stream=stream)
    except httpx.TimeoutException:
        raise ProviderUnavailable(
            f"{provider_name} did not answer in time. Nothing was changed; try again shortly."
        ) from None
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            f"Could not reach {provider_name} ({type(exc).__name__}). "
            "Check the server's network connection and try again."
        ) from None


def send_submit(client: httpx.Client, request: httpx.Request, provider_name: str) -> httpx.Response:
    """Send a paid request: once it may have reached the provider, its outcome is unknown."""
    try:
        return client.send(request)
    except (httpx.ConnectError, httpx.ConnectTimeout):
        raise ProviderUnavailable(
            f"Could not reach {provider_name}; nothing was submitted. Try again shortly."
        ) from None
    except httpx.TransportError as exc:
        raise SubmitOutcomeUnknown(
            f"The request reached {provider_name} but no answer came back "
            f"({type(exc).__name__}); the video may or may not have been started. Check your "
            f"{provider_name} account before submitting again."
        ) from None


def unknown_outcome(provider_name: str, what: str, raw: str = "") -> SubmitOutcomeUnknown:
    return SubmitOutcomeUnknown(
        f"{provider_name} accepted the request but {what}, so we cannot follow the video. "
        f"Check your {provider_name} account before submitting again.",
        raw=raw[:1000],
    )


def accepted_json(response: httpx.Response, provider_name: str) -> dict:
    """The body of a 2xx reply to a paid request. The job may exist whatever the body says, so
    a body we cannot read is an unknown outcome, never something to retry."""
    try:
        return json_object(response, provider_name)
    except UnexpectedResponse:
        raise unknown_outcome(provider_name, "its reply was unreadable", response.text) from None


def error_from_reply(
    response: httpx.Response,
    provider_name: str,
    *,
    message: str,
    key_refused: bool,
    key_text: str,
    rate_text: str,
) -> ProviderError:
    """The typed error for a provider's error reply; texts are for the key's owner."""
    status, raw = response.status_code, response.text[:1000]
    retry = retry_after_seconds(response)
    if key_refused:
        return InvalidKey(key_text, raw=raw, status_code=status)
    if status == 413:
        return BadRequest(
            f"The request is larger than {provider_name} accepts (its images add up to too "
            "much). Use fewer or smaller images.",
            raw=raw,
            status_code=status,
        )
    if status in (400, 422):
        return BadRequest(
            f"{provider_name} refused the request: {message or 'bad parameters'}",
            raw=raw,
            status_code=status,
        )
    if status == 429 or (status == 503 and retry is not None):
        return RateLimited(rate_text, retry_after=retry, raw=raw, status_code=status)
    if status >= 500:
        return ProviderUnavailable(
            f"{provider_name} had a problem on its side (HTTP {status}); try again shortly.",
            retry_after=retry,
            raw=raw,
            status_code=status,
        )
    return ProviderError(
        f"{provider_name} answered HTTP {status}: {message or 'unexpected error'}",
        raw=raw,
        status_code=status,
    )


def error_message(response: httpx.Response) -> dict:
    """The ``error`` object both providers put in their error replies, or {}."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def json_object(response: httpx.Response, provider_name: str) -> dict:
    """The reply's JSON object, or UnexpectedResponse when it is anything else."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise UnexpectedResponse(
            f"{provider_name} sent a reply that is not the JSON its API documents "
            f"(HTTP {response.status_code}). It may be having problems; try again later.",
            raw=response.text[:500],
            status_code=response.status_code,
        )
    return data


def too_large(size: int) -> OutputTooLarge:
    cap = settings.MAX_CLIP_BYTES
    return OutputTooLarge(
        f"The clip is larger ({size / 1024**2:,.0f} MiB) than this server keeps "
        f"({cap / 1024**2:,.0f} MiB, MARKETOS_MAX_CLIP_BYTES)."
    )


class Download:
    """A provider's streaming reply for one output, never longer than ``MAX_CLIP_BYTES``.

    Network failures become ProviderUnavailable; an oversized body, OutputTooLarge; a content
    encoding (a clip is never compressed for transfer, and a compressed bomb must not be
    inflated), UnsafeURL. A download that takes longer than ``DOWNLOAD_MAX_SECONDS`` or,
    after its first minute, averages less than ``DOWNLOAD_MIN_BYTES_PER_SECOND`` is cut off.
    """

    def __init__(self, response: httpx.Response, provider_name: str, max_bytes: int | None = None):
        self._response = response
        self._provider_name = provider_name
        self._max_bytes = max_bytes or settings.MAX_CLIP_BYTES
        self.url = str(response.url)
        self.content_type = response.headers.get("Content-Type", "")
        length = response.headers.get("Content-Length", "")
        self.content_length = int(length) if length.isdigit() else None
        if self.content_length and self.content_length > self._max_bytes:
            raise too_large(self.content_length)
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            raise UnsafeURL(
                f"{provider_name} sent the clip with a content encoding ({encoding[:40]}) it "
                "was not asked for; refused."
            )
        # An HTTP/1.1 body of known length is read from the guarded connection itself (see
        # _HeadersFirst); anything else (chunked, another transport) through httpx.
        network = response.extensions.get("network_stream")
        self._network = network if isinstance(network, _HeadersFirst) else None
        self._direct = (
            self._network is not None
            and self.content_length is not None
            and response.http_version == "HTTP/1.1"
            and response.status_code not in (204, 304)  # never a body, whatever the length says
            and "Transfer-Encoding" not in response.headers
        )
        self._taken = False

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The body as it arrives (pieces of any size unless ``chunk_size`` is given)."""
        cap, size = self._max_bytes, 0
        # Looked up once, not per piece: every lookup on Django's settings runs Python code.
        longest, grace = settings.DOWNLOAD_MAX_SECONDS, DOWNLOAD_GRACE_SECONDS
        slowest = settings.DOWNLOAD_MIN_BYTES_PER_SECOND
        started = time.monotonic()
        try:
            # No content encoding (see above): the raw bytes are the clip, no decoder copy.
            for chunk in self._raw(chunk_size):
                size += len(chunk)
                if size > cap:
                    raise too_large(size)
                elapsed = time.monotonic() - started
                if elapsed > longest or (elapsed > grace and size / elapsed < slowest):
                    raise ProviderUnavailable(
                        f"The download from {self._provider_name} was too slow "
                        f"({size / 1024 / max(elapsed, 1):,.0f} KiB/s after {elapsed:,.0f} s) "
                        "and was cut off; it will be tried again."
                    )
                yield chunk
        except (
            httpx.TransportError,
            httpx.StreamError,
            httpcore.TimeoutException,
            httpcore.NetworkError,
        ) as exc:
            raise ProviderUnavailable(
                f"The download from {self._provider_name} broke off ({type(exc).__name__}); "
                "it will be tried again."
            ) from None

    def _raw(self, chunk_size: int | None) -> Iterator[bytes]:
        if self._taken:
            raise httpx.StreamConsumed()  # as httpx says when its own stream is read twice
        if self._direct and chunk_size is None:
            self._taken = True
            timeout = self._response.request.extensions.get("timeout", {}).get("read")
            return self._network.body(self.content_length, timeout)
        if self._network is not None:
            self._network.split = False  # the headers are in; h11 may read the body freely
        return self._response.iter_raw(chunk_size)


@contextmanager
def stream(
    url: str,
    *,
    timeout: float,
    provider_name: str,
    credentials: dict[str, str],
    credential_origin: str,
    error_for: Callable[[httpx.Response], ProviderError],
    max_bytes: int | None = None,
) -> Iterator[Download]:
    """GET ``url`` as a stream through the download guard, following redirects by hand.

    ``credentials`` are sent only while the URL is on ``credential_origin``; once a redirect
    leaves that origin they are dropped for good. Every URL is checked before it is fetched,
    every address when it is connected to.
    """
    trusted = origin(credential_origin)
    headers = credentials if origin(url) == trusted else {}
    with make_client(timeout=timeout, guarded=True) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url)
            request = client.build_request(
                "GET", url, headers={**headers, "Accept-Encoding": "identity"}
            )
            response = send(client, request, provider_name, stream=True)
            if response.is_redirect and "Location" in response.headers:
                response.close()
                url = urljoin(url, response.headers["Location"])
                if origin(url) != trusted:
                    headers = {}
                continue
            try:
                if not response.is_success:
                    response.read()
                    raise error_for(response)
                yield Download(response, provider_name, max_bytes)
            finally:
                response.close()
            return
        raise ProviderUnavailable(f"{provider_name} redirected the download too many times.")


class HttpProvider:
    """What the HTTP adapters share: a key, a base URL, and downloads that keep the key at home.

    Subclasses declare what the registry needs (see ``base.Provider``), say how the key travels
    (``_auth``) and how a failed download reads (``download_error``).
    """

    slug: str
    label: str
    key_prefix: str
    key_help: str
    base_url_setting: str
    webhook_secret_setting: str = ""

    @sensitive_variables("api_key")
    def __init__(self, api_key: str, *, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def __repr__(self):
        return f"<{type(self).__name__} {self.base_url}>"

    def _auth(self) -> dict[str, str]:
        raise NotImplementedError

    # What the provider's error replies mean (a module function of each adapter), and what
    # it says when an output is gone.
    error_for: Callable[[httpx.Response], ProviderError]
    gone_text: str

    def download_error(self, response: httpx.Response) -> ProviderError:
        if response.status_code in (404, 410):
            return OutputGone(
                self.gone_text, raw=response.text[:1000], status_code=response.status_code
            )
        return self.error_for(response)

    def _request(self, method: str, url: str, *, timeout: float | None = None, **kwargs) -> dict:
        """One API call with the key; the JSON object it answers, or its typed error."""
        client = api_client(timeout or self._timeout)
        request = client.build_request(method, url, headers=self._auth(), **kwargs)
        response = send(client, request, self.label)
        if response.is_success:
            return json_object(response, self.label)
        raise self.error_for(response)

    @staticmethod
    def continuation(kind: str, job_id: str, output_url: str) -> Continuation:
        """How a new job refers to an earlier one it extends or edits: by its job id."""
        return Continuation(kind=kind, job_id=job_id)

    @staticmethod
    def continuation_duration(
        kind: str, model: ModelInfo, source_seconds: int | None, wanted: int | None
    ) -> int | None:
        """The duration to ask for when a job carries on (``kind``) from a clip that is
        really ``source_seconds`` long, ``wanted`` being what the clip's own job asked for.
        By default the new clip is an ordinary clip of the duration asked: a duration the
        model requires for it, else for an edit the source's own length where the model
        offers it, else ``wanted`` where the model offers it, else its longest."""
        if needed := model.required_durations.get(kind):
            return needed
        if not model.durations:
            return wanted
        if kind == "edit" and source_seconds in model.durations:
            return source_seconds
        return wanted if wanted in model.durations else model.durations[-1]

    def source_kept(self, parent: Continuation) -> bool:
        """Whether the provider still keeps the job ``parent`` carries on from (asked where the
        API can say; else assumed, the clip's own expiry being checked by the caller)."""
        return True

    @staticmethod
    def can_cancel(polling_url: str) -> bool:
        """Whether a running job can be stopped at the provider (most APIs have no cancel)."""
        return False

    def cancel(self, polling_url: str) -> None:
        raise NotImplementedError(f"{self.label} jobs cannot be cancelled.")

    @contextmanager
    def open_output(self, output: Output) -> Iterator[Download]:
        """Stream ``output``: its URL while it is valid, then (or when it fails) its fallback.

        The key goes to the provider's own origin only; a URL or redirect elsewhere gets none.
        """
        fresh = output.expires_at is None or output.expires_at > datetime.now(UTC)
        urls = [url for url in (output.url if fresh else "", output.fallback_url) if url]
        with ExitStack() as stack:
            for number, url in enumerate(urls, start=1):
                try:
                    download = stack.enter_context(
                        stream(
                            url,
                            timeout=self._timeout,
                            provider_name=self.label,
                            credentials=self._auth(),
                            credential_origin=self.base_url,
                            error_for=self.download_error,
                        )
                    )
                except ProviderError:
                    if number == len(urls):
                        raise
                    continue  # a signed copy that expired early or was refused: next one
                yield download
                return
            raise OutputGone(f"{self.label} listed no address for this clip.")
