"""The `events` feed: what an organization may see, by log position, paged in both orders."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from db import event_log
from db.models import ActivityType, ParticipantStatus
from tests.conftest import START
from tests.factories import (
    logging_events,
    make_activity,
    make_actor,
    make_participant,
    make_referral,
)
from tests.graphql_socket import referral_gid
from tests.helpers import Actor, Api

FEED = """
query Feed($first: Int, $after: String, $last: Int, $before: String,
           $filter: EventFilterInput, $order: EventOrder! = NEWEST_FIRST) {
  events(first: $first, after: $after, last: $last, before: $before,
         filter: $filter, orderBy: $order) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { eventId cursor type occurredAt activity { id note } referral { id } } }
  }
}
"""


class World:
    """An owner with two referrals, a partner invited to the first, and an outsider's own."""

    def __init__(self, owner: Actor, partner: Actor, outsider: Actor) -> None:
        self.owner, self.partner, self.outsider = owner, partner, outsider
        self.notes: dict[str, uuid.UUID] = {}  # note -> event (activity) id, in commit order
        self.referrals: list[uuid.UUID] = []


async def _world(api: Api) -> World:
    async with api.database.engine.begin() as conn:
        world = World(
            await make_actor(conn, "Owner"),
            await make_actor(conn, "Partner"),
            await make_actor(conn, "Outsider"),
        )
        for _ in range(2):
            world.referrals.append((await make_referral(conn, world.owner, created=START)).id)
        shared = await make_referral(conn, world.owner, created=START)
        await make_participant(
            conn,
            shared.id,
            world.partner,
            invited_by=shared.owner_participant_id,
            invited=START,
            status=ParticipantStatus.ACCEPTED,
        )
        world.referrals.append(shared.id)
        foreign = (await make_referral(conn, world.outsider, created=START)).id
    plan = [(0, "a0"), (1, "b0"), (2, "shared0"), (0, "a1"), (None, "foreign"), (2, "shared1")]
    for minute, (index, text) in enumerate(plan):
        referral_id = foreign if index is None else world.referrals[index]
        async with api.database.engine.begin() as conn, logging_events(conn):
            world.notes[text] = await make_activity(
                conn,
                referral_id,
                ActivityType.NOTE_ADDED,
                START + timedelta(minutes=minute),
                note=text,
            )
    return world


def _notes(data: dict[str, Any]) -> list[str]:
    return [edge["node"]["activity"]["note"] for edge in data["events"]["edges"]]


async def test_the_feed_lists_visible_events_newest_or_oldest_first(api: Api) -> None:
    world = await _world(api)
    newest = await api.query(FEED, actor=world.owner)
    assert _notes(newest) == ["shared1", "a1", "shared0", "b0", "a0"]  # not the outsider's
    assert newest["events"]["totalCount"] == 5
    edge = newest["events"]["edges"][0]
    assert edge["cursor"] == edge["node"]["cursor"]
    assert edge["node"]["eventId"] == str(world.notes["shared1"])
    assert edge["node"]["type"] == "NOTE_ADDED"
    assert edge["node"]["occurredAt"] == "2026-11-24T12:05:00+00:00"
    assert edge["node"]["referral"]["id"] == referral_gid(world.referrals[2])
    oldest = await api.query(FEED, {"order": "OLDEST_FIRST"}, actor=world.owner)
    assert _notes(oldest) == ["a0", "b0", "shared0", "a1", "shared1"]
    partner = await api.query(FEED, {"order": "OLDEST_FIRST"}, actor=world.partner)
    assert _notes(partner) == ["shared0", "shared1"]


async def test_paging_forward_and_back_in_both_orders(api: Api) -> None:
    world = await _world(api)
    for order, expected in (
        ("NEWEST_FIRST", ["shared1", "a1", "shared0", "b0", "a0"]),
        ("OLDEST_FIRST", ["a0", "b0", "shared0", "a1", "shared1"]),
    ):
        seen: list[str] = []
        cursors: list[str] = []
        after = None
        while True:
            page = await api.query(
                FEED, {"first": 2, "after": after, "order": order}, actor=world.owner
            )
            seen += _notes(page)
            cursors += [edge["cursor"] for edge in page["events"]["edges"]]
            info = page["events"]["pageInfo"]
            assert info["hasPreviousPage"] == (after is not None)
            if not info["hasNextPage"]:
                break
            after = info["endCursor"]
        assert seen == expected
        back = await api.query(
            FEED, {"last": 2, "before": cursors[4], "order": order}, actor=world.owner
        )
        assert _notes(back) == expected[2:4]
        info = back["events"]["pageInfo"]
        assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, True)
        assert (info["startCursor"], info["endCursor"]) == (cursors[2], cursors[3])


async def test_what_changed_since_a_cursor(api: Api) -> None:
    """A polling client keeps the newest cursor and later asks for what followed it."""
    world = await _world(api)
    newest = await api.query(FEED, {"first": 1}, actor=world.owner)
    cursor = newest["events"]["pageInfo"]["startCursor"]
    async with api.database.engine.begin() as conn, logging_events(conn):
        await make_activity(conn, world.referrals[1], ActivityType.NOTE_ADDED, START, note="new")
    since = await api.query(FEED, {"order": "OLDEST_FIRST", "after": cursor}, actor=world.owner)
    assert _notes(since) == ["new"]


async def test_filters(api: Api) -> None:
    world = await _world(api)
    by_referral = {"referralId": referral_gid(world.referrals[0])}
    assert _notes(await api.query(FEED, {"filter": by_referral}, actor=world.owner)) == [
        "a1",
        "a0",
    ]
    assert (
        _notes(await api.query(FEED, {"filter": {"types": ["CREATED"]}}, actor=world.owner)) == []
    )
    window = {"occurredAfter": "2026-11-24T12:01:00Z", "occurredBefore": "2026-11-24T12:03:00Z"}
    assert _notes(await api.query(FEED, {"filter": window}, actor=world.owner)) == ["shared0", "b0"]
    # Another organization's referral filters to nothing, like one that does not exist.
    foreign = await api.query(
        FEED, {"filter": {"referralId": referral_gid(uuid.uuid4())}}, actor=world.partner
    )
    assert foreign["events"]["totalCount"] == 0


async def _error(api: Api, actor: Actor, variables: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(FEED, variables, actor=actor)
    body = response.json()
    assert body["data"] is None, body
    (error,) = body["errors"]
    result: dict[str, Any] = error
    return result


async def test_bad_arguments_are_refused_by_name(api: Api) -> None:
    world = await _world(api)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"after": "nonsense"}, "after"),
        ({"last": 2, "before": "bm9wZQ"}, "before"),
        ({"first": 0}, "first"),
        ({"first": 1, "last": 1}, "first"),
        ({"filter": {"referralId": "bad"}}, "filter.referralId"),
        ({"filter": {"occurredAfter": "2026-11-24T12:00:00"}}, "filter.occurredAfter"),
    ]
    for variables, argument in cases:
        error = await _error(api, world.owner, variables)
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}, variables


async def test_a_cursor_older_than_retention_is_refused(api: Api) -> None:
    world = await _world(api)
    oldest = await api.query(FEED, {"order": "OLDEST_FIRST", "first": 1}, actor=world.owner)
    first_cursor = oldest["events"]["pageInfo"]["endCursor"]
    async with api.database.engine.begin() as conn:  # prune the first two events (a0, b0)
        assert await event_log.prune(conn, START + timedelta(minutes=2)) == 2
    for variables, argument in (
        ({"order": "OLDEST_FIRST", "after": first_cursor}, "after"),
        ({"last": 1, "before": first_cursor}, "before"),
    ):
        error = await _error(api, world.owner, variables)
        assert error["extensions"] == {"code": "EVENTS_EXPIRED", "argument": argument}
        assert f"`{argument}`" in error["message"]
    kept = await api.query(FEED, {"order": "OLDEST_FIRST"}, actor=world.owner)
    assert _notes(kept) == ["shared0", "a1", "shared1"]
