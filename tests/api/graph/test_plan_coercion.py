"""The planner's enum coercion gives what the enum type's own coercion gives (issue 14)."""

from __future__ import annotations

from enum import Enum

import pytest
from graphql import GraphQLEnumType, GraphQLError

from api.graph.plan import _coercion
from api.schema import build_schema

SCHEMA = build_schema()._schema
ENUMS = [
    t
    for t in SCHEMA.type_map.values()
    if isinstance(t, GraphQLEnumType) and isinstance(getattr(t, "wrapped_cls", None), type)
]


def test_the_schema_has_strawberry_enums() -> None:
    assert len(ENUMS) >= 10


@pytest.mark.parametrize("enum_type", ENUMS, ids=lambda t: t.name)
def test_every_member_coerces_as_the_type_does(enum_type: GraphQLEnumType) -> None:
    coerce = _coercion(enum_type)
    members: type[Enum] = enum_type.wrapped_cls  # type: ignore[attr-defined]
    for member in members:
        assert coerce(member) == enum_type.coerce_output_value(member)


@pytest.mark.parametrize("enum_type", ENUMS[:3], ids=lambda t: t.name)
def test_what_the_type_refuses_is_refused(enum_type: GraphQLEnumType) -> None:
    coerce = _coercion(enum_type)
    for value in ("NOT A VALUE", 12, object()):
        with pytest.raises(GraphQLError) as planned:
            coerce(value)
        with pytest.raises(GraphQLError) as standard:
            enum_type.coerce_output_value(value)
        assert str(planned.value) == str(standard.value)
