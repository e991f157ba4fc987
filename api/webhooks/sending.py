"""One POST to a webhook endpoint, to the address that was checked, within a deadline.

The URL's host is resolved and checked (`addresses.resolve`) right before the POST, and the
request goes to that IP address, with the original `Host` header and, over TLS, the original
name for SNI and certificate verification (httpcore's `sni_hostname` extension). httpx never
resolves the name itself, so there is no second lookup an attacker's DNS could answer
differently (DNS rebinding). Redirects are not followed (a 3xx is a failed attempt), proxies
from the environment are ignored (they would connect elsewhere), and at most
`EXCERPT_BYTES` of the response are read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import httpx

from api.webhooks.addresses import Endpoint
from db.webhooks.queue import Outcome

EXCERPT_BYTES = 1024


def client(timeout: float) -> httpx.AsyncClient:
    """The worker's HTTP client (one per worker: its connection pool is reused)."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
        headers={"User-Agent": "referrals-webhooks/1"},
    )


async def post(
    http: httpx.AsyncClient,
    endpoint: Endpoint,
    payload: bytes,
    headers: Mapping[str, str],
    *,
    deadline: float,
) -> Outcome:
    """POST the payload to the endpoint's first reachable checked address."""
    url = httpx.URL(endpoint.url)
    extensions = {"sni_hostname": endpoint.host} if endpoint.scheme == "https" else {}
    host = url.netloc.decode("ascii")
    failure = "no address"
    for address in endpoint.addresses:
        request = http.build_request(
            "POST",
            url.copy_with(host=str(address)),
            content=payload,
            headers={**headers, "Host": host, "Content-Type": "application/json"},
            extensions=extensions,
        )
        try:
            async with asyncio.timeout(deadline):
                response = await http.send(request, stream=True)
                try:
                    excerpt = await _excerpt(response)
                finally:
                    await response.aclose()
        except httpx.ConnectError as error:
            failure = f"cannot connect: {error}"
            continue  # the next address, if any
        except (httpx.HTTPError, TimeoutError, OSError) as error:
            return Outcome(False, None, _describe(error))
        return Outcome(response.is_success, response.status_code, excerpt)
    return Outcome(False, None, failure[:EXCERPT_BYTES])


async def _excerpt(response: httpx.Response) -> str | None:
    """At most EXCERPT_BYTES of the body, as text; the rest is never read."""
    kept = bytearray()
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= EXCERPT_BYTES:
            break
    if not kept:
        return None
    return bytes(kept[:EXCERPT_BYTES]).decode("utf-8", errors="replace")


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return "timed out"
    return f"{type(error).__name__}: {error}"[:EXCERPT_BYTES]
