"""A live API for tests that drive real clients: `uvicorn --factory api.app:create_app` on a free
port of 127.0.0.1, over a migrated SQLite file of demo data, stopped by its PID at the end."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from api.auth.tokens import mint_token
from api.settings import DEVELOPMENT_JWT_SECRET, Settings
from db import demo, migrate
from db.engine import create_engine

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30.0
STOP_SECONDS = 10.0
# Settings a developer's shell may hold that would make the server refuse our tokens.
_TOKEN_SETTINGS = ("JWKS", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_SECRET", "PROMETHEUS_MULTIPROC_DIR")


class ServerFailed(RuntimeError):
    """The server exited or did not answer in time; the message carries its log."""


@dataclass(frozen=True)
class LiveServer:
    """A running API: where it listens, its database and its log."""

    base: str  # http://127.0.0.1:<port>
    database_url: str
    log: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.base}/graphql"

    @property
    def websocket_url(self) -> str:
        return "ws" + self.graphql_url.removeprefix("http")

    def token(self, organization: demo.DemoOrganization) -> str:
        """A development bearer token for the organization's demo user, as `referrals demo
        tokens` prints it."""
        return mint_token(
            Settings(),
            organization_id=organization.id,
            user_id=organization.demo_user_id,
            now=datetime.now(UTC),
        )

    def log_tail(self, characters: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _in_thread(function: Callable[[str], None], argument: str) -> None:
    """Set-up that runs its own event loop (Alembic, the demo load), off any test loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, argument).result()


def demo_database(directory: Path, *, referrals: int) -> str:
    """A SQLite file in `directory`, migrated by Alembic, with `referrals` demo referrals made
    relative to now (the server's clock), so open invitations are still open."""
    url = f"sqlite+aiosqlite:///{directory / 'referrals.db'}"

    def load(url: str) -> None:
        async def run() -> None:
            engine = create_engine(url)
            try:
                async with engine.begin() as conn:
                    size = demo.DemoSize(referrals=referrals)
                    await demo.load_demo(conn, now=datetime.now(UTC), size=size)
            finally:
                await engine.dispose()

        asyncio.run(run())

    _in_thread(migrate.upgrade, url)
    _in_thread(load, url)
    return url


def _wait_until_healthy(process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerFailed(f"the server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise ServerFailed(f"no answer within {START_SECONDS:.0f} s:\n{server.log_tail()}")


@contextmanager
def serve(
    database_url: str, log: Path, *, env: Mapping[str, str] | None = None
) -> Iterator[LiveServer]:
    """One uvicorn process in development mode (the development JWT secret) on a free port;
    `env` adds or overrides settings. SIGTERM to its PID at the end, SIGKILL if it lingers."""
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, log)
    environment = {name: value for name, value in os.environ.items() if name not in _TOKEN_SETTINGS}
    environment.update(
        APP_ENV="development", JWT_SECRET=DEVELOPMENT_JWT_SECRET, DATABASE_URL=database_url
    )
    environment.update(env or {})
    command = [
        *(sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_healthy(process, server)
        yield server
    finally:
        process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
