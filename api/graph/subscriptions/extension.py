"""SocketOperations: subscriptions over WebSocket only, each operation with a context of its own."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from api.errors import ErrorCode, OperationError
from api.graph.subscriptions.context import SocketContext, SubscriptionContext

OVER_SOCKET = "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql."


class SocketOperations(SchemaExtension):
    """Subscriptions run over WebSocket only, and over WebSocket only subscriptions (queries
    and mutations go over HTTP, with its deadline and limits). (A subscription the guards
    refused does not start either: api.guards.extension raises its refusal.)"""

    def on_operation(self) -> Iterator[None]:
        # Strawberry hands every operation of a connection the one context `get_context` made
        # for it. Each gets its own before anything reads it (the guards' budget, resolvers):
        # concurrent subscriptions on one socket share no viewer and no loaders.
        execution = self.execution_context
        context = execution.context
        if isinstance(context, SocketContext) and context.principal is not None:
            execution.context = context.for_operation()
        yield

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        over_socket = isinstance(execution.context, SubscriptionContext | SocketContext)
        refusal = _transport_refusal(execution, over_socket)
        if refusal is not None and not over_socket:
            execution.result = ExecutionResult(data=None, errors=[refusal])
        elif refusal is not None:
            raise refusal  # the operation's `error` message
        yield


def _transport_refusal(execution: ExecutionContext, over_socket: bool) -> GraphQLError | None:
    subscription = execution.operation_type is OperationType.SUBSCRIPTION
    if not over_socket:
        return None if not subscription else coded_error(OVER_SOCKET, ErrorCode.BAD_REQUEST)
    if not subscription:
        return coded_error(
            "Only subscriptions are served over WebSocket; send queries and mutations over HTTP.",
            ErrorCode.BAD_REQUEST,
        )
    if execution.context.settings.persisted_queries_only:
        return coded_error(
            "Only persisted operations run here, and subscriptions cannot be persisted yet.",
            ErrorCode.PERSISTED_QUERY_REQUIRED,
        )
    return None


def coded_error(message: str, code: ErrorCode) -> GraphQLError:
    return OperationError(message, code)
