"""OpenTelemetry tracing of GraphQL operations through Strawberry's extension (TRACING=true).

Spans (one per operation, with its parse, validation and resolver spans) go to the global
tracer provider. Exporting them is the deployment's choice, the OpenTelemetry way: install the
SDK and an exporter and configure them (e.g. run under `opentelemetry-instrument` with OTEL_*
variables); with no provider configured the spans are dropped at no cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import OpenTelemetryExtension

from api.settings import Settings


def _no_arguments(_arguments: dict[str, Any], _info: Any) -> dict[str, Any]:
    """Resolver arguments stay out of spans: inputs carry customers' contact details."""
    return {}


def tracing_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    if not settings.tracing:
        return []
    return [lambda: OpenTelemetryExtension(arg_filter=_no_arguments)]
