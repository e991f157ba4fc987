"""The schema extension that prices each operation, refuses it if too costly, and reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, FragmentDefinitionNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from api.budget import CostBudget
from api.context import Context
from api.cost import actual_cost, requested_cost
from api.settings import Settings


class QueryCost(SchemaExtension):
    def __init__(self, settings: Settings, budget: CostBudget) -> None:
        self.settings = settings
        self.budget = budget
        self.requested: int | None = None
        self.actual: int | None = None
        self.remaining: int | None = None

    def on_execute(self) -> Iterator[None]:
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
        schema = execution.schema._schema
        self.requested = requested_cost(
            schema,
            operation,
            fragments,
            execution.variables or {},
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
        )
        refusal = self._refusal(self.requested, execution.context)
        if refusal is not None:
            execution.result = ExecutionResult(data=None, errors=[refusal])
            yield
            return
        yield
        result = execution.result
        self.actual = actual_cost(result.data if isinstance(result, ExecutionResult) else None)

    def _refusal(self, cost: int, context: Any) -> GraphQLError | None:
        limit = self.settings.max_cost
        if cost > limit:
            return GraphQLError(
                f"The operation may load {cost} objects; the limit is {limit}. Ask for "
                "smaller pages (`first`/`last`) or fewer nested connections.",
                extensions={"code": "COST_LIMIT_EXCEEDED", "cost": cost, "limit": limit},
            )
        if not isinstance(context, Context):
            return None
        organization = context.viewer.organization_id
        wait = self.budget.spend(organization, cost, now=context.viewer.now)
        self.remaining = self.budget.remaining(organization)
        if wait is None:
            return None
        context.retry_after = wait
        return GraphQLError(
            f"Your organization's query budget is spent; retry in {wait:g} s.",
            extensions={"code": "RATE_LIMITED", "retryAfter": wait},
        )

    def get_results(self) -> dict[str, Any]:
        if self.requested is None:
            return {}
        cost: dict[str, Any] = {"requested": self.requested, "actual": self.actual or 0}
        if self.remaining is not None:
            cost["budgetRemaining"] = self.remaining
        return {"cost": cost}


def _operation(definitions: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)
