"""The `referrals` command: its groups (serve, db, demo, token, schema, persisted, events)
assembled."""

from __future__ import annotations

import typer

from api.cli import demo, events, persisted, schema
from api.cli.serve import serve
from api.cli.tokens import token
from api.settings import Settings
from db import migrate

app = typer.Typer(help="The partner referrals GraphQL API.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.command()(serve)
app.command()(token)
app.add_typer(db_app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(schema.app, name="schema")
app.add_typer(persisted.app, name="persisted")
app.add_typer(events.app, name="events")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations to DATABASE_URL."""
    migrate.upgrade(Settings.from_env().database_url)
