"""The Schema: the Query root, the scalars' descriptions, and error masking."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.errors import (
    MaskUnexpectedErrors,
    ValidationErrorCodes,
    assign_codes,
    log_unexpected,
)
from api.graph.enum_output import names_by_lookup
from api.graph.executor import planned_executor
from api.graph.mutations import Mutation
from api.graph.nodes import NODE_TYPES
from api.graph.queries import Query
from api.graph.subscriptions import SocketOperations, Subscription
from api.guards.budget import RateLimitStore
from api.guards.extension import operation_guards
from api.observability.operation_metrics import OperationMetrics
from api.observability.tracing import tracing_extensions
from api.settings import Settings

DateTime = strawberry.scalar(
    name="DateTime",
    description="An instant: ISO 8601 date and time with offset, e.g. '2026-11-24T09:30:00+00:00'. "
    "Results are in UTC.",
    serialize=lambda value: value.isoformat(),
    parse_value=lambda value: _datetime(value),
)
Date = strawberry.scalar(
    name="Date",
    description="A calendar date, ISO 8601, e.g. '2026-12-31'.",
    serialize=lambda value: value.isoformat(),
    parse_value=lambda value: _date(value),
)
DecimalScalar = strawberry.scalar(
    name="Decimal",
    description="An exact decimal number as a string, e.g. '125000.50' (never a float).",
    serialize=str,
    parse_value=lambda value: _decimal(value),
)


# Scalar parsers raise GraphQLError: the client's value is wrong, which is not our fault (a
# ValueError would read as an unexpected error and be masked).


def _datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError("Expected a DateTime: an ISO 8601 string like '2026-11-24T09:30:00Z'.")
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is not None:
            parsed.astimezone(UTC)  # instants beyond the calendar in UTC cannot be stored
    except (ValueError, OverflowError):
        raise GraphQLError(
            f"Expected a DateTime: {value[:40]!r} is not an ISO 8601 date-time with offset "
            "between years 1 and 9999 in UTC, like '2026-11-24T09:30:00Z'."
        ) from None
    return parsed


def _date(value: object) -> date:
    if not isinstance(value, str):
        raise GraphQLError("Expected a Date: an ISO 8601 string like '2026-12-31'.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            f"Expected a Date: {value[:40]!r} is not an ISO 8601 date like '2026-12-31'."
        ) from None


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise GraphQLError("Expected a Decimal: a string of digits like '1250.50'.")
    try:
        return Decimal(str(value))
    except ArithmeticError:
        raise GraphQLError(
            f"Expected a Decimal: {str(value)[:40]!r} is not a number like '1250.50'."
        ) from None


class ReferralsSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Every error of every operation passes here before it is masked or sent (HTTP and
        # WebSocket alike): each gets its `extensions.code`.
        assign_codes(errors)
        # Strawberry logs every error with a traceback; only our own faults deserve that.
        log_unexpected(errors, execution_context.context if execution_context else None)


def build_schema(
    settings: Settings | None = None, *, rate_limits: RateLimitStore | None = None
) -> strawberry.Schema:
    """The schema with the limits of `settings` (defaults when exporting the SDL), charging
    operations to `rate_limits` (the app's store; this process's memory if none)."""
    settings = settings or Settings()
    guards = operation_guards(settings, rate_limits)
    schema = ReferralsSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(NODE_TYPES),
        extensions=[
            MaskUnexpectedErrors,
            ValidationErrorCodes,
            guards,  # what an operation may cost, in the order api.guards.extension states
            SocketOperations,
            *([OperationMetrics] if settings.metrics else []),
            *tracing_extensions(settings),
        ],
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map={datetime: DateTime, date: Date, Decimal: DecimalScalar},
            disable_field_suggestions=settings.is_production,
        ),
        execution_context_class=planned_executor() if settings.query_planner else None,
    )
    names_by_lookup(schema._schema)
    return schema


def schema_sdl() -> str:
    """The schema in SDL, as `schema.graphql` holds it."""
    return build_schema().as_str() + "\n"
