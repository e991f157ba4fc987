"""RequestMetrics: ASGI middleware counting HTTP requests, and observing each operation's cost."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability.metrics import COST, MAX_COST, REQUESTS, operation_label, route_label


class RequestMetrics:
    """Counts HTTP requests; sits inside `api.observability.requests.RequestLog`, whose log fields
    (`request.state.log`) give the operation and its cost once the response is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = route_label(scope.get("path", ""))
            REQUESTS.labels(route, scope.get("method", ""), str(status)).inc()
            fields: dict[str, Any] = scope.get("state", {}).get("log", {})
            cost = fields.get("cost")
            if isinstance(cost, int) and route == "/graphql":  # capped: costs can be huge
                COST.labels(operation_label(fields.get("operation"))).observe(min(cost, MAX_COST))
