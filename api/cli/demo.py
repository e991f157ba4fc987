"""`referrals demo`: load the demo data, print its organizations' tokens."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from api.cli.tokens import demo_token
from api.settings import Settings
from api.transport.view import utc_now
from db import demo
from db.engine import create_engine

app = typer.Typer(help="Demo data.", no_args_is_help=True)


@app.command("load")
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


@app.command("tokens")
def demo_tokens() -> None:
    """Print bearer tokens for the two demo organizations."""
    settings = Settings.from_env()
    for organization in demo.DEMO_ORGANIZATIONS[:2]:
        bearer = demo_token(settings, organization, utc_now())
        typer.echo(f"{organization.name} ({organization.demo_user_name}):")
        typer.echo(f"  Authorization: Bearer {bearer}\n")
