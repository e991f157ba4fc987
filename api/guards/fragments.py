"""A document's fragments in dependency order, found without recursion.

Walks that measure an operation (shape limits, cost) compute each fragment once, in this
order, so that every spread they meet refers to a fragment already measured: no walk recurses
through spreads, however long a chain of fragments is. A spread that closes a cycle meets a
fragment not yet measured; standard validation refuses such documents (NoFragmentCycles).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)


def spread_names(selection_set: SelectionSetNode | None) -> list[str]:
    """The names of the fragments spread anywhere in a selection set (not through them)."""
    names: list[str] = []
    pending = [selection_set] if selection_set else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names.append(selection.name.value)
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return names


def dependency_order(fragments: Mapping[str, FragmentDefinitionNode]) -> list[str]:
    """Every fragment's name, each after the names of the fragments it spreads (cycles
    broken anywhere); an iterative depth-first search."""
    order: list[str] = []
    seen: set[str] = set()
    for root in fragments:
        if root in seen:
            continue
        seen.add(root)
        stack: list[tuple[str, Iterator[str]]] = [(root, _spreads_of(fragments, root))]
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                order.append(name)
            elif child in fragments and child not in seen:
                seen.add(child)
                stack.append((child, _spreads_of(fragments, child)))
    return order


def _spreads_of(fragments: Mapping[str, FragmentDefinitionNode], name: str) -> Iterator[str]:
    return iter(spread_names(fragments[name].selection_set))
