"""Each probe alone: a foreign ID answers like a nonexistent one, an own ID does something."""

from __future__ import annotations

import uuid

import pytest

from api.graph.relay.ids import to_global_id
from tests.cross_tenant.answers import ask, same_as_missing, snapshot
from tests.cross_tenant.probes import HTTP_PROBES, PROBES
from tests.cross_tenant.world import World, counterpart
from tests.helpers import Api


@pytest.mark.parametrize("path", HTTP_PROBES)
async def test_foreign_ids_answer_like_nonexistent_ones(api: Api, world: World, path: str) -> None:
    probe = PROBES[path]
    before = await snapshot(api)
    for name, foreign_id in world.foreign.items():
        missing_id = counterpart(foreign_id)
        query, foreign_variables = probe.operation(world, {"id": foreign_id})
        _, missing_variables = probe.operation(world, {"id": missing_id})
        foreign = await ask(api, world.caller, query, foreign_variables)
        missing = await ask(api, world.caller, query, missing_variables)
        try:
            same_as_missing(foreign, missing, foreign_id, missing_id)
        except AssertionError as error:
            raise AssertionError(
                f"{path} with a foreign {name} answers otherwise than with a nonexistent one:\n"
                f"foreign {foreign_id}: {foreign}\nmissing {missing_id}: {missing}"
            ) from error
    # A second nonexistent ID of each type answers as the first (forged "Type:<random key>").
    for type_name in ("Referral", "Participant", "User"):
        first, second = (to_global_id(type_name, uuid.uuid4()) for _ in range(2))
        answers = [
            await ask(api, world.caller, *probe.operation(world, {"id": i}))
            for i in (first, second)
        ]
        same_as_missing(answers[0], answers[1], first, second)
    assert await snapshot(api) == before, f"{path} with foreign or missing IDs wrote something"

    # With an own ID the same probe does something: the comparisons above could fail.
    own_id = probe.own(world)
    own = await ask(api, world.caller, *probe.operation(world, {"id": own_id}))
    missing_id = counterpart(own_id)
    missing = await ask(api, world.caller, *probe.operation(world, {"id": missing_id}))
    with pytest.raises(AssertionError):
        same_as_missing(own, missing, own_id, missing_id)
    assert "errors" not in own.body, own.body
    (payload,) = own.body["data"].values()
    if isinstance(payload, dict) and "userErrors" in payload:
        assert payload["userErrors"] == [], payload
