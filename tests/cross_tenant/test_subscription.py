"""Subscribing to a foreign referral answers like subscribing to a nonexistent one."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette

from tests.cross_tenant.answers import normalized
from tests.cross_tenant.world import World, counterpart, raw_id
from tests.graphql_socket import GraphQLSocket, eventually, hub, note
from tests.helpers import Api


async def test_subscribing_to_a_foreign_referral_answers_like_a_nonexistent_one(
    api: Api, app: Starlette, world: World, server: str
) -> None:
    query = """subscription ($id: ID) { referralEvents(referralId: $id) {
      activity { id type } referral { id } } }"""

    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(world.caller))
        counter = 0

        async def subscribe(id_: str) -> dict[str, Any]:
            nonlocal counter
            counter += 1
            await socket_.subscribe(query, {"id": id_}, id=str(counter))
            message = await socket_.receive()
            assert message["id"] == str(counter), message
            return {key: value for key, value in message.items() if key != "id"}

        for name, foreign_id in world.foreign.items():
            missing_id = counterpart(foreign_id)
            foreign = await subscribe(foreign_id)
            missing = await subscribe(missing_id)
            assert foreign["type"] == "error", foreign
            assert normalized(foreign, {foreign_id: "<ID>"}) == normalized(
                missing, {missing_id: "<ID>"}
            ), f"a foreign {name}: {foreign} but a nonexistent one: {missing}"

        # An own referral's subscription delivers: the comparison above could fail.
        await socket_.subscribe(query, {"id": world.own["Referral"]}, id="own")
        await eventually(lambda: len(hub(app)) == 1)
        own_referral = uuid.UUID(hex=raw_id(world.own["Referral"])[1])
        activity_id = await note(api, world.caller, own_referral, "Seen by the caller")
        message = await socket_.receive()
    assert message["type"] == "next", message
    assert message["payload"]["data"]["referralEvents"]["activity"]["id"] == activity_id
