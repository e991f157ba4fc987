"""The schema extension that prices each operation, refuses it if too costly, and reports.

Two limits, as GitHub's GraphQL API has: the node limit (MAX_QUERY_COST objects an operation
may load, refused before any SQL) and the organization's rate limit in points (api.guards.budget).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from api.context import Context
from api.guards.budget import RateLimitState, RateLimitStore, points
from api.guards.cost import Requested, actual_cost, requested
from api.settings import Settings


class QueryCost(SchemaExtension):
    def __init__(self, settings: Settings, store: RateLimitStore) -> None:
        self.settings = settings
        self.store = store
        self.requested: Requested | None = None
        self.actual: int | None = None
        self.rate_limit: RateLimitState | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        document = execution.graphql_document
        operation = _operation(document.definitions if document else (), execution.operation_name)
        if operation is None:  # refused by validation already
            yield
            return
        fragments = (
            {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
            if document
            else {}
        )
        self.requested = requested(
            execution.schema._schema,
            operation,
            fragments,
            execution.variables or {},
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
        )
        refusal = await self._refusal(self.requested, execution.context)
        if refusal is not None:
            execution.result = ExecutionResult(data=None, errors=[refusal])
            yield
            return
        yield
        result = execution.result
        self.actual = actual_cost(result.data if isinstance(result, ExecutionResult) else None)

    async def _refusal(self, cost: Requested, context: Any) -> GraphQLError | None:
        limit = self.settings.max_cost
        if cost.nodes > limit:
            return GraphQLError(
                f"The operation may load {cost.nodes} objects; the limit is {limit}. Ask for "
                "smaller pages (`first`/`last`) or fewer nested connections.",
                extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost.nodes, "limit": limit},
            )
        if not isinstance(context, Context):
            return None
        now = context.viewer.now
        state = await self.store.charge(
            context.viewer.organization_id, points(cost.requests), now=now
        )
        self.rate_limit = context.rate_limit = state
        context.node_count = cost.nodes
        if state.allowed:
            return None
        wait = state.retry_after(now)
        context.retry_after = wait
        return GraphQLError(
            f"Your organization's rate limit is spent: this operation costs {state.cost} "
            f"points and {state.remaining} of {state.limit} are left until "
            f"{state.reset_at.isoformat()}; retry in {wait:.0f} s.",
            extensions={"code": "RATE_LIMITED", "retryAfter": round(wait)},
        )

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        cost: dict[str, Any] = {"requested": self.requested.nodes, "actual": self.actual or 0}
        if self.rate_limit is not None:
            state = self.rate_limit
            cost["points"] = state.cost
            cost["rateLimit"] = {
                "limit": state.limit,
                "remaining": state.remaining,
                "used": state.used,
                "resetAt": state.reset_at.isoformat(),
            }
        return {"cost": cost}


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)
