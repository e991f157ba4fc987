"""Enum members out by a dict lookup instead of Strawberry's scan of the enum's values.

Strawberry's enum type answers a member by scanning the GraphQL values for the first whose
`.value` equals the member's (Enum's `.value` a property, read anew each time): some 1 µs
for a 4-value enum, and a 100-referral page answers ~500 members. Here each member's name
is found once, by that same scan, when the schema is built; anything but a member of the
enum is still Strawberry's to answer (and to refuse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLSchema
from strawberry.schema.schema_converter import CustomGraphQLEnumType


def names_by_lookup(schema: GraphQLSchema) -> None:
    """Give every Strawberry enum type of `schema` its members' names by lookup."""
    for type_ in schema.type_map.values():
        if isinstance(type_, CustomGraphQLEnumType):
            lookup = _lookup(type_)
            # Instance attributes, seen before the class's methods: graphql-core and the
            # planned executor (api.graph.plan) both call `coerce_output_value`.
            type_.coerce_output_value = lookup  # type: ignore[method-assign,assignment]
            type_.serialize = lookup  # type: ignore[method-assign,assignment]


def _lookup(type_: CustomGraphQLEnumType) -> Callable[[Any], str]:
    enum = type_.wrapped_cls
    scan = type_.coerce_output_value  # Strawberry's own, bound before it is replaced
    names: dict[int, str] = {}
    members: list[Any] = list(enum.__members__.values())
    for member in members:
        try:
            names[id(member)] = scan(member)
        except ValueError:  # no GraphQL value equals it: the scan refuses it each time
            continue

    def coerce_output_value(value: Any) -> str:
        # An enum with members has no subclasses: `type is` is Strawberry's isinstance. By
        # id: members live as long as their class, and Enum's __hash__ is Python code.
        if type(value) is enum:
            name = names.get(id(value))
            if name is not None:
                return name
        return scan(value)

    return coerce_output_value
