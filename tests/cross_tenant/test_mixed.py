"""Own, foreign and missing IDs mixed in one request, through aliases and in `nodes(ids:)`."""

from __future__ import annotations

import pytest

from tests.cross_tenant.answers import ask, by_alias, foreign_rows, normalized
from tests.cross_tenant.probes import HTTP_PROBES, PROBES
from tests.cross_tenant.world import World, build_world, counterpart, raw_id
from tests.helpers import Api


@pytest.mark.parametrize("path", HTTP_PROBES)
async def test_own_foreign_and_missing_ids_mixed_through_aliases(api: Api, path: str) -> None:
    """Each request: pairs of a foreign ID and its missing counterpart, the caller's own ID
    among them (after some pairs, before others, so loaders hold own rows for some), at most
    15 aliases (the default limit). Each request runs in a world of its own, so that the own
    call meets its target as it was."""
    probe = PROBES[path]
    names = list((await build_world(api)).foreign)
    for start in range(0, len(names), 7):
        world = await build_world(api)
        foreign_before = await foreign_rows(api, world)
        chosen = names[start : start + 7]
        ids: dict[str, str] = {}
        for index, name in enumerate(chosen):
            if index == len(chosen) // 2:
                ids["own"] = probe.own(world)
            ids[f"foreign{index}"] = world.foreign[name]
            ids[f"missing{index}"] = counterpart(world.foreign[name])
        answer = await ask(api, world.caller, *probe.operation(world, ids))
        assert answer.status == 200, answer
        assert not [e for e in answer.body.get("errors", []) if "path" not in e], answer.body
        for index, name in enumerate(chosen):
            foreign_id, missing_id = ids[f"foreign{index}"], ids[f"missing{index}"]
            foreign = by_alias(answer.body, f"foreign{index}")
            missing = by_alias(answer.body, f"missing{index}")
            assert normalized(foreign, {foreign_id: "<ID>"}) == normalized(
                missing, {missing_id: "<ID>"}
            ), f"{path}, a foreign {name} among own and missing IDs: {answer.body}"
        # The own ID works alongside: the comparisons above could fail.
        own, own_errors = by_alias(answer.body, "own")
        assert own_errors == [], answer.body
        assert own not in (None, [None]), answer.body
        if isinstance(own, dict) and "userErrors" in own:
            assert own["userErrors"] == [], answer.body
        assert await foreign_rows(api, world) == foreign_before


async def test_nodes_resolves_own_ids_and_nulls_foreign_and_missing_ones(
    api: Api, world: World
) -> None:
    own = list(world.own.values())
    pairs = [(id_, counterpart(id_)) for id_ in world.foreign.values()]
    ids = [
        id_
        for index, (foreign_id, missing_id) in enumerate(pairs)
        for id_ in (own[index % len(own)], foreign_id, missing_id)
    ]
    assert len(ids) <= 100  # the `nodes` limit
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    answer = await ask(api, world.caller, query, {"ids": ids})
    assert answer.status == 200
    assert "errors" not in answer.body, answer.body  # every ID names a known type
    expected = [{"__typename": raw_id(id_)[0], "id": id_} if id_ in own else None for id_ in ids]
    assert answer.body["data"]["nodes"] == expected, answer.body
