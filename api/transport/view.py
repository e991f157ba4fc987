"""The GraphQL HTTP endpoint: Strawberry's ASGI view, with GraphQL-over-HTTP rules and auth.

A request passes the cheap HTTP checks first (method and Accept: negotiation; Content-Type,
body size and shape: operations, body, body_size), then authentication, then each operation
runs under the deadline. The GraphiQL page's token, if any, is given (the CLI's development
server gives the first demo organization's).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from api.auth.tokens import Authenticator, Principal
from api.context import Clock, Context
from api.errors import AuthenticationError, is_outage, log_outage
from api.graph.subscriptions import SocketContext, TextWebSocketAdapter
from api.guards import document_size
from api.guards import responses as guards
from api.guards.budget import RateLimitStore
from api.observability.requests import request_id_from
from api.schema import build_schema
from api.settings import Settings
from api.transport import persisted
from api.transport.graphiql import TokenProvider, graphiql_html
from api.transport.negotiation import (
    JSON,
    accepts_html,
    check_method,
    negotiate,
    preferred_media_type,
)
from api.transport.operations import read_operations
from api.transport.refusals import (
    UNAVAILABLE_RETRY_SECONDS,
    HTTPError,
    graphql_response,
    retry_after,
    service_unavailable,
    unauthenticated,
)
from api.transport.results import (
    deadline_exceeded,
    is_unavailable,
    request_error,
    shaped,
    status_code,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, authenticating every operation before it runs."""

    websocket_adapter_class = TextWebSocketAdapter

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        *,
        graphiql_token: TokenProvider | None = None,
        rate_limits: RateLimitStore | None = None,
    ) -> None:
        super().__init__(
            build_schema(settings, rate_limits=rate_limits),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
            # Subscriptions (api.graph.subscriptions): graphql-transport-ws only; cross-origin pages
            # only from WEBSOCKET_ORIGINS (clients without Origin, and same-origin, always).
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.websocket_origins,
            connection_init_wait_timeout=timedelta(seconds=10),
        )
        self.settings = settings
        self.clock = clock
        self.graphiql_token = graphiql_token
        self.authenticator = Authenticator(settings)  # refuses unfit token settings at start-up
        self.persisted = persisted.PersistedOperations(settings, self.schema)

    def encode_json(self, data: object) -> bytes:
        # orjson: several times faster than json.dumps on a 100-referral page, same output.
        return orjson.dumps(data)

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        if isinstance(request, WebSocket):  # subscriptions: Strawberry's protocol handler
            return await super().run(request, context, root_value)
        # Refusals use the negotiated media type when there is one (406 falls back to JSON).
        media_type = preferred_media_type(request.headers.get("accept")) or JSON
        try:
            return await self._answer(request)
        except HTTPError as error:
            return error.response(media_type)
        except HTTPException as error:  # Strawberry's own refusals, e.g. an unknown operation
            return HTTPError(error.status_code, error.reason).response(media_type)
        except Exception as error:  # the database, met outside execution (persisted queries)
            if not is_outage(error):
                raise
            log_outage(error, getattr(request.state, "request_id", "-"))
            return service_unavailable().response(media_type)

    async def get_context(  # type: ignore[override]  # WebSocket only: HTTP builds its own
        self, request: WebSocket, response: WebSocket
    ) -> SocketContext:
        """A WebSocket connection's context; it sees nothing until `on_ws_connect`."""
        return SocketContext.unauthenticated(
            self.settings,
            request.app.state.database,
            request.app.state.events,
            response,
            clock=self.clock,
            authenticator=self.authenticator,
            request_id=request_id_from(request.scope),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """`connection_init`: authenticate its payload's bearer token, else close 4403."""
        if not isinstance(context, SocketContext) or not await context.authenticate():
            raise ConnectionRejectionError
        return await super().on_ws_connect(context)  # a connection_ack without payload

    async def _answer(self, request: Request) -> Response:
        adapter = self.request_adapter_class(request)
        check_method(adapter.method)
        if self.should_render_graphql_ide(adapter):
            if not self.graphql_ide:
                raise HTTPError(404, "GraphiQL is disabled; send operations to this URL.")
            return await self.render_graphql_ide(request)
        media_type = negotiate(request.headers.get("accept"))
        operations = await read_operations(adapter, self.settings)
        document_size.check_requests(operations, self.settings.max_document_bytes)
        now = self.clock()  # one instant per request: auth and every expiry check agree
        principal = await self._authenticate(request, now)

        log: dict[str, object] = getattr(request.state, "log", {})
        log["organization"] = str(principal.organization_id)
        request_id: str = getattr(request.state, "request_id", "-")

        def context() -> Context:  # one per operation: a batch's members share no loaders
            return Context.build(
                settings=self.settings,
                database=request.app.state.database,
                principal=principal,
                now=now,
                request_id=request_id,
            )

        if isinstance(operations, list):
            return await self._batch(request, adapter, operations, context, media_type)
        operation_context = context()
        result = await self._execute(request, adapter, operations, operation_context)
        log.update(
            operation=operations.operation_name,
            cost=(result.extensions or {}).get("cost", {}).get("requested"),
            outcome="errors" if result.errors else "ok",
        )
        status, headers = guards.operation_response(
            result, operation_context.rate_limit, status_code(result, media_type)
        )
        if is_unavailable(result):  # the database is down: 503
            headers |= retry_after(UNAVAILABLE_RETRY_SECONDS)
        body = shaped(await self.process_result(request, result), status, media_type)
        return graphql_response(self.encode_json(body), status, media_type, headers)

    async def _batch(
        self,
        request: Request,
        adapter: AsyncHTTPRequestAdapter,
        operations: list[GraphQLRequestData],
        context: Callable[[], Context],
        media_type: str,
    ) -> Response:
        """A batch answers 200 with one result per operation, each shaped as if alone; the
        longest Retry-After of its members refused by the rate limit or the database's
        outage, if any."""
        contexts = [context() for _ in operations]
        results = await asyncio.gather(
            *(
                self._execute_member(request, adapter, data, member)
                for data, member in zip(operations, contexts, strict=True)
            )
        )
        bodies = [
            shaped(
                await self.process_result(request, result),
                status_code(result, media_type),
                media_type,
            )
            for result in results
        ]
        waits = guards.rate_limit_waits(results)
        if any(is_unavailable(result) for result in results):
            waits.append(UNAVAILABLE_RETRY_SECONDS)
        headers = retry_after(max(waits)) if waits else {}
        return graphql_response(self.encode_json(bodies), 200, media_type, headers)

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A browser opening the URL: GET, no `query`, and HTML named in Accept."""
        return (
            request.method == "GET"
            and request.query_params.get("query") is None
            and accepts_html(request.headers.get("accept"))
        )

    async def _authenticate(self, request: Request, now: datetime) -> Principal:
        try:
            return await self.authenticator.authenticate(request.headers.get("authorization"), now)
        except AuthenticationError as error:
            raise unauthenticated(error) from None

    async def _execute(
        self,
        request: Request,
        adapter: AsyncHTTPRequestAdapter,
        data: GraphQLRequestData,
        context: Context,
    ) -> ExecutionResult:
        """One operation through Strawberry, bounded by the resolver deadline; cancelling it
        cancels its pending loads and queries."""
        seconds = self.settings.resolver_deadline_seconds
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                data = await self.persisted.resolve(data, context)  # a hash becomes its document
                return await self.execute_single(
                    request=request,
                    request_adapter=adapter,
                    sub_response=await self.get_sub_response(request),
                    context=context,
                    root_value=None,
                    request_data=data,
                )
        except TimeoutError:
            if not deadline.expired():
                raise
            # Loads are shielded from a single field's cancellation; the whole operation's end
            # must still stop them, and the queries behind them.
            context.loaders.abandon()
            return deadline_exceeded(seconds)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError) and adapter.method == "GET":
                raise HTTPError(
                    405, f"{error.reason}; send them with POST.", headers={"Allow": "POST"}
                ) from None
            raise
        finally:
            # A finished operation's rows go now, not at the next GC; its connection goes back.
            await context.loaders.finish()

    async def _execute_member(
        self,
        request: Request,
        adapter: AsyncHTTPRequestAdapter,
        data: GraphQLRequestData,
        context: Context,
    ) -> ExecutionResult:
        """One operation of a batch: a refusal becomes its own result, not the batch's."""
        try:
            return await self._execute(request, adapter, data, context)
        except HTTPError as error:
            return request_error(error.message)
        except HTTPException as error:
            return request_error(error.reason)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        token = self.graphiql_token(self.clock()) if self.graphiql_token else None
        return HTMLResponse(graphiql_html(bearer_token=token))
