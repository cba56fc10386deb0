"""The one place where provider HTTP clients are built and provider replies are decoded."""

import email.utils
import time

import httpx

from .base import ProviderUnavailable, UnexpectedResponse

USER_AGENT = "MarketOS-Video/0.1"


def make_client(*, timeout: float, headers: dict[str, str] | None = None) -> httpx.Client:
    # Explicit timeouts on every phase; proxies from the environment are honoured for egress.
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        follow_redirects=False,
    )


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


def send(client: httpx.Client, request: httpx.Request, provider_name: str) -> httpx.Response:
    """Send ``request``; network failures become ProviderUnavailable with a plain message."""
    try:
        return client.send(request)
    except httpx.TimeoutException:
        raise ProviderUnavailable(
            f"{provider_name} did not answer in time. Nothing was changed; try again shortly."
        ) from None
    except httpx.TransportError as exc:
        raise ProviderUnavailable(
            f"Could not reach {provider_name} ({type(exc).__name__}). "
            "Check the server's network connection and try again."
        ) from None


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
