"""Enum members are answered by lookup (api.graph.enum_output) with Strawberry's own names,
and everything else as Strawberry answers or refuses it."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.schema.schema_converter import CustomGraphQLEnumType

from api.schema import build_schema


def _outcome(coerce: Any, value: Any) -> tuple[str, Any]:
    try:
        return "value", coerce(value)
    except (GraphQLError, ValueError, TypeError) as error:
        return type(error).__name__, str(error)


def test_every_enum_answers_as_strawberry_does() -> None:
    schema = build_schema()._schema
    enums = [t for t in schema.type_map.values() if isinstance(t, CustomGraphQLEnumType)]
    assert len(enums) >= 8
    members: list[Any] = []
    for type_ in enums:
        members.extend(type_.wrapped_cls.__members__.values())
    for type_ in enums:
        assert "coerce_output_value" in vars(type_)  # the lookup, not the class's scan

        def strawberry(value: Any, type_: CustomGraphQLEnumType = type_) -> str:
            return CustomGraphQLEnumType.coerce_output_value(type_, value)

        own: list[Any] = list(type_.wrapped_cls.__members__.values())
        for member in own:
            assert type_.coerce_output_value(member) == strawberry(member) == member.name
            assert type_.serialize(member) == strawberry(member)
        others = [m for m in members if m not in own]
        for value in [*others, *(m.value for m in own), "NOPE", None, 3]:
            assert _outcome(type_.coerce_output_value, value) == _outcome(strawberry, value)
