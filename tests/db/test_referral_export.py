"""The referrals an organization sees, page by page, each as the API reads it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, update

from db.access import Viewer
from db.engine import Database
from db.models import ParticipantStatus, ReferralStatus
from db.partner_center import to_partner_center
from db.referral_export import count_visible, visible_referrals
from db.tables import referral
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor


def _viewer(actor: Actor) -> Viewer:
    return Viewer(actor.organization_id, actor.user_id, START + timedelta(days=1))


async def test_pages_cover_what_the_organization_sees_once_oldest_first(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner, other = await make_actor(conn, "Owner"), await make_actor(conn, "Other")
        mine = [
            (await make_referral(conn, owner, created=START + timedelta(minutes=i))).id
            for i in range(17)
        ]
        await make_referral(conn, other, created=START)  # not shared: never exported
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        viewer = _viewer(owner)
        pages = [page async for page in visible_referrals(database.engine, viewer, page_size=5)]
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert [len(page) for page in pages] == [5, 5, 5, 2]
    # Seven statements a page: the page, its profiles, requirements, information,
    # participants, their users and their organizations.
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 4 * 7
    assert [parts.referral.id for page in pages for parts in page] == mine
    assert await count_visible(database.engine, _viewer(owner)) == 17


async def test_contact_details_are_masked_as_the_organization_sees_them(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        invited, accepted = await make_actor(conn, "Invited"), await make_actor(conn, "Accepted")
        rows = await make_referral(conn, owner, created=START, status=ReferralStatus.ACTIVE)
        for member, status in (
            (invited, ParticipantStatus.INVITED),
            (accepted, ParticipantStatus.ACCEPTED),
        ):
            await make_participant(
                conn,
                rows.id,
                member,
                invited_by=rows.owner_participant_id,
                invited=START,
                status=status,
            )

    async def contact(actor: Actor) -> tuple[object, object, str]:
        (page,) = [page async for page in visible_referrals(database.engine, _viewer(actor))]
        record = to_partner_center(page[0], actor.organization_id)
        member = record["customerProfile"]["team"][0]
        return member["email"], member["phoneNumber"], record["direction"]

    assert await contact(owner) == (
        "contact@customer.example",
        "+14255550100",
        "Outgoing",
    )
    assert await contact(accepted) == (
        "contact@customer.example",
        "+14255550100",
        "Incoming",
    )
    assert await contact(invited) == (None, None, "Incoming")


async def test_without_consent_only_the_owner_sees_the_contact(database: Database) -> None:
    async with database.engine.begin() as conn:
        owner, accepted = await make_actor(conn, "Owner"), await make_actor(conn, "Accepted")
        rows = await make_referral(conn, owner, created=START, status=ReferralStatus.ACTIVE)
        await conn.execute(
            update(referral)
            .where(referral.c.id == rows.id)
            .values(consent_share_info_with_others=False, external_reference_id="CRM-7")
        )
        await make_participant(
            conn,
            rows.id,
            accepted,
            invited_by=rows.owner_participant_id,
            invited=START,
            status=ParticipantStatus.ACCEPTED,
        )

    async def seen(actor: Actor) -> tuple[object, object, object]:
        (page,) = [page async for page in visible_referrals(database.engine, _viewer(actor))]
        record = to_partner_center(page[0], actor.organization_id)
        member = record["customerProfile"]["team"][0]
        return member["email"], member["phoneNumber"], record["externalReferenceId"]

    assert await seen(owner) == ("contact@customer.example", "+14255550100", "CRM-7")
    # The owner's CRM key is the owner's: other organizations read it as null.
    assert await seen(accepted) == (None, None, None)
