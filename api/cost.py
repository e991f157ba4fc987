"""Query cost in the manner of GitHub's node limit: what an operation may load, before it runs.

Every connection multiplies what is below it by its `first`/`last` (or the default page size),
every list of objects by its length (`nodes(ids:)`) or, for unpaged lists, a fixed estimate.
The requested cost is known from the document and variables alone, so an operation over the
limit is refused before any SQL runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast_untyped,
)

# Unpaged lists (a referral's participants, a participant's users) rarely pass this size.
LIST_ESTIMATE = 10


def requested_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    *,
    default_page_size: int,
    max_page_size: int = 100,
) -> int:
    """How many objects the operation may load at most (nodes of lists and connections)."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0

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

    @cache
    def fragment_cost(name: str, type_name: str) -> int:
        fragment = fragments.get(name)
        parent = schema.get_type(type_name)
        if fragment is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        return walk(fragment.selection_set, parent)

    def walk(
        selections: SelectionSetNode | None, parent: GraphQLObjectType | GraphQLInterfaceType
    ) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FragmentSpreadNode):
                total += fragment_cost(selection.name.value, parent.name)
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = schema.get_type(condition.name.value) if condition else parent
                if isinstance(target, GraphQLObjectType | GraphQLInterfaceType):
                    total += walk(selection.selection_set, target)
                continue
            assert isinstance(selection, FieldNode)
            field = parent.fields.get(selection.name.value)
            if field is None:  # __typename and introspection: no data loaded
                continue
            child_parent = _named(field.type)
            below = (
                walk(selection.selection_set, child_parent)
                if isinstance(child_parent, GraphQLObjectType | GraphQLInterfaceType)
                else 0
            )
            if parent.name.endswith("Connection"):
                # edges and nodes hold the items the connection field already counted.
                total += below
                continue
            count = items(field, selection)
            total += below if count is None else count * (1 + below)
        return total

    # Every operation costs at least 1, as a single lookup does.
    return max(1, walk(operation.selection_set, root))


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


def _named(type_: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _is_list(type_: GraphQLOutputType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def actual_cost(data: Any) -> int:
    """How many objects a result actually returned inside lists (edges and nodes alike)."""
    if isinstance(data, list):
        return sum((1 if isinstance(item, dict) else 0) + actual_cost(item) for item in data)
    if isinstance(data, dict):
        return sum(actual_cost(value) for value in data.values())
    return 0
