"""Which webhook endpoints may be called: scheme, shape, and every resolved address."""

from __future__ import annotations

import ipaddress

import pytest

from api.webhooks.addresses import RefusedEndpoint, parse, refusal, resolve


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("100.64.0.1", "not globally reachable"),  # carrier-grade NAT
    ],
)
def test_internal_addresses_are_refused(address: str, kind: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "production", "message"),
    [
        ("http://example.com/hook", True, "must be an https URL"),
        ("ftp://example.com/hook", False, "must be an http or https URL"),
        ("https:///hook", False, "must name a host"),
        ("https://user:pw@example.com/hook", False, "must not carry credentials"),
        ("https://example.com/hook#x", False, "must not have a fragment"),
        ("https://example.com:99999/", False, "is not a valid URL"),
        ("https://exa mple.com/", False, "must not contain spaces"),
        ("https://example.com/" + "a" * 2000, False, "at most 2000 characters"),
    ],
)
def test_malformed_urls_are_refused(url: str, production: bool, message: str) -> None:
    with pytest.raises(RefusedEndpoint, match=message):
        parse(url, production=production)


async def test_a_name_resolving_to_loopback_is_refused_unless_allowed() -> None:
    with pytest.raises(RefusedEndpoint, match="'localhost' resolves to a loopback address"):
        await resolve("http://localhost:8080/hook", production=False, allow_private=False)
    allowed = await resolve("http://localhost:8080/hook", production=False, allow_private=True)
    assert ipaddress.ip_address("127.0.0.1") in allowed.addresses or allowed.addresses


async def test_literal_addresses_are_checked_without_dns() -> None:
    with pytest.raises(RefusedEndpoint, match="link-local"):
        await resolve("https://169.254.169.254/latest", production=True, allow_private=False)
    with pytest.raises(RefusedEndpoint, match="loopback"):
        await resolve("https://[::ffff:7f00:1]/", production=True, allow_private=False)
    endpoint = await resolve("https://93.184.215.14:8443/x", production=True, allow_private=False)
    assert (endpoint.host, endpoint.port) == ("93.184.215.14", 8443)


async def test_an_unresolvable_host_is_refused() -> None:
    with pytest.raises(RefusedEndpoint, match="does not resolve"):
        await resolve("https://no-such-host.invalid/", production=False, allow_private=False)
