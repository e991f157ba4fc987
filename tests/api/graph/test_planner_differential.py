"""The planned executor answers exactly what graphql-core's executor answers (issue 14).

Two apps over one seeded database, the same settings but QUERY_PLANNER, each with its own
rate-limit window (both are charged alike, so `extensions.cost.rateLimit` must match too):
every operation goes to both, as the same organization, and the whole answers are compared:
status, the X-RateLimit-* headers and the body (data, errors with their paths and codes,
extensions). The operations are the contract's queries, seen by an ACCEPTED organization
and by an invited one (whose view masks contact details), and generated queries
(hypothesis-graphql, from the schema, with the fuzzing's IDs, dates and garbage) rewritten
with aliases, fragments, @include/@skip on variables, and their root arguments as variables.
Mutations change the data both apps read, so they run on twin databases instead.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from asgi_lifespan import LifespanManager
from hypothesis import event, given, note, settings
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql_st

from api.app import create_app
from api.auth.tokens import mint_token
from api.graph import plan
from api.graph.relay.ids import to_global_id
from api.graph.types import participant as participant_types
from api.graph.types import referral as referral_types
from api.guards.budget import InMemoryRateLimitStore
from api.settings import Settings
from db.demo import DEMO_ORGANIZATIONS
from db.writes import steps
from tests.fuzz.harness import FUZZ
from tests.fuzz.seed import Seed, seed_demo
from tests.fuzz.strategies import SCHEMA, custom_scalars, id_values
from tests.helpers import MovableClock

CONTRACT = Path(__file__).parents[2] / "contract"
QUERIES = sorted(CONTRACT.glob("queries/*.graphql"))
VIEWERS = DEMO_ORGANIZATIONS[:2]
# DIFFERENTIAL_EXAMPLES=2000 pytest tests/api/graph/test_planner_differential.py goes deeper.
EXAMPLES = settings(FUZZ, max_examples=int(os.environ.get("DIFFERENTIAL_EXAMPLES", "60")))
Draw = Callable[[st.SearchStrategy[Any]], Any]
RATE_LIMIT_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


class Twins:
    """The standard app and the planned one, and what to send them."""

    def __init__(
        self,
        standard: httpx.AsyncClient,
        planned: httpx.AsyncClient,
        settings: Settings,
        clock: MovableClock,
        seed: Seed,
    ) -> None:
        self.standard = standard
        self.planned = planned
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.scalars = custom_scalars(seed)  # the fuzzing's: mostly wrong, for the errors
        self.likely = likely_scalars(seed)  # mostly right, for data

    def __repr__(self) -> str:  # Hypothesis prints a failing example's arguments
        return "Twins(standard, planned)"

    async def compare(
        self, query: str, variables: dict[str, Any] | None, viewer: int = 0
    ) -> dict[str, Any]:
        """Send the operation to both apps; their answers must be the same. The body."""
        organization = VIEWERS[viewer]
        token = mint_token(
            self.settings,
            organization_id=organization.id,
            user_id=organization.demo_user_id,
            now=self.clock(),
        )
        request = {
            "json": {"query": query, "variables": variables or {}},
            # One request id for both: an unexpected error's message quotes it.
            "headers": {"Authorization": f"Bearer {token}", "X-Request-ID": "differential"},
        }
        standard = await self.standard.post("/graphql", **request)  # type: ignore[arg-type]
        planned = await self.planned.post("/graphql", **request)  # type: ignore[arg-type]
        assert planned.status_code == standard.status_code, query
        assert planned.json() == standard.json(), query
        assert [planned.headers.get(h) for h in RATE_LIMIT_HEADERS] == [
            standard.headers.get(h) for h in RATE_LIMIT_HEADERS
        ]
        body: dict[str, Any] = standard.json()
        return body


def _own_budget(settings: Settings) -> InMemoryRateLimitStore:
    return InMemoryRateLimitStore(
        settings.rate_limit_points, timedelta(seconds=settings.rate_limit_window_seconds)
    )


@pytest.fixture
async def twins(database_url: str, clock: MovableClock) -> AsyncIterator[Twins]:
    settings = Settings(
        database_url=database_url, gc_tuning=False, rate_limit_points=10**12, query_planner=False
    )
    # Each app counts its own points (on PostgreSQL the settings' store is shared through the
    # database), so both answer the same rateLimit for the same sequence of operations.
    standard_app = create_app(settings, clock=clock, rate_limits=_own_budget(settings))
    planned_settings = Settings(
        database_url=database_url, gc_tuning=False, rate_limit_points=10**12, query_planner=True
    )
    planned_app = create_app(
        planned_settings, clock=clock, rate_limits=_own_budget(planned_settings)
    )
    assert not settings.query_planner
    async with LifespanManager(standard_app), LifespanManager(planned_app):
        async with standard_app.state.database.engine.begin() as conn:
            seed = await seed_demo(conn)
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                base_url="http://testserver",
            )
            for app in (standard_app, planned_app)
        ]
        async with clients[0] as standard, clients[1] as planned:
            yield Twins(standard, planned, settings, clock, seed)


def likely_scalars(seed: Seed) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Argument values that mostly find rows: seeded IDs, small pages, plain texts."""
    ids = st.one_of(
        st.sampled_from(seed.global_ids), st.sampled_from(seed.global_ids), id_values(seed)
    )
    return {
        "ID": ids.map(nodes.String),
        "Int": st.integers(-1, 6).map(nodes.Int),
        "String": st.sampled_from(("", "a", "DE", "EUR", "Contoso", "teams")).map(nodes.String),
        "DateTime": st.sampled_from(
            ("2026-11-24T12:00:00Z", "2025-01-01T00:00:00+02:00", "2027-06-30T00:00:00Z")
        ).map(nodes.String),
        "Date": st.sampled_from(("2026-11-24", "2027-06-30")).map(nodes.String),
        "Decimal": st.sampled_from(("0", "1000.50", "50000")).map(nodes.String),
    }


def _variables(name: str, twins: Twins, referral_ids: list[str]) -> dict[str, Any]:
    seed = twins.seed
    variables: dict[str, dict[str, Any]] = {
        "ReferralPage": {"first": 10},
        "ReferralDetail": {"id": referral_ids[0] if referral_ids else ""},
        "NodeLookup": {"ids": [*referral_ids[:3], *seed.global_ids[::7][:12], "bm9wZQ"]},
        "InboxPage": {"first": 10, "expiresBefore": "2027-01-01T00:00:00Z"},
    }
    return variables.get(name, {})


@pytest.mark.parametrize("viewer", range(len(VIEWERS)))
async def test_the_contract_queries_answer_alike(
    twins: Twins, viewer: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[plan.Plan] = []
    build_plan = plan.build_plan

    def counted(*args: Any) -> plan.Plan:
        built.append(build_plan(*args))
        return built[-1]

    monkeypatch.setattr(plan, "build_plan", counted)
    page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text()
    body = await twins.compare(page, {"first": 10}, viewer)
    referral_ids = [edge["node"]["id"] for edge in body["data"]["referrals"]["edges"]]
    assert referral_ids
    for path in QUERIES:
        await twins.compare(path.read_text(), _variables(path.stem, twins, referral_ids), viewer)
    # The planner took part: ReferralPage's referrals, profiles, addresses and contacts, ...
    assert sum(p.planned for p in built) >= 20
    kinds = {step.kind for p in built for step in p.steps}
    assert set(plan.Kind) - {plan.Kind.STANDARD} <= kinds
    # ... and an operation seen before runs on the plans it has.
    seen = len(built)
    for path in QUERIES:
        await twins.compare(path.read_text(), _variables(path.stem, twins, referral_ids), viewer)
    assert len(built) == seen


async def test_null_errors_and_masking_answer_alike(twins: Twins) -> None:
    # An invited organization's view (contact details null), a node that is not there, an ID
    # of the wrong shape (an error with its path), aliases and directives on plain fields.
    referral = to_global_id("Referral", twins.seed.actor.organization_id)
    query = """
      query Q($yes: Boolean!, $no: Boolean!, $ids: [ID!]!) {
        referrals(first: 5) {
          edges { node { ...F n2: name @include(if: $yes) skipped: name @skip(if: $yes)
            participants { referralView { customerProfile { contact { email e2: email
              phoneNumber } } } } } }
        }
        nodes(ids: $ids) { __typename id }
        a: node(id: "garbage") { id }
        ... @include(if: $no) { b: node(id: "x") { id } }
      }
      fragment F on Referral { id name status customerProfile { address { city } } }
    """
    for viewer in range(len(VIEWERS)):
        body = await twins.compare(query, {"yes": True, "no": False, "ids": [referral]}, viewer)
        assert body.get("errors"), body


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


NEW_REFERRAL = {
    "name": "Twin deal",
    "referralSource": "PARTNER_LED",
    "customerProfile": {
        "name": "Contoso Ltd",
        "address": {
            "addressLine1": "1 Main Street",
            "city": "Seattle",
            "state": "WA",
            "postalCode": "98101",
            "country": "US",
        },
        "contact": {
            "firstName": "Ana",
            "lastName": "Ruiz",
            "email": "ana@contoso.example",
            "phoneNumber": "+14255550100",
        },
    },
}


def _mutation(name: str) -> str:
    return (CONTRACT / "mutations" / f"{name}.graphql").read_text()


class _Ids:
    """New rows' IDs in the order they are made, the same for either app."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> uuid.UUID:
        self.count += 1
        return uuid.UUID(int=(0xD1FF << 112) + self.count)


async def test_the_contract_mutations_answer_alike_on_twin_databases(
    sqlite_template: Path, tmp_path: Path, clock: MovableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mutation changes what both apps read, so each app gets its own copy of the same
    # seeded database, and new rows get the same IDs in both (their order is the writes').
    apps = []
    for name, planner in (("standard", False), ("planned", True)):
        path = tmp_path / f"{name}.db"
        shutil.copy(sqlite_template, path)
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{path}", gc_tuning=False, query_planner=planner
        )
        apps.append((settings, create_app(settings, clock=clock)))
    async with LifespanManager(apps[0][1]), LifespanManager(apps[1][1]):
        seeds = []
        for _, app in apps:
            async with app.state.database.engine.begin() as conn:
                seeds.append(await seed_demo(conn))
        assert seeds[0] == seeds[1]  # the demo data is deterministic
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
            for _, app in apps
        ]
        ids = [_Ids(), _Ids()]
        bodies: list[list[Any]] = [[], []]

        async def both(
            query: str, variables: dict[str, Any], viewer: int, operation: str | None = None
        ) -> Any:
            organization = VIEWERS[viewer]
            for side, (settings, _) in enumerate(apps):
                monkeypatch.setattr(uuid, "uuid4", ids[side])
                monkeypatch.setattr(steps, "uuid7", ids[side])
                token = mint_token(
                    settings,
                    organization_id=organization.id,
                    user_id=organization.demo_user_id,
                    now=clock(),
                )
                response = await clients[side].post(
                    "/graphql",
                    json={"query": query, "variables": variables, "operationName": operation},
                    headers={"Authorization": f"Bearer {token}"},
                )
                bodies[side].append((response.status_code, response.json()))
            assert bodies[1][-1] == bodies[0][-1], query
            return bodies[0][-1][1]

        created = await both(_mutation("CreateReferral"), {"input": NEW_REFERRAL}, 0)
        referral = created["data"]["createReferral"]["referral"]
        assert referral, created
        invited = await both(
            _mutation("InviteParticipant"),
            {"input": {"referralId": referral["id"], "organizationId": str(VIEWERS[1].id)}},
            0,
        )
        participant = invited["data"]["inviteParticipant"]["participant"]
        assert participant, invited
        page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text()
        await both(page, {"first": 5}, 1)  # the invited organization's masked view
        answer = (CONTRACT / "mutations" / "AnswerInvitation.graphql").read_text()
        accepted = await both(
            answer, {"input": {"participantId": participant["id"]}}, 1, "AcceptInvitation"
        )
        assert accepted["data"]["acceptInvitation"]["participant"]["status"] == "ACCEPTED"
        refused = await both(  # answered already: a user error
            answer, {"input": {"participantId": participant["id"]}}, 1, "RejectInvitation"
        )
        assert refused["data"]["rejectInvitation"]["userErrors"], refused
        changed = await both(
            _mutation("ChangeReferralStatus"),
            {"input": {"id": referral["id"], "status": "ACTIVE"}},
            0,
        )
        assert changed["data"]["changeReferralStatus"]["referral"], changed
        await both(page, {"first": 5}, 1)
        for client in clients:
            await client.aclose()


@pytest.mark.parametrize(
    ("type_name", "attribute", "bad"),
    [
        ("User", "display_name", None),  # null in a non-null field, two lists deep
        ("Participant", "status", "NOT A STATUS"),  # a value its enum refuses
        ("Address", "city", None),  # null in a non-null field of an object field
    ],
)
async def test_faults_deep_in_lists_answer_alike(
    twins: Twins, monkeypatch: pytest.MonkeyPatch, type_name: str, attribute: str, bad: Any
) -> None:
    # Some objects of a page carry a value graphql-core refuses: the error, its path and the
    # nulls it spreads up to the nearest nullable field must be the same on both paths.
    module = referral_types if type_name == "Address" else participant_types
    cls = getattr(module, type_name)
    seen: list[object] = []
    original = cls.__init__

    def spoiled(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        # The same objects in both apps: chosen by their content, not by their order.
        key = getattr(self, "postal_code", None) or self.id
        if zlib.crc32(str(key).encode()) % 3 == 0:
            seen.append(self)
            object.__setattr__(self, attribute, bad)

    monkeypatch.setattr(cls, "__init__", spoiled)
    # Without totalCount: an error that nulls the whole page cancels the count's pending load,
    # whose SQLite connection is then never closed (a ResourceWarning, either executor).
    page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text().replace("totalCount", "")
    body = await twins.compare(page, {"first": 10}, 0)
    assert body["errors"], body
    assert seen
