"""Running `referrals export` and `referrals import` against a database, and reading the result."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from api.cli.commands import app as cli
from db.demo import DEMO_ORGANIZATIONS, DemoSize, load_demo
from db.engine import create_engine
from db.tables import activity, app_user, organization, referral
from tests.conftest import START

OWNER = DEMO_ORGANIZATIONS[0]


def run(database_url: str, *args: str) -> Result:
    """The command with DATABASE_URL set (call it in a thread: it runs its own event loop)."""
    return CliRunner().invoke(cli, list(args), env={"DATABASE_URL": database_url})


async def export(database_url: str, organization_id: uuid.UUID, path: Path) -> list[Any]:
    """`referrals export` of the organization into `path`: its records, in order."""
    result = await asyncio.to_thread(
        run, database_url, "export", "--organization", str(organization_id), "--output", str(path)
    )
    assert result.exit_code == 0, result.output
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


async def import_file(
    database_url: str, path: Path, organization_id: uuid.UUID, *extra: str
) -> Result:
    return await asyncio.to_thread(
        run, database_url, "import", str(path), "--organization", str(organization_id), *extra
    )


def write_lines(path: Path, *records: Any) -> Path:
    """A JSON Lines file: dicts as JSON, strings as they are."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


async def fresh_database(tmp_path: Path, template: Path) -> str:
    """A SQLite copy of the migrated template: another database than the test's own."""
    path = tmp_path / "source.db"
    await asyncio.to_thread(shutil.copy, template, path)
    return f"sqlite+aiosqlite:///{path}"


async def demo_database(tmp_path: Path, template: Path, *, referrals: int = 40) -> str:
    """A SQLite copy of the migrated template with the demo data loaded."""
    url = await fresh_database(tmp_path, template)
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await load_demo(conn, now=START, size=DemoSize(referrals=referrals))
    finally:
        await engine.dispose()
    return url


async def add_demo_organization(database_url: str, index: int = 0) -> None:
    """One demo organization and its demo user, into an otherwise empty database."""
    demo = DEMO_ORGANIZATIONS[index]
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(organization.insert().values(id=demo.id, name=demo.name))
            await conn.execute(
                app_user.insert().values(
                    id=demo.demo_user_id,
                    organization_id=demo.id,
                    display_name=demo.demo_user_name,
                    email=demo.demo_user_email,
                )
            )
    finally:
        await engine.dispose()


async def row_counts(database_url: str) -> tuple[int, int]:
    """How many referrals and activities the database holds."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            referrals = await conn.scalar(select(func.count()).select_from(referral))
            activities = await conn.scalar(select(func.count()).select_from(activity))
    finally:
        await engine.dispose()
    return referrals or 0, activities or 0
