"""OperationMetrics: the schema extension counting and timing each GraphQL operation."""

from __future__ import annotations

import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.observability.metrics import ERRORS, LATENCY, OPERATIONS, error_code, operation_label


class OperationMetrics(SchemaExtension):
    """Counts each GraphQL operation and its errors, and times queries and mutations (a
    subscription's operation lasts as long as the subscription: counted, not timed)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        execution = self.execution_context
        try:
            kind = execution.operation_type
        except RuntimeError:  # no operation: the document did not parse
            kind = None
        name = operation_label(execution.operation_name)
        type_label = kind.value if kind is not None else "unknown"
        result = execution.result
        errors = list(result.errors or []) if result is not None else []
        OPERATIONS.labels(name, type_label, "errors" if errors else "ok").inc()
        if kind is not OperationType.SUBSCRIPTION:
            LATENCY.labels(name, type_label).observe(time.perf_counter() - started)
        for error in errors:
            ERRORS.labels(error_code(error)).inc()
