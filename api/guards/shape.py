"""Limits on an operation's shape (depth, aliases, directives), fragments included.

Each fragment is measured once, in dependency order (api.guards.fragments), and its figures reused
wherever it is spread, so the check is linear in the document however often fragments nest,
and never recurses through spreads (a cycle is refused by standard validation). Introspection
is limited too: its subtrees may go deeper (GraphiQL's own query is 15 levels) but never
unbounded.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    ExecutableDefinitionNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)

from api.errors import ErrorCode, OperationError
from api.guards.fragments import dependency_order
from api.settings import Settings

INTROSPECTION_MAX_DEPTH = 16


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int = 0  # deepest data field, counted from the operation's root
    introspection_depth: int = 0  # deepest field under __schema / __type
    aliases: int = 0
    directives: int = 0


def measure(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
) -> Shape:
    """The shape of a selection set, expanding fragment spreads (each fragment measured once)."""
    # Unknown fragments, and the spread closing a cycle, count as empty: standard validation
    # refuses both.
    fragment_shapes: dict[str, Shape] = {}

    def walk(selections: SelectionSetNode | None, *, introspection: bool) -> Shape:
        depth = introspection_depth = aliases = directives = 0
        for selection in selections.selections if selections else ():
            directives += len(selection.directives or ())
            if isinstance(selection, FieldNode):
                inside = introspection or selection.name.value in ("__schema", "__type")
                child = walk(selection.selection_set, introspection=inside)
                aliases += child.aliases + (selection.alias is not None)
                directives += child.directives
                if inside:
                    introspection_depth = max(
                        introspection_depth, 1 + max(child.depth, child.introspection_depth)
                    )
                else:
                    depth = max(depth, 1 + child.depth)
                    introspection_depth = max(
                        introspection_depth,
                        1 + child.introspection_depth if child.introspection_depth else 0,
                    )
                continue
            if isinstance(selection, FragmentSpreadNode):
                child = fragment_shapes.get(selection.name.value, Shape())
            else:
                assert isinstance(selection, InlineFragmentNode)
                child = walk(selection.selection_set, introspection=introspection)
            depth = max(depth, child.depth)
            introspection_depth = max(introspection_depth, child.introspection_depth)
            aliases += child.aliases
            directives += child.directives
        return Shape(depth, introspection_depth, aliases, directives)

    for name in dependency_order(fragments):
        fragment_shapes[name] = walk(fragments[name].selection_set, introspection=False)
    return walk(selection_set, introspection=False)


def shape_rule(settings: Settings) -> type[ValidationRule]:
    """A validation rule refusing operations beyond the settings' limits, with the figures."""

    class OperationShapeLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            definitions: list[ExecutableDefinitionNode] = list(
                context.document.definitions  # type: ignore[arg-type]
            )
            fragments = {
                d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)
            }
            for operation in definitions:
                if isinstance(operation, OperationDefinitionNode):
                    self._check(operation, measure(operation.selection_set, fragments))

        def _check(self, operation: OperationDefinitionNode, shape: Shape) -> None:
            name = operation.name.value if operation.name else "the operation"
            limits: list[tuple[str, int, int]] = [
                ("depth", shape.depth, settings.max_depth),
                ("introspection depth", shape.introspection_depth, INTROSPECTION_MAX_DEPTH),
                ("aliases", shape.aliases, settings.max_aliases),
                ("directives", shape.directives, settings.max_directives),
            ]
            for what, value, limit in limits:
                if value > limit:
                    self.report_error(
                        OperationError(
                            f"{name} has {what} {value}; the limit is {limit}.",
                            ErrorCode.OPERATION_TOO_LARGE,
                            nodes=operation,
                            limit=what,
                        )
                    )

    return OperationShapeLimits
