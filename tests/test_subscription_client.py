"""The graphql-ws client itself, in Node, reconnects after being closed as a slow subscriber.

tests/clients/slow_subscriber_reconnects.mjs connects graphql-ws (configured as README's
reconnect snippet) to this app behind a real uvicorn on 127.0.0.1, takes one event, then stops
reading its socket. The test writes notes until the server drops it (a queue of 2 events), lets
it read again, and checks that graphql-ws saw the close code, reconnected, resubscribed and
re-read, and that a later change reaches it. Under CI=true a missing Node.js or node_modules/
fails the test; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.auth.tokens import mint_token
from api.settings import Settings
from tests.conftest import IN_CI, START
from tests.factories import make_actor, make_referral
from tests.graphql_socket import (
    WAIT,
    add_note,
    eventually,
    hub,
    listening_socket,
    referral_gid,
    serving,
)
from tests.helpers import MovableClock

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "clients" / "slow_subscriber_reconnects.mjs"
MAX_NOTES = 100  # the stalled client is dropped long before this many ~30 kB events


def _node() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "Node.js (`node`) is not installed"
    elif not (ROOT / "node_modules" / "graphql-ws").is_dir():
        missing = "node_modules/ is missing: run `make install`"
    if missing is not None or node is None:
        reason = missing or "no node"
        if IN_CI:
            pytest.fail(f"{reason} (the client test must run in CI)")
        pytest.skip(reason)
    return node


class NodeClient:
    """The script's process: its JSON lines as they come, and commands on its stdin."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[dict[str, Any]] = []

    @classmethod
    @asynccontextmanager
    async def start(cls, env: dict[str, str]) -> AsyncIterator[NodeClient]:
        process = await asyncio.create_subprocess_exec(
            _node(),
            str(SCRIPT),
            cwd=ROOT,
            env={**os.environ, **env},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            yield cls(process)
        finally:
            if process.returncode is None:
                process.kill()  # only this process, by its PID
            await process.wait()

    async def until(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Read lines until one of `kind` (with these field values); that line."""
        assert self.process.stdout is not None
        async with asyncio.timeout(WAIT):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    assert self.process.stderr is not None
                    problem = (await self.process.stderr.read()).decode()
                    pytest.fail(f"the client exited before {kind!r}: {problem}\n{self.seen}")
                message: dict[str, Any] = json.loads(line)
                self.seen.append(message)
                assert message["kind"] != "error", self.seen
                if message["kind"] == kind and fields.items() <= message.items():
                    return message

    async def command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{line}\n".encode())
        await self.process.stdin.drain()


async def test_graphql_ws_reconnects_after_being_closed_as_too_slow(
    database_url: str, clock: MovableClock
) -> None:
    settings = Settings(database_url=database_url, subscription_queue_size=2, gc_tuning=False)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        database = app.state.database
        async with database.engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            referral_id = (await make_referral(conn, owner, created=START)).id
        token = mint_token(
            settings, organization_id=owner.organization_id, user_id=owner.user_id, now=clock()
        )
        # A small send buffer on the server's side, so that a few unread events fill it.
        async with serving(app, listening_socket(send_buffer=4096)) as base:
            env = {
                "GRAPHQL_URL": f"http://{base}/graphql",
                "TOKEN": token,
                "REFERRAL_ID": referral_gid(referral_id),
            }
            async with NodeClient.start(env) as client:
                assert (await client.until("connected"))["wasRetry"] is False
                await eventually(lambda: len(hub(app)) == 1)
                await add_note(database, owner, referral_id, 0)
                await client.until("stalled")  # it read that event, and reads nothing more

                notes = 1
                while hub(app).overflows == 0:
                    assert notes < MAX_NOTES, "the stalled client was never dropped"
                    await add_note(database, owner, referral_id, notes)
                    notes += 1
                await client.command("resume")

                closed = await client.until("closed")
                # graphql-ws reconnects by itself (a fatal code would end in an "error" line).
                assert (await client.until("connected"))["wasRetry"] is True
                assert (closed["code"], closed["reason"]) == (1013, "subscriber too slow")
                # It re-read what it shows: the referral after all the notes (version 1 + notes).
                assert (await client.until("reread"))["version"] == 1 + notes
                # And it resubscribed by itself: a later change reaches it on the new connection.
                await eventually(lambda: len(hub(app)) == 1)
                await add_note(database, owner, referral_id, notes)
                event = await client.until("event", note=str(notes))
                assert event["version"] == 2 + notes
                await client.command("done")
                await client.until("done")
                assert await client.process.wait() == 0
                kinds = [message["kind"] for message in client.seen]
                assert kinds.count("connected") == 2
                closes = [m["code"] for m in client.seen if m["kind"] == "closed"]
                assert closes.count(1013) == 1  # (then maybe 1000, its own dispose)
                assert hub(app).overflows == 1
