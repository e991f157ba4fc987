"""The actual cost of a result (api/guards/cost.py `actual_cost`) is what its first, recursive
definition counted, on results of every shape."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.guards.cost import actual_cost


def recursive_cost(data: Any) -> int:
    """The definition `actual_cost` replaced: objects inside lists, walked recursively."""
    if isinstance(data, list):
        return sum((1 if isinstance(item, dict) else 0) + recursive_cost(item) for item in data)
    if isinstance(data, dict):
        return sum(recursive_cost(value) for value in data.values())
    return 0


class Items(list[Any]):
    pass


LEAVES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
RESULTS = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.text(max_size=3), children, max_size=6)
        | st.lists(children, max_size=3).map(Items)
        | st.dictionaries(st.text(max_size=3), children, max_size=3).map(OrderedDict)
    ),
    max_leaves=60,
)


@settings(max_examples=500, deadline=None, database=None)
@given(RESULTS)
def test_actual_cost_is_the_recursive_count(data: Any) -> None:
    assert actual_cost(data) == recursive_cost(data)


def test_a_page_counts_its_edges_nodes_and_nested_objects() -> None:
    node = {
        "id": "UmVmZXJyYWw6MQ",
        "tags": ["a", "b"],
        "profile": {"address": {"city": "Oslo"}},
        "participants": [{"users": [{"email": "a@b"}, {"email": None}]}, {"users": []}],
    }
    data = {"referrals": {"totalCount": 2, "edges": [{"node": node}, {"node": node}]}}
    # Per edge: the edge, two participants and two users; lists of leaves count nothing.
    assert actual_cost(data) == recursive_cost(data) == 2 * (1 + 2 + 2)
    assert actual_cost(None) == actual_cost("text") == actual_cost([]) == 0
    assert actual_cost([[{}], [[{}]]]) == 2
