"""The `referrals` command: serve, migrate, load demo data, mint tokens, export the schema,
load persisted operations."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from api.auth.tokens import mint_token
from api.cli.documents import validate_documents
from api.cli.schema_check import committed_schema, compare
from api.observability import metrics
from api.schema import build_schema, schema_sdl
from api.settings import Settings
from api.transport.persisted import operation_documents
from api.transport.view import utc_now
from db import demo, migrate
from db.engine import Database, create_engine
from db.persisted import safelist

app = typer.Typer(help="The partner referrals GraphQL API.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
schema_app = typer.Typer(help="The GraphQL schema file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(schema_app, name="schema")
persisted_app = typer.Typer(
    help="Persisted operations: the safelist of PERSISTED_QUERIES_ONLY.", no_args_is_help=True
)
app.add_typer(persisted_app, name="persisted")

SCHEMA_FILE = Path("schema.graphql")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn (GraphiQL at /graphql): N worker processes, each built by the
    factory api.app:create_app. Several share metrics through PROMETHEUS_MULTIPROC_DIR (a fresh
    directory under var/ unless it is set)."""
    with metrics.shared_directory(workers):
        uvicorn.run("api.app:create_app", factory=True, host=host, port=port, workers=workers)


@app.command()
def token(
    org: Annotated[uuid.UUID, typer.Option(help="Organization ID (the `org` claim).")],
    user: Annotated[uuid.UUID, typer.Option(help="User ID (the `sub` claim).")],
    hours: Annotated[int, typer.Option(min=1, max=24 * 30, help="Lifetime in hours.")] = 12,
) -> None:
    """Mint a development bearer token, signed with the configured HS256 secret."""
    settings = Settings.from_env()
    typer.echo(
        mint_token(
            settings,
            organization_id=org,
            user_id=user,
            now=utc_now(),
            lifetime=timedelta(hours=hours),
        )
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    migrate.upgrade(Settings.from_env().database_url)


@demo_app.command("load")
def demo_load(
    referrals: Annotated[int, typer.Option(min=1, help="How many referrals.")] = 300,
    if_empty: Annotated[bool, typer.Option(help="Only when the database has no referral.")] = False,
) -> None:
    """Load demo organizations, users and referrals."""

    async def load() -> int:
        engine = create_engine(Settings.from_env().database_url)
        try:
            async with engine.begin() as conn:
                if if_empty and await demo.has_data(conn):
                    return 0
                return await demo.load_demo(
                    conn, now=utc_now(), size=demo.DemoSize(referrals=referrals)
                )
        finally:
            await engine.dispose()

    loaded = asyncio.run(load())
    typer.echo(f"Loaded {loaded} demo referrals." if loaded else "Demo data already loaded.")


@demo_app.command("tokens")
def demo_tokens() -> None:
    """Print bearer tokens for the two demo organizations."""
    settings = Settings.from_env()
    for organization in demo.DEMO_ORGANIZATIONS[:2]:
        bearer = mint_token(
            settings,
            organization_id=organization.id,
            user_id=organization.demo_user_id,
            now=utc_now(),
        )
        typer.echo(f"{organization.name} ({organization.demo_user_name}):")
        typer.echo(f"  Authorization: Bearer {bearer}\n")


@schema_app.command("check")
def schema_check(
    against: Annotated[
        str, typer.Option(help="Git ref (its schema.graphql) or SDL file to compare with.")
    ] = "HEAD",
    allow_breaking: Annotated[
        bool, typer.Option(help="Report breaking changes without failing.")
    ] = False,
) -> None:
    """Compare the code's schema with a committed one; fail on breaking changes."""
    try:
        old = committed_schema(against, SCHEMA_FILE)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    report = compare(old, schema_sdl())
    for label, changes in (
        ("breaking", report.breaking),
        ("dangerous", report.dangerous),
        ("safe", report.safe),
    ):
        for change in changes:
            typer.echo(f"{label}: {change}")
    typer.echo(
        f"{len(report.breaking)} breaking, {len(report.dangerous)} dangerous, "
        f"{len(report.safe)} safe changes against {against}."
    )
    if report.breaking and not allow_breaking:
        raise typer.Exit(1)


@schema_app.command("validate")
def schema_validate(
    documents: Annotated[list[Path], typer.Argument(help="GraphQL operation files.")],
) -> None:
    """Validate frontend operation documents against the code's schema."""
    problems = validate_documents(build_schema(Settings.from_env()), documents)
    for problem in problems:
        typer.echo(problem)
    typer.echo(f"{len(documents)} documents, {len(problems)} problems.")
    if problems:
        raise typer.Exit(1)


@schema_app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the schema, as the code defines it, in SDL."""
    output.write_text(schema_sdl())
    typer.echo(f"Wrote {output}.")


@persisted_app.command("load")
def persisted_load(
    documents: Annotated[list[Path], typer.Argument(help="GraphQL operation files.")],
) -> None:
    """Put the operations of GraphQL files on the safelist of persisted operations.

    One document per operation, holding the fragments it uses (from any of the files), stored
    under the sha256 of its printed text; nothing is stored unless every operation validates.
    """
    settings = Settings.from_env()
    operations, problems = operation_documents(build_schema(settings)._schema, documents)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} problems: nothing was loaded.", err=True)
        raise typer.Exit(1)

    async def load() -> list[str]:
        database = Database(create_engine(settings.database_url))
        try:
            return await safelist(database, [o.text for o in operations], now=utc_now())
        finally:
            await database.dispose()

    added = set(asyncio.run(load()))
    for operation in operations:
        state = "added" if operation.sha256 in added else "already safelisted"
        typer.echo(f"{operation.sha256}  {operation.name} ({operation.path}): {state}")
    typer.echo(f"{len(operations)} operations on the safelist, {len(added)} added.")
