"""Plans: how each selection of an operation goes from Python objects to the response.

A plan is built once per selection (an object type and the fields an operation selects on it,
as graphql-core collected them) and kept per schema, so an operation seen before reuses it.
For each field it says whether the planned executor (api.graph.executor) may complete it
directly, and how:

- LEAF: a plain-data field (no resolver, no arguments, no field extension) of a scalar or
  enum type: the attribute, coerced by the type, with no resolve info, path or awaitable;
- LEAF_LIST: the same for a list of scalars or enums;
- OBJECT, OBJECT_LIST: a plain-data field of an object type or a list of objects (Relay's
  edges and node): the attribute, then the objects' selections;
- LOADED, LOADED_LIST: a field whose resolver reads a loader (`api.graph.edges`' tables) and
  returns an object or a list of objects: the resolver itself, called with its context only,
  answering only from what the loader holds (a prefetched page holds it all), then the
  objects' selections;
- TYPENAME: `__typename` (the parent type's name, as graphql-core gives it);
- STANDARD: everything else (resolvers, arguments, abstract types, directives
  other than @include/@skip, fields unknown to the type): graphql-core's own `execute_field`.

The planned path must give exactly what graphql-core gives, so it only takes values it can
complete without an error; a value it cannot (null in a non-null field, an exception, an
awaitable, a value the type refuses) goes through `execute_field` instead, which reports it
as graphql-core always does (tests/api/graph/test_planner_differential.py compares both).
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from graphql import (
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetails, GroupedFieldSet

# Directives whose effect graphql-core has applied already when it collected the fields.
_COLLECTION_DIRECTIVES = frozenset({"include", "skip"})
MAX_PLANS = 512  # distinct selections kept per schema; frontends send a few dozen


class Kind(Enum):
    STANDARD = "standard"
    LEAF = "leaf"
    LEAF_LIST = "leaf list"
    OBJECT = "object"
    OBJECT_LIST = "object list"
    LOADED = "loaded"
    LOADED_LIST = "loaded list"
    TYPENAME = "typename"


@dataclass(frozen=True, slots=True)
class Step:
    """One response key of a selection and how to complete it."""

    kind: Kind
    get: Callable[[Any, str], Any] | None = None  # the field's default resolver (getattr)
    attribute: str = ""  # the Python attribute it reads
    non_null: bool = False  # the field's type is non-null
    coerce: Callable[[Any], Any] | None = None  # the leaf type's (or list item's) coercion
    item_non_null: bool = False  # LEAF_LIST: items are non-null
    object_type: GraphQLObjectType | None = None  # OBJECT: the field's object type
    field_type: GraphQLOutputType | None = None  # OBJECT, LOADED*: the field's type
    resolver: Callable[..., Any] | None = None  # LOADED*: the resolver function (self, info)
    is_type_of: Callable[[Any, Any], Any] | None = None  # LOADED*: Strawberry's, if any
    item_type: GraphQLOutputType | None = None  # LOADED_LIST: the item type (maybe non-null)
    as_is: type | None = None  # LEAF (LEAF_LIST: items): values of this type are their own output


@dataclass(frozen=True, slots=True)
class Plan:
    """The steps of one selection, in graphql-core's response order (the order of the
    grouped field set it was built from, which the executor walks beside it)."""

    steps: tuple[Step, ...]
    planned: int  # steps that are not STANDARD


def _basic_field(field: Any) -> tuple[Callable[[Any, str], Any], str] | None:
    """(default resolver, attribute) of a Strawberry field without resolver, else None."""
    resolve = field.resolve
    if resolve is None or not getattr(resolve, "_is_default", False):
        return None
    definition = field.extensions.get("strawberry-definition")
    get = getattr(definition, "default_resolver", None)
    name = getattr(definition, "python_name", None)
    if get is None or not isinstance(name, str) or definition.base_resolver is not None:
        return None
    if definition.extensions:
        return None
    return get, name


def _generated_is_type_of(object_type: GraphQLObjectType) -> bool:
    """Whether the type's is_type_of is absent or Strawberry's own (which ignores its info
    argument): the planned path has no resolve info to give."""
    check = object_type.is_type_of
    return check is None or "_get_is_type_of.<locals>" in getattr(check, "__qualname__", "")


def _loaded_step(field: Any, loaded: Mapping[str, Collection[str]], parent: str) -> Step | None:
    """The step of a loader-backed field (`loaded`: Python names by GraphQL type), if the
    field is one and its type an object or a list of objects."""
    definition = field.extensions.get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    if resolver is None or definition.extensions or resolver.arguments:
        return None
    if definition.python_name not in loaded.get(parent, ()):
        return None
    function = resolver.wrapped_func
    if list(inspect.signature(function).parameters) != ["self", "info"]:
        return None
    shape = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    kind = Kind.LOADED_LIST if isinstance(shape, GraphQLList) else Kind.LOADED
    return _objects_step(kind, field.type, resolver=function)


def _objects_step(
    kind: Kind,
    field_type: GraphQLOutputType,
    get: Callable[[Any, str], Any] | None = None,
    attribute: str = "",
    resolver: Callable[..., Any] | None = None,
) -> Step | None:
    """The step of a field of an object type (OBJECT, LOADED) or a list of objects
    (OBJECT_LIST, LOADED_LIST), if its type is that and Strawberry's is_type_of its only
    check."""
    non_null = is_non_null_type(field_type)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    item_non_null, item_type = False, None
    if kind is Kind.OBJECT_LIST or kind is Kind.LOADED_LIST:
        if not isinstance(inner, GraphQLList):
            return None
        item_type = inner.of_type
        item_non_null = is_non_null_type(item_type)
        inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if not isinstance(inner, GraphQLObjectType) or not _generated_is_type_of(inner):
        return None
    return Step(
        kind,
        get,
        attribute,
        non_null,
        item_non_null=item_non_null,
        object_type=inner,
        field_type=field_type,
        resolver=resolver,
        is_type_of=inner.is_type_of,
        item_type=item_type,
    )


def _step(
    parent: GraphQLObjectType, details: list[FieldDetails], loaded: Mapping[str, Collection[str]]
) -> Step:
    standard = Step(Kind.STANDARD)
    node = details[0].node
    if any(d.node.arguments for d in details) or any(
        directive.name.value not in _COLLECTION_DIRECTIVES
        for d in details
        for directive in d.node.directives or ()
    ):
        return standard
    if node.name.value == "__typename":
        # Apollo Client adds it to every selection: planned, or its cache would cost the plan.
        return Step(Kind.TYPENAME)
    field = parent.fields.get(node.name.value)
    if field is None or field.args:
        return standard
    basic = _basic_field(field)
    if basic is None:
        return _loaded_step(field, loaded, parent.name) or standard
    get, attribute = basic
    field_type: GraphQLOutputType = field.type
    non_null = is_non_null_type(field_type)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if is_leaf_type(inner):
        coerce = inner.coerce_output_value
        # graphql-core's String and ID give a str back as it is.
        as_is = str if inner is GraphQLString or inner is GraphQLID else None
        return Step(Kind.LEAF, get, attribute, non_null, coerce, as_is=as_is)
    if is_list_type(inner):
        assert isinstance(inner, GraphQLList)
        item = inner.of_type
        item_non_null = is_non_null_type(item)
        item = item.of_type if isinstance(item, GraphQLNonNull) else item
        if is_leaf_type(item):
            return Step(
                Kind.LEAF_LIST,
                get,
                attribute,
                non_null,
                item.coerce_output_value,
                item_non_null,
                as_is=str if item is GraphQLString or item is GraphQLID else None,
            )
        return _objects_step(Kind.OBJECT_LIST, field_type, get, attribute) or standard
    return _objects_step(Kind.OBJECT, field_type, get, attribute) or standard


def build_plan(
    parent: GraphQLObjectType,
    fields: GroupedFieldSet,
    loaded: Mapping[str, Collection[str]],
) -> Plan:
    steps = tuple(_step(parent, details, loaded) for details in fields.values())
    return Plan(steps, sum(step.kind is not Kind.STANDARD for step in steps))


class Plans:
    """The plans of one schema, by selection: an LRU of at most `max_plans`.

    A selection is keyed by its content (type, response names, field names), not by the
    identity of its AST nodes: the same selection in another document, or in the same
    document parsed again, shares its plan.
    """

    def __init__(self, loaded: Mapping[str, Collection[str]], max_plans: int = MAX_PLANS) -> None:
        self.loaded = loaded  # loader-backed fields' Python names, by GraphQL type name
        self.max_plans = max_plans
        self._plans: OrderedDict[Hashable, Plan] = OrderedDict()

    def __len__(self) -> int:
        return len(self._plans)

    def plan(self, parent: GraphQLObjectType, fields: GroupedFieldSet) -> Plan:
        key = (
            parent.name,
            tuple(
                (name, tuple((d.node.name.value, _node_shape(d)) for d in details))
                for name, details in fields.items()
            ),
        )
        plan = self._plans.get(key)
        if plan is not None:
            self._plans.move_to_end(key)
            return plan
        plan = build_plan(parent, fields, self.loaded)
        self._plans[key] = plan
        if len(self._plans) > self.max_plans:
            self._plans.popitem(last=False)
        return plan


def _node_shape(details: FieldDetails) -> tuple[bool, tuple[str, ...]]:
    """What of a field node, besides its name, decides its step: arguments and directives."""
    node = details.node
    return bool(node.arguments), tuple(d.name.value for d in node.directives or ())
