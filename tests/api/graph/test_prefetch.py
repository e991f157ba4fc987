"""The field -> loader table covers every field that loads in bulk, and prefetch uses it."""

from __future__ import annotations

import inspect

from api.graph.edges import PARTICIPANT_FIELDS, REFERRAL_FIELDS, LoaderOf
from api.graph.types.participant import Participant
from api.graph.types.referral import Referral

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
