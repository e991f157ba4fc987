"""Two uvicorn worker processes in front of one PostgreSQL: a change served by one reaches a
subscriber of the other (LISTEN/NOTIFY), and /metrics of either counts both (multi-process).

PostgreSQL only: on SQLite one process delivers in-process. In CI (CI=true) PostgreSQL must be
there, as for every PostgreSQL test (tests/conftest.py).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.auth.tokens import mint_token
from api.graph.relay.ids import to_global_id
from api.settings import DEVELOPMENT_JWT_SECRET, Settings
from db import migrate
from db.engine import create_engine
from tests.conftest import IN_CI, POSTGRES_SERVER, _admin, _blocking
from tests.factories import make_actor, make_referral
from tests.graphql_socket import WAIT, GraphQLSocket
from tests.helpers import Actor

ROOT = Path(__file__).resolve().parents[1]
Sample = tuple[str, frozenset[tuple[str, str]]]  # a metric's name and labels
NOTE = """mutation ($input: AddReferralNoteInput!) { addReferralNote(input: $input) {
  activity { id } userErrors { code }
} }"""


@dataclass(frozen=True)
class Fleet:
    workers: tuple[str, str]  # host:port of each
    owner: Actor
    referral_id: uuid.UUID

    def token(self) -> str:
        return mint_token(
            Settings(),
            organization_id=self.owner.organization_id,
            user_id=self.owner.user_id,
            now=datetime.now(UTC),
        )


@pytest.fixture(scope="module")
def fleet_database() -> Iterator[str]:
    """A PostgreSQL database of this module, migrated; dropped afterwards."""
    name = f"referrals_fleet_{uuid.uuid4().hex[:12]}"
    try:
        _blocking(_admin, f"CREATE DATABASE {name}")
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRES_SERVER} is not usable: {error}"
        if IN_CI:
            pytest.fail(message + " (the cross-worker test must run in CI)")
        pytest.skip(message)
    base = POSTGRES_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    try:
        _blocking(migrate.upgrade, f"{base}/{name}")
        yield f"{base}/{name}"
    finally:
        _blocking(_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def worker_environment(database_url: str, metrics_dir: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("JWKS", "JWT_ISSUER", "JWT_AUDIENCE", "PROMETHEUS_MULTIPROC_DIR")
    }
    env.update(
        APP_ENV="development",
        JWT_SECRET=DEVELOPMENT_JWT_SECRET,
        DATABASE_URL=database_url,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        METRICS="true",
    )
    return env


async def wait_until_healthy(
    client: httpx.AsyncClient, base: str, process: subprocess.Popen[bytes]
) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"worker at {base} exited with {process.returncode}"
        try:
            if (await client.get(f"http://{base}/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"worker at {base} did not start"
        await asyncio.sleep(0.1)


def start_worker(base: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`uvicorn --factory api.app:create_app` on host:port `base`, logging to `log`."""
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app",
        "--host", "127.0.0.1", "--port", base.rsplit(":", 1)[1], "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)


@pytest.fixture(scope="module")
async def fleet(
    fleet_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Fleet]:
    """Two `uvicorn --factory api.app:create_app` processes on free ports of 127.0.0.1,
    sharing the database and a PROMETHEUS_MULTIPROC_DIR; stopped by PID at the end."""
    engine = create_engine(fleet_database)
    try:
        async with engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            rows = await make_referral(conn, owner, created=datetime.now(UTC) - timedelta(days=1))
    finally:
        await engine.dispose()
    metrics_dir = tmp_path_factory.mktemp("prometheus")
    logs = tmp_path_factory.mktemp("workers")
    env = worker_environment(fleet_database, metrics_dir)
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for index, base in enumerate(workers):
            processes.append(start_worker(base, env, logs / f"worker-{index}.log"))
        async with httpx.AsyncClient(timeout=5) as client:
            for base, process in zip(workers, processes, strict=True):
                await wait_until_healthy(client, base, process)
        yield Fleet((workers[0], workers[1]), owner, rows.id)
    finally:
        for process in processes:
            process.terminate()  # SIGTERM to that PID: uvicorn shuts down gracefully
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


async def scrape(client: httpx.AsyncClient, base: str) -> dict[Sample, float]:
    text = (await client.get(f"http://{base}/metrics")).text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_a_change_served_by_one_worker_reaches_a_subscriber_of_the_other(
    fleet: Fleet,
) -> None:
    listening, writing = fleet.workers
    async with httpx.AsyncClient(timeout=WAIT) as client, GraphQLSocket.open(listening) as socket_:
        await socket_.init(fleet.token())
        await socket_.subscribe()
        active: Sample = ("referrals_subscriptions_active", frozenset())
        deadline = time.monotonic() + WAIT
        while (await scrape(client, listening)).get(active) != 1:
            assert time.monotonic() < deadline, "the subscription never became active"
            await asyncio.sleep(0.05)

        response = await client.post(
            f"http://{writing}/graphql",
            json={
                "query": NOTE,
                "variables": {
                    "input": {
                        "referralId": to_global_id("Referral", fleet.referral_id),
                        "note": "Served by the other worker",
                    }
                },
            },
            headers={"Authorization": f"Bearer {fleet.token()}"},
        )
        assert response.status_code == 200, response.text
        activity_id = response.json()["data"]["addReferralNote"]["activity"]["id"]
        event = await socket_.event()
    assert event["activity"] == {
        "id": activity_id,
        "type": "NOTE_ADDED",
        "note": "Served by the other worker",
    }
    assert event["referral"]["id"] == to_global_id("Referral", fleet.referral_id)


async def test_metrics_of_either_worker_count_both(fleet: Fleet) -> None:
    """Multi-process mode: each worker writes to the shared directory; a scrape sums them."""
    first, second = fleet.workers
    health = (
        "referrals_http_requests_total",
        frozenset({("route", "/healthz"), ("method", "GET"), ("status", "200")}),
    )
    async with httpx.AsyncClient(timeout=WAIT) as client:
        before = (await scrape(client, first)).get(health, 0.0)
        for base in (first, second, second):
            assert (await client.get(f"http://{base}/healthz")).status_code == 200
        after = (await scrape(client, first)).get(health, 0.0)
    assert after - before == 3
