"""The floor: the ReferralPage query's data fetched by hand, with no GraphQL in between.

A plain Starlette endpoint that checks the bearer token (HS256 with the configured secret,
required claims, expiry against its clock, as our API checks development tokens), runs the
same six batched statements with SQLAlchemy Core (page, count, customer profiles,
requirements, participants, users) on one pooled connection, one after another, and answers
exactly the `data` our API answers for `tests/contract/queries/ReferralPage.graphql`. It reads
`variables.first` and `variables.after` of a GraphQL request body and ignores the document:
it knows only that one query.

The statements are written out here rather than imported from `db.reads`, so the floor stays
what it was measured as while the API's read path changes; they mirror `db.reads` and
`db.access` (visibility: the viewer's organization is a participant; email and phone null
unless it is ACCEPTED and, not being the owner, the customer consented to share; an INVITED
participant past `expires_date` reads EXPIRED; a state left out reads "").

Serve it with `uvicorn --factory bench.floor:create_floor_app` and DATABASE_URL.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import jwt
from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    case,
    exists,
    func,
    null,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from api.errors import BadUserInput
from api.graph.relay.cursors import from_cursor, to_cursor
from api.graph.relay.ids import to_global_id
from api.settings import Settings
from db.engine import create_engine
from db.models import ParticipantStatus
from db.paging import Position
from db.tables import (
    app_user,
    customer_profile,
    customer_requirements,
    participant,
    participant_user,
    referral,
)

ORDERING = "referral:created_date"  # ReferralPage orders by CREATED_DATE, DESC
LEEWAY_S = 30
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _json(payload: object, status_code: int = 200) -> Response:
    # The serializer our API's view uses (strawberry's encode_json), so bodies match byte for byte.
    return Response(
        json.dumps(payload, separators=(",", ":")),
        status_code=status_code,
        media_type="application/json",
    )


def _error(message: str, status_code: int, code: str) -> Response:
    return _json({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code)


# --- the six statements --------------------------------------------------------------------


def _visible(organization_id: uuid.UUID) -> Select[Any]:
    return select(participant.c.referral_id).where(participant.c.organization_id == organization_id)


def _page(organization_id: uuid.UUID, first: int, after: Position | None) -> Select[Any]:
    created, id_ = referral.c.created_date, referral.c.id
    stmt = select(referral).where(id_.in_(_visible(organization_id)))
    if after is not None:
        stmt = stmt.where(or_(created < after.value, and_(created == after.value, id_ < after.id)))
    return stmt.order_by(created.desc(), id_.desc()).limit(first + 1)


def _count(organization_id: uuid.UUID) -> Select[Any]:
    listed = select(referral).where(referral.c.id.in_(_visible(organization_id)))
    return select(func.count()).select_from(listed.subquery())


def _profiles(organization_id: uuid.UUID, referral_ids: list[uuid.UUID]) -> Select[Any]:
    own = participant.alias("own_participation")
    consenting = referral.alias("consenting_referral")
    # ACCEPTED, and the owner or the customer consented to share its details with others.
    accepted = exists().where(
        own.c.referral_id == customer_profile.c.referral_id,
        own.c.organization_id == organization_id,
        own.c.status == ParticipantStatus.ACCEPTED,
        consenting.c.id == customer_profile.c.referral_id,
        or_(
            consenting.c.owner_organization_id == organization_id,
            consenting.c.consent_share_info_with_others,
        ),
    )
    masked = {"contact_email", "contact_phone_number"}
    columns = [
        case((accepted, column), else_=null()).label(column.name)
        if column.name in masked
        else column
        for column in customer_profile.c
    ]
    return select(*columns).where(
        customer_profile.c.referral_id.in_(_visible(organization_id)),
        customer_profile.c.referral_id.in_(referral_ids),
    )


def _requirements(organization_id: uuid.UUID, referral_ids: list[uuid.UUID]) -> Select[Any]:
    return select(customer_requirements).where(
        customer_requirements.c.referral_id.in_(referral_ids),
        customer_requirements.c.referral_id.in_(_visible(organization_id)),
    )


def _participants(
    organization_id: uuid.UUID, referral_ids: list[uuid.UUID], now: datetime
) -> Select[Any]:
    expired = and_(
        participant.c.status == ParticipantStatus.INVITED, participant.c.expires_date <= now
    )
    status: ColumnElement[str] = type_coerce(
        case((expired, ParticipantStatus.EXPIRED.value), else_=participant.c.status), String(32)
    )
    columns = [c for c in participant.c if c.name != "status"]
    return (
        select(*columns, status.label("status"))
        .where(participant.c.referral_id.in_(_visible(organization_id)))
        .where(participant.c.referral_id.in_(referral_ids))
        .order_by(participant.c.referral_id, participant.c.invited_date, participant.c.id)
    )


def _users(organization_id: uuid.UUID, participant_ids: list[uuid.UUID]) -> Select[Any]:
    return (
        select(app_user, participant_user.c.participant_id)
        .join(participant_user, participant_user.c.user_id == app_user.c.id)
        .join(participant, participant.c.id == participant_user.c.participant_id)
        .where(
            participant_user.c.participant_id.in_(participant_ids),
            participant.c.referral_id.in_(_visible(organization_id)),
        )
        .order_by(participant_user.c.participant_id, participant_user.c.position)
    )


# --- the page as JSON ----------------------------------------------------------------------


def _grouped(rows: Any, key: str) -> dict[uuid.UUID, list[Row[Any]]]:
    groups: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


async def referral_page(
    conn: AsyncConnection,
    organization_id: uuid.UUID,
    now: datetime,
    first: int,
    after: Position | None,
) -> dict[str, Any]:
    """The `data` of ReferralPage for one organization: six statements."""
    rows = (await conn.execute(_page(organization_id, first, after))).all()
    has_next = len(rows) > first
    rows = rows[:first]
    total = (await conn.execute(_count(organization_id))).scalar_one()
    ids = [row.id for row in rows]
    profiles = {p.referral_id: p for p in await conn.execute(_profiles(organization_id, ids))}
    needs = {r.referral_id: r for r in await conn.execute(_requirements(organization_id, ids))}
    parts = (await conn.execute(_participants(organization_id, ids, now))).all()
    users = _grouped(
        await conn.execute(_users(organization_id, [p.id for p in parts])), "participant_id"
    )
    participants = _grouped(parts, "referral_id")

    edges = []
    for row in rows:
        profile, need = profiles[row.id], needs[row.id]
        edges.append(
            {
                "cursor": to_cursor(ORDERING, Position(row.created_date, row.id)),
                "node": {
                    "id": to_global_id("Referral", row.id),
                    "name": row.name,
                    "status": row.status.value,
                    "referralSource": row.referral_source.value,
                    "createdDate": row.created_date.isoformat(),
                    "updatedDate": row.updated_date.isoformat(),
                    "customerProfile": {
                        "name": profile.name,
                        "address": {
                            "city": profile.city,
                            "state": profile.state or "",  # String! in the schema
                            "country": profile.country,
                        },
                        "contact": {
                            "firstName": profile.contact_first_name,
                            "lastName": profile.contact_last_name,
                            "email": profile.contact_email,
                        },
                    },
                    "customerRequirements": {
                        "industries": need.industries,
                        "products": need.products,
                        "services": need.services,
                        "customerNeed": need.customer_need,
                    },
                    "participants": [
                        {
                            "organizationId": str(part.organization_id),
                            "status": part.status,
                            "users": [
                                {"displayName": user.display_name, "email": user.email}
                                for user in users.get(part.id, [])
                            ],
                        }
                        for part in participants.get(row.id, [])
                    ],
                },
            }
        )
    return {
        "referrals": {
            "totalCount": total,
            "pageInfo": {
                "hasNextPage": has_next,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
            "edges": edges,
        }
    }


def _organization(authorization: str | None, settings: Settings, now: datetime) -> uuid.UUID | None:
    """The `org` claim of a valid HS256 bearer token (the development tokens), else None.

    The same checks as our API's development tokens: pinned algorithm, required claims, expiry
    against the app's clock with 30 s leeway.
    """
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        claims = jwt.decode(
            token.strip(),
            settings.jwt_secret,
            algorithms=["HS256"],
            options={"require": ["exp", "sub", "org"], "verify_exp": False},
        )
        if float(claims["exp"]) + LEEWAY_S <= now.timestamp():
            return None
        uuid.UUID(str(claims["sub"]))
        return uuid.UUID(str(claims["org"]))
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return None


def _arguments(variables: Any, max_page_size: int) -> tuple[int, Position | None]:
    """`first` (1..max) and the decoded `after`, refused like our API refuses them."""
    if not isinstance(variables, dict):
        raise BadUserInput("`variables` must be an object.")
    first, after = variables.get("first"), variables.get("after")
    if isinstance(first, bool) or not isinstance(first, int):
        raise BadUserInput("`first` is required: an integer.", argument="first")
    if not 1 <= first <= max_page_size:
        raise BadUserInput(
            f"`first` must be between 1 and {max_page_size}, but it is {first}.", argument="first"
        )
    if after is not None and not isinstance(after, str):
        raise BadUserInput("`after` is not a valid cursor.", argument="after")
    return first, None if after is None else from_cursor(after, ORDERING, argument="after")


def create_floor_app(settings: Settings | None = None, *, clock: Clock = utc_now) -> Starlette:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=settings.pool_size)
        app.state.engine = engine
        try:
            yield
        finally:
            await engine.dispose()

    async def graphql(request: Request) -> Response:
        now = clock()
        organization_id = _organization(request.headers.get("authorization"), settings, now)
        if organization_id is None:
            return _error("The bearer token is missing or invalid.", 401, "UNAUTHENTICATED")
        try:
            payload = json.loads(await request.body())
            first, after = _arguments(payload.get("variables") or {}, settings.max_page_size)
        except BadUserInput as error:
            return _error(error.message, 400, "BAD_USER_INPUT")
        except (ValueError, AttributeError):
            return _error("The body must be a GraphQL request in JSON.", 400, "BAD_REQUEST")
        async with request.app.state.engine.connect() as conn:
            data = await referral_page(conn, organization_id, now, first, after)
        return _json({"data": data})

    async def home(_: Request) -> Response:
        return PlainTextResponse("floor")

    return Starlette(
        routes=[Route("/", home), Route("/graphql", graphql, methods=["POST"])],
        lifespan=lifespan,
    )
