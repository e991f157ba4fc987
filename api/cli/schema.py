"""`referrals schema`: check against a committed schema, validate documents, export the SDL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.documents import validate_documents
from api.cli.schema_check import committed_schema, compare
from api.schema import build_schema, schema_sdl
from api.settings import Settings

SCHEMA_FILE = Path("schema.graphql")

app = typer.Typer(help="The GraphQL schema file.", no_args_is_help=True)


@app.command("check")
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


@app.command("validate")
def schema_validate(
    documents: Annotated[list[Path], typer.Argument(help="GraphQL operation files.")],
) -> None:
    """Validate frontend operation documents against the code's schema."""
    problems = validate_documents(build_schema(Settings.from_env())._schema, documents)
    for problem in problems:
        typer.echo(problem)
    typer.echo(f"{len(documents)} documents, {len(problems)} problems.")
    if problems:
        raise typer.Exit(1)


@app.command("export")
def schema_export(
    output: Annotated[Path, typer.Option(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the schema, as the code defines it, in SDL."""
    output.write_text(schema_sdl())
    typer.echo(f"Wrote {output}.")
