"""Sending an operation some way or another (token, Accept, variables, GET), checking the answer."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import timedelta
from typing import Any

import graphql
import httpx
from hypothesis import event
from hypothesis import strategies as st

from api.auth.tokens import mint_token
from api.settings import Settings
from db.demo import DEMO_ORGANIZATIONS
from tests.conftest import START
from tests.fuzz.harness import Fuzz
from tests.fuzz.oracle import assert_sound
from tests.fuzz.strategies import KEEP, REPLACEMENTS, SCHEMA
from tests.helpers import Actor

ACCEPTS = (None, "application/json", "application/graphql-response+json", "*/*")
TOKENS = ("member",) * 6 + ("other member", "absent", "garbage", "expired", "foreign key", "nobody")
PRINTABLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80)


def _authorization(fuzz: Fuzz, data: st.DataObject) -> dict[str, str]:
    kind = data.draw(st.sampled_from(TOKENS), label="token")
    now = fuzz.clock()
    actor = fuzz.seed.actor
    match kind:
        case "absent":
            return {}
        case "garbage":
            return {"Authorization": data.draw(PRINTABLE.map(lambda text: f"Bearer {text}"))}
        case "other member":
            org = data.draw(st.sampled_from(DEMO_ORGANIZATIONS[1:]))
            token = mint_token(
                fuzz.settings, organization_id=org.id, user_id=org.demo_user_id, now=now
            )
        case "expired":
            token = mint_token(
                fuzz.settings,
                organization_id=actor.organization_id,
                user_id=actor.user_id,
                now=now - timedelta(days=1),
            )
        case "foreign key":
            other = Settings(database_url="sqlite://", jwt_secret="another-secret-" + "x" * 40)
            token = mint_token(
                other, organization_id=actor.organization_id, user_id=actor.user_id, now=now
            )
        case "nobody":  # well signed, for an organization and a user that do not exist
            token = mint_token(
                fuzz.settings, organization_id=uuid.uuid4(), user_id=uuid.uuid4(), now=now
            )
        case _:
            token = mint_token(
                fuzz.settings, organization_id=actor.organization_id, user_id=actor.user_id, now=now
            )
    return {"Authorization": f"Bearer {token}"}


def _operation(document: graphql.DocumentNode) -> graphql.OperationDefinitionNode:
    (operation,) = document.definitions
    assert isinstance(operation, graphql.OperationDefinitionNode)
    return operation


def _root_arguments(
    document: graphql.DocumentNode,
) -> dict[tuple[int, int], graphql.GraphQLArgument]:
    """The schema's definitions of the root fields' arguments, by (selection, argument)
    position; unknown fields and arguments (of negative mode) are left out."""
    operation = _operation(document)
    root = SCHEMA.mutation_type if operation.operation.value == "mutation" else SCHEMA.query_type
    assert root is not None
    found = {}
    for i, selection in enumerate(operation.selection_set.selections):
        if isinstance(selection, graphql.FieldNode) and selection.name.value in root.fields:
            field = root.fields[selection.name.value]
            for j, argument in enumerate(selection.arguments or ()):
                if argument.name.value in field.args:
                    found[i, j] = field.args[argument.name.value]
    return found


def _with_variables(
    document: graphql.DocumentNode, replacements: list[Any]
) -> tuple[graphql.DocumentNode, dict[str, Any]]:
    """The document with its root fields' arguments passed as variables `$v0`, `$v1`, ...:
    each with its literal's value, unless `replacements` gives another (arbitrary JSON)."""
    operation = _operation(document)
    definitions = _root_arguments(document)
    variables: dict[str, Any] = {}
    declared: list[graphql.VariableDefinitionNode] = []
    selections: list[graphql.SelectionNode] = []
    for i, selection in enumerate(operation.selection_set.selections):
        if not isinstance(selection, graphql.FieldNode):
            selections.append(selection)
            continue
        arguments = []
        for j, argument in enumerate(selection.arguments or ()):
            if (i, j) not in definitions:
                arguments.append(argument)
                continue
            name = f"v{len(declared)}"
            variable = graphql.VariableNode(name=graphql.NameNode(value=name))
            replacement = replacements[len(declared)]
            variables[name] = (
                graphql.value_from_ast_untyped(argument.value)
                if replacement is KEEP
                else replacement
            )
            declared.append(
                graphql.VariableDefinitionNode(
                    variable=variable,
                    type=graphql.parse_type(str(definitions[i, j].type)),
                    directives=(),
                )
            )
            arguments.append(dataclasses.replace(argument, value=variable))
        selections.append(dataclasses.replace(selection, arguments=tuple(arguments)))
    operation = dataclasses.replace(
        operation,
        variable_definitions=tuple(declared),
        selection_set=dataclasses.replace(operation.selection_set, selections=tuple(selections)),
    )
    return graphql.DocumentNode(definitions=(operation,)), variables


async def exchange(fuzz: Fuzz, data: st.DataObject, document: graphql.DocumentNode) -> None:
    """Send one generated operation, some way or another, and check the answer."""
    variables: dict[str, Any] | None = None
    count = len(_root_arguments(document))
    as_variables = data.draw(st.booleans(), label="vars")
    if count and as_variables:
        replacements = [data.draw(REPLACEMENTS, label=f"$v{index}") for index in range(count)]
        document, variables = _with_variables(document, replacements)
    query = graphql.print_ast(document)
    headers = _authorization(fuzz, data)
    accept = data.draw(st.sampled_from(ACCEPTS), label="accept")
    if accept is not None:
        headers["Accept"] = accept
    encoded = json.dumps(variables) if variables is not None else ""
    sent = "\n".join((query, encoded, json.dumps(variables, ensure_ascii=False), *headers.values()))
    is_query = _operation(document).operation.value == "query"
    if is_query and data.draw(st.booleans(), label="GET"):
        params = {"query": query, **({"variables": encoded} if encoded else {})}
        request = fuzz.client.build_request("GET", "/graphql", params=params, headers=headers)
    else:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        request = fuzz.client.build_request("POST", "/graphql", json=body, headers=headers)
    response = await send(fuzz.client, request, sent)
    answer = assert_sound(response, sent)
    # What the examples reached, for `pytest --hypothesis-show-statistics`.
    event(f"HTTP {response.status_code}")
    event("with data" if answer.get("data") else "without data")
    for error in answer.get("errors") or ():
        event(f"error {(error.get('extensions') or {}).get('code')}")
    for name, payload in (answer.get("data") or {}).items():
        if isinstance(payload, dict) and isinstance(payload.get("userErrors"), list):
            codes = sorted({str(error.get("code")) for error in payload["userErrors"]})
            event(f"{name}: {', '.join(codes) or 'done'}")


class CancelledInside(AssertionError):
    """The app let a CancelledError out instead of answering."""


async def send(client: httpx.AsyncClient, request: httpx.Request, sent: str) -> httpx.Response:
    """The app's answer. A CancelledError the app lets out (a BaseException, which no
    middleware turns into a 500) becomes a failure Hypothesis can shrink, unless this task
    itself is being cancelled."""
    try:
        return await client.send(request)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        raise CancelledInside(f"the app raised CancelledError, no answer:\n{sent}") from None


def bearer(settings: Settings, actor: Actor | None = None) -> dict[str, str]:
    """Headers with a token of `actor` (or of nobody that exists), minted at START."""
    actor = actor or Actor(uuid.uuid4(), uuid.uuid4())
    token = mint_token(
        settings, organization_id=actor.organization_id, user_id=actor.user_id, now=START
    )
    return {"Authorization": f"Bearer {token}"}
