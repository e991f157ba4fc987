"""Webhook endpoints: registered, changed and removed by their organization, seen by it alone."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db import validation
from db.access import Viewer
from db.engine import Database
from db.paging import Page, PageRequest, order_terms, to_page, window_conditions
from db.refusals import FieldError, InvalidInput, RefusalCode, Refused
from db.tables import webhook
from db.webhooks.models import WebhookEventName
from db.writes.transaction import in_transaction

DESCRIPTION_MAX = 500
# Endpoints one organization may register: each costs a delivery per event.
WEBHOOKS_PER_ORGANIZATION_MAX = 50
# Everything but the sealed secret, which is read only to sign (`sealed_secret`).
SHOWN = (
    webhook.c.id,
    webhook.c.organization_id,
    webhook.c.url,
    webhook.c.events,
    webhook.c.active,
    webhook.c.description,
    webhook.c.created_date,
)


@dataclass(frozen=True, slots=True)
class WebhookPatch:
    """What updateWebhook changes; None leaves a value as it is (an empty description clears)."""

    url: str | None = None
    events: Sequence[WebhookEventName] | None = None
    active: bool | None = None
    description: str | None = None


def event_names(events: Sequence[WebhookEventName]) -> list[str]:
    """The stored form of a webhook's events: member names, each once, in enum order."""
    if not events:
        raise InvalidInput([FieldError(("events",), "must name at least one event")])
    return [name for name in WebhookEventName.__members__ if WebhookEventName[name] in events]


def _description(value: str | None) -> str | None:
    return validation.text(value, ("description",), limit=DESCRIPTION_MAX, required=False)


def _own(viewer: Viewer) -> Any:
    return webhook.c.organization_id == viewer.organization_id


async def create_webhook(
    database: Database,
    viewer: Viewer,
    *,
    url: str,
    events: Sequence[WebhookEventName],
    description: str | None,
    sealed_secret: str,
) -> uuid.UUID:
    """A new active webhook of the viewer's organization; its id. `url` is checked already."""
    values = {
        "id": uuid.uuid4(),
        "organization_id": viewer.organization_id,
        "url": url,
        "events": event_names(events),
        "sealed_secret": sealed_secret,
        "active": True,
        "description": _description(description),
        "created_date": viewer.now,
    }

    async def work(conn: AsyncConnection) -> uuid.UUID:
        held = await conn.scalar(select(func.count()).select_from(webhook).where(_own(viewer)))
        if (held or 0) >= WEBHOOKS_PER_ORGANIZATION_MAX:
            raise Refused(
                RefusalCode.INVALID_INPUT,
                f"An organization may register at most {WEBHOOKS_PER_ORGANIZATION_MAX} "
                "webhooks; delete one first.",
            )
        await conn.execute(insert(webhook).values(values))
        return values["id"]  # type: ignore[return-value]

    return await in_transaction(database, work)


async def update_webhook(
    database: Database, viewer: Viewer, webhook_id: uuid.UUID, patch: WebhookPatch
) -> uuid.UUID:
    """Change the viewer's organization's webhook; NOT_FOUND for anyone else's."""
    values: dict[str, Any] = {}
    if patch.url is not None:
        values["url"] = patch.url
    if patch.events is not None:
        values["events"] = event_names(patch.events)
    if patch.active is not None:
        values["active"] = patch.active
    if patch.description is not None:
        values["description"] = _description(patch.description)

    async def work(conn: AsyncConnection) -> uuid.UUID:
        stmt = update(webhook).where(webhook.c.id == webhook_id, _own(viewer))
        # An empty patch still answers NOT_FOUND for a webhook that is not the viewer's.
        found = await conn.execute(stmt.values(values or {"id": webhook.c.id}))
        if found.rowcount != 1:
            raise _not_found()
        return webhook_id

    return await in_transaction(database, work)


async def delete_webhook(database: Database, viewer: Viewer, webhook_id: uuid.UUID) -> None:
    """Remove the viewer's organization's webhook and its delivery log (which cascades)."""

    async def work(conn: AsyncConnection) -> None:
        stmt = delete(webhook).where(webhook.c.id == webhook_id, _own(viewer))
        if (await conn.execute(stmt)).rowcount != 1:
            raise _not_found()

    await in_transaction(database, work)


def _not_found() -> Refused:
    return Refused(RefusalCode.NOT_FOUND, "No such webhook.", field=("id",))


async def webhooks_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """The viewer's organization's webhooks by id (None for others': they do not exist)."""
    stmt: Select[Any] = select(*SHOWN).where(webhook.c.id.in_(ids), _own(viewer))
    found = {row.id: row for row in await conn.execute(stmt)}
    return [found.get(key) for key in ids]


async def webhook_page(conn: AsyncConnection, viewer: Viewer, request: PageRequest) -> Page:
    """One page of the viewer's organization's webhooks, oldest first, one statement."""
    created, id_ = webhook.c.created_date, webhook.c.id
    stmt: Select[Any] = (
        select(*SHOWN)
        .where(_own(viewer), *window_conditions(created, id_, descending=False, request=request))
        .order_by(*order_terms(created, id_, descending=False, request=request))
        .limit(request.limit + 1)
    )
    return to_page((await conn.execute(stmt)).all(), request)


async def webhook_counts(conn: AsyncConnection, viewer: Viewer, keys: Sequence[None]) -> list[int]:
    """How many webhooks the viewer's organization has (the one key is None)."""
    count = await conn.scalar(select(func.count()).select_from(webhook).where(_own(viewer)))
    return [count or 0 for _ in keys]


async def sealed_secret(conn: AsyncConnection, webhook_id: uuid.UUID) -> str | None:
    """The sealed signing secret of a webhook, for the delivery worker only."""
    return await conn.scalar(select(webhook.c.sealed_secret).where(webhook.c.id == webhook_id))
