"""A private PostgreSQL cluster (initdb into a temporary directory, its own port) that a test
may stop and start at will, never the shared database; and the app served over it.

Used by tests/api/test_errors_outage.py, tests/db/test_engine_disconnects.py and tests/faults.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings
from db import migrate
from tests.conftest import IN_CI, START
from tests.factories import make_actor, make_referral
from tests.helpers import Api, MovableClock


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # bound, never listened on, and closed: connections are refused


def _postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivateCluster:
    """A PostgreSQL cluster of this test: its own directory and port, stopped at will.

    initdb refuses to run as root, so as root every command runs as the `postgres` user.
    """

    def __init__(self, binaries: Path, directory: Path, port: int) -> None:
        self.binaries = binaries
        self.directory = directory
        self.port = port
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, check: bool = True) -> None:
        subprocess.run(
            [*self.as_owner, str(self.binaries / command[0]), *command[1:]],
            check=check,
            capture_output=True,
            timeout=60,
        )

    def init(self) -> None:
        self._run("initdb", "-D", f"{self.directory}/data", "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", f"{self.directory}/data", "-o", options,
            "-l", f"{self.directory}/log", "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate", *, check: bool = True) -> None:
        self._run("pg_ctl", "-D", f"{self.directory}/data", "-m", mode, "-w", "stop", check=check)


@asynccontextmanager
async def private_cluster() -> AsyncIterator[PrivateCluster]:
    binaries = _postgres_binaries()
    if binaries is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        message = "initdb/pg_ctl (and runuser, as root) are needed for a private cluster"
        if IN_CI:
            pytest.fail(message + " (this test must run in CI)")
        pytest.skip(message)
    directory = Path(tempfile.mkdtemp(prefix="referrals-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    cluster = PrivateCluster(binaries, directory, closed_port())
    try:
        await asyncio.to_thread(cluster.init)
        await asyncio.to_thread(cluster.start)
        try:
            yield cluster
        finally:  # whatever the test left it in (a stopped cluster refuses to stop)
            await asyncio.to_thread(cluster.stop, "immediate", check=False)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@asynccontextmanager
async def served_with_a_referral(
    cluster: PrivateCluster, clock: MovableClock, *, pool_size: int
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The app over the migrated cluster, with an owner and one referral of theirs: a client
    and the owner's headers."""
    await asyncio.to_thread(migrate.upgrade, cluster.url)
    settings = Settings(database_url=cluster.url, gc_tuning=False, db_pool_size=pool_size)
    app = create_app(settings, clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        api = Api(client, settings, clock, app.state.database)
        async with api.database.engine.begin() as conn:
            owner = await make_actor(conn)
            await make_referral(conn, owner, created=START - timedelta(days=1))
        yield client, {"Authorization": f"Bearer {api.token(owner)}"}
