"""The inbox filters of `referrals`: direction, my participation, expiry, deal value, dates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from db.models import ParticipantStatus
from db.tables import additional_information
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor, Api

NAMES = """
query ($filter: ReferralFilterInput) {
  referrals(first: 100, filter: $filter) { totalCount nodes { name } }
}
"""


async def set_information(
    conn: AsyncConnection,
    referral_id: uuid.UUID,
    *,
    deal_value: Decimal | None,
    currency: str | None = "USD",
    closing_date: date | None = None,
) -> None:
    """Give a referral the deal value, currency and closing date a test needs."""
    await conn.execute(
        additional_information.update()
        .where(additional_information.c.referral_id == referral_id)
        .values(deal_value=deal_value, currency=currency, closing_date=closing_date)
    )


async def _inbox(api: Api) -> Actor:
    """Referrals of `me` (the returned actor): two it owns, five it was invited to in every
    participant status, and one of a stranger it does not see."""
    async with api.database.engine.begin() as conn:
        me = await make_actor(conn, "Me")
        other = await make_actor(conn, "Other")
        for name in ("out-alone", "out-shared"):
            rows = await make_referral(conn, me, created=START - timedelta(days=30), name=name)
            if name == "out-shared":
                await make_participant(
                    conn,
                    rows.id,
                    other,
                    invited_by=rows.owner_participant_id,
                    invited=START - timedelta(days=1),
                )
        invitations = {
            # name: (invited how long ago, window, stored status)
            "in-waiting": (timedelta(days=1), timedelta(days=14), ParticipantStatus.INVITED),
            "in-expiring": (timedelta(days=12), timedelta(days=14), ParticipantStatus.INVITED),
            "in-lapsed": (timedelta(days=20), timedelta(days=14), ParticipantStatus.INVITED),
            "in-accepted": (timedelta(days=5), timedelta(days=14), ParticipantStatus.ACCEPTED),
            "in-rejected": (timedelta(days=5), timedelta(days=14), ParticipantStatus.REJECTED),
        }
        for name, (ago, window, status) in invitations.items():
            rows = await make_referral(conn, other, created=START - timedelta(days=30), name=name)
            await make_participant(
                conn,
                rows.id,
                me,
                invited_by=rows.owner_participant_id,
                invited=START - ago,
                window=window,
                status=status,
            )
        await make_referral(conn, other, created=START - timedelta(days=30), name="strangers")
    return me


async def _names(api: Api, actor: Actor, **where: Any) -> set[str]:
    data = (await api.query(NAMES, {"filter": where}, actor=actor))["referrals"]
    names = {node["name"] for node in data["nodes"]}
    assert data["totalCount"] == len(names)
    return names


async def test_direction_tells_incoming_from_outgoing(api: Api) -> None:
    me = await _inbox(api)
    assert await _names(api, me, direction="OUTGOING") == {"out-alone", "out-shared"}
    assert await _names(api, me, direction="INCOMING") == {
        "in-waiting",
        "in-expiring",
        "in-lapsed",
        "in-accepted",
        "in-rejected",
    }


async def test_my_participant_status_reads_as_the_graph_shows_it(api: Api) -> None:
    me = await _inbox(api)
    waiting = await _names(api, me, viewerParticipantStatus=["INVITED"])
    assert waiting == {"in-waiting", "in-expiring"}  # not the lapsed invitation
    assert await _names(api, me, viewerParticipantStatus=["EXPIRED"]) == {"in-lapsed"}
    assert await _names(api, me, viewerParticipantStatus=["ACCEPTED"], direction="INCOMING") == {
        "in-accepted"
    }
    assert await _names(api, me, viewerParticipantStatus=["REJECTED", "MISSED"]) == {"in-rejected"}
    # The list and the participant's own status agree: both read expiry off the one clock.
    api.clock.advance(timedelta(days=3))
    assert await _names(api, me, viewerParticipantStatus=["INVITED"]) == {"in-waiting"}
    assert await _names(api, me, viewerParticipantStatus=["EXPIRED"]) == {
        "in-lapsed",
        "in-expiring",
    }
    shown = await api.query(
        """query ($filter: ReferralFilterInput) { referrals(filter: $filter) {
             nodes { participants { organizationId status } } } }""",
        {"filter": {"viewerParticipantStatus": ["EXPIRED"]}},
        actor=me,
    )
    mine = str(me.organization_id)
    for node in shown["referrals"]["nodes"]:
        statuses = {p["status"] for p in node["participants"] if p["organizationId"] == mine}
        assert statuses == {"EXPIRED"}


async def test_invitation_expiring_before_counts_open_invitations_only(api: Api) -> None:
    me = await _inbox(api)
    soon = (START + timedelta(days=3)).isoformat()
    later = (START + timedelta(days=30)).isoformat()
    assert await _names(api, me, invitationExpiresBefore=soon) == {"in-expiring"}
    assert await _names(api, me, invitationExpiresBefore=later) == {"in-waiting", "in-expiring"}
    assert await _names(api, me, invitationExpiresBefore=START.isoformat()) == set()


async def _deals(api: Api) -> Actor:
    async with api.database.engine.begin() as conn:
        me = await make_actor(conn, "Me")
        deals = {
            "usd-9.5": (Decimal("9.50"), "USD", date(2027, 1, 1)),
            "usd-100": (Decimal("100.00"), "USD", date(2027, 1, 31)),
            "usd-2000": (Decimal("2000.00"), "USD", date(2027, 2, 1)),
            "eur-100": (Decimal("100.00"), "EUR", None),
            "none": (None, None, None),
        }
        for name, (value, currency, closing) in deals.items():
            rows = await make_referral(conn, me, created=START, name=name)
            await set_information(
                conn, rows.id, deal_value=value, currency=currency, closing_date=closing
            )
    return me


async def test_deal_value_bounds_are_inclusive_within_one_currency(api: Api) -> None:
    me = await _deals(api)
    # Amounts compare as numbers on both engines (SQLite stores them as text: "9.5" > "100").
    assert await _names(api, me, currency="usd", dealValueMin="10") == {"usd-100", "usd-2000"}
    assert await _names(api, me, currency="USD", dealValueMax="100") == {"usd-9.5", "usd-100"}
    assert await _names(api, me, currency="USD", dealValueMin="100", dealValueMax="100") == {
        "usd-100"
    }
    assert await _names(api, me, currency="EUR") == {"eur-100"}


async def test_closing_date_range_is_inclusive(api: Api) -> None:
    me = await _deals(api)
    assert await _names(api, me, closingDateFrom="2027-01-31") == {"usd-100", "usd-2000"}
    assert await _names(api, me, closingDateTo="2027-01-31") == {"usd-9.5", "usd-100"}
    assert await _names(api, me, closingDateFrom="2027-01-31", closingDateTo="2027-01-31") == {
        "usd-100"
    }


async def test_search_finds_the_referrals_own_name(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        me = await make_actor(conn, "Me")
        await make_referral(conn, me, created=START, name="Fabrikam - 100% Azure")
        await make_referral(conn, me, created=START, name="Other", customer_name="Azure Corp")
        await make_referral(conn, me, created=START, name="Unrelated")
    assert await _names(api, me, search="azure") == {"Fabrikam - 100% Azure", "Other"}
    assert await _names(api, me, search="100%") == {"Fabrikam - 100% Azure"}


@pytest.mark.parametrize(
    ("where", "argument"),
    [
        ({"dealValueMin": "10"}, "filter.currency"),
        ({"dealValueMax": "10"}, "filter.currency"),
        ({"currency": "XYZ"}, "filter.currency"),
        ({"currency": "US"}, "filter.currency"),
        ({"currency": "USD", "dealValueMin": "-1"}, "filter.dealValueMin"),
        ({"currency": "USD", "dealValueMax": "NaN"}, "filter.dealValueMax"),
        ({"currency": "USD", "dealValueMin": "1e20"}, "filter.dealValueMin"),
        ({"currency": "USD", "dealValueMin": "5", "dealValueMax": "4"}, "filter.dealValueMax"),
        ({"closingDateFrom": "2027-02-01", "closingDateTo": "2027-01-01"}, "filter.closingDateTo"),
        ({"invitationExpiresBefore": "2027-01-01T00:00:00"}, "filter.invitationExpiresBefore"),
    ],
)
async def test_bad_filters_are_refused_naming_the_argument(
    api: Api, where: dict[str, Any], argument: str
) -> None:
    async with api.database.engine.begin() as conn:
        me = await make_actor(conn, "Me")
    errors = await api.errors(NAMES, {"filter": where}, actor=me)
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT", errors
    assert errors[0]["extensions"]["argument"] == argument, errors
    assert f"`{argument}`" in errors[0]["message"]
