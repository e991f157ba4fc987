"""Asking as the caller, and comparing answers once the IDs and the rate limit are taken out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from db.tables import activity, participant, rate_limit_window, referral
from tests.cross_tenant.world import World
from tests.helpers import Actor, Api


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def normalized(value: Any, ids: dict[str, str]) -> Any:
    """`value` with each ID string of `ids` (and its first 60 characters, as error messages
    quote it) replaced by its placeholder, and the rate limit left taken out."""
    if isinstance(value, str):
        for id_, placeholder in ids.items():
            value = value.replace(id_, placeholder).replace(id_[:60], placeholder)
        return value
    if isinstance(value, list | tuple):  # tuples: an alias's (data, errors)
        return [normalized(item, ids) for item in value]
    if isinstance(value, dict):
        return {
            normalized(key, ids): normalized(item, ids)
            for key, item in value.items()
            if key != "rateLimit"
        }
    return value


async def ask(api: Api, actor: Actor, query: str, variables: dict[str, Any]) -> Answer:
    response = await api.post(query, variables, actor=actor)
    assert response.status_code < 500, response.text
    return Answer(response.status_code, response.json())


def same_as_missing(foreign: Answer, missing: Answer, foreign_id: str, missing_id: str) -> None:
    assert foreign.status == missing.status
    assert normalized(foreign.body, {foreign_id: "<ID>"}) == normalized(
        missing.body, {missing_id: "<ID>"}
    )


async def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but the rate limit's, which every operation charges (on
    PostgreSQL), foreign ID or not: it is taken out here as from the answers."""
    async with api.database.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in await conn.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
            if table is not rate_limit_window
        }


async def foreign_rows(api: Api, world: World) -> list[tuple[Any, ...]]:
    """The foreign referral, its participants and its activities."""
    async with api.database.engine.connect() as conn:
        rows: list[tuple[Any, ...]] = []
        for table, column in (
            (referral, referral.c.id),
            (participant, participant.c.referral_id),
            (activity, activity.c.referral_id),
        ):
            result = await conn.execute(select(table).where(column == world.foreign_referral))
            rows.extend(sorted((tuple(row) for row in result), key=repr))
        return rows


def by_alias(body: dict[str, Any], alias: str) -> tuple[Any, list[dict[str, Any]]]:
    """An alias's data and errors, the errors' paths and locations made alias-independent."""
    errors = [
        {**error, "path": error["path"][1:], "locations": None}
        for error in body.get("errors") or []
        if error.get("path", [None])[0] == alias
    ]
    return (body.get("data") or {}).get(alias), errors
