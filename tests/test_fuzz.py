"""Property-based fuzzing of the live ASGI app from its own schema (issue 4, "Proof").

hypothesis-graphql writes queries and mutations of the schema the app serves, with arbitrary
arguments: custom scalars get strategies of their own (global IDs of the seeded rows of every
organization, forged and retyped global IDs, raw UUIDs, garbage; instants and dates valid,
naive, at the calendar's ends and malformed; decimals of every size, NaN and infinities).
Some operations carry their root arguments as variables instead of literals, some of those
variables are replaced by arbitrary JSON, some queries go over GET, and the token is sometimes
absent, malformed, expired, signed with another key or of an organization that does not exist.
A last property sends valid inputs with up to two values gone wild, so that writes happen.

Whatever is sent, the answer must hold these properties (`assert_sound`): no status >= 500, a
JSON object body, no error masked as "Internal error ..." (an exception our code did not
expect: the GraphQL face of a 500), every error with a `message` and an `extensions.code`, and
no traceback, file path, SQL or database driver name anywhere in the response.

Four bugs were found this way (A-D); each has a regression test at the end of this file.

How Hypothesis meets asyncio here: the tests are `async def` functions under `@given`.
pytest-asyncio (1.5, asyncio_mode=auto) recognises a Hypothesis test whose inner test is a
coroutine function (its AsyncHypothesisTest item) and runs each example to completion on the
session's event loop, the loop on which the async fixtures made the app, its database pool and
the httpx client. So no thread and no second loop are involved. Fixtures are set up once per
test, not once per example (hence HealthCheck.function_scoped_fixture is suppressed): the
examples share one seeded database and may change it through mutations, which is fine as each
test owns its database. Strategies that need the seeded IDs are built by a fixture and drawn
with `st.data()`. In CI (CI=true) the examples are derandomized, so a run is reproducible;
elsewhere each run explores new ones. Hypothesis's example database is off (failures are
reproduced from the seed it prints); `.hypothesis/` holds only its caches and git-ignores itself.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import string
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette

from api.auth.tokens import mint_token
from api.graph.nodes import NODE_NAMES as NODE_TYPES
from api.graph.relay.ids import to_global_id
from api.graph.types.activity import ACTIVITY_ORDERING
from api.graph.types.referral_list import referral_ordering
from api.schema import build_schema, schema_sdl
from api.settings import Settings
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from db.reads import ReferralOrder
from db.tables import activity, app_user, customer_profile, participant, referral
from tests.conftest import IN_CI, START
from tests.factories import make_actor, make_referral
from tests.helpers import Actor, MovableClock

SCHEMA_SDL = schema_sdl()
SCHEMA = graphql.build_schema(SCHEMA_SDL)
LIVE_SCHEMA = build_schema(Settings())._schema  # with the app's own scalar parsers

# Text that must never reach a client: tracebacks, source paths, SQL, database drivers.
LEAKS = ("Traceback", 'File "', '.py"', "SELECT ", "INSERT ", "DELETE FROM", "/work/", "/tmp/")
LEAKS_ANY_CASE = ("sqlalchemy", "asyncpg", "sqlite3", "aiosqlite", "psycopg")
# How api.errors masks an exception our code did not expect: the GraphQL face of a 500.
MASKED_MESSAGE = "Internal error"
MASKED_CODE = "INTERNAL_SERVER_ERROR"

FUZZ = settings(
    # FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py fuzzes deeper than the suite has time for.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "250")),
    deadline=None,
    derandomize=IN_CI,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


# --- The oracle -------------------------------------------------------------------------------


def _strings(value: object) -> Iterator[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def assert_sound(response: httpx.Response, sent: str = "") -> dict[str, Any]:
    """The properties every answer must have; `sent` is the request's text, which the answer
    may echo (a leak marker the client sent itself is not a leak)."""
    request = f"{response.request.method} {response.request.url}\n{sent[:3000]}\n->"
    assert response.status_code < 500, f"{request} -> {response.status_code}: {response.text}"
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{request}: the body is not JSON: {response.text[:2000]}") from None
    assert isinstance(body, dict), f"{request}: the body is not a JSON object: {body!r}"
    assert "data" in body or "errors" in body, f"{request}: neither data nor errors: {body}"
    texts = [response.text, *_strings(body)]
    for marker in LEAKS:
        if marker not in sent:
            leaked = [text for text in texts if marker in text]
            assert not leaked, f"{request}: {marker!r} in the response: {leaked[0][:2000]}"
    for marker in LEAKS_ANY_CASE:
        if marker not in sent.lower():
            leaked = [text for text in texts if marker in text.lower()]
            assert not leaked, f"{request}: {marker!r} in the response: {leaked[0][:2000]}"
    errors = body.get("errors")
    if errors is not None:
        assert isinstance(errors, list), f"{request}: `errors` is not a list: {body}"
        assert errors, f"{request}: `errors` is empty: {body}"
        for error in errors:
            assert isinstance(error, dict), f"{request}: an error is not an object: {body}"
            message = error.get("message")
            assert isinstance(message, str), f"{request}: an error without message: {body}"
            assert message.strip(), f"{request}: an error with an empty message: {body}"
            code = (error.get("extensions") or {}).get("code")
            assert isinstance(code, str), f"{request}: an error without extensions.code: {body}"
            unexpected = message.startswith(MASKED_MESSAGE) or code == MASKED_CODE
            assert not unexpected, f"{request}: an unexpected exception: {body}"
    return body


def _response(status: int, body: object, content: bytes | None = None) -> httpx.Response:
    request = httpx.Request("POST", "http://testserver/graphql")
    if content is None:
        return httpx.Response(status, json=body, request=request)
    return httpx.Response(status, content=content, request=request)


@pytest.mark.parametrize(
    "response",
    [
        _response(500, {"errors": [{"message": "Internal Server Error"}]}),
        _response(502, {"data": None}),
        _response(200, None, b"Internal Server Error"),
        _response(200, None, b"[1, 2]"),
        _response(200, {"extensions": {}}),
        _response(200, {"data": None, "errors": []}),
        _response(200, {"data": None, "errors": [{"locations": []}]}),
        _response(200, {"data": None, "errors": [{"message": " "}]}),
        _response(200, {"data": None, "errors": [{"message": "Internal error. Quote 1."}]}),
        _response(200, {"errors": [{"message": "x", "extensions": {"code": MASKED_CODE}}]}),
        _response(200, {"errors": [{"message": "Cannot query field 'x'."}]}),
        _response(400, {"errors": [{"message": "x", "extensions": {"code": None}}]}),
        _response(200, {"errors": [{"message": 'Traceback (most recent call last):\n  File "'}]}),
        _response(200, {"errors": [{"message": "boom", "extensions": {"at": "api/view.py"}}]}),
        _response(400, {"errors": [{"message": "(sqlalchemy.exc.DBAPIError) ..."}]}),
        _response(200, {"errors": [{"message": "asyncpg.exceptions.DataError: x"}]}),
        _response(200, {"errors": [{"message": "sqlite3.IntegrityError: UNIQUE failed"}]}),
        _response(200, {"errors": [{"message": "[SQL: SELECT referral.id FROM referral]"}]}),
        _response(200, {"errors": [{"message": "[SQL: INSERT INTO activity ...]"}]}),
        _response(200, {"errors": [{"message": "at /work/main/db/writes.py line 3"}]}),
        _response(200, {"errors": [{"message": "x"}], "data": {"a": "/tmp/pytest-1/x.db"}}),
        _response(200, {"data": {"Psycopg": 1}}),
    ],
)
def test_the_oracle_refuses_what_a_server_must_not_answer(response: httpx.Response) -> None:
    with pytest.raises(AssertionError):
        assert_sound(response)


def test_the_oracle_lets_an_echo_of_the_request_pass() -> None:
    message = "`id` is not a valid ID: 'SELECT /tmp/'."
    echo = _response(200, {"errors": [{"message": message, "extensions": {"code": "X"}}]})
    assert_sound(echo, sent='{ node(id: "SELECT /tmp/") { id } }')
    with pytest.raises(AssertionError):
        assert_sound(echo, sent='{ node(id: "SELECT") { id } }')


# --- Seed data and the strategies made of it --------------------------------------------------


@dataclass(frozen=True)
class Seed:
    actor: Actor  # the first demo organization's demo user
    global_ids: tuple[str, ...]  # every row of every node type, of every organization
    organization_ids: tuple[uuid.UUID, ...]


async def _seed(conn: AsyncConnection) -> Seed:
    await load_demo(conn, now=START, size=DemoSize(referrals=8, activities_per_referral=3))
    ids: list[str] = []
    for type_name, table in (
        ("Referral", referral),
        ("CustomerProfile", customer_profile),
        ("Participant", participant),
        ("User", app_user),
        ("Activity", activity),
    ):
        rows = (await conn.execute(select(table.c.id).order_by(table.c.id))).scalars().all()
        assert rows, f"the demo data has no {type_name}"
        ids.extend(to_global_id(type_name, pk) for pk in rows)
    demo = DEMO_ORGANIZATIONS[0]
    return Seed(
        Actor(demo.id, demo.demo_user_id),
        tuple(ids),
        tuple(org.id for org in DEMO_ORGANIZATIONS),
    )


def _encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _retyped(global_id: str, type_name: str) -> str:
    padded = global_id + "=" * (-len(global_id) % 4)
    _, _, raw = base64.urlsafe_b64decode(padded).decode().partition(":")
    return _encode(f"{type_name}:{raw}")


def id_values(seed: Seed) -> st.SearchStrategy[str]:
    """IDs as a client might send them, well-meant or not."""
    real = st.sampled_from(seed.global_ids)
    type_names = st.sampled_from((*NODE_TYPES, "Organization", "referral", "", "Referral:x"))
    return st.one_of(
        real,
        st.builds(to_global_id, st.sampled_from(NODE_TYPES), st.uuids()),  # forged, nonexistent
        st.builds(_retyped, real, type_names),  # a real row's key under another type name
        st.builds(lambda name, tail: _encode(f"{name}:{tail}"), type_names, st.text(max_size=40)),
        st.sampled_from(seed.organization_ids).map(str),  # for `organizationId`
        st.uuids().map(str),
        st.binary(max_size=48).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        real.map(lambda global_id: global_id + "="),
        real.map(lambda global_id: global_id[:-2]),
        st.text(max_size=60),
    )


_OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
_AWARE = st.datetimes(timezones=st.one_of(st.just(UTC), st.builds(timezone, _OFFSETS)))
_EDGES = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59.999999-14:00",
    "9999-12-31T23:59:59+00:00",
    "2026-11-24T12:00:00Z",
    "2026-11-24T12:00:00+99:00",
    "2026-02-30T00:00:00Z",
    "2026-11-24",
)


DATETIMES = st.one_of(
    _AWARE.map(datetime.isoformat),
    st.datetimes().map(datetime.isoformat),  # naive
    st.sampled_from(_EDGES),
    st.text(max_size=30),
)
_CURSOR_KINDS = (
    referral_ordering(ReferralOrder("created_date")),
    referral_ordering(ReferralOrder("updated_date")),
    ACTIVITY_ORDERING,
    "referral",
)
CURSORS = st.builds(
    lambda kind, when, key: _encode(json.dumps([kind, when, key])),
    st.sampled_from(_CURSOR_KINDS),
    DATETIMES,
    st.one_of(st.uuids().map(lambda pk: pk.hex), st.text(max_size=8)),
)
# Strings: mostly arbitrary text, some values that pass validation (so that writes succeed
# and the fuzzing reaches past the validators), some just past a limit, forged cursors.
_PLAUSIBLE = (
    *("US", "de", "XX", "USD", "eur", "Contoso", "order-42", " ", ""),
    *("ana@contoso.example", "not-an-email", "+14255550100", "(425) 555-0100", "12"),
    *("x" * 101, "x" * 201, "x" * 2001),
)
STRINGS = st.one_of(st.text(max_size=40), st.sampled_from(_PLAUSIBLE), CURSORS)
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(("0001-01-01", "9999-12-31", "2026-02-29", "2026-11-24T00:00:00Z", "")),
    st.text(max_size=20),
)
_DECIMAL_TEXTS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(places=2, min_value=0, max_value=10**20).map(str),
    st.sampled_from(("1e999999999", "-0", "0.001", "1E+2", "99999999999999999999.99", "1_000")),
    st.text(string.digits + ".-+eE", max_size=30),
    st.text(max_size=20),
)
DECIMALS = st.one_of(
    _DECIMAL_TEXTS.map(nodes.String),
    st.integers().map(nodes.Int),
    st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
)


def custom_scalars(seed: Seed) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    return {
        "ID": id_values(seed).map(nodes.String),
        "String": STRINGS.map(nodes.String),
        "DateTime": DATETIMES.map(nodes.String),
        "Date": DATES.map(nodes.String),
        "Decimal": DECIMALS,
    }


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


KEEP = object()  # a variable keeps the value its literal had
# Mostly the literal's own value; now and then arbitrary JSON in its place.
REPLACEMENTS: st.SearchStrategy[Any] = st.sampled_from((False, False, False, True)).flatmap(
    lambda replace: JSON_VALUES if replace else st.just(KEEP)
)


def _as_document(document: graphql.DocumentNode) -> graphql.DocumentNode:
    return document


class Fuzz:
    """What the fuzzing tests work with: the app's client, the seed, the strategies."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        settings: Settings,
        clock: MovableClock,
        seed: Seed,
        scalars: dict[str, st.SearchStrategy[graphql.ValueNode]],
    ) -> None:
        self.client = client
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.queries = gql_st.queries(SCHEMA, custom_scalars=scalars, print_ast=_as_document)
        self.mutations = gql_st.mutations(SCHEMA, custom_scalars=scalars, print_ast=_as_document)
        self.invalid = gql_st.from_schema(
            SCHEMA, custom_scalars=scalars, print_ast=_as_document, mode=gql_st.Mode.NEGATIVE
        )

    def __repr__(self) -> str:  # Hypothesis prints the arguments of a failing example
        return f"Fuzz(acting as {self.seed.actor}, {len(self.seed.global_ids)} seeded IDs)"


@pytest.fixture(name="settings")
def app_settings(database_url: str) -> Settings:  # overrides conftest's `settings` here
    # The clock of the tests stands still, so the organization's rate limit never resets:
    # a limit this large keeps every example reaching the resolvers instead of a 429.
    return Settings(database_url=database_url, rate_limit_points=10**12)


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app that sees a crash as the 500 a real server would send."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def fuzz(
    app: Starlette, client: httpx.AsyncClient, settings: Settings, clock: MovableClock
) -> Fuzz:
    async with app.state.database.engine.begin() as conn:
        seed = await _seed(conn)
    return Fuzz(client, settings, clock, seed, custom_scalars(seed))


# --- Sending ------------------------------------------------------------------------------------

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


# --- The properties ----------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
async def test_generated_queries_answer_soundly(fuzz: Fuzz, data: st.DataObject) -> None:
    await exchange(fuzz, data, data.draw(fuzz.queries, label="query"))


@FUZZ
@given(data=st.data())
async def test_generated_mutations_answer_soundly(fuzz: Fuzz, data: st.DataObject) -> None:
    await exchange(fuzz, data, data.draw(fuzz.mutations, label="mutation"))


@FUZZ
@given(data=st.data())
async def test_operations_that_break_the_schema_answer_soundly(
    fuzz: Fuzz, data: st.DataObject
) -> None:
    # hypothesis-graphql's negative mode: one schema violation per operation (some of its
    # violations are none, e.g. an Int literal for an ID, so only soundness is asserted).
    await exchange(fuzz, data, data.draw(fuzz.invalid, label="operation"))


# Generated operations rarely get every field of an input right, so writes seldom happen
# above. Here the inputs are valid but for up to two values gone wild, so the writes
# themselves meet extreme text, numbers and dates on both databases.


_PLAIN = st.text(string.ascii_letters + string.digits + " -'.&", min_size=1, max_size=60)
TEXTS = st.one_of(
    st.sampled_from(("Contoso", "O'Brien", "Zoë de Vries", "東京 Tower", "x" * 100)),
    _PLAIN.filter(str.strip),
)
WILD = st.one_of(
    st.text(max_size=260),  # control characters, blanks, lone marks, too long...
    st.sampled_from(("", " ", "\x00", "a\nb", "\u202e", "x" * 201, "x" * 2001)),
)
VALID_CREATE = st.fixed_dictionaries(
    {
        "name": TEXTS,
        "referralSource": st.sampled_from(("WEB_DIRECT", "PARTNER_LED", "AGENT_LED", "P2P")),
        "customerProfile": st.fixed_dictionaries(
            {
                "name": TEXTS,
                "address": st.fixed_dictionaries(
                    {
                        "addressLine1": TEXTS,
                        "city": TEXTS,
                        "state": TEXTS,
                        "postalCode": st.sampled_from(("98101", "10115", "SW1A 1AA")),
                        "country": st.sampled_from(("US", "de", "GB", "JP")),
                    },
                    optional={"addressLine2": st.none() | TEXTS},
                ),
                "contact": st.fixed_dictionaries(
                    {
                        "firstName": TEXTS,
                        "lastName": TEXTS,
                        "email": st.sampled_from(("ana@contoso.example", "Ana@Contoso.Example")),
                        "phoneNumber": st.sampled_from(("+14255550100", "+4930123456")),
                    }
                ),
            }
        ),
    },
    optional={
        "customerRequirements": st.fixed_dictionaries(
            {},
            optional={
                "industries": st.lists(TEXTS, max_size=20),
                "products": st.lists(TEXTS, max_size=20),
                "services": st.lists(TEXTS, max_size=20),
                "solutions": st.none() | TEXTS,
                "customerNeed": st.none() | TEXTS,
            },
        ),
        "additionalInformation": st.fixed_dictionaries(
            {
                "dealValue": st.decimals(places=2, min_value=0, max_value=10**16 - 1).map(str),
                "currency": st.sampled_from(("USD", "eur", "JPY")),
            },
            optional={"closingDate": st.dates().map(date.isoformat), "notes": TEXTS},
        ),
        "idempotencyKey": st.uuids().map(str),
    },
)
# Where a value goes wild, and how.
WILD_VALUES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {
    ("name",): WILD,
    ("customerProfile", "name"): WILD,
    ("customerProfile", "address", "addressLine1"): WILD,
    ("customerProfile", "address", "addressLine2"): WILD,
    ("customerProfile", "address", "postalCode"): WILD,
    ("customerProfile", "address", "country"): WILD,
    ("customerProfile", "contact", "firstName"): WILD,
    ("customerProfile", "contact", "email"): st.one_of(st.emails().map(str), WILD),
    ("customerProfile", "contact", "phoneNumber"): st.one_of(
        st.text(string.digits + "+()- ", max_size=25), WILD
    ),
    ("customerRequirements", "products"): st.lists(st.one_of(TEXTS, WILD), max_size=25),
    ("additionalInformation", "dealValue"): _DECIMAL_TEXTS,
    ("additionalInformation", "currency"): WILD,
    ("additionalInformation", "closingDate"): DATES,
    ("additionalInformation", "notes"): st.one_of(WILD, st.just("x" * 4001)),
    ("idempotencyKey",): st.one_of(WILD, st.text(max_size=210)),
}


@st.composite
def create_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid CreateReferralInput with up to two of its values gone wild."""
    value: dict[str, Any] = draw(VALID_CREATE)
    paths = draw(st.lists(st.sampled_from(sorted(WILD_VALUES)), max_size=2, unique=True))
    for path in paths:
        target = value
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = draw(WILD_VALUES[path])
    return value


WRITE = """mutation ($create: CreateReferralInput!) { createReferral(input: $create) {
  referral { id version name customerProfile { address { country } contact { email
  phoneNumber } } additionalInformation { dealValue currency closingDate notes }
  customerRequirements { industries products services } activities { totalCount } }
  userErrors { code message field } } }"""
FOLLOW_UP = """mutation ($update: UpdateReferralInput!, $note: AddReferralNoteInput!) {
  updateReferral(input: $update) { referral { version name } userErrors { code field } }
  addReferralNote(input: $note) { activity { note } userErrors { code field } } }"""


@FUZZ
@given(data=st.data())
async def test_well_formed_writes_with_fuzzed_values_answer_soundly(
    fuzz: Fuzz, data: st.DataObject
) -> None:
    headers = _token(fuzz.settings, fuzz.seed.actor)
    create = data.draw(create_inputs(), label="create")
    body = {"query": WRITE, "variables": {"create": create}}
    sent = json.dumps(body, ensure_ascii=False)
    response = await fuzz.client.post("/graphql", json=body, headers=headers)
    answer = assert_sound(response, sent)
    if answer.get("data") is None:  # a variable refused before execution (e.g. 2026-02-30)
        event("refused as a request")
        return
    payload = answer["data"]["createReferral"]
    event("created" if payload["referral"] else "refused")
    for error in payload["userErrors"]:
        assert error["field"] is None or error["field"][0] == "input", payload
        event(f"refused at {'.'.join(error['field'] or ())}")
    if payload["referral"] is None:
        assert payload["userErrors"], payload
        return
    changes = data.draw(create_inputs(), label="changes")
    update = {
        "id": payload["referral"]["id"],
        **data.draw(
            st.sampled_from(
                [
                    {"name": changes["name"]},
                    {"customerProfile": changes["customerProfile"]},
                    {"additionalInformation": changes.get("additionalInformation") or {}},
                    {"customerRequirements": changes.get("customerRequirements") or {}},
                ]
            ),
            label="update",
        ),
    }
    note = {"referralId": payload["referral"]["id"], "note": data.draw(TEXTS, label="note")}
    body = {"query": FOLLOW_UP, "variables": {"update": update, "note": note}}
    sent = json.dumps(body, ensure_ascii=False)
    response = await fuzz.client.post("/graphql", json=body, headers=headers)
    after = assert_sound(response, sent).get("data")
    event("updated" if after and after["updateReferral"]["referral"] else "update refused")


# --- Regressions found by the fuzzing ------------------------------------------------------------
# Each of these failed before its fix (bugs A-D of the first fuzzing run).


def _token(settings: Settings, actor: Actor | None = None) -> dict[str, str]:
    actor = actor or Actor(uuid.uuid4(), uuid.uuid4())
    token = mint_token(
        settings, organization_id=actor.organization_id, user_id=actor.user_id, now=START
    )
    return {"Authorization": f"Bearer {token}"}


CREATE_WITH = """mutation {{ createReferral(input: {{ name: "Deal", referralSource: WEB_DIRECT,
  customerProfile: {{ name: "Contoso", address: {{ addressLine1: "1 Main Street",
    city: "Seattle", state: "WA", postalCode: "98101", country: "US" }},
  contact: {{ firstName: "Ana", lastName: "Ruiz", email: "ana@contoso.example",
    phoneNumber: "+14255550100" }} }},
  additionalInformation: {{ {field}: {literal}, currency: "USD" }} }}) {{
  referral {{ id }} userErrors {{ code }} }} }}"""


@pytest.mark.parametrize(
    ("query", "type_name"),
    [
        ('{ referrals(filter: { createdAfter: "yesterday" }) { totalCount } }', "DateTime"),
        ("{ referrals(filter: { updatedBefore: 5 }) { totalCount } }", "DateTime"),
        (CREATE_WITH.format(field="closingDate", literal='"2026-13-01"'), "Date"),
        (CREATE_WITH.format(field="dealValue", literal='"a lot"'), "Decimal"),
    ],
    ids=["DateTime text", "DateTime number", "Date", "Decimal"],
)
async def test_malformed_scalar_literals_are_refused_as_bad_input(
    client: httpx.AsyncClient, settings: Settings, query: str, type_name: str
) -> None:
    """Evidence: `{ referrals(filter: { createdAfter: "yesterday" }) { totalCount } }` answers
    200 (400 under graphql-response+json) with {"message": "Internal error. Quote request id
    ... when reporting it.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}, and the log
    records it as an unexpected error with the scalar's ValueError ("Invalid isoformat
    string"). graphql-core's ValuesOfCorrectTypeRule keeps the exception raised by the
    scalar's parser (api/schema.py DateTime/Date/DecimalScalar) as `original_error`, and
    api/errors.py is_unexpected() takes every non-GraphQLError original error for a fault.
    The same value as a variable is refused properly ("Variable '$d' has invalid value")."""
    accept = {"Accept": "application/graphql-response+json"}
    response = await client.post(
        "/graphql", json={"query": query}, headers=_token(settings) | accept
    )
    body = assert_sound(response, query)
    assert response.status_code == 400, response.text  # a request error, as for a variable
    assert any(type_name in error["message"] for error in body["errors"]), body


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("filter", {"createdAfter": "0001-01-01T00:00:00+14:00"}),
        ("filter", {"createdBefore": "0001-01-01T00:00:00+00:01"}),
        ("filter", {"updatedAfter": "9999-12-31T23:59:59-14:00"}),
        ("filter", {"updatedBefore": "9999-12-31T23:59:59-00:01"}),
        ("after", ["referral:created_date", "0001-01-01T00:00:00+14:00"]),
        ("before", ["referral:created_date", "9999-12-31T23:59:59-14:00"]),
        ("activities", ["activity", "0001-01-01T00:00:00+14:00"]),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, dict) else str(value)[:20],
)
async def test_instants_beyond_utc_are_refused_as_bad_input(
    client: httpx.AsyncClient,
    settings: Settings,
    actor: Actor,
    argument: str,
    value: Any,
) -> None:
    """Evidence: `referrals(filter: {createdAfter: "0001-01-01T00:00:00+14:00"})`, or a cursor
    (`after`, `before`, `activities(after:)`) forged with such an instant, answers "Internal
    error" on both databases; the log shows OverflowError "date value out of range" from
    `value.astimezone(UTC)` in db/columns.py UTCDateTime.process_bind_param, while the
    statement's parameters are bound. api/types/referral_list.py _instant() and api/ids.py
    from_cursor() accept any datetime with an offset."""
    if argument == "filter":
        query = "query ($v: ReferralFilterInput) { referrals(filter: $v) { totalCount } }"
    elif argument == "activities":
        query = """query ($v: String) { referrals(first: 1) { nodes {
            activities(after: $v) { totalCount } } } }"""
    else:
        query = f"query ($v: String) {{ referrals({argument}: $v) {{ totalCount }} }}"
    if isinstance(value, list):
        value = _encode(json.dumps([*value, uuid.uuid4().hex]))
    variables = {"v": value}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=_token(settings, actor)
    )
    body = assert_sound(response, query + json.dumps(variables))
    error = body["errors"][0]
    # A cursor is refused by the resolver, a filter value while its variable is coerced
    # (graphql-core's message): both BAD_USER_INPUT, before any SQL, both by name.
    assert error["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "between years 1 and 9999" in error["message"] or "cursor" in error["message"], body


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (
            """{ referrals(first: 2147483647) { nodes { activities(first: 2147483647) {
              nodes { actor { referralActivities(first: 2147483647) { totalCount } } } } } } }""",
            {},
        ),
        ("query ($n: Int) { referrals(first: $n) { totalCount } }", {"n": 2**64}),
    ],
    ids=["three nested literals", "a variable"],
)
async def test_a_cost_past_64_bits_is_refused_not_a_500(
    client: httpx.AsyncClient, settings: Settings, query: str, variables: dict[str, Any]
) -> None:
    """Evidence: both operations answer HTTP 500 "Internal Server Error". api/cost.py
    requested() multiplies the sizes as sent (variables are not coerced yet, so even
    2**64 for an Int; valid literals reach 2**93 through three nested connections); the
    COST_LIMIT_EXCEEDED refusal then carries the cost, and api/view.py encode_json
    (orjson.dumps: "Integer exceeds 64-bit range") raises, as api/metrics.py COST.observe ("int
    too large to convert to float") did before it clamped. (Below 2**63 the refusal works, but
    still counts an uncoerced variable: `first: $n` with n = 2**31 is refused as costing
    2147483648 instead of as an invalid Int.)"""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=_token(settings)
    )
    body = assert_sound(response, query)
    assert body["errors"], body


@pytest.fixture
async def actor(app: Starlette) -> Actor:
    """An organization with one referral of its own."""
    async with app.state.database.engine.begin() as conn:
        actor = await make_actor(conn)
        await make_referral(conn, actor, created=START - timedelta(days=1))
    return actor


@pytest.mark.parametrize(
    "query",
    [
        """query ($id: ID!) {
          a: referral(id: $id) { additionalInformation { closingDate }
                                 activities(first: 1, last: 1) { totalCount } }
          b: referral(id: $id) { additionalInformation { closingDate } } }""",
        """query ($id: ID!) {
          node(id: $id) { ... on Referral { customerProfile { name }
                                            activities(first: 1, last: 1) { totalCount } } }
          nodes(ids: [$id]) { ... on Referral { customerProfile { name } } } }""",
    ],
    ids=["aliases", "node and nodes"],
)
async def test_a_failing_field_does_not_cancel_loads_other_fields_share(
    client: httpx.AsyncClient, settings: Settings, actor: Actor, query: str
) -> None:
    """Evidence: both operations get no answer: asyncio.CancelledError leaves the ASGI app
    (from api/loaders.py _build_later, `await pending`), on both databases; a BaseException,
    so no middleware answers 500. `activities(first: 1, last: 1)` fails with BAD_USER_INPUT;
    graphql-core's gather_with_cancel then cancels the sibling fields' tasks, and a task
    awaiting a DataLoader future cancels that future, which the loader's cache shares with the
    other branch loading the same row: resolve() hands out the cancelled future again."""
    mine = (
        await client.post(
            "/graphql",
            json={"query": "{ referrals { nodes { id } } }"},
            headers=_token(settings, actor),
        )
    ).json()["data"]["referrals"]["nodes"][0]["id"]
    body = {"query": query, "variables": {"id": mine}}
    request = client.build_request("POST", "/graphql", json=body, headers=_token(settings, actor))
    answer = assert_sound(await send(client, request, query), query)
    assert [error["extensions"]["code"] for error in answer["errors"]] == ["BAD_USER_INPUT"]
    assert answer["data"] is not None, answer
