"""The one network guard, over every IANA special-purpose range: a redirect or a token
realm pointing there is refused before any connection (unless it is the registry's own
host and port, or the user allowed it); public addresses pass. Pure: no server, no DNS."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from wizard.verify import http

# One address from each special-purpose range (RFC 6890 and its updates), v4 and v6.
INTERNAL = [
    "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.100.100.200",
    "100.127.255.254", "127.0.0.1", "127.1.2.3", "169.254.169.254", "172.16.0.1",
    "172.31.255.254", "192.0.0.8", "192.0.0.170", "192.0.2.1", "192.88.99.1", "192.168.1.1",
    "198.18.0.1", "198.19.255.254", "198.51.100.7", "203.0.113.9", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255",
    "::", "::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", "100::1", "2001:db8::1", "2001::1",
    "2002:a9fe:a9fe::1", "2002:7f00:1::", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1",
    "ff02::1", "ff05::1:3",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450::1"]

REGISTRY = http.Endpoint("registry.example", "https://registry.example", False)
LOOPBACK = http.Endpoint("127.0.0.1:5000", "http://127.0.0.1:5000", True)


def _url(address: str, scheme: str = "https", port: int | None = None) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"{scheme}://{host}{f':{port}' if port else ''}/token"


def refusal(url: str, endpoint: http.Endpoint, allowed: frozenset[str] = frozenset()) -> str | None:
    return asyncio.run(http.hop_refusal(url, endpoint, allowed, timeout=1))


@pytest.mark.parametrize("address", INTERNAL)
def test_internal_addresses_are_refused(address: str) -> None:
    assert ipaddress.ip_address(address)  # the table holds only literal addresses
    assert "--allow-realm" in (refusal(_url(address), REGISTRY) or "")


@pytest.mark.parametrize("address", INTERNAL[:8])
def test_allowed_internal_hosts_pass(address: str) -> None:
    url = _url(address, port=8443)
    allowed = frozenset({http.host_port(url)})
    assert refusal(url, REGISTRY, allowed) is None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(_url(address), REGISTRY) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://registry.example/token",  # a downgrade of the registry itself
        "http://8.8.8.8/token",
        "ftp://registry.example/token",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "https:///no-host",
    ],
)
def test_no_plain_http_or_other_schemes_for_a_registry_on_https(url: str) -> None:
    assert refusal(url, REGISTRY)


def test_a_loopback_registry_keeps_its_own_port_but_no_other() -> None:
    assert refusal("http://127.0.0.1:5000/token", LOOPBACK) is None
    assert "--allow-realm" in (refusal("http://127.0.0.1:5001/token", LOOPBACK) or "")
    assert "--allow-realm" in (refusal("http://localhost:5001/token", LOOPBACK) or "")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "a.localhost", "localhost."])
def test_localhost_names_are_internal(host: str) -> None:
    assert refusal(f"https://{host}/token", REGISTRY)


@pytest.mark.parametrize("address", PUBLIC)
def test_a_plain_http_realm_on_another_host_is_refused_for_a_plain_http_registry(
    address: str,
) -> None:
    """A loopback (or --insecure-registry) registry may use plain http itself; its
    challenge may not send the login over plain http to another host."""
    insecure = http.Endpoint("10.0.0.5:5000", "http://10.0.0.5:5000", True)
    for endpoint in (LOOPBACK, insecure):
        said = refusal(_url(address, "http"), endpoint) or ""
        assert "plain http" in said and "--allow-realm" in said, (endpoint, said)
    assert refusal(_url(address, "http"), LOOPBACK, frozenset({address})) is None
