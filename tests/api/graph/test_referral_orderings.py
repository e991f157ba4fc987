"""Ordering `referrals` by deal value, closing date and name: keyset pages through ties and
nulls, forward and backward, equal to the same list sorted in Python, on both engines."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from api.graph.relay.ids import to_global_id
from tests.api.graph.test_referral_filters import set_information
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String,
       $orderBy: ReferralOrderInput, $filter: ReferralFilterInput) {
  referrals(first: $first, after: $after, last: $last, before: $before,
            orderBy: $orderBy, filter: $filter) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id }
  }
}
"""

D = Decimal
# Ties, nulls, and amounts whose text sorts otherwise ("9.50" > "2000.00" > "100.00").
ROWS: list[tuple[str, Decimal | None, date | None]] = [
    ("beta", D("100.00"), date(2027, 1, 1)),
    ("Beta", D("100.00"), date(2027, 1, 1)),
    ("alpha", None, None),
    ("beta", D("50.00"), date(2027, 3, 1)),
    ("Zeta", D("2000.00"), None),
    ("alpha", None, date(2026, 12, 24)),
    ("ärger", D("100.00"), date(2027, 1, 1)),
    ("b", D("9.50"), date(2026, 12, 24)),
    ("beta", D("50.00"), date(2027, 3, 1)),
    ("", D("0.00"), None),
]
FIELDS: dict[str, Callable[[tuple[str, Decimal | None, date | None]], Any]] = {
    "NAME": lambda row: row[0],
    "DEAL_VALUE": lambda row: row[1],
    "CLOSING_DATE": lambda row: row[2],
}


async def _seed(api: Api) -> tuple[Actor, dict[uuid.UUID, tuple[str, Decimal | None, date | None]]]:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        rows = {}
        for index, row in enumerate(ROWS):
            name, value, closing = row
            created = START - timedelta(hours=index)
            made = await make_referral(conn, owner, created=created, name=name)
            await set_information(conn, made.id, deal_value=value, closing_date=closing)
            rows[made.id] = row
    return owner, rows


def _expected(
    rows: dict[uuid.UUID, tuple[str, Decimal | None, date | None]], field: str, descending: bool
) -> list[str]:
    """The list as documented: by value, ties by id, both in `descending` order; nulls last."""
    value_of = FIELDS[field]
    present = [pk for pk in rows if value_of(rows[pk]) is not None]
    absent = [pk for pk in rows if value_of(rows[pk]) is None]
    present.sort(key=lambda pk: (value_of(rows[pk]), pk), reverse=descending)
    absent.sort(reverse=descending)
    return [to_global_id("Referral", pk) for pk in present + absent]


async def _walk(api: Api, actor: Actor, order: dict[str, str], *, backward: bool) -> list[str]:
    """Every id, two a page, from the first page on (or from the last page back)."""
    seen: list[str] = []
    cursor = None
    while True:
        variables: dict[str, Any] = {"orderBy": order}
        if backward:
            variables |= {"last": 2, "before": cursor}
        else:
            variables |= {"first": 2, "after": cursor}
        data = (await api.query(PAGE, variables, actor=actor))["referrals"]
        ids = [node["id"] for node in data["nodes"]]
        info = data["pageInfo"]
        if backward:
            seen = ids + seen
            if not info["hasPreviousPage"]:
                return seen
            cursor = info["startCursor"]
        else:
            seen += ids
            if not info["hasNextPage"]:
                return seen
            cursor = info["endCursor"]


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", list(FIELDS))
async def test_pages_through_ties_and_nulls_in_both_directions(
    api: Api, field: str, direction: str
) -> None:
    owner, rows = await _seed(api)
    expected = _expected(rows, field, descending=direction == "DESC")
    order = {"field": field, "direction": direction}

    assert await _walk(api, owner, order, backward=False) == expected
    assert await _walk(api, owner, order, backward=True) == expected


async def test_a_page_starts_right_after_a_null_or_a_tie(api: Api) -> None:
    owner, rows = await _seed(api)
    order = {"field": "CLOSING_DATE", "direction": "DESC"}
    expected = _expected(rows, "CLOSING_DATE", descending=True)
    everything = await api.query(PAGE, {"first": 100, "orderBy": order}, actor=owner)
    assert [n["id"] for n in everything["referrals"]["nodes"]] == expected
    for size in range(1, len(expected)):
        head = await api.query(PAGE, {"first": size, "orderBy": order}, actor=owner)
        after = head["referrals"]["pageInfo"]["endCursor"]
        rest = await api.query(PAGE, {"first": 100, "after": after, "orderBy": order}, actor=owner)
        assert [n["id"] for n in rest["referrals"]["nodes"]] == expected[size:]
        tail = await api.query(PAGE, {"last": 100, "before": after, "orderBy": order}, actor=owner)
        assert [n["id"] for n in tail["referrals"]["nodes"]] == expected[: size - 1]


async def test_filters_and_orderings_combine(api: Api) -> None:
    owner, rows = await _seed(api)
    order = {"field": "DEAL_VALUE", "direction": "ASC"}
    where = {"currency": "USD", "dealValueMin": "50", "dealValueMax": "100"}
    data = await api.query(PAGE, {"first": 100, "orderBy": order, "filter": where}, actor=owner)
    expected = [
        pk
        for pk in _expected(rows, "DEAL_VALUE", descending=False)
        if any(
            to_global_id("Referral", key) == pk and row[1] is not None and 50 <= row[1] <= 100
            for key, row in rows.items()
        )
    ]
    assert [n["id"] for n in data["referrals"]["nodes"]] == expected
    assert len(expected) == 5


@pytest.mark.parametrize(
    ("made_by", "used_with"),
    [("DEAL_VALUE", "NAME"), ("CREATED_DATE", "CLOSING_DATE"), ("NAME", "DEAL_VALUE")],
)
async def test_cursors_of_another_ordering_are_refused(
    api: Api, made_by: str, used_with: str
) -> None:
    owner, _ = await _seed(api)
    page = await api.query(PAGE, {"first": 1, "orderBy": {"field": made_by}}, actor=owner)
    cursor = page["referrals"]["pageInfo"]["endCursor"]
    errors = await api.errors(
        PAGE, {"first": 1, "after": cursor, "orderBy": {"field": used_with}}, actor=owner
    )
    assert errors[0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}
    assert "another ordering" in errors[0]["message"]
