"""The operations the benchmark sends, as request bodies, and who sends them.

The documents are copies of the frontend contract's (`bench/*.graphql`): the project reads
nothing outside its own tree at run time.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from api.auth.tokens import mint_token
from api.graph.relay.ids import to_global_id
from api.settings import DEVELOPMENT_JWT_SECRET, Settings
from bench.config import CONTRACT_DIR
from db.demo import DEMO_ORGANIZATIONS
from db.models import ParticipantStatus, ReferralStatus
from db.tables import app_user, organization, participant, referral

# The frontends' own operations, as the contract tests keep them.
REFERRAL_PAGE = (CONTRACT_DIR / "ReferralPage.graphql").read_text()
REFERRAL_SEARCH = (CONTRACT_DIR / "ReferralSearch.graphql").read_text()
ADD_NOTE = (
    "mutation AddNote($id: ID!, $note: String!) {\n"
    "  addReferralNote(input: {referralId: $id, note: $note}) { userErrors { code } }\n"
    "}\n"
)
JWT_SECRET = DEVELOPMENT_JWT_SECRET  # the servers run in development mode with this secret

# The organization whose frontend the benchmark plays: it owns about a third of the referrals
# and is invited to many more, so its pages mix contact details shown and masked.
VIEWER = DEMO_ORGANIZATIONS[0]
OTHER_VIEWER = DEMO_ORGANIZATIONS[1]  # a second point of view for the equality check


# Our API rate-limits each organization (RATE_LIMIT_POINTS per RATE_LIMIT_WINDOW_SECONDS). The
# benchmark plays one organization at as many requests a second as the machine serves, with
# operations of every size: the limit is made large enough never to refuse, so its bookkeeping
# is measured but not its refusals (bench.ratelimit measures the default limit).
UNTHROTTLED = {"rate_limit_points": 10**12}
# 1,000-referral pages too (in-process and over HTTP), beyond the default page and cost limits.
IN_PROCESS = {"max_page_size": 1000, "max_cost": 10**7}
UNTHROTTLED_ENV = {
    "RATE_LIMIT_POINTS": str(10**12),
    "MAX_PAGE_SIZE": str(IN_PROCESS["max_page_size"]),
    "MAX_QUERY_COST": str(IN_PROCESS["max_cost"]),
}


def new_referral(name: str) -> dict[str, object]:
    """A createReferral input the API accepts, for the benchmarks that write."""
    return {
        "name": name,
        "referralSource": "PARTNER_LED",
        "customerProfile": {
            "name": "Contoso Ltd",
            "address": {
                "addressLine1": "1 Main Street",
                "city": "Seattle",
                "state": "WA",
                "postalCode": "98101",
                "country": "US",
            },
            "contact": {
                "firstName": "Ana",
                "lastName": "Ruiz",
                "email": "ana@contoso.example",
                "phoneNumber": "+14255550100",
            },
        },
    }


def app_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for both apps in this process: the servers' environment, unthrottled.

    Fields the Settings of this version of the API does not have are left out, so the
    benchmark keeps running while the API's settings change.
    """
    known = {f.name for f in fields(Settings)}
    values = {
        "database_url": database_url,
        "jwt_secret": JWT_SECRET,
        "graphiql": False,
        **UNTHROTTLED,
        **overrides,
    }
    return Settings(**{name: value for name, value in values.items() if name in known})


@dataclass(frozen=True, slots=True)
class Operation:
    kind: str  # "read" or "write": latencies are reported per kind
    body: bytes


def token(organization: Any = VIEWER, *, now: datetime | None = None) -> str:
    return mint_token(
        app_settings(""),
        organization_id=organization.id,
        user_id=organization.demo_user_id,
        now=now or datetime.now(UTC),
        lifetime=timedelta(hours=6),
    )


async def bench_user_headers(conn: AsyncConnection, settings: Settings) -> dict[str, str]:
    """A new organization "Bench" with one user, and that user's Authorization header."""
    org, user = uuid.uuid4(), uuid.uuid4()
    await conn.execute(organization.insert().values(id=org, name="Bench"))
    await conn.execute(
        app_user.insert().values(
            id=user, organization_id=org, display_name="Bench", email="b@bench.example"
        )
    )
    token = mint_token(settings, organization_id=org, user_id=user, now=datetime.now(UTC))
    return {"Authorization": f"Bearer {token}"}


def body(query: str, variables: dict[str, Any]) -> bytes:
    return json.dumps({"query": query, "variables": variables}).encode()


def page_body(first: int, after: str | None = None) -> bytes:
    return body(REFERRAL_PAGE, {"first": first, "after": after})


def search_variables(now: datetime) -> list[dict[str, Any]]:
    """ReferralSearch filter bars a frontend sends: text, status, source, country, recency."""
    return [
        {"search": "müller"},
        {"search": "contoso"},
        {"status": ["PENDING", "ACTIVE"]},
        {"source": ["PARTNER_LED", "P2P"], "first": 50},
        {"country": "DE"},
        {"country": "US", "status": ["ACTIVE"]},
        {"createdAfter": (now - timedelta(days=90)).isoformat()},
    ]


async def note_targets(conn: AsyncConnection, limit: int = 200) -> list[uuid.UUID]:
    """Open referrals where the viewer is an ACCEPTED participant: notes on them succeed."""
    stmt = (
        select(referral.c.id)
        .join(participant, participant.c.referral_id == referral.c.id)
        .where(
            participant.c.organization_id == VIEWER.id,
            participant.c.status == ParticipantStatus.ACCEPTED,
            referral.c.status.in_([ReferralStatus.PENDING, ReferralStatus.ACTIVE]),
        )
        .order_by(referral.c.id)
        .limit(limit)
    )
    return list((await conn.execute(stmt)).scalars())


def mixed_operations(
    page_cursors: list[str | None],
    targets: list[uuid.UUID],
    *,
    page_size: int,
    write_share: float,
    now: datetime,
    count: int = 1000,
) -> list[Operation]:
    """A shuffled cycle of operations: pages and searches, and `write_share` notes."""
    rng = random.Random(11)
    reads: list[bytes] = [page_body(page_size, cursor) for cursor in page_cursors]
    reads += [body(REFERRAL_SEARCH, variables) for variables in search_variables(now)]
    writes = max(1, round(count * write_share))
    operations = [Operation("read", reads[i % len(reads)]) for i in range(count - writes)]
    operations += [
        Operation(
            "write",
            body(
                ADD_NOTE,
                {
                    "id": to_global_id("Referral", targets[i % len(targets)]),
                    "note": f"Benchmark note {i}: customer asked for a follow-up call.",
                },
            ),
        )
        for i in range(writes)
    ]
    rng.shuffle(operations)
    return operations
