"""`referrals serve`: uvicorn's workers, each building the app with `served_app`."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from starlette.applications import Starlette

from api.app import create_app
from api.cli.tokens import graphiql_demo_token
from api.observability.exposition import shared_directory
from api.settings import Settings


def served_app() -> Starlette:
    """The app from the environment's settings; in development GraphiQL opens with the first
    demo organization's token."""
    settings = Settings.from_env()
    return create_app(settings, graphiql_token=graphiql_demo_token(settings))


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (GraphiQL at /graphql): N worker processes, each built by the
    factory api.cli.serve:served_app. Several share metrics through PROMETHEUS_MULTIPROC_DIR (a
    fresh directory under var/ unless it is set)."""
    with shared_directory(workers):
        uvicorn.run(
            "api.cli.serve:served_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Named, not left to `auto`: a missing one fails the start rather than silently
            # costing more CPU per request (2-4% sequentially, 10% under 16 clients: issue 14,
            # measured with bench.server_cpu).
            loop="uvloop",
            http="httptools",
        )
