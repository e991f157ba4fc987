"""The field -> loader table covers every field that loads in bulk, and prefetch uses it."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from api.graph import loaders
from api.graph.edges import PARTICIPANT_FIELDS, REFERRAL_FIELDS, LoaderOf
from api.graph.types.participant import Participant
from api.graph.types.referral import Referral
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from tests.conftest import START
from tests.helpers import Actor, Api

CONTRACT = Path(__file__).parents[2] / "contract"

# Fields with a resolver that are not prefetched, and why: a field missing from the table
# and from here fails the test, so a new loaded field cannot silently skip prefetch.
NOT_PREFETCHED = {
    Referral: {"activities": "paged with per-field arguments, batched by its loader"},
    Participant: {
        "invited_by": "answered from the referral's participants batch",
        "referral_activities": "paged with per-field arguments, batched by its loader",
        "referral_view": "answered from the page's referral rows",
    },
}


def _resolved_fields(cls: type) -> set[str]:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    return {field.python_name for field in definition.fields if field.base_resolver is not None}


def test_every_loaded_field_of_a_referral_is_in_the_table() -> None:
    assert _resolved_fields(Referral) == set(REFERRAL_FIELDS) | set(NOT_PREFETCHED[Referral])


def test_every_loaded_field_of_a_participant_is_in_the_table() -> None:
    expected = set(PARTICIPANT_FIELDS) | set(NOT_PREFETCHED[Participant])
    assert _resolved_fields(Participant) == expected


def test_the_fields_resolve_through_the_table() -> None:
    tables: tuple[tuple[type, dict[str, LoaderOf]], ...] = (
        (Referral, REFERRAL_FIELDS),
        (Participant, PARTICIPANT_FIELDS),
    )
    for cls, table in tables:
        fields = cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
        for field in fields:
            if field.python_name in table:
                source = inspect.getsource(field.base_resolver.wrapped_func)
                assert "_FIELDS[" in source, f"{cls.__name__}.{field.python_name} bypasses it"


async def test_a_page_answers_its_nested_fields_from_the_prefetched_loaders(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The root field prefetches what its referrals' fields select, so no nested field has to
    # wait for a load (a field waiting costs a future and an event-loop turn per row; the
    # statements would be the same, so only this count shows prefetch working).
    async with api.database.engine.begin() as conn:
        await load_demo(conn, now=START, size=DemoSize(referrals=12))
    demo = DEMO_ORGANIZATIONS[0]
    waited: list[object] = []
    build_later = loaders._build_later

    def counted(pending: Any, build: Any) -> Any:
        waited.append(build)
        return build_later(pending, build)

    monkeypatch.setattr(loaders, "_build_later", counted)
    page = (CONTRACT / "queries" / "ReferralPage.graphql").read_text()
    data = await api.query(page, {"first": 10}, actor=Actor(demo.id, demo.demo_user_id))
    edges = data["referrals"]["edges"]
    assert len(edges) == 10
    assert all(edge["node"]["participants"][0]["users"] for edge in edges)
    assert waited == []
