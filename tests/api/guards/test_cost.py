"""The requested cost of an operation does not depend on how it is written (api/cost.py).

A property: hypothesis-graphql writes operations from the schema; each is rewritten with named
fragments (every selection set of a field and every inline fragment becomes a fragment
spread), and that rewrite back with every fragment inlined; all three cost the same.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable

import graphql
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st

from api.guards.cost import Requested, requested
from api.schema import schema_sdl
from tests.conftest import IN_CI

SCHEMA = graphql.build_schema(schema_sdl())
SCALARS: dict[str, st.SearchStrategy[graphql.ValueNode]] = {
    "ID": st.just(nodes.String("UmVmZXJyYWw6MQ")),
    "DateTime": st.just(nodes.String("2026-11-24T09:30:00Z")),
    "Date": st.just(nodes.String("2026-12-31")),
    "Decimal": st.just(nodes.String("1250.50")),
}
PROPERTY = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def cost(document: graphql.DocumentNode) -> Requested:
    operations = [d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)]
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, graphql.FragmentDefinitionNode)
    }
    (operation,) = operations
    return requested(SCHEMA, operation, fragments, {}, default_page_size=20)


def _named_type(type_: graphql.GraphQLOutputType) -> graphql.GraphQLNamedType:
    while isinstance(type_, graphql.GraphQLNonNull | graphql.GraphQLList):
        type_ = type_.of_type
    return type_


def with_named_fragments(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """The document with every field's selection set and every inline fragment moved into a
    named fragment on the same type, spread where it was."""
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    fragments: list[graphql.FragmentDefinitionNode] = []
    names = (f"F{index}" for index in itertools.count())

    def extract(selection_set: graphql.SelectionSetNode, on: str) -> graphql.SelectionSetNode:
        name = next(names)
        fragments.append(
            graphql.FragmentDefinitionNode(
                name=graphql.NameNode(value=name),
                type_condition=graphql.NamedTypeNode(name=graphql.NameNode(value=on)),
                directives=(),
                selection_set=rewrite(selection_set, on),
            )
        )
        spread = graphql.FragmentSpreadNode(name=graphql.NameNode(value=name), directives=())
        return graphql.SelectionSetNode(selections=(spread,))

    def rewrite(selection_set: graphql.SelectionSetNode, on: str) -> graphql.SelectionSetNode:
        parent = SCHEMA.get_type(on)
        selections: list[graphql.SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, graphql.FieldNode) and selection.selection_set:
                assert isinstance(parent, graphql.GraphQLObjectType | graphql.GraphQLInterfaceType)
                child = _named_type(parent.fields[selection.name.value].type).name
                moved = extract(selection.selection_set, child)
                selections.append(dataclasses.replace(selection, selection_set=moved))
            elif isinstance(selection, graphql.InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else on
                selections += extract(selection.selection_set, condition).selections
            else:
                selections.append(selection)
        return graphql.SelectionSetNode(selections=tuple(selections))

    root = SCHEMA.get_root_type(operation.operation)
    assert root is not None
    rewritten = dataclasses.replace(
        operation, selection_set=rewrite(operation.selection_set, root.name)
    )
    return graphql.DocumentNode(definitions=(rewritten, *fragments))


def with_fragments_inlined(document: graphql.DocumentNode) -> graphql.DocumentNode:
    """The document with every fragment spread replaced by an inline fragment on the
    fragment's type condition, and no fragment definitions."""
    fragments = {
        d.name.value: d
        for d in document.definitions
        if isinstance(d, graphql.FragmentDefinitionNode)
    }

    def inline(selection_set: graphql.SelectionSetNode) -> graphql.SelectionSetNode:
        selections: list[graphql.SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, graphql.FragmentSpreadNode):
                fragment = fragments[selection.name.value]
                selections.append(
                    graphql.InlineFragmentNode(
                        type_condition=fragment.type_condition,
                        directives=selection.directives,
                        selection_set=inline(fragment.selection_set),
                    )
                )
            elif isinstance(selection, graphql.FieldNode | graphql.InlineFragmentNode):
                inner = selection.selection_set
                selections.append(
                    selection
                    if inner is None
                    else dataclasses.replace(selection, selection_set=inline(inner))
                )
        return graphql.SelectionSetNode(selections=tuple(selections))

    (operation,) = [
        d for d in document.definitions if isinstance(d, graphql.OperationDefinitionNode)
    ]
    inlined = dataclasses.replace(operation, selection_set=inline(operation.selection_set))
    return graphql.DocumentNode(definitions=(inlined,))


def _identity(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


Rewrite = Callable[[graphql.DocumentNode], graphql.DocumentNode]


@PROPERTY
@given(document=gql_st.queries(SCHEMA, custom_scalars=SCALARS, print_ast=_identity))
def test_named_fragments_cost_what_inline_selections_cost(document: graphql.DocumentNode) -> None:
    named = with_named_fragments(document)
    inlined = with_fragments_inlined(named)
    if not graphql.validate(SCHEMA, document):  # the rewrites are equivalent documents
        assert graphql.validate(SCHEMA, named) == [], graphql.print_ast(named)
    expected = cost(document)
    assert cost(named) == expected, graphql.print_ast(named)
    assert cost(inlined) == expected, graphql.print_ast(inlined)


IDS = ", ".join(['"UmVmZXJyYWw6MQ"'] * 100)
NESTED = """activities(first: 100) { nodes { actor { referralActivities(first: 100) {
    nodes { id } } } } }"""


def test_a_fragment_on_a_concrete_type_spread_in_nodes_costs_its_fields() -> None:
    """Evidence: `nodes(ids: [100 ids]) { ...F }` with `fragment F on Referral` was priced
    100 (the fragment was walked as if on Node, whose fields hold no `activities`) and ran,
    while the same operation with an inline fragment is refused at 1,010,100."""
    named = graphql.parse(
        f"{{ nodes(ids: [{IDS}]) {{ ...F }} }} fragment F on Referral {{ {NESTED} }}"
    )
    inline = graphql.parse(f"{{ nodes(ids: [{IDS}]) {{ ... on Referral {{ {NESTED} }} }} }}")
    assert cost(inline) == Requested(nodes=1_010_100, requests=100 + 100 * 100)
    assert cost(named) == cost(inline)


def test_fragments_are_priced_without_recursing_through_a_long_chain() -> None:
    chain = " ".join(f"fragment F{i} on Referral {{ ...F{i + 1} }}" for i in range(5000))
    document = graphql.parse(
        f"{{ referrals(first: 7) {{ nodes {{ ...F0 }} }} }} {chain} "
        "fragment F5000 on Referral { activities(first: 3) { nodes { id } } }"
    )
    assert cost(document) == Requested(nodes=7 * (1 + 3), requests=1 + 7)


def test_the_events_feed_is_priced_like_every_connection() -> None:
    """`events` pages like `referrals`: its page size multiplies what each event loads, its
    event's referral's connections are fetched once per event."""
    document = graphql.parse(
        "{ events(first: 50) { totalCount nodes { eventId activity { id } "
        "referral { participants { id } activities(first: 4) { nodes { id } } } } } }"
    )
    # Per event: itself, 10 estimated participants and a page of 4 activities.
    assert cost(document) == Requested(nodes=50 * (1 + 10 + 4), requests=1 + 50)
    default = graphql.parse("{ events { nodes { eventId } } }")
    assert cost(default) == Requested(nodes=20, requests=1)
