"""Query cost in the manner of GitHub's node limit: what an operation may load, before it runs.

Every connection multiplies what is below it by its `first`/`last` (or the default page size),
every list of objects by its length (`nodes(ids:)`) or, for unpaged lists, a fixed estimate.
The requested cost is known from the document and variables alone, so an operation over the
limit is refused before any SQL runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast_untyped,
)

from api.guards.fragments import dependency_order

# Unpaged lists (a referral's participants, a participant's users) rarely pass this size.
LIST_ESTIMATE = 10


@dataclass(frozen=True, slots=True)
class Requested:
    """What an operation may ask for: objects (nodes) and connection fetches (requests)."""

    nodes: int
    requests: int


# Fields that are neither connections nor plain lists, priced flat whatever they select.
# `referralCounts` returns a few buckets (4 statuses, 4 sources, the countries, months and
# currencies present), but each facet is an aggregate over every matching referral: it is
# priced as a full page of objects and one request per facet statement (5), so aliasing it
# costs what the work does rather than the handful of buckets that come back.
FLAT_COSTS: dict[tuple[str, str], Requested] = {
    ("Query", "referralCounts"): Requested(nodes=100, requests=5),
}


def requested(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    *,
    default_page_size: int,
    max_page_size: int = 100,
) -> Requested:
    """The objects the operation may load at most (nodes of lists and connections), and the
    requests that takes: each connection is one request every time it is fetched."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Requested(0, 0)

    def items(field: GraphQLField, node: FieldNode) -> int | None:
        """How many objects one resolution of the field yields if it is a list or connection."""
        if _named(field.type).name.endswith("Connection"):
            size = _argument(node, "first", variables) or _argument(node, "last", variables)
            if not isinstance(size, int) or size <= 0:
                return default_page_size
            # A page is never larger than the maximum (a larger `first` is refused by name when
            # the field resolves), and unbounded sizes must not multiply into giant numbers.
            return min(size, max_page_size)
        if _is_list(field.type):
            ids = _argument(node, "ids", variables)
            return len(ids) if isinstance(ids, list) else LIST_ESTIMATE
        return None

    # A fragment costs the same wherever it is spread: it is walked once, on its own type
    # condition (as an inline fragment would be), after the fragments it spreads.
    fragment_costs: dict[str, tuple[int, int]] = {}

    def walk(selections: SelectionSetNode | None, parent: GraphQLCompositeType) -> tuple[int, int]:
        """(nodes, requests) of one object's selections."""
        total = requests = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FragmentSpreadNode):
                # (0, 0): a cycle, which validation refuses
                nodes, fetches = fragment_costs.get(selection.name.value, (0, 0))
                total, requests = total + nodes, requests + fetches
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                if _is_composite(target):
                    nodes, fetches = walk(selection.selection_set, target)
                    total, requests = total + nodes, requests + fetches
                continue
            assert isinstance(selection, FieldNode)
            fields = {} if isinstance(parent, GraphQLUnionType) else parent.fields
            field = fields.get(selection.name.value)
            if field is None:  # __typename and introspection: no data loaded
                continue
            flat = FLAT_COSTS.get((parent.name, selection.name.value))
            if flat is not None:
                total, requests = total + flat.nodes, requests + flat.requests
                continue
            child_parent = _named(field.type)
            below, fetches = (
                walk(selection.selection_set, child_parent)
                if _is_composite(child_parent)
                else (0, 0)
            )
            count = None if parent.name.endswith("Connection") else items(field, selection)
            if count is None:
                # A single object, or the edges and nodes whose items the connection field
                # already counted.
                total, requests = total + below, requests + fetches
                continue
            total += count * (1 + below)
            # A connection is one request each time it is fetched, and its items' own
            # connections are fetched once per item.
            requests += child_parent.name.endswith("Connection") + count * fetches
        return total, requests

    for name in dependency_order(fragments):
        fragment = fragments[name]
        condition = schema.get_type(fragment.type_condition.name.value)
        if _is_composite(condition):
            fragment_costs[name] = walk(fragment.selection_set, condition)
    nodes, requests = walk(operation.selection_set, root)
    # Every operation costs at least 1, as a single lookup does.
    return Requested(max(1, nodes), requests)


def _argument(node: FieldNode, name: str, variables: Mapping[str, Any]) -> Any:
    """An argument's value from the document or its variable (validation ran already)."""
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, VariableNode):
                return variables.get(value.name.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
            return value_from_ast_untyped(value)
    return None


def _is_composite(type_: GraphQLNamedType | None) -> TypeGuard[GraphQLCompositeType]:
    return isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


def _named(type_: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


_CONTAINERS = (dict, list)


def actual_cost(data: Any) -> int:
    """How many objects a result actually returned inside lists (edges and nodes alike).

    Walked with a stack rather than recursion: a 100-referral page holds some 6,000 values,
    nearly all leaves, and only dicts and lists need a look inside. A leaf's type is
    compared first, so text (most leaves) is passed over without a call; any other type
    gets the isinstance check, so subclasses of dict and list count as they always did.
    """
    count = 0
    pending = [data]
    pop, push = pending.pop, pending.append
    while pending:
        value = pop()
        if isinstance(value, dict):
            for item in value.values():
                kind = type(item)
                if (
                    kind is dict
                    or kind is list
                    or (kind is not str and isinstance(item, _CONTAINERS))
                ):
                    push(item)
        elif isinstance(value, list):
            for item in value:
                kind = type(item)
                if kind is dict or (kind is not str and isinstance(item, dict)):
                    count += 1
                    push(item)
                elif kind is list or (kind is not str and isinstance(item, list)):
                    push(item)
    return count
