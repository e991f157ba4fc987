"""referralEvents over WebSocket (graphql-transport-ws), served by a real uvicorn in this loop.

httpx cannot speak WebSocket: the app runs behind uvicorn on 127.0.0.1 and the `websockets`
package is the client; mutations go over HTTP, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from websockets.exceptions import InvalidStatus

from api.app import create_app
from api.auth.tokens import mint_token
from api.graph.relay.ids import to_global_id
from api.graph.subscriptions.hub import EventHub
from api.settings import Settings
from db.event_log import EventRecord
from db.models import ActivityType
from db.writes.steps import record
from db.writes.transaction import LostRace, in_transaction
from tests.conftest import START
from tests.factories import make_actor, make_referral
from tests.graphql_socket import (
    EVENTS,
    INVITE,
    NOTE,
    STATUS,
    GraphQLSocket,
    active_subscriptions,
    add_note,
    eventually,
    hub,
    listening_socket,
    note,
    referral_gid,
    serving,
    two_organizations,
)
from tests.helpers import Api, MovableClock


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


# --- delivery, visibility and masking -----------------------------------------------------


async def test_a_committed_change_reaches_its_subscriber(
    api: Api, app: Starlette, server: str
) -> None:
    owner, _, referral_id = await two_organizations(api)
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe(variables={"id": referral_gid(referral_id)})
        await eventually(lambda: len(hub(app)) == 1)
        activity_id = await note(api, owner, referral_id, "Called the customer")
        event = await socket_.event()
    assert event["activity"] == {
        "id": activity_id,
        "type": "NOTE_ADDED",
        "note": "Called the customer",
    }
    assert event["referral"]["id"] == referral_gid(referral_id)
    assert event["referral"]["version"] == 2
    assert event["referral"]["customerProfile"]["contact"]["email"] == "contact@customer.example"
    await eventually(lambda: len(hub(app)) == 0)  # the closed connection left the hub


async def test_other_organizations_see_only_what_they_may_and_contacts_masked(
    api: Api, app: Starlette, server: str
) -> None:
    owner, partner, referral_id = await two_organizations(api)
    async with api.database.engine.begin() as conn:
        partners_own = (await make_referral(conn, partner, created=START - timedelta(days=1))).id
    async with (
        GraphQLSocket.open(server) as owners,
        GraphQLSocket.open(server) as partners,
    ):
        await owners.init(api.token(owner))
        await partners.init(api.token(partner))
        await owners.subscribe()
        await partners.subscribe()
        await eventually(lambda: len(hub(app)) == 2)

        await note(api, owner, referral_id, "Not for the partner")
        assert (await owners.event())["activity"]["type"] == "NOTE_ADDED"
        # Visibility is judged when a change is delivered, and a subscriber takes its changes
        # in commit order: once the partner has the event of a later note of its own, the
        # owner's note was judged (and withheld) before the invitation below could commit.
        await note(api, partner, partners_own, "The partner's own referral")
        assert (await partners.event())["referral"]["id"] == referral_gid(partners_own)

        invited = await api.query(
            INVITE,
            {
                "input": {
                    "referralId": referral_gid(referral_id),
                    "organizationId": str(partner.organization_id),
                }
            },
            actor=owner,
        )
        assert invited["inviteParticipant"]["userErrors"] == []
        # The partner's first event is its invitation: the note was not its to see.
        seen_by_partner = await partners.event()
        assert seen_by_partner["activity"]["type"] == "PARTICIPANT_INVITED"
        assert seen_by_partner["referral"]["customerProfile"]["contact"] == {
            "email": None,
            "phoneNumber": None,
        }
        seen_by_owner = await owners.event()
        assert seen_by_owner["activity"]["type"] == "PARTICIPANT_INVITED"
        assert seen_by_owner["referral"]["customerProfile"]["contact"]["phoneNumber"] == (
            "+14255550100"
        )


async def test_a_foreign_referral_answers_like_a_nonexistent_one(
    api: Api, app: Starlette, server: str
) -> None:
    _, partner, referral_id = await two_organizations(api)
    answers = []
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(partner))
        for index, pk in enumerate((referral_id, uuid.uuid4())):
            await socket_.subscribe(variables={"id": referral_gid(pk)}, id=str(index))
            message = await socket_.receive()
            assert message["type"] == "error", message
            answers.append(message["payload"])
    assert answers[0] == answers[1]
    assert answers[0][0]["message"] == "No such referral."
    assert answers[0][0]["extensions"]["code"] == "NOT_FOUND"
    assert len(hub(app)) == 0


async def test_refused_and_rolled_back_writes_publish_nothing(
    api: Api, app: Starlette, server: str
) -> None:
    owner, partner, referral_id = await two_organizations(api)

    async def record_then(conn: AsyncConnection, failure: Exception) -> None:
        await record(conn, referral_id, ActivityType.NOTE_ADDED, START, note="never committed")
        raise failure

    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe()
        await eventually(lambda: len(hub(app)) == 1)
        # Refused by the rules: nothing is written, nothing published.
        refused = await api.query(
            STATUS, {"input": {"id": referral_gid(referral_id), "status": "WON"}}, actor=owner
        )
        assert refused["changeReferralStatus"]["userErrors"] == [{"code": "INVALID_TRANSITION"}]
        outsider = await api.query(
            NOTE, {"input": {"referralId": referral_gid(referral_id), "note": "x"}}, actor=partner
        )
        assert outsider["addReferralNote"]["userErrors"] == [{"code": "NOT_FOUND"}]
        # Recorded, then rolled back: nothing published.
        with pytest.raises(RuntimeError):
            await in_transaction(api.database, lambda conn: record_then(conn, RuntimeError()))
        # A race lost after recording: only the retry's activity is published.
        attempts: list[uuid.UUID] = []

        async def lose_once(conn: AsyncConnection) -> None:
            attempts.append(await record(conn, referral_id, ActivityType.NOTE_ADDED, START))
            if len(attempts) == 1:
                raise LostRace

        await in_transaction(api.database, lose_once)
        event = await socket_.event()
        assert event["activity"]["id"] == to_global_id("Activity", attempts[1])
        activity_id = await note(api, owner, referral_id, "Committed")
        assert (await socket_.event())["activity"]["id"] == activity_id


# --- the connection: authentication, origins, operations ----------------------------------


async def test_connection_init_must_carry_a_valid_token(api: Api, server: str) -> None:
    async with GraphQLSocket.open(server) as socket_:
        await socket_.send({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        assert await socket_.closed() == (4403, "Forbidden")
    async with GraphQLSocket.open(server) as socket_:
        await socket_.subscribe()  # before connection_init
        assert await socket_.closed() == (4401, "Unauthorized")


async def test_the_lowercase_authorization_key_works_too(api: Api, server: str) -> None:
    owner, _, _ = await two_organizations(api)
    async with GraphQLSocket.open(server) as socket_:
        token = api.token(owner)
        await socket_.send(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
        assert await socket_.receive() == {"type": "connection_ack"}


async def test_cross_origin_pages_need_an_allowed_origin(
    database_url: str, clock: MovableClock
) -> None:
    settings = Settings(database_url=database_url, websocket_origins=("https://app.example",))
    app = create_app(settings, clock=clock)
    async with LifespanManager(app), serving(app) as base:
        with pytest.raises(InvalidStatus) as refused:
            async with GraphQLSocket.open(base, origin="https://evil.example"):
                pass
        assert refused.value.response.status_code == 403
        for origin in ("https://app.example", f"http://{base}", None):  # allowed, same, none
            async with GraphQLSocket.open(base, origin=origin) as socket_:
                await socket_.send({"type": "ping"})
                assert await socket_.receive() == {"type": "pong"}


async def test_queries_and_mutations_go_over_http(api: Api, server: str) -> None:
    owner, _, _ = await two_organizations(api)
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe("{ referrals(first: 1) { totalCount } }")
        message = await socket_.receive()
    assert message["type"] == "error"
    assert "send queries and mutations over HTTP" in message["payload"][0]["message"]
    errors = await api.errors(EVENTS, actor=owner)  # a subscription over HTTP
    assert errors[0]["message"].startswith("Subscriptions are served over WebSocket")
    assert errors[0]["extensions"]["code"] == "BAD_REQUEST"


async def test_persisted_only_servers_refuse_subscription_documents(
    database_url: str, clock: MovableClock
) -> None:
    settings = Settings(database_url=database_url, persisted_queries_only=True)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app), serving(app) as base:
        async with app.state.database.engine.begin() as conn:
            owner = await make_actor(conn)
        token = mint_token(
            settings, organization_id=owner.organization_id, user_id=owner.user_id, now=clock()
        )
        async with GraphQLSocket.open(base) as socket_:
            await socket_.init(token)
            await socket_.subscribe()
            message = await socket_.receive()
            # Refused before it starts: its errors, then `complete`.
            assert message["payload"]["data"] is None
            assert message["payload"]["errors"][0]["extensions"] == {
                "code": "PERSISTED_QUERY_REQUIRED"
            }
            assert await socket_.receive() == {"id": "1", "type": "complete"}


async def test_an_expired_token_ends_the_connection_at_its_next_event(
    api: Api, app: Starlette, server: str, clock: MovableClock
) -> None:
    owner, _, referral_id = await two_organizations(api)
    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(owner))
        await socket_.subscribe()
        await eventually(lambda: len(hub(app)) == 1)
        clock.advance(timedelta(hours=13))  # the test tokens live 12 hours
        await note(api, owner, referral_id, "After expiry")
        assert await socket_.closed() == (4403, "The bearer token has expired.")
    await eventually(lambda: len(hub(app)) == 0)


# --- slow and vanished subscribers --------------------------------------------------------


def test_the_hub_drops_a_full_subscriber_without_waiting() -> None:
    async def run() -> None:
        events = EventHub(queue_size=2)
        dropped: list[str] = []
        slow = events.subscribe(None, on_overflow=lambda: dropped.append("slow"))
        fast = events.subscribe(None, on_overflow=lambda: dropped.append("fast"))
        other = events.subscribe(uuid.uuid4(), on_overflow=lambda: dropped.append("other"))
        changes = [
            EventRecord(n, uuid.uuid4(), uuid.uuid4(), ActivityType.UPDATED, START)
            for n in range(1, 4)
        ]
        for change in changes:
            events.publish(change)
            assert await fast.get() == change
        assert dropped == ["slow"]
        assert len(events) == 2  # the slow one is gone; `other` wanted none of them
        slow.close()
        other.close()
        fast.close()
        assert len(events) == 0

    asyncio.run(run())


async def test_a_slow_subscriber_is_closed_and_holds_up_nobody(
    database_url: str, clock: MovableClock
) -> None:
    """A client that stops reading fills its TCP buffers, then its queue: it is closed with
    1013 (Try Again Later) while mutations and a reading subscriber carry on at their pace."""
    settings = Settings(database_url=database_url, subscription_queue_size=2)
    app = create_app(settings, clock=clock)
    async with LifespanManager(app):
        database = app.state.database
        async with database.engine.begin() as conn:
            owner = await make_actor(conn, "Owner")
            referral_id = (await make_referral(conn, owner, created=START)).id
        token = mint_token(
            settings, organization_id=owner.organization_id, user_id=owner.user_id, now=clock()
        )
        # Small kernel buffers on both sides, so that a few events fill them.
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        async with serving(app, listening_socket(send_buffer=4096)) as base:
            host, port = base.split(":")
            client.connect((host, int(port)))
            client.setblocking(False)
            async with (
                # It stops reading from the socket after one unread message; uncompressed, so
                # that each event takes its full size in the buffers.
                GraphQLSocket.open(base, sock=client, max_queue=1, compression=None) as slow,
                GraphQLSocket.open(base) as fast,
            ):
                for socket_ in (slow, fast):
                    await socket_.init(token)
                    await socket_.subscribe(BULKY)
                await eventually(lambda: len(hub(app)) == 2)
                sent = 0  # from now on the slow one reads nothing until it was dropped
                while hub(app).overflows == 0:
                    assert sent < 100, "the slow subscriber was never dropped"
                    started = time.monotonic()
                    await add_note(database, owner, referral_id, sent)
                    assert time.monotonic() - started < 2, "a mutation waited on a subscriber"
                    sent += 1
                    await fast.event()  # the reading subscriber keeps up, event by event
                assert len(hub(app)) == 1  # only the fast one is left
                assert await slow.closed() == (1013, "subscriber too slow")
                await add_note(database, owner, referral_id, sent)
                await fast.event()


async def test_a_vanished_subscriber_is_cleaned_up(api: Api, app: Starlette, server: str) -> None:
    owner, _, referral_id = await two_organizations(api)
    active = active_subscriptions()
    async with GraphQLSocket.open(server) as gone, GraphQLSocket.open(server) as staying:
        for socket_ in (gone, staying):
            await socket_.init(api.token(owner))
            await socket_.subscribe()
        await eventually(lambda: len(hub(app)) == 2)
        assert active_subscriptions() == active + 2
        gone.connection.transport.abort()  # no close frame: the peer just vanishes
        await eventually(lambda: len(hub(app)) == 1)
        activity_id = await note(api, owner, referral_id, "Still delivered")
        assert (await staying.event())["activity"]["id"] == activity_id
    await eventually(lambda: len(hub(app)) == 0)
    assert active_subscriptions() == active


# Fifteen aliases of a long note: each event is some 30 kB, so buffers fill after a few.
BULKY = (
    "subscription { referralEvents { "
    + " ".join(f"a{i}: activity {{ note }}" for i in range(15))
    + " } }"
)
