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

import zlib
from typing import Any

import pytest

from api.graph import plan
from api.graph.relay.ids import to_global_id
from api.graph.types import participant as participant_types
from api.graph.types import referral as referral_types
from tests.api.graph.planner_twins import (
    CONTRACT,
    QUERIES,
    VIEWERS,
    Twins,
)


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
    # NodeLookup's variables above end with an ID of the wrong shape, which fails the whole
    # field; the nodes themselves (__typename, fragments on each type) are compared here.
    lookup = (CONTRACT / "queries" / "NodeLookup.graphql").read_text()
    ids = _variables("NodeLookup", twins, referral_ids)["ids"][:-1]
    found = await twins.compare(lookup, {"ids": ids}, viewer)
    assert any(node and node["__typename"] == "Referral" for node in found["data"]["nodes"])
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

    def spoil(made: Any) -> None:
        # The same objects in both apps: chosen by their content, not by their order.
        key = getattr(made, "postal_code", None) or made.id
        if zlib.crc32(str(key).encode()) % 3 == 0:
            seen.append(made)
            object.__setattr__(made, attribute, bad)

    # Types with `from_row` build their objects without `__init__` (api.graph.types.deferred).
    if hasattr(cls, "from_row"):
        from_row = cls.from_row

        def spoiled_row(*args: Any, **kwargs: Any) -> Any:
            made = from_row(*args, **kwargs)
            spoil(made)
            return made

        monkeypatch.setattr(cls, "from_row", spoiled_row)
    else:
        original = cls.__init__

        def spoiled(self: Any, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            spoil(self)

        monkeypatch.setattr(cls, "__init__", spoiled)
    # Without totalCount: an error that nulls the whole page cancels the count's pending load,
    # whose SQLite connection is then never closed (a ResourceWarning, either executor).
    page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text().replace("totalCount", "")
    body = await twins.compare(page, {"first": 10}, 0)
    assert body["errors"], body
    assert seen
