"""Development bearer tokens: `referrals token`, the demo organizations', GraphiQL's.

The demo organizations' serve `referrals demo tokens` and the development server's GraphiQL page.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

import typer

from api.auth.tokens import mint_token
from api.settings import Settings
from api.transport.graphiql import TokenProvider
from api.transport.view import utc_now
from db.demo import DEMO_ORGANIZATIONS, DemoOrganization


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


def demo_token(settings: Settings, organization: DemoOrganization, now: datetime) -> str:
    """A token of the demo organization's demo user."""
    return mint_token(
        settings, organization_id=organization.id, user_id=organization.demo_user_id, now=now
    )


def graphiql_demo_token(settings: Settings) -> TokenProvider | None:
    """The GraphiQL page's token in development: the first demo organization's; in production
    none (its tokens come from the identity provider)."""
    if settings.is_production:
        return None
    organization = DEMO_ORGANIZATIONS[0]
    return lambda now: demo_token(settings, organization, now)
