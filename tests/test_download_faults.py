"""Downloads that would hold a worker or its memory hostage are cut off, and say why."""

import ipaddress

import pytest

from providers import http
from providers.base import Output, ProviderUnavailable, UnsafeURL
from providers.openrouter import OpenRouterProvider
from tests.factories import OPENROUTER_KEY


@pytest.fixture
def provider(misbehaving_server, settings):
    host_port = misbehaving_server.removeprefix("http://")
    settings.ALLOW_PRIVATE_HOSTS = [host_port]
    return OpenRouterProvider(OPENROUTER_KEY, base_url=f"{misbehaving_server}/api/v1", timeout=5)


def drain(provider, url):
    with provider.open_output(Output(index=0, url=url)) as download:
        return sum(len(chunk) for chunk in download.iter_bytes())


def test_a_compressed_body_is_refused_not_inflated(provider, misbehaving_server):
    """A 10 MB body squeezed into a few KB: never decoded, whatever the size cap."""
    with pytest.raises(UnsafeURL, match="content encoding"):
        drain(provider, f"{misbehaving_server}/gzip/clip.mp4")


def test_a_trickling_download_is_cut_off(provider, misbehaving_server, settings, monkeypatch):
    monkeypatch.setattr(http, "DOWNLOAD_GRACE_SECONDS", 0.5)
    settings.DOWNLOAD_MIN_BYTES_PER_SECOND = 1000
    with pytest.raises(ProviderUnavailable, match="too slow"):
        drain(provider, f"{misbehaving_server}/trickle/clip.mp4")


def test_a_download_has_a_total_time_limit(provider, misbehaving_server, settings):
    settings.DOWNLOAD_MAX_SECONDS = 1
    settings.DOWNLOAD_MIN_BYTES_PER_SECOND = 0
    with pytest.raises(ProviderUnavailable, match="too slow"):
        drain(provider, f"{misbehaving_server}/trickle/clip.mp4")


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 of 169.254.169.254
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:0:7f00:1",  # IPv4-translated (SIIT) 127.0.0.1
        "::ffff:192.168.1.1",  # IPv4-mapped
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_ipv6_addresses_that_embed_a_private_ipv4_are_refused(address, settings):
    settings.ALLOW_PRIVATE_HOSTS = []
    with pytest.raises(UnsafeURL):
        http.check_address("cdn.example", 443, address)


def test_an_ipv6_address_embedding_a_public_ipv4_passes(settings):
    settings.ALLOW_PRIVATE_HOSTS = []
    public = ipaddress.IPv6Address("64:ff9b::5db8:d70e")  # NAT64 of 93.184.215.14
    http.check_address("cdn.example", 443, str(public))
