"""Generated queries, rewritten with aliases, fragments and @include/@skip, answer alike on
the planned executor and graphql-core's (issue 14; the twins: planner_twins.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import graphql
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from tests.api.graph.planner_twins import (
    VIEWERS,
    Twins,
)
from tests.fuzz.harness import FUZZ
from tests.fuzz.strategies import SCHEMA

# DIFFERENTIAL_EXAMPLES=2000 pytest tests/api/graph/test_planner_generated.py goes deeper.
EXAMPLES = settings(FUZZ, max_examples=int(os.environ.get("DIFFERENTIAL_EXAMPLES", "60")))
Draw = Callable[[st.SearchStrategy[Any]], Any]


def _rewritten(document: graphql.DocumentNode, draw: Draw) -> list[tuple[str, dict[str, bool]]]:
    """The document with aliases, inline fragments and @include/@skip on some fields (the
    conditions as variables of the operation), whole and one root field at a time."""
    flags: dict[str, bool] = {}

    def condition() -> tuple[graphql.DirectiveNode, ...]:
        if draw(st.integers(0, 4)) != 0:
            return ()
        name = f"c{len(flags)}"
        flags[name] = draw(st.booleans())
        directive = draw(st.sampled_from(("include", "skip")))
        return (
            graphql.DirectiveNode(
                name=graphql.NameNode(value=directive),
                arguments=(
                    graphql.ArgumentNode(
                        name=graphql.NameNode(value="if"),
                        value=graphql.VariableNode(name=graphql.NameNode(value=name)),
                    ),
                ),
            ),
        )

    def selections(
        nodes: tuple[graphql.SelectionNode, ...], depth: int
    ) -> tuple[graphql.SelectionNode, ...]:
        out: list[graphql.SelectionNode] = []
        for node in nodes:
            if not isinstance(node, graphql.FieldNode):
                out.append(node)
                continue
            inner = (
                graphql.SelectionSetNode(
                    selections=selections(node.selection_set.selections, depth + 1)
                )
                if node.selection_set
                else None
            )
            alias = (
                graphql.NameNode(value=f"a{depth}_{node.name.value}")
                if draw(st.integers(0, 5)) == 0
                else node.alias
            )
            field = graphql.FieldNode(
                alias=alias,
                name=node.name,
                arguments=node.arguments,
                directives=condition(),
                selection_set=inner,
            )
            out.append(field)
            if draw(st.integers(0, 6)) == 0:  # the same field again, merged by graphql-core
                out.append(
                    graphql.InlineFragmentNode(
                        type_condition=None,
                        directives=condition(),
                        selection_set=graphql.SelectionSetNode(selections=(field,)),
                    )
                )
        return tuple(out)

    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    roots = selections(operation.selection_set.selections, 0)
    # The whole operation, then each root field alone: one refused argument nulls a non-null
    # root field and with it every other root field's data.
    groups = [roots, *([root] for root in roots)] if len(roots) > 1 else [roots]
    definitions = tuple(
        graphql.VariableDefinitionNode(
            variable=graphql.VariableNode(name=graphql.NameNode(value=name)),
            type=graphql.NonNullTypeNode(
                type=graphql.NamedTypeNode(name=graphql.NameNode(value="Boolean"))
            ),
        )
        for name in flags
    )
    texts = []
    for group in groups:
        used = {
            name
            for name in flags
            if f"${name}" in graphql.print_ast(graphql.SelectionSetNode(selections=tuple(group)))
        }
        rewritten = graphql.OperationDefinitionNode(
            operation=operation.operation,
            name=operation.name,
            variable_definitions=tuple(d for d in definitions if d.variable.name.value in used),
            directives=(),
            selection_set=graphql.SelectionSetNode(selections=tuple(group)),
        )
        texts.append(
            (
                graphql.print_ast(graphql.DocumentNode(definitions=(rewritten,))),
                {name: flags[name] for name in used},
            )
        )
    return texts


@EXAMPLES
@given(data=st.data(), likely=st.booleans())
async def test_generated_queries_answer_alike(
    twins: Twins, data: st.DataObject, likely: bool
) -> None:
    scalars = twins.likely if likely else twins.scalars
    document = data.draw(
        gql_st.queries(SCHEMA, custom_scalars=scalars, print_ast=lambda d: d), label="query"
    )
    assert isinstance(document, graphql.DocumentNode)
    viewer = data.draw(st.integers(0, len(VIEWERS) - 1), label="viewer")
    for query, variables in _rewritten(document, data.draw):
        note(f"{query}\n{json.dumps(variables)}")
        body = await twins.compare(query, variables, viewer)
        event("data" if body.get("data") else "no data")
        for error in body.get("errors") or ():
            event(f"error {error.get('extensions', {}).get('code')}")
