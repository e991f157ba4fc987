"""One change-feed run: a database (a private PostgreSQL cluster, or SQLite), API workers,
a webhook receiver, subscribers and concurrent writers; faults mid-run; then the verdict.

Timeline (seconds from the first write): subscribers 0 and 1 go away for 1.5 s at 3 and
resume from their cursor; with faults, PostgreSQL is stopped (`pg_ctl stop -m immediate`) at
5 for `outage` seconds and started again, 3 s later the last worker is killed with kill -9 (its
subscribers reconnect to another worker with their cursor) and started again 2 s later.
Writes stop at `write_seconds`; the run then waits (at most `drain_seconds`) for every
subscriber and the webhook receiver to have every committed event.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx

from api.auth.tokens import mint_token
from api.settings import Settings
from db import migrate
from db.engine import create_engine
from tests.factories import make_actor, make_referral
from tests.faults.feed import judge_feed, read_feed
from tests.faults.fleet import Fleet, fleet
from tests.faults.oracle import (
    Logged,
    Verdict,
    acknowledgements,
    judge_subscriber,
    judge_webhooks,
    judge_writes,
    read_log,
    wanted,
)
from tests.faults.receiver import Receiver
from tests.faults.subscribers import Subscriber
from tests.faults.writers import Ledger, Writer
from tests.graphql_socket import serving
from tests.private_cluster import PrivateCluster, private_cluster

FEATURES = """{ event: __type(name: "ReferralEvent") { fields { name } }
  query: __type(name: "Query") { fields { name } }
  mutation: __type(name: "Mutation") { fields { name } } }"""
CREATE_WEBHOOK = """mutation ($url: String!) { createWebhook(input: {url: $url,
  events: [REFERRAL_CREATED, REFERRAL_UPDATED], description: "change-feed fault run"}) {
  secret webhook { id } userErrors { code message } } }"""


@dataclass(frozen=True)
class Plan:
    engine: Literal["postgresql", "sqlite"]
    workers: int
    faults: bool
    subscribers: int = 6
    writers: int = 4
    pace: float = 0.08  # seconds between one writer's writes, on average
    write_seconds: float = 22.0
    outage: float = 5.0  # seconds PostgreSQL stays down
    # Long enough for a webhook delivery stranded by the kill to be leased again (fleet.py).
    drain_seconds: float = 40.0
    budget_seconds: float = 150.0  # the whole run, start-up included: a hard bound


@dataclass
class Run:
    plan: Plan
    features: Features
    verdict: Verdict
    refused: int
    unknown: int
    marks: list[tuple[str, float]] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        return {
            "engine": self.plan.engine,
            "workers": self.plan.workers,
            "faults": self.plan.faults,
            "subscribers": self.plan.subscribers,
            "resumable_subscriptions": self.features.resumable,
            "events_feed": self.features.feed,
            "webhooks": self.features.webhooks,
            "writes_refused": self.refused,
            "writes_unanswered": self.unknown,
            **self.verdict.figures(),
            "timeline": {label: round(at, 1) for label, at in self.marks},
        }


@asynccontextmanager
async def database(plan: Plan, directory: Path) -> AsyncIterator[tuple[str, PrivateCluster | None]]:
    if plan.engine == "sqlite":
        yield f"sqlite+aiosqlite:///{directory}/referrals.db", None
        return
    async with private_cluster() as cluster:
        yield cluster.url, cluster


async def seed(url: str) -> tuple[Ledger, uuid.UUID]:
    """The owner and two partners (tokens and organizations), and one referral of the owner's
    (made before the run, so that a subscriber can follow it alone)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            actors = [await make_actor(conn, name) for name in ("Owner", "Partner B", "Partner C")]
            followed = await make_referral(conn, actors[0], created=datetime.now(UTC))
    finally:
        await engine.dispose()
    now = datetime.now(UTC)
    tokens = [
        mint_token(Settings(), organization_id=a.organization_id, user_id=a.user_id, now=now)
        for a in actors
    ]
    ledger = Ledger(tokens, [actor.organization_id for actor in actors[1:]])
    ledger.referrals.append(followed.id)
    return ledger, followed.id


@dataclass(frozen=True)
class Features:
    """What of issue 13 the API has: resumable subscriptions, the activity feed, webhooks."""

    resumable: bool
    feed: bool
    webhooks: bool


async def features(client: httpx.AsyncClient, base: str, token: str) -> Features:
    response = await client.post(
        f"http://{base}/graphql",
        json={"query": FEATURES},
        headers={"Authorization": f"Bearer {token}"},
    )
    data = response.json()["data"]
    event_fields = {f["name"] for f in data["event"]["fields"]}
    queries = {f["name"] for f in data["query"]["fields"]}
    mutations = {f["name"] for f in data["mutation"]["fields"]}
    resumable = {"eventId", "cursor"} <= event_fields
    return Features(resumable, "events" in queries, "createWebhook" in mutations)


async def register(client: httpx.AsyncClient, base: str, token: str, url: str) -> str:
    response = await client.post(
        f"http://{base}/graphql",
        json={"query": CREATE_WEBHOOK, "variables": {"url": url}},
        headers={"Authorization": f"Bearer {token}"},
    )
    payload = response.json()["data"]["createWebhook"]
    assert not payload["userErrors"], payload
    assert payload["secret"], payload
    secret: str = payload["secret"]
    return secret


async def active_subscriptions(client: httpx.AsyncClient, base: str) -> float:
    for line in (await client.get(f"http://{base}/metrics")).text.splitlines():
        if line.startswith("referrals_subscriptions_active "):
            return float(line.split()[1])
    return 0.0


async def until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def faults(
    plan: Plan, running: Fleet, cluster: PrivateCluster | None, subscribers: list[Subscriber]
) -> list[tuple[str, float]]:
    start, marks = time.monotonic(), []

    def mark(label: str) -> None:
        marks.append((label, time.monotonic() - start))

    await asyncio.sleep(3)
    for subscriber in subscribers[:2]:
        subscriber.drop(1.5)
    mark("2 subscribers dropped for 1.5 s")
    if plan.faults and cluster is not None:
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.stop, "immediate")
        mark("PostgreSQL stopped (immediate)")
        await asyncio.sleep(plan.outage)
        await asyncio.to_thread(cluster.start)
        mark("PostgreSQL started")
        await asyncio.sleep(3)
        victim = running.workers[-1]
        victim.kill()
        mark(f"worker {victim.index} killed (-9)")
        await asyncio.sleep(2)
        await running.restart(victim)
        mark(f"worker {victim.index} restarted")
    await asyncio.sleep(max(0.0, plan.write_seconds - (time.monotonic() - start)))
    mark("writes stopped")
    return marks


async def run(plan: Plan, directory: Path) -> Run:
    async with asyncio.timeout(plan.budget_seconds):
        return await _run(plan, directory)


async def _run(plan: Plan, directory: Path) -> Run:
    async with database(plan, directory) as (url, cluster):
        await asyncio.to_thread(migrate.upgrade, url)
        ledger, followed = await seed(url)
        with fleet(url, plan.workers, directory) as running:
            await asyncio.gather(*(running.healthy(worker) for worker in running.workers))
            async with httpx.AsyncClient(timeout=5) as client:
                receiver = Receiver()
                async with serving(receiver.app()) as hook_base:
                    return await _scenario(
                        plan, url, cluster, running, client, receiver, hook_base, ledger, followed
                    )


async def _scenario(
    plan: Plan,
    url: str,
    cluster: PrivateCluster | None,
    running: Fleet,
    client: httpx.AsyncClient,
    receiver: Receiver,
    hook_base: str,
    ledger: Ledger,
    followed: uuid.UUID,
) -> Run:
    base = running.live()[0]
    found = await features(client, base, ledger.tokens[0])
    if found.webhooks:
        receiver.secret = await register(client, base, ledger.tokens[0], f"http://{hook_base}/hook")
    subscribers = [
        Subscriber(
            f"subscriber-{index}",
            index % plan.workers,
            ledger.tokens[0],
            running.live,
            found.resumable,
            referral_id=followed if index == plan.subscribers - 1 else None,
        )
        for index in range(plan.subscribers)
    ]
    listening = [asyncio.create_task(subscriber.run()) for subscriber in subscribers]
    stop, writing = asyncio.Event(), list[asyncio.Task[None]]()
    try:

        async def all_active() -> bool:
            return await active_subscriptions(client, base) >= plan.subscribers

        assert await until(all_active, 20), "the subscriptions did not all become active"
        _, before = await read_log(url)
        earlier = {event.event_id for event in before}
        writers = [Writer(i, ledger, running.live, client, plan.pace) for i in range(plan.writers)]
        writing += [asyncio.create_task(writer.run(stop)) for writer in writers]
        marks = await faults(plan, running, cluster, subscribers)
        stop.set()
        async with asyncio.timeout(15):
            await asyncio.gather(*writing)
        table, log = await read_log(url)
        log = [event for event in log if event.event_id not in earlier]

        async def settled() -> bool:
            return _settled(log, subscribers, receiver if found.webhooks else None)

        draining = time.monotonic()
        drained = await until(settled, plan.drain_seconds)
        label = "all delivered, seconds after writes stopped" if drained else "drain gave up at"
        marks.append((label, time.monotonic() - draining))
    finally:  # on the way out of a failure too: no client left running
        stop.set()
        for subscriber in subscribers:
            subscriber.stop()
        async with asyncio.timeout(20):
            await asyncio.gather(*writing, *listening, return_exceptions=True)
    verdict = Verdict(
        log_table=table,
        committed=len(log),
        acknowledged=len(ledger.acknowledged),
        acknowledged_missing=judge_writes(log, ledger.acknowledged),
        acknowledgements=acknowledgements(log, ledger.acknowledged),
        subscribers=[judge_subscriber(log, subscriber) for subscriber in subscribers],
        webhooks=judge_webhooks(log, receiver) if found.webhooks else None,
        feed=judge_feed(log, await read_feed(client, running.live()[0], ledger.tokens[0]))
        if found.feed
        else None,
    )
    return Run(plan, found, verdict, ledger.refused, ledger.unknown, marks)


def _settled(log: list[Logged], subscribers: list[Subscriber], receiver: Receiver | None) -> bool:
    for subscriber in subscribers:
        got = {received.event_id for received in subscriber.received}
        if any(event.event_id not in got for event in wanted(log, subscriber)):
            return False
    if receiver is not None:
        delivered = receiver.delivered()
        return all(event.event_id in delivered for event in log)
    return True
