"""The `referrals` connection: keyset pages, ordering, filters, search and totals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from db.models import ReferralSource, ReferralStatus
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, Api

PAGE = """
query ($first: Int, $after: String, $last: Int, $before: String,
       $filter: ReferralFilterInput, $orderBy: ReferralOrderInput) {
  referrals(first: $first, after: $after, last: $last, before: $before,
            filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name } }
    nodes { name }
  }
}
"""


async def _seed(api: Api, count: int) -> Actor:
    """`count` referrals named r00.. created an hour apart, r00 oldest."""
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        for index in range(count):
            created = START - timedelta(hours=count - index)
            await make_referral(conn, owner, created=created, name=f"r{index:02}")
    return owner


async def _names(api: Api, actor: Actor, **variables: Any) -> list[str]:
    data = await api.query(PAGE, variables, actor=actor)
    return [node["name"] for node in data["referrals"]["nodes"]]


async def test_pages_forward_through_every_referral_once(api: Api) -> None:
    owner = await _seed(api, 7)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = (await api.query(PAGE, {"first": 3, "after": after}, actor=owner))["referrals"]
        pages += 1
        assert data["totalCount"] == 7
        assert [e["node"]["name"] for e in data["edges"]] == [n["name"] for n in data["nodes"]]
        assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]
        assert data["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen += [n["name"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [f"r{i:02}" for i in reversed(range(7))]  # newest created first by default


async def test_pages_backward_with_last_and_before(api: Api) -> None:
    owner = await _seed(api, 5)
    order = {"field": "CREATED_DATE", "direction": "ASC"}
    data = (await api.query(PAGE, {"last": 2, "orderBy": order}, actor=owner))["referrals"]
    assert [n["name"] for n in data["nodes"]] == ["r03", "r04"]
    assert data["pageInfo"]["hasPreviousPage"] is True
    assert data["pageInfo"]["hasNextPage"] is False
    before = data["pageInfo"]["startCursor"]
    names = await _names(api, owner, last=2, before=before, orderBy=order)
    assert names == ["r01", "r02"]


async def test_cursors_stay_correct_while_rows_are_inserted(api: Api) -> None:
    owner = await _seed(api, 4)
    first = (await api.query(PAGE, {"first": 2}, actor=owner))["referrals"]
    assert [n["name"] for n in first["nodes"]] == ["r03", "r02"]
    async with api.database.engine.begin() as conn:
        # A newer referral lands before the cursor, an older one after it.
        await make_referral(conn, owner, created=START, name="newest")
        await make_referral(conn, owner, created=START - timedelta(days=30), name="oldest")

    rest = await _names(api, owner, first=10, after=first["pageInfo"]["endCursor"])

    assert rest == ["r01", "r00", "oldest"]


async def test_ties_on_the_sort_date_are_broken_by_id(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        names = {
            (await make_referral(conn, owner, created=START, name=f"same{i}")).id: f"same{i}"
            for i in range(5)
        }
    walked: list[str] = []
    after = None
    for _ in range(5):
        data = (await api.query(PAGE, {"first": 2, "after": after}, actor=owner))["referrals"]
        walked += [n["name"] for n in data["nodes"]]
        after = data["pageInfo"]["endCursor"]
        if not data["pageInfo"]["hasNextPage"]:
            break
    # Newest first, and among equal dates the greater id first: each row exactly once.
    assert walked == [names[pk] for pk in sorted(names, reverse=True)]


async def test_orders_by_updated_date_in_both_directions(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        for name, created, updated in (("a", 3, 1), ("b", 2, 3), ("c", 1, 2)):
            await make_referral(
                conn,
                owner,
                name=name,
                created=START - timedelta(days=created),
                updated=START - timedelta(hours=10 - updated),
            )
    desc = {"field": "UPDATED_DATE", "direction": "DESC"}
    asc = {"field": "UPDATED_DATE", "direction": "ASC"}
    assert await _names(api, owner, orderBy=desc) == ["b", "c", "a"]
    assert await _names(api, owner, orderBy=asc) == ["a", "c", "b"]
    assert await _names(api, owner, orderBy={"field": "CREATED_DATE", "direction": "ASC"}) == [
        "a",
        "b",
        "c",
    ]


async def test_filters_by_status_source_country_and_dates(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        specs = [
            ("pending-us", ReferralStatus.PENDING, ReferralSource.P2P, "US", 10),
            ("active-de", ReferralStatus.ACTIVE, ReferralSource.WEB_DIRECT, "DE", 5),
            ("won-de", ReferralStatus.WON, ReferralSource.AGENT_LED, "DE", 2),
            ("lost-fr", ReferralStatus.LOST, ReferralSource.P2P, "FR", 1),
        ]
        for name, status, source, country, days in specs:
            created = START - timedelta(days=days)
            await make_referral(
                conn,
                owner,
                name=name,
                status=status,
                source=source,
                country=country,
                created=created,
                updated=created + timedelta(hours=days),
            )

    async def names(where: dict[str, Any]) -> set[str]:
        return set(await _names(api, owner, filter=where))

    assert await names({"status": ["ACTIVE", "WON"]}) == {"active-de", "won-de"}
    assert await names({"referralSource": ["P2P"]}) == {"pending-us", "lost-fr"}
    assert await names({"country": "de"}) == {"active-de", "won-de"}
    assert await names({"status": ["WON"], "country": "DE"}) == {"won-de"}
    cutoff = (START - timedelta(days=3)).isoformat()
    assert await names({"createdAfter": cutoff}) == {"won-de", "lost-fr"}
    assert await names({"createdBefore": cutoff}) == {"pending-us", "active-de"}
    assert await names({"updatedAfter": (START - timedelta(days=5)).isoformat()}) == {
        "active-de",
        "won-de",
        "lost-fr",
    }
    assert await names({"updatedBefore": (START - timedelta(days=9)).isoformat()}) == {
        "pending-us",
    }
    assert await names({"status": []}) == set()
    total = await api.query(PAGE, {"filter": {"country": "DE"}}, actor=owner)
    assert total["referrals"]["totalCount"] == 2


async def test_search_matches_customer_and_contact_names_case_insensitively(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn)
        await make_referral(
            conn,
            owner,
            name="1",
            customer_name="Müller Logistik GmbH",
            contact=("Zoë", "Weiß"),
            created=START - timedelta(days=1),
        )
        await make_referral(
            conn,
            owner,
            name="2",
            customer_name="Contoso Retail",
            contact=("Ana", "Ruiz"),
            created=START - timedelta(days=2),
        )
        await make_referral(
            conn,
            owner,
            name="3",
            customer_name="100% Natural",
            contact=("Li", "Wei"),
            created=START - timedelta(days=3),
        )
        await make_referral(
            conn,
            owner,
            name="4",
            customer_name="ÉCOLE DU NORD",
            contact=("Ödön", "ÅSTRÖM"),
            created=START - timedelta(days=4),
        )

    async def found(term: str) -> list[str]:
        return sorted(await _names(api, owner, filter={"search": term}))

    assert await found("contoso") == ["2"]
    assert await found("CONTOSO RET") == ["2"]
    assert await found("müller") == ["1"]
    assert await found("MÜLLER") == ["1"]
    assert await found("zoë weiß") == ["1"]
    assert await found("ana ruiz") == ["2"]
    assert await found("wei") == ["1", "3"]  # Weiß contains "wei"; so does Wei
    assert await found("100%") == ["3"]  # LIKE wildcards in the term match literally
    assert await found("_") == []
    assert await found("école") == ["4"]  # capitals beyond ASCII fold too, on SQLite as well
    assert await found("åström") == ["4"]
    assert await found("  ") == ["1", "2", "3", "4"]  # blank search is no search
