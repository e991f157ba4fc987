"""`referrals persisted load`: operation files onto the safelist of PERSISTED_QUERIES_ONLY."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from api.cli.documents import operation_documents
from api.schema import build_schema
from api.settings import Settings
from api.transport.view import utc_now
from db.engine import Database, create_engine
from db.persisted import safelist

app = typer.Typer(
    help="Persisted operations: the safelist of PERSISTED_QUERIES_ONLY.", no_args_is_help=True
)


@app.command("load")
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
