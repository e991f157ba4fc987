"""Rows for the webhook data-layer tests: organizations, a referral, webhooks, events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from api.webhooks.secrets import seal
from db.access import Viewer
from db.engine import Database
from db.models import ActivityType
from db.webhooks import registry
from db.webhooks.fan_out import ReadAfter
from db.webhooks.models import WebhookEventName
from tests.conftest import START
from tests.helpers import Actor

KEY = "k" * 40
BOTH = (WebhookEventName.REFERRAL_CREATED, WebhookEventName.REFERRAL_UPDATED)


@dataclass(frozen=True, slots=True)
class Event:
    """An event as db.event_log.read_after gives it."""

    position: int
    id: uuid.UUID
    referral_id: uuid.UUID
    type: ActivityType
    occurred_date: datetime


def reader(events: Sequence[Event]) -> ReadAfter:
    """A read_after over a fixed list of events."""

    async def read_after(conn: AsyncConnection, after: int, limit: int) -> list[Event]:
        return [event for event in events if event.position > after][:limit]

    return read_after


async def make_webhook(
    database: Database,
    actor: Actor,
    url: str,
    *,
    events: Sequence[WebhookEventName] = BOTH,
    active: bool = True,
    created: datetime = START,
) -> uuid.UUID:
    viewer = Viewer(actor.organization_id, actor.user_id, created)
    webhook_id = await registry.create_webhook(
        database,
        viewer,
        url=url,
        events=events,
        description=None,
        sealed_secret=seal("whsec_test", KEY),
    )
    if not active:
        await registry.update_webhook(
            database, viewer, webhook_id, registry.WebhookPatch(active=False)
        )
    return webhook_id
