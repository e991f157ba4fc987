"""Which endpoints a webhook may call: https (http outside production), and never an address
inside our network unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES says so.

A URL is checked when it is registered and again at every delivery, after DNS resolution: the
delivery connects to the very address that was checked (`sending`), so a name that resolved to
a public address at registration and to 127.0.0.1 later (DNS rebinding) is refused at delivery.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

URL_MAX = 2000
# A registration or an attempt waits this long for DNS at most (the resolver's own timeouts
# and retries can add up to much more).
RESOLVE_SECONDS = 5.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedEndpoint(ValueError):
    """The URL may not be called; the message reads after "`url` ..."."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A checked URL: its parts, and the addresses its host resolved to (all allowed)."""

    url: str
    scheme: str
    host: str
    port: int
    addresses: tuple[Address, ...]


def refusal(address: Address) -> str | None:
    """Why an address must not be called (None: it is a public unicast address)."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
            return refusal(mapped)
    for kind, flag in (
        # The most telling name first: Python counts link-local and more as private too.
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally reachable", not address.is_global),
    ):
        if flag:
            return f"a {kind} address ({address})"
    return None


def parse(url: str, *, production: bool) -> SplitResult:
    """The URL's parts, or RefusedEndpoint saying what is wrong with its shape."""
    if len(url) > URL_MAX:
        raise RefusedEndpoint(f"must be at most {URL_MAX} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise RefusedEndpoint("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port out of range)
    except ValueError:
        raise RefusedEndpoint("is not a valid URL") from None
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise RefusedEndpoint(
            "must be an https URL" if production else "must be an http or https URL"
        )
    if not parts.hostname:
        raise RefusedEndpoint("must name a host")
    if parts.username is not None or parts.password is not None:
        raise RefusedEndpoint("must not carry credentials (sign with the webhook's secret)")
    if parts.fragment:
        raise RefusedEndpoint("must not have a fragment")
    return parts


async def resolve(url: str, *, production: bool, allow_private: bool) -> Endpoint:
    """The URL checked, its host resolved and every address it resolves to checked."""
    parts = parse(url, production=production)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await _addresses(host, port)
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                verb = "is" if host == str(address) else "resolves to"
                raise RefusedEndpoint(
                    f"host {host!r} {verb} {reason}; webhooks call public addresses only"
                )
    return Endpoint(url, parts.scheme, host, port, addresses)


async def _addresses(host: str, port: int) -> tuple[Address, ...]:
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
            )
    except TimeoutError:
        raise RefusedEndpoint(f"host {host!r} did not resolve within {RESOLVE_SECONDS} s") from None
    except (OSError, UnicodeError):
        raise RefusedEndpoint(f"host {host!r} does not resolve") from None
    found = tuple(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not found:
        raise RefusedEndpoint(f"host {host!r} does not resolve")
    return found
