"""The GraphQL HTTP endpoint: Strawberry's ASGI view, authenticating each operation first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.asgi import GraphQL
from strawberry.types.unset import UNSET

from api.auth import AuthenticationError, authenticate, mint_token
from api.context import Clock, Context
from api.graphiql import graphiql_html
from api.schema import build_schema
from api.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, authenticating every operation before it runs."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        super().__init__(
            build_schema(),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
        )
        self.settings = settings
        self.clock = clock

    async def run(  # type: ignore[override]  # HTTP only: no WebSocket route is mounted
        self, request: Request, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response:
        if self.should_render_graphql_ide(self.request_adapter_class(request)):
            return await self.render_graphql_ide(request)
        now = self.clock()  # one instant per request: auth and every expiry check agree
        try:
            principal = authenticate(request.headers.get("authorization"), self.settings, now)
        except AuthenticationError as error:
            return JSONResponse(
                {"errors": [{"message": str(error), "extensions": {"code": "UNAUTHENTICATED"}}]},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="referrals"'},
            )
        context = Context.build(
            settings=self.settings,
            database=request.app.state.database,
            principal=principal,
            now=now,
        )
        return await super().run(request, context=context)

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        token = None
        if not self.settings.is_production:
            from db.demo import DEMO_ORGANIZATIONS  # development only: the demo data's ids

            demo = DEMO_ORGANIZATIONS[0]
            token = mint_token(
                self.settings,
                organization_id=demo.id,
                user_id=demo.demo_user_id,
                now=self.clock(),
            )
        return HTMLResponse(graphiql_html(bearer_token=token))
