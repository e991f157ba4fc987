"""The Schema: the Query root, the scalars' descriptions, and error masking."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry.extensions import MaskErrors
from strawberry.schema.config import StrawberryConfig

from api.errors import is_unexpected
from api.mutations import Mutation
from api.queries import Query
from api.types.activity import Activity
from api.types.participant import Participant, User
from api.types.referral import CustomerProfile, Referral

DateTime = strawberry.scalar(
    name="DateTime",
    description="An instant: ISO 8601 date and time with offset, e.g. '2026-11-24T09:30:00+00:00'. "
    "Results are in UTC.",
    serialize=lambda value: value.isoformat(),
    parse_value=lambda value: datetime.fromisoformat(value),
)
Date = strawberry.scalar(
    name="Date",
    description="A calendar date, ISO 8601, e.g. '2026-12-31'.",
    serialize=lambda value: value.isoformat(),
    parse_value=lambda value: date.fromisoformat(value),
)
DecimalScalar = strawberry.scalar(
    name="Decimal",
    description="An exact decimal number as a string, e.g. '125000.50' (never a float).",
    serialize=str,
    parse_value=lambda value: _decimal(value),
)


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("a Decimal is a string of digits like '1250.50'")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{str(value)[:40]!r} is not a decimal number like '1250.50'") from None


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        types=[Referral, CustomerProfile, Participant, User, Activity],
        extensions=[
            lambda: MaskErrors(should_mask_error=is_unexpected, error_message="Internal error.")
        ],
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map={datetime: DateTime, date: Date, Decimal: DecimalScalar},
        ),
    )


def schema_sdl() -> str:
    """The schema in SDL, as `schema.graphql` holds it."""
    return build_schema().as_str() + "\n"
