"""The fan-out: one delivery per event for each active, subscribed webhook of every
organization that may see the referral, once, whichever worker runs it."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from db.engine import Database
from db.models import ActivityType, ParticipantStatus
from db.tables import webhook_delivery
from db.webhooks.fan_out import fan_out
from db.webhooks.models import WebhookEventName
from tests.conftest import START
from tests.db.webhooks.support import Event, make_webhook, reader
from tests.factories import make_actor, make_participant, make_referral

WINDOW = timedelta(hours=24)


async def _deliveries(database: Database) -> list[tuple[uuid.UUID, uuid.UUID]]:
    async with database.engine.connect() as conn:
        stmt = select(webhook_delivery.c.webhook_id, webhook_delivery.c.event_id)
        return [(row.webhook_id, row.event_id) for row in await conn.execute(stmt)]


async def test_each_event_reaches_each_matching_webhook_of_each_participant_once(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited = await make_actor(conn, "Invited")
        outsider = await make_actor(conn, "Outsider")
        rows = await make_referral(conn, owner, created=START)
        await make_participant(
            conn,
            rows.id,
            invited,
            invited_by=rows.owner_participant_id,
            invited=START,
            status=ParticipantStatus.INVITED,
        )
    url = "https://hooks.example/in"
    owners = await make_webhook(database, owner, url)
    invited_created = await make_webhook(
        database, invited, url, events=[WebhookEventName.REFERRAL_CREATED]
    )
    await make_webhook(database, invited, url, active=False)
    await make_webhook(database, outsider, url)
    later = await make_webhook(database, owner, url, created=START + timedelta(hours=2))
    created, noted = (
        Event(1, uuid.uuid4(), rows.id, ActivityType.CREATED, START),
        Event(2, uuid.uuid4(), rows.id, ActivityType.NOTE_ADDED, START + timedelta(hours=1)),
    )
    read = reader([created, noted])

    assert await fan_out(database, read, now=START, window=WINDOW) == 2
    assert sorted(await _deliveries(database)) == sorted(
        [(owners, created.id), (owners, noted.id), (invited_created, created.id)]
    )
    assert later not in {hook for hook, _ in await _deliveries(database)}  # registered after
    # Again: the cursor moved on, nothing is fanned out twice.
    assert await fan_out(database, read, now=START, window=WINDOW) == 0
    assert len(await _deliveries(database)) == 3


async def test_the_cursor_resumes_after_the_last_event_fanned_out(database: Database) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        rows = await make_referral(conn, owner, created=START)
    hook = await make_webhook(database, owner, "https://hooks.example/in")
    events = [
        Event(position, uuid.uuid4(), rows.id, ActivityType.UPDATED, START)
        for position in range(1, 8)
    ]
    assert await fan_out(database, reader(events[:3]), now=START, window=WINDOW, batch=2) == 2
    assert await fan_out(database, reader(events[:3]), now=START, window=WINDOW, batch=2) == 1
    # A reader that has more now (events committed since) continues after position 3.
    while await fan_out(database, reader(events), now=START, window=WINDOW, batch=2):
        pass
    async with database.engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(webhook_delivery))
    assert count == 7
    assert {h for h, _ in await _deliveries(database)} == {hook}
