"""Test helpers: a movable clock, a GraphQL client, and a SQL statement counter."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event

from api.auth.tokens import mint_token
from api.settings import Settings
from db.engine import Database


class MovableClock:
    """The one clock of the app under test; tests move it instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass(frozen=True)
class Actor:
    organization_id: uuid.UUID
    user_id: uuid.UUID


@dataclass
class StatementLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


class Api:
    """Sends GraphQL operations to the app in-process, as an organization's user."""

    def __init__(
        self, client: httpx.AsyncClient, settings: Settings, clock: MovableClock, database: Database
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock
        self.database = database

    def token(self, actor: Actor) -> str:
        return mint_token(
            self.settings,
            organization_id=actor.organization_id,
            user_id=actor.user_id,
            now=self.clock(),
        )

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, *, actor: Actor
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.token(actor)}"},
        )

    async def query(
        self, query: str, variables: dict[str, Any] | None = None, *, actor: Actor
    ) -> dict[str, Any]:
        """The `data` of a successful operation; fails the test on any error."""
        response = await self.post(query, variables, actor=actor)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, *, actor: Actor
    ) -> list[dict[str, Any]]:
        """The `errors` of an operation that must fail."""
        response = await self.post(query, variables, actor=actor)
        assert response.status_code < 500, response.text
        body: dict[str, Any] = response.json()
        assert body.get("errors"), body
        errors: list[dict[str, Any]] = body["errors"]
        return errors

    @contextmanager
    def count_statements(self) -> Iterator[StatementLog]:
        log = StatementLog()

        def record(*args: Any) -> None:
            log.statements.append(args[2])

        engine = self.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield log
        finally:
            event.remove(engine, "before_cursor_execute", record)
