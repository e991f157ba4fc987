"""The fuzzing's Hypothesis settings and what its tests work with (client, seed, strategies)."""

# How Hypothesis meets asyncio here: the tests are `async def` functions under `@given`.
# pytest-asyncio (1.5, asyncio_mode=auto) recognises a Hypothesis test whose inner test is a
# coroutine function (its AsyncHypothesisTest item) and runs each example to completion on the
# session's event loop, the loop on which the async fixtures made the app, its database pool and
# the httpx client. So no thread and no second loop are involved. Fixtures are set up once per
# test, not once per example (hence HealthCheck.function_scoped_fixture is suppressed): the
# examples share one seeded database and may change it through mutations, which is fine as each
# test owns its database. Strategies that need the seeded IDs are built by a fixture and drawn
# with `st.data()`. In CI (CI=true) the examples are derandomized, so a run is reproducible;
# elsewhere each run explores new ones. Hypothesis's example database is off (failures are
# reproduced from the seed it prints); `.hypothesis/` holds only its caches and git-ignores itself.

from __future__ import annotations

import os

import graphql
import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis_graphql import strategies as gql_st

from api.settings import Settings
from tests.conftest import IN_CI
from tests.fuzz.seed import Seed
from tests.fuzz.strategies import SCHEMA
from tests.helpers import MovableClock

FUZZ = settings(
    # FUZZ_EXAMPLES=5000 pytest tests/fuzz/ fuzzes deeper than the suite has time for.
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
