"""Webhook delivery delay: from a write's answer to its signed POST at a receiver (issue 13).

    .venv/bin/python -m bench.webhook_delay [--writes 200] [--database-url URL]

One app in this process (its delivery worker included), SQLite in a temporary directory
unless `--database-url` names a migrated, empty PostgreSQL database. A webhook points at a
receiver on 127.0.0.1 that answers 200; `--writes` createReferral mutations are sent one
after another, paced 20 ms apart. For each, the delay is from the mutation's answer (its
transaction committed) to the receiver reading the POST. Prints the deliveries, attempts,
and delay percentiles; every signature is checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.graph.relay.ids import decode
from api.settings import Settings
from api.webhooks import signing
from bench.workload import bench_user_headers, new_referral
from db import migrate

CREATE = """mutation ($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { id } userErrors { code } } }"""
HOOK = """mutation ($input: CreateWebhookInput!) {
  createWebhook(input: $input) { secret userErrors { message } } }"""


class Receiver:
    """Answers 200 to every POST; notes when each referral's event arrived, and bad ones."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.posts = 0
        self.bad_signatures = 0
        self.secret = ""
        self._arrival = asyncio.Event()

    async def all_arrived(self, count: int) -> None:
        while len(self.arrived) < count:
            self._arrival.clear()
            await self._arrival.wait()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                now = time.perf_counter()
                self.posts += 1
                signature = headers.get("x-referrals-signature", "")
                if not signing.verify(self.secret, signature, body, now=int(time.time())):
                    self.bad_signatures += 1
                self.arrived.setdefault(json.loads(body)["ReferralId"], now)
                self._arrival.set()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()


async def run(database_url: str, writes: int) -> None:
    settings = Settings(
        database_url=database_url,
        rate_limit_points=10**9,
        gc_tuning=False,
        metrics=False,
        webhook_allow_private_addresses=True,
    )
    receiver = Receiver()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    app = create_app(settings)
    async with LifespanManager(app):
        async with app.state.database.engine.begin() as conn:
            headers = await bench_user_headers(conn, settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def send(query: str, variables: dict[str, object]) -> dict[str, object]:
                response = await client.post(
                    "/graphql", json={"query": query, "variables": variables}, headers=headers
                )
                payload: dict[str, object] = next(iter(response.json()["data"].values()))
                return payload

            hook = {"url": f"http://127.0.0.1:{port}/hook", "events": ["REFERRAL_CREATED"]}
            receiver.secret = str((await send(HOOK, {"input": hook}))["secret"])
            answered: dict[str, float] = {}
            for index in range(writes):
                payload = await send(CREATE, {"input": new_referral(f"Bench {index}")})
                answered_at = time.perf_counter()
                referral = payload["referral"]
                assert isinstance(referral, dict)
                answered[_uuid(referral["id"])] = answered_at
                await asyncio.sleep(0.02)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(30):
                    await receiver.all_arrived(writes)
            tally = app.state.webhooks.tally
    server.close()
    delays = [receiver.arrived[rid] - answered[rid] for rid in answered if rid in receiver.arrived]
    cuts = statistics.quantiles(delays, n=100)
    sys.stdout.write(
        f"{writes} writes on {settings.database_url.split(':')[0]}: "
        f"{len(receiver.arrived)} delivered, {receiver.posts} POSTs, "
        f"{receiver.bad_signatures} bad signatures; worker attempts {tally.attempts}, "
        f"retried {tally.retried}, failed {tally.failed}\n"
        f"delay ms from answer to POST: p50 {cuts[49] * 1000:.1f}, p99 {cuts[98] * 1000:.1f}, "
        f"max {max(delays) * 1000:.1f}\n"
    )


def _uuid(global_id: str) -> str:
    return str(uuid.UUID(hex=decode(global_id).split(":")[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    if args.database_url:
        asyncio.run(run(args.database_url, args.writes))
        return
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        migrate.upgrade(url)
        asyncio.run(run(url, args.writes))


if __name__ == "__main__":
    main()
