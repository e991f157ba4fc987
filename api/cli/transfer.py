"""`referrals export` and `referrals import`: referrals as Partner Center's JSON Lines."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TextIO, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from api.settings import Settings
from api.transport.view import utc_now
from db.access import Viewer
from db.engine import Database, create_engine
from db.organizations import organizations_by_id
from db.partner_center import (
    FormatRefusal,
    dumps,
    from_partner_center,
    loads,
    partner_center_path,
    to_partner_center,
)
from db.referral_export import count_visible, visible_referrals
from db.refusals import InvalidInput, Refused
from db.tables import app_user
from db.writes.imports import import_referral

T = TypeVar("T")

# Reads never look at the user: an export acts for the organization alone.
_NO_USER = uuid.UUID(int=0)

OrganizationOption = Annotated[
    uuid.UUID, typer.Option("--organization", help="The organization's ID.", show_default=False)
]


def _progress(*, in_bytes: bool = False) -> Progress:
    """A progress bar on stderr, shown only on a terminal: a redirected run prints no bar.
    While it shows, what the command prints goes above it."""
    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn() if in_bytes else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def _with_database(work: Callable[[Database], Awaitable[T]]) -> T:
    """Run `work` on the configured database, in one event loop that also closes it."""

    async def run() -> T:
        database = Database(create_engine(Settings.from_env().database_url))
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


async def _require_organization(database: Database, organization: uuid.UUID) -> None:
    viewer = Viewer(organization, _NO_USER, utc_now())
    async with database.engine.connect() as conn:
        (found,) = await organizations_by_id(conn, viewer, [organization])
    if found is None:
        raise typer.BadParameter(f"no organization {organization}", param_hint="--organization")


def export(
    organization: OrganizationOption,
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for standard output.")
    ] = "-",
) -> None:
    """Write the referrals an organization sees as Partner Center Referral JSON Lines."""

    async def write(database: Database, sink: TextIO) -> int:
        await _require_organization(database, organization)
        viewer = Viewer(organization, _NO_USER, utc_now())
        total = await count_visible(database.engine, viewer)
        written = 0
        with _progress() as progress:
            task = progress.add_task("Exporting", total=total)
            async for page in visible_referrals(database.engine, viewer):
                for parts in page:
                    sink.write(dumps(to_partner_center(parts, organization)) + "\n")
                written += len(page)
                progress.update(task, completed=written)
        return written

    if output == "-":
        written = _with_database(lambda database: write(database, sys.stdout))
    else:
        with open(output, "w", encoding="utf-8", newline="\n") as sink:
            written = _with_database(lambda database: write(database, sink))
    typer.echo(f"Exported {written} referrals.", err=True)


def import_(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="JSON Lines file.")
    ],
    organization: OrganizationOption,
    as_user: Annotated[
        uuid.UUID | None,
        typer.Option(
            "--as-user",
            help="The organization's user who works the imported referrals (default: none).",
        ),
    ] = None,
) -> None:
    """Create referrals from Partner Center Referral JSON Lines, as createReferral would."""
    report = _with_database(lambda database: _import(database, file, organization, as_user))
    for title, fields in (
        ("Ignored read-only fields (an import assigns its own)", report.read_only),
        ("Ignored fields this API does not store", report.not_stored),
    ):
        if fields:
            listed = ", ".join(f"{name} ({count})" for name, count in sorted(fields.items()))
            typer.echo(f"{title}: {listed}.")
    typer.echo(
        f"{report.created} created, {report.present} already present, {report.refused} refused."
    )
    if report.refused:
        raise typer.Exit(1)


class _Report:
    """What an import did, told line by line as it goes (nothing kept per line) and counted."""

    def __init__(self) -> None:
        self.created = self.present = self.refused = 0
        self.read_only: Counter[str] = Counter()
        self.not_stored: Counter[str] = Counter()

    def refuse(self, number: int, reason: str) -> None:
        self.refused += 1
        typer.echo(f"line {number}: refused: {reason}")


async def _import(
    database: Database, file: Path, organization: uuid.UUID, as_user: uuid.UUID | None
) -> _Report:
    await _require_organization(database, organization)
    if as_user is not None:
        await _require_user(database, organization, as_user)
    report = _Report()
    size = await asyncio.to_thread(lambda: file.stat().st_size)
    # Counted in bytes read: the number of records is not known before reading them all.
    with _progress(in_bytes=True) as progress, file.open(encoding="utf-8") as lines:
        task = progress.add_task("Importing", total=size)
        for number, line in enumerate(lines, start=1):
            progress.advance(task, len(line.encode()))
            if line.strip():
                await _import_line(database, organization, as_user, number, line, report)
    return report


async def _import_line(
    database: Database,
    organization: uuid.UUID,
    as_user: uuid.UUID | None,
    number: int,
    line: str,
    report: _Report,
) -> None:
    try:
        data = loads(line)
    except json.JSONDecodeError as error:
        report.refuse(number, f"not a JSON object: {error}")
        return
    try:
        record = from_partner_center(data)
    except FormatRefusal as error:
        report.refuse(number, "; ".join(f"{where} {message}" for where, message in error.errors))
        return
    viewer = Viewer(organization, as_user or _NO_USER, utc_now())
    try:
        imported = await import_referral(
            database,
            viewer,
            record.draft,
            status=record.status,
            reason=record.status_reason,
            source_id=record.source_id,
        )
    except InvalidInput as error:
        reasons = (f"{partner_center_path(e.field)} {e.message}" for e in error.errors)
        report.refuse(number, "; ".join(reasons))
        return
    except Refused as error:
        where = f"{partner_center_path(error.field)}: " if error.field else ""
        report.refuse(number, where + error.message)
        return
    report.read_only.update(record.read_only)
    report.not_stored.update(record.not_stored)
    if imported.created:
        report.created += 1
    else:
        report.present += 1
        typer.echo(f"line {number}: already present as referral {imported.referral_id}")


async def _require_user(database: Database, organization: uuid.UUID, user: uuid.UUID) -> None:
    async with database.engine.connect() as conn:
        found = await conn.scalar(
            app_user.select()
            .with_only_columns(app_user.c.id)
            .where(app_user.c.id == user, app_user.c.organization_id == organization)
        )
    if found is None:
        raise typer.BadParameter(
            f"{user} is not a user of organization {organization}", param_hint="--as-user"
        )
