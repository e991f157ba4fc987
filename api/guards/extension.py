"""The one schema extension that applies every guard of an operation, in a fixed order.

Cheapest first, each before the work it protects, as Strawberry's hooks run them:
1. document size: a document over MAX_DOCUMENT_BYTES is never parsed (HTTP refused it already
   with 413, api.guards.document_size; this bounds WebSocket subscriptions);
2. tokens: the parser stops past MAX_TOKENS;
3. shape: validation refuses depth, aliases and directives over their limits, and
   introspection where it is off; each distinct document is parsed and validated once
   (api.guards.document_cache);
4. the node limit: an operation that may load more than MAX_QUERY_COST objects is refused
   before any SQL runs (api.guards.cost);
5. the rate limit: the organization is charged the operation's points, or the operation is
   refused with RateLimited (api.guards.budget), which the view answers 429; a store that
   cannot be reached refuses it with RateLimitUnavailable, which the view answers 503.
A refused query or mutation gets its refusal as its result; a refused subscription raises it,
so that no transport starts it (Strawberry's subscribe ignores a result set here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any

from graphql import (
    ASTValidationRule,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    parse,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from api.context import Context
from api.errors import ErrorCode, OperationError, errors_log
from api.guards.budget import (
    InMemoryRateLimitStore,
    RateLimited,
    RateLimitState,
    RateLimitStore,
    RateLimitUnavailable,
    points,
)
from api.guards.cost import Requested, actual_cost, requested
from api.guards.document_cache import DocumentCache, Entry
from api.guards.document_size import document_bytes
from api.guards.shape import shape_rule
from api.settings import Settings


class CostLimitExceeded(OperationError):
    """The operation may load more objects than the node limit allows; nothing ran."""

    def __init__(self, nodes: int, limit: int) -> None:
        super().__init__(
            f"The operation may load {nodes} objects; the limit is {limit}. Ask for "
            "smaller pages (`first`/`last`) or fewer nested connections.",
            ErrorCode.COST_LIMIT_EXCEEDED,
            cost=nodes,
            limit=limit,
        )


def validation_rules(settings: Settings) -> tuple[type[ASTValidationRule], ...]:
    """The shape limits, and no introspection where the settings turn it off."""
    rules: list[type[ASTValidationRule]] = [shape_rule(settings)]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return tuple(rules)


class OperationGuards(SchemaExtension):
    """Applies the guards of the module's docstring to one operation, and reports its cost in
    `extensions.cost`. The cache, the rules and the store are the schema's (one per app)."""

    def __init__(
        self,
        settings: Settings,
        *,
        documents: DocumentCache,
        rules: tuple[type[ASTValidationRule], ...],
        store: RateLimitStore,
    ) -> None:
        self.settings = settings
        self.documents = documents
        self.rules = rules
        self.store = store
        self.entry: Entry | None = None
        self.requested: Requested | None = None
        self.actual: int | None = None
        self.rate_limit: RateLimitState | None = None

    # 1-3: before parsing and validation -----------------------------------------------------

    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        # graphql-core refuses a text of more code points than this without reading it.
        options = execution.parse_options
        options["max_source_length"] = self.settings.max_document_bytes  # type: ignore[typeddict-unknown-key]
        options["max_tokens"] = self.settings.max_tokens
        execution.validation_rules = execution.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        query = execution.query
        if (
            query
            and execution.graphql_document is None
            and document_bytes(query, self.settings.max_document_bytes) is None
        ):
            self.entry = self.documents.get(query)
            if self.entry is None:
                try:
                    document = parse(query, **execution.parse_options)
                except GraphQLError:
                    # Left to Strawberry's own parse, which reports it as the operation's
                    # error (an exception raised here would escape a subscription).
                    yield
                    return
                self.entry = self.documents.put(query, document)
            execution.graphql_document = self.entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        entry = self.entry
        if entry is not None and execution.graphql_document is entry.document:
            if entry.errors is None:
                entry.errors = tuple(
                    validate_document(
                        execution.schema._schema, entry.document, execution.validation_rules
                    )
                )
            execution.pre_execution_errors = list(entry.errors)
        yield

    # 4-5: before execution ------------------------------------------------------------------

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
            if execution.operation_type is OperationType.SUBSCRIPTION:
                raise refusal  # the operation's error; the subscription never starts
            execution.result = ExecutionResult(data=None, errors=[refusal])
            yield
            return
        yield
        result = execution.result
        self.actual = actual_cost(result.data if isinstance(result, ExecutionResult) else None)

    async def _refusal(self, cost: Requested, context: Any) -> OperationError | None:
        """The node limit's refusal, else the rate limit's (charging the operation if not)."""
        if cost.nodes > self.settings.max_cost:
            return CostLimitExceeded(cost.nodes, self.settings.max_cost)
        if not isinstance(context, Context):
            return None
        now = context.viewer.now
        try:
            state = await self.store.charge(
                context.viewer.organization_id, points(cost.requests), now=now
            )
        except RateLimitUnavailable as refusal:
            # Not let through uncounted: an outage of the store is the API's outage.
            cause = refusal.__cause__
            errors_log.warning(
                "rate limit store unavailable (request %s): %s: %s",
                context.request_id,
                type(cause).__name__,
                str(cause).partition("\n")[0],
            )
            return refusal
        # Published for the `rateLimit` field and the X-RateLimit-* headers.
        self.rate_limit = context.rate_limit = state
        context.node_count = cost.nodes
        return None if state.allowed else RateLimited(state, now)

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


def operation_guards(
    settings: Settings, store: RateLimitStore | None = None
) -> Callable[[], OperationGuards]:
    """The schema's guards: one extension per operation, sharing the schema's document cache
    (validation results depend on its rules) and the app's rate-limit store (api.app picks
    it; this process's memory when none is given, as for exporting the schema)."""
    documents = DocumentCache()
    rules = validation_rules(settings)
    store = store or InMemoryRateLimitStore(
        settings.rate_limit_points, timedelta(seconds=settings.rate_limit_window_seconds)
    )
    return lambda: OperationGuards(settings, documents=documents, rules=rules, store=store)
