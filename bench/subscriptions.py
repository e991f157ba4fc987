"""Events per second delivered to WebSocket subscribers across two workers on PostgreSQL.

    .venv/bin/python -m bench.subscriptions [--subscribers 100] [--mutations 500]

Creates a scratch database on the PostgreSQL server (TEST_POSTGRES_URL, default
postgresql://postgres@127.0.0.1:5432/test), migrates it, starts two `uvicorn --factory
api.app:create_app` processes on free ports of 127.0.0.1, opens the subscribers (half on each
worker, every one subscribed to all of the organization's referrals), then sends the mutations
(addReferralNote on a few referrals, alternately to each worker, a few at a time). Every
mutation makes one event for every subscriber: the figure is subscribers x mutations divided
by the time from the first mutation to the last event received. Bounded by --timeout; the
workers are stopped by PID and the database dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.auth.tokens import mint_token
from api.settings import DEVELOPMENT_JWT_SECRET, Settings
from bench.workload import new_referral
from db import migrate
from db.engine import create_engine
from db.tables import app_user, organization

ROOT = Path(__file__).resolve().parents[1]
SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
EVENTS = "subscription { referralEvents { activity { id type } referral { id version } } }"
CREATE = """mutation ($input: CreateReferralInput!) { createReferral(input: $input) {
  referral { id } userErrors { code message } } }"""
NOTE = """mutation ($input: AddReferralNoteInput!) { addReferralNote(input: $input) {
  activity { id } userErrors { code message } } }"""


@dataclass
class Tally:
    sent_at: dict[str, float] = field(default_factory=dict)  # activity id -> response time
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    last_at: float = 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def admin(statement: str) -> None:
    connection = await asyncpg.connect(SERVER, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def seed(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """An organization and its user, who create the referrals and subscribe."""
    engine = create_engine(url)
    org_id, user_id = uuid.uuid4(), uuid.uuid4()
    try:
        async with engine.begin() as conn:
            await conn.execute(organization.insert().values(id=org_id, name="Bench"))
            await conn.execute(
                app_user.insert().values(
                    id=user_id,
                    organization_id=org_id,
                    display_name="Bench User",
                    email="bench@bench.example",
                )
            )
    finally:
        await engine.dispose()
    return org_id, user_id


def start_worker(port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


async def until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.1)


async def subscriber(url: str, token: str) -> ClientConnection:
    """A connection authenticated and subscribed to referralEvents."""
    connection = await connect(
        url,
        subprotocols=[Subprotocol("graphql-transport-ws")],
        open_timeout=30,
        max_size=None,
        compression=None if os.environ.get("BENCH_WS_COMPRESSION") == "0" else "deflate",
    )
    payload = {"Authorization": f"Bearer {token}"}
    await connection.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    await connection.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
    )
    return connection


async def consume(connection: ClientConnection, tally: Tally, expected: int) -> None:
    for _ in range(expected):
        message = json.loads(await connection.recv())
        now = time.perf_counter()
        assert message["type"] == "next", message
        activity_id = message["payload"]["data"]["referralEvents"]["activity"]["id"]
        tally.received += 1
        tally.last_at = now
        sent = tally.sent_at.get(activity_id)
        if sent is not None:
            tally.latencies.append(now - sent)


async def run(args: argparse.Namespace) -> dict[str, object]:
    name = f"referrals_bench_subs_{uuid.uuid4().hex[:10]}"
    await admin(f"CREATE DATABASE {name}")
    base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    processes: list[subprocess.Popen[bytes]] = []
    connections: list[ClientConnection] = []
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        org_id, user_id = await seed(url)
        token = mint_token(
            Settings(), organization_id=org_id, user_id=user_id, now=datetime.now(UTC)
        )
        workdir = Path(tempfile.mkdtemp(prefix="bench-subscriptions-"))
        env = {
            **os.environ,
            "APP_ENV": "development",
            "JWT_SECRET": DEVELOPMENT_JWT_SECRET,
            "DATABASE_URL": url,
            "PROMETHEUS_MULTIPROC_DIR": str(workdir),
            "RATE_LIMIT_POINTS": "100000000",
            "SUBSCRIPTION_QUEUE_SIZE": str(max(100, args.mutations)),
        }
        ports = [free_port() for _ in range(2)]
        processes = [
            start_worker(port, env, workdir / f"worker-{i}.log") for i, port in enumerate(ports)
        ]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(timeout=30, headers=headers) as client:

            async def healthy() -> bool:
                for port in ports:
                    try:
                        response = await client.get(f"http://127.0.0.1:{port}/healthz")
                    except httpx.TransportError:
                        return False
                    if response.status_code != 200:
                        return False
                return True

            await until(healthy, 30, "the workers did not start")
            referral_ids = []
            for index in range(args.referrals):
                created = await client.post(
                    f"http://127.0.0.1:{ports[0]}/graphql",
                    json={
                        "query": CREATE,
                        "variables": {"input": new_referral(f"Bench referral {index}")},
                    },
                )
                referral_ids.append(created.json()["data"]["createReferral"]["referral"]["id"])

            tally = Tally()
            expected = args.mutations
            connections = await asyncio.gather(
                *(
                    subscriber(f"ws://127.0.0.1:{ports[i % 2]}/graphql", token)
                    for i in range(args.subscribers)
                )
            )

            async def all_active() -> bool:
                text = (await client.get(f"http://127.0.0.1:{ports[0]}/metrics")).text
                for line in text.splitlines():
                    if line.startswith("referrals_subscriptions_active "):
                        active: int = args.subscribers
                        return float(line.split()[1]) == active
                return False

            await until(all_active, 30, "the subscriptions did not all become active")
            consumers = [asyncio.create_task(consume(c, tally, expected)) for c in connections]
            writers = asyncio.Semaphore(args.concurrency)

            async def mutate(index: int) -> None:
                async with writers:
                    port = ports[index % 2]
                    variables = {
                        "input": {
                            "referralId": referral_ids[index % len(referral_ids)],
                            "note": f"Bench note {index}",
                        }
                    }
                    sent = time.perf_counter()
                    response = await client.post(
                        f"http://127.0.0.1:{port}/graphql",
                        json={"query": NOTE, "variables": variables},
                    )
                    payload = response.json()["data"]["addReferralNote"]
                    assert payload["userErrors"] == [], payload
                    tally.sent_at.setdefault(payload["activity"]["id"], sent)

            started = time.perf_counter()
            async with asyncio.timeout(args.timeout):
                await asyncio.gather(*(mutate(i) for i in range(args.mutations)))
                mutations_done = time.perf_counter()
                await asyncio.gather(*consumers)
            elapsed = tally.last_at - started
            latencies = sorted(tally.latencies)
            return {
                "subscribers": args.subscribers,
                "workers": 2,
                "mutations": args.mutations,
                "events_delivered": tally.received,
                "seconds": round(elapsed, 3),
                "events_per_second": round(tally.received / elapsed, 1),
                "mutations_per_second": round(args.mutations / (mutations_done - started), 1),
                "latency_ms_p50": round(1000 * statistics.median(latencies), 1),
                "latency_ms_p99": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 1),
            }
    finally:
        for connection in connections:
            await connection.close()
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        await admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--mutations", type=int, default=500)
    parser.add_argument("--referrals", type=int, default=4, help="referrals the notes go to")
    parser.add_argument("--concurrency", type=int, default=4, help="mutations in flight")
    parser.add_argument("--timeout", type=float, default=180, help="seconds, at most")
    result = asyncio.run(run(parser.parse_args()))
    print(json.dumps(result, indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
