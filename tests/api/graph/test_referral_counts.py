"""`referralCounts`: every facet agrees with paging through `referrals` under the same filter."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from graphql import build_schema, parse

from api.guards.cost import FLAT_COSTS, requested
from api.schema import schema_sdl
from db.models import ParticipantStatus, ReferralSource, ReferralStatus
from db.tables import additional_information
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor, Api

COUNTS = """
query ($filter: ReferralFilterInput) {
  referralCounts(filter: $filter) {
    total
    byStatus { key count }
    bySource { key count }
    byCountry { key count }
    byMonthCreated { key count }
    dealValueByCurrency { currency sum count }
  }
}
"""

PAGE = """
query ($filter: ReferralFilterInput, $after: String) {
  referrals(first: 3, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      status referralSource createdDate
      customerProfile { address { country } }
      additionalInformation { dealValue currency }
    }
  }
}
"""

S, R = ReferralStatus, ReferralSource
MAX = "9999999999999999.99"
# (status, source, country, created, deal value, currency): months on both sides of midnight
# UTC, and values that floats would round (0.10 + 0.20, two at the maximum).
SEEDED: list[tuple[ReferralStatus, ReferralSource, str, datetime, str | None, str | None]] = [
    (
        S.PENDING,
        R.PARTNER_LED,
        "DE",
        datetime(2026, 10, 31, 23, 59, 59, 999000, UTC),
        "0.10",
        "EUR",
    ),
    (S.ACTIVE, R.P2P, "DE", datetime(2026, 11, 1, tzinfo=UTC), "0.20", "EUR"),
    (S.ACTIVE, R.WEB_DIRECT, "FR", datetime(2026, 11, 15, 8, tzinfo=UTC), MAX, "USD"),
    (S.WON, R.PARTNER_LED, "US", datetime(2026, 9, 30, 22, 30, tzinfo=UTC), MAX, "USD"),
    (S.LOST, R.PARTNER_LED, "US", datetime(2025, 12, 31, 23, tzinfo=UTC), None, None),
    (S.PENDING, R.AGENT_LED, "DE", datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC), "0.10", "EUR"),
    (S.ACTIVE, R.PARTNER_LED, "JP", datetime(2026, 11, 20, tzinfo=UTC), "125000.50", "USD"),
]


async def _seed(api: Api) -> Actor:
    """The viewer's own referrals, one it is only invited to, and another organization's."""
    async with api.database.engine.begin() as conn:
        viewer = await make_actor(conn, "Viewer")
        other = await make_actor(conn, "Other")
        for status, source, country, created, value, currency in SEEDED:
            rows = await make_referral(
                conn, viewer, created=created, status=status, source=source, country=country
            )
            await conn.execute(
                additional_information.update()
                .where(additional_information.c.referral_id == rows.id)
                .values(deal_value=None if value is None else Decimal(value), currency=currency)
            )
        invited = await make_referral(conn, other, created=START - timedelta(days=1), country="IT")
        await make_participant(
            conn,
            invited.id,
            viewer,
            invited_by=invited.owner_participant_id,
            invited=START - timedelta(hours=1),
            status=ParticipantStatus.INVITED,
        )
        await make_referral(conn, other, created=START, country="ES")  # not the viewer's
    return viewer


async def _listed(api: Api, actor: Actor, where: dict[str, Any]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.query(PAGE, {"filter": where, "after": after}, actor=actor))["referrals"]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["totalCount"] == len(nodes)
            return nodes
        after = page["pageInfo"]["endCursor"]


def _expected(nodes: list[dict[str, Any]]) -> dict[str, Any]:
    """What each facet should say, computed from the list's own rows."""
    statuses = Counter(node["status"] for node in nodes)
    sources = Counter(node["referralSource"] for node in nodes)
    countries = Counter(node["customerProfile"]["address"]["country"] for node in nodes)
    # createdDate is ISO 8601 in UTC: its first 7 characters are the year and month.
    months = Counter(node["createdDate"][:7] for node in nodes)
    sums: dict[str, tuple[Decimal, int]] = {}
    for node in nodes:
        info = node["additionalInformation"]
        if info["dealValue"] is not None:
            total, count = sums.get(info["currency"], (Decimal(0), 0))
            sums[info["currency"]] = (total + Decimal(info["dealValue"]), count + 1)
    return {
        "total": len(nodes),
        "byStatus": [{"key": s.name, "count": statuses[s.name]} for s in ReferralStatus],
        "bySource": [{"key": s.name, "count": sources[s.name]} for s in ReferralSource],
        "byCountry": [
            {"key": key, "count": n}
            for key, n in sorted(countries.items(), key=lambda item: (-item[1], item[0]))
        ],
        "byMonthCreated": [{"key": key, "count": n} for key, n in sorted(months.items())],
        "dealValueByCurrency": [
            {"currency": currency, "sum": total, "count": count}
            for currency, (total, count) in sorted(sums.items())
        ],
    }


@pytest.mark.parametrize(
    "where",
    [
        None,
        {"status": ["ACTIVE", "PENDING"]},
        {"country": "de"},
        {"referralSource": ["PARTNER_LED"], "createdAfter": "2026-01-01T00:00:00Z"},
        {"search": "contoso", "createdBefore": "2026-11-01T00:00:00Z"},
        {"status": ["WON"], "country": "JP"},
    ],
    ids=["all", "status", "country", "source-created", "search", "none-match"],
)
async def test_each_count_equals_what_paging_the_list_returns(
    api: Api, where: dict[str, Any] | None
) -> None:
    viewer = await _seed(api)
    counts = (await api.query(COUNTS, {"filter": where}, actor=viewer))["referralCounts"]
    expected = _expected(await _listed(api, viewer, where or {}))
    for bucket in counts["dealValueByCurrency"]:
        bucket["sum"] = Decimal(bucket["sum"])  # "0.30" and "0.3" are the same amount
    assert counts == expected


async def test_sums_are_exact_decimals_and_months_are_utc(api: Api) -> None:
    viewer = await _seed(api)
    counts = (await api.query(COUNTS, actor=viewer))["referralCounts"]
    assert counts["total"] == len(SEEDED) + 1  # the invitation counts, the stranger's does not
    assert counts["dealValueByCurrency"] == [
        {"currency": "EUR", "sum": "0.40", "count": 3},
        # Two at the maximum and two of 125000.50 (the invitation's, made by the factory).
        {"currency": "USD", "sum": "20000000000250000.98", "count": 4},
    ]
    assert counts["byMonthCreated"] == [
        {"key": "2025-12", "count": 1},
        {"key": "2026-01", "count": 1},
        {"key": "2026-09", "count": 1},
        {"key": "2026-10", "count": 1},
        {"key": "2026-11", "count": 4},
    ]
    assert counts["byStatus"] == [
        {"key": "PENDING", "count": 3},
        {"key": "ACTIVE", "count": 3},
        {"key": "WON", "count": 1},
        {"key": "LOST", "count": 1},
    ]


async def test_an_organization_with_no_referrals_gets_zero_buckets(api: Api) -> None:
    await _seed(api)
    async with api.database.engine.begin() as conn:
        stranger = await make_actor(conn, "Stranger")
    counts = (await api.query(COUNTS, actor=stranger))["referralCounts"]
    assert counts["total"] == 0
    assert [bucket["count"] for bucket in counts["byStatus"] + counts["bySource"]] == [0] * 8
    assert counts["byCountry"] == counts["byMonthCreated"] == []
    assert counts["dealValueByCurrency"] == []


@pytest.mark.parametrize(
    ("where", "argument"),
    [
        ({"country": "Deutschland"}, "filter.country"),
        ({"search": "x" * 201}, "filter.search"),
        ({"createdAfter": "2026-01-01T00:00:00"}, "filter.createdAfter"),
    ],
)
async def test_bad_filters_are_refused_by_name(
    api: Api, where: dict[str, Any], argument: str
) -> None:
    viewer = await _seed(api)
    (error,) = await api.errors(COUNTS, {"filter": where}, actor=viewer)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert argument in error["message"]


def test_counts_are_priced_flat_whatever_they_select() -> None:
    schema = build_schema(schema_sdl())
    flat = FLAT_COSTS[("Query", "referralCounts")]
    for document in (COUNTS, "{ referralCounts { total } }"):
        (operation,) = parse(document).definitions
        cost = requested(schema, operation, {}, {}, default_page_size=20)  # type: ignore[arg-type]
        assert (cost.nodes, cost.requests) == (flat.nodes, flat.requests)
