"""An import's write: created and brought to its status in one transaction, once per key."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from db.access import Viewer
from db.engine import Database
from db.models import ActivityType, ReferralStatus
from db.refusals import InvalidInput, RefusalCode, Refused
from db.tables import activity, idempotency_key, referral
from db.writes import imports
from db.writes.imports import import_referral
from db.writes.referrals import change_status_in
from tests.conftest import START
from tests.db.drafts import full_draft
from tests.factories import make_actor
from tests.helpers import Actor


async def _actor(database: Database) -> Actor:
    async with database.engine.begin() as conn:
        return await make_actor(conn, "Importer")


def _viewer(actor: Actor) -> Viewer:
    return Viewer(actor.organization_id, actor.user_id, START + timedelta(hours=1))


async def _counts(database: Database) -> tuple[int, int, int]:
    async with database.engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            [
                await conn.scalar(select(func.count()).select_from(table)) or 0
                for table in (referral, activity, idempotency_key)
            ]
        )


async def test_won_goes_through_active_with_the_reason_on_the_last_change(
    database: Database,
) -> None:
    actor = await _actor(database)
    imported = await import_referral(
        database, _viewer(actor), full_draft(), status=ReferralStatus.WON, reason=" Signed "
    )
    assert imported.created
    async with database.engine.connect() as conn:
        row = (
            await conn.execute(select(referral).where(referral.c.id == imported.referral_id))
        ).one()
        history = (
            await conn.execute(
                select(
                    activity.c.type, activity.c.from_status, activity.c.to_status, activity.c.note
                )
                .where(activity.c.referral_id == imported.referral_id)
                .order_by(activity.c.id)
            )
        ).all()
    assert (row.status, row.status_reason, row.version) == (ReferralStatus.WON, "Signed", 3)
    assert [tuple(h) for h in history] == [
        (ActivityType.CREATED, None, ReferralStatus.PENDING, None),
        (ActivityType.STATUS_CHANGED, ReferralStatus.PENDING, ReferralStatus.ACTIVE, None),
        (ActivityType.STATUS_CHANGED, ReferralStatus.ACTIVE, ReferralStatus.WON, "Signed"),
    ]


async def test_a_refusal_after_the_referral_was_written_leaves_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = await _actor(database)
    real = change_status_in

    async def refuse_closing(*args: Any, **kwargs: Any) -> None:
        if args[3] is ReferralStatus.WON:
            raise Refused(RefusalCode.INVALID_TRANSITION, "Refused for the test.")
        await real(*args, **kwargs)

    monkeypatch.setattr(imports, "change_status_in", refuse_closing)
    with pytest.raises(Refused, match="Refused for the test"):
        await import_referral(
            database, _viewer(actor), full_draft(), status=ReferralStatus.WON, source_id="pc-1"
        )
    # Neither the referral, its CREATED and ACTIVE steps, nor the retry key remain.
    assert await _counts(database) == (0, 0, 0)


async def test_lost_without_reason_is_refused_as_change_status_refuses_it(
    database: Database,
) -> None:
    actor = await _actor(database)
    with pytest.raises(InvalidInput) as refused:
        await import_referral(database, _viewer(actor), full_draft(), status=ReferralStatus.LOST)
    assert [(e.field, e.message) for e in refused.value.errors] == [
        (("status_reason",), "is required to mark a referral LOST.")
    ]
    assert await _counts(database) == (0, 0, 0)


async def test_a_source_id_or_external_reference_names_one_referral(database: Database) -> None:
    actor = await _actor(database)
    viewer = _viewer(actor)
    by_source = await import_referral(database, viewer, full_draft(), source_id="pc-1")
    again = await import_referral(database, viewer, full_draft(), source_id="pc-1")
    assert (again.referral_id, again.created) == (by_source.referral_id, False)
    keyed = dataclasses.replace(full_draft(), external_reference_id="CRM-1")
    first = await import_referral(database, viewer, keyed, source_id="pc-2")
    # Keyed by its external reference: another source ID does not make it new.
    second = await import_referral(database, viewer, keyed, source_id="pc-3")
    assert (second.referral_id, second.created) == (first.referral_id, False)
    assert await _counts(database) == (2, 2, 1)
