"""Batched reads of the referral graph: (connection, viewer, keys) -> rows in key order.

Each function is one SQL statement whatever the number of keys, and each filters by what the
viewer may see (`db.access`), so no caller can widen visibility by passing foreign keys.
Rows are Core rows, not ORM objects: the read path builds nothing it does not return.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Result,
    Row,
    Select,
    Subquery,
    Table,
    any_,
    bindparam,
    case,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import (
    VIEWER_PARAMETERS,
    Viewer,
    contact_visible,
    effective_participant_status,
    referral_as_read,
    visible_referral_ids,
)
from db.paging import Page, PageRequest, order_terms, to_page, window_conditions
from db.referral_list import ReferralFilter, filtered
from db.rows import positions
from db.tables import (
    activity,
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    participant,
    participant_user,
    referral,
)

K = TypeVar("K", bound=Hashable)


def _among_keys(column: ColumnElement[Any], dialect: str) -> ColumnElement[bool]:
    """`column` is one of the batch's keys (the `keys` parameter). On PostgreSQL one array
    parameter, `= ANY($1)`: the SQL is the same whatever the number of keys, so the server
    keeps one prepared statement for it, and no placeholder is rendered per key (an
    expanding IN rendered and cast 600 placeholders for each 100-referral page). Elsewhere
    an expanding IN."""
    if dialect == "postgresql":
        return column == any_(bindparam("keys", type_=ARRAY(column.type)))
    return column.in_(bindparam("keys", expanding=True))


def _parameters(viewer: Viewer, keys: Sequence[Any]) -> dict[str, Any]:
    return {**viewer.parameters(), "keys": list(keys)}


def _keyed(rows: Result[Any], key: str) -> list[tuple[Any, Row[Any]]]:
    """(value of column `key`, row) for the rows of one result, which share their columns'
    positions: the position is looked up once (db.rows), not the name once per row. `all()`
    fetches the rows in one call; iterating fetches them one call at a time."""
    found = rows.all()
    if not found:
        return []
    index = positions(found[0])[key]
    return [(row[index], row) for row in found]


def _by_key(keys: Sequence[K], rows: Result[Any], key: str) -> list[Row[Any] | None]:
    found = dict(_keyed(rows, key))
    return [found.get(k) for k in keys]


def _grouped(keys: Sequence[K], rows: Result[Any], key: str) -> list[list[Row[Any]]]:
    groups: dict[Any, list[Row[Any]]] = defaultdict(list)
    for value, row in _keyed(rows, key):
        groups[value].append(row)
    return [groups.get(k, []) for k in keys]


# --- referrals ---------------------------------------------------------------------------


def _visible_referrals(viewer: Viewer) -> Select[Any]:
    return select(*referral_as_read(viewer)).where(referral.c.id.in_(visible_referral_ids(viewer)))


async def referral_counts(
    conn: AsyncConnection, viewer: Viewer, filters: Sequence[ReferralFilter]
) -> list[int]:
    """How many referrals each filter matches (one statement per distinct filter)."""
    counts = {}
    for where in dict.fromkeys(filters):
        stmt = select(func.count()).select_from(filtered(viewer, where).subquery())
        counts[where] = (await conn.execute(stmt)).scalar_one()
    return [counts[where] for where in filters]


async def referrals_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    rows = await conn.execute(_visible_referrals(viewer).where(referral.c.id.in_(ids)))
    return _by_key(ids, rows, "id")


# --- the referral's own parts ------------------------------------------------------------


def _masked_profiles(viewer: Viewer) -> Select[Any]:
    shown = contact_visible(viewer, customer_profile.c.referral_id)
    hidden = {"contact_email", "contact_phone_number"}
    columns = [
        case((shown, column), else_=null()).label(column.name) if column.name in hidden else column
        for column in customer_profile.c
    ]
    return select(*columns).where(customer_profile.c.referral_id.in_(visible_referral_ids(viewer)))


async def customer_profiles_by_referral(
    conn: AsyncConnection, viewer: Viewer, referral_ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Customer profiles, with email and phone null unless the viewer may read them
    (`db.access.contact_visible`)."""
    stmt = _profiles_by_referral(conn.dialect.name)
    rows = await conn.execute(stmt, _parameters(viewer, referral_ids))
    return _by_key(referral_ids, rows, "referral_id")


@functools.cache
def _profiles_by_referral(dialect: str) -> Select[Any]:
    among = _among_keys(customer_profile.c.referral_id, dialect)
    return _masked_profiles(VIEWER_PARAMETERS).where(among)


async def customer_profiles_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    stmt = _masked_profiles(viewer).where(customer_profile.c.id.in_(ids))
    return _by_key(ids, await conn.execute(stmt), "id")


async def requirements_by_referral(
    conn: AsyncConnection, viewer: Viewer, referral_ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    return await _part_by_referral(conn, viewer, customer_requirements, referral_ids)


async def additional_information_by_referral(
    conn: AsyncConnection, viewer: Viewer, referral_ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    return await _part_by_referral(conn, viewer, additional_information, referral_ids)


async def _part_by_referral(
    conn: AsyncConnection, viewer: Viewer, part: Table, referral_ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """The row of a one-per-referral table for each visible referral, shown as stored."""
    stmt = _part_statement(part, conn.dialect.name)
    rows = await conn.execute(stmt, _parameters(viewer, referral_ids))
    return _by_key(referral_ids, rows, "referral_id")


@functools.cache
def _part_statement(part: Table, dialect: str) -> Select[Any]:
    return select(part).where(
        _among_keys(part.c.referral_id, dialect),
        part.c.referral_id.in_(visible_referral_ids(VIEWER_PARAMETERS)),
    )


# --- participants and users --------------------------------------------------------------


def _visible_participants(viewer: Viewer) -> Select[Any]:
    columns = [c for c in participant.c if c.name != "status"]
    return select(*columns, effective_participant_status(viewer)).where(
        participant.c.referral_id.in_(visible_referral_ids(viewer))
    )


async def participants_by_referral(
    conn: AsyncConnection, viewer: Viewer, referral_ids: Sequence[uuid.UUID]
) -> list[list[Row[Any]]]:
    """Each referral's participants, the earliest invited first (the owner leads)."""
    stmt = _participants_by_referral(conn.dialect.name)
    rows = await conn.execute(stmt, _parameters(viewer, referral_ids))
    return _grouped(referral_ids, rows, "referral_id")


@functools.cache
def _participants_by_referral(dialect: str) -> Select[Any]:
    return (
        _visible_participants(VIEWER_PARAMETERS)
        .where(_among_keys(participant.c.referral_id, dialect))
        .order_by(participant.c.referral_id, participant.c.invited_date, participant.c.id)
    )


async def participants_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    stmt = _visible_participants(viewer).where(participant.c.id.in_(ids))
    return _by_key(ids, await conn.execute(stmt), "id")


async def users_by_participant(
    conn: AsyncConnection, viewer: Viewer, participant_ids: Sequence[uuid.UUID]
) -> list[list[Row[Any]]]:
    stmt = _users_by_participant(conn.dialect.name)
    rows = await conn.execute(stmt, _parameters(viewer, participant_ids))
    return _grouped(participant_ids, rows, "participant_id")


@functools.cache
def _users_by_participant(dialect: str) -> Select[Any]:
    return (
        select(app_user, participant_user.c.participant_id)
        .join(participant_user, participant_user.c.user_id == app_user.c.id)
        .join(participant, participant.c.id == participant_user.c.participant_id)
        .where(
            _among_keys(participant_user.c.participant_id, dialect),
            participant.c.referral_id.in_(visible_referral_ids(VIEWER_PARAMETERS)),
        )
        .order_by(participant_user.c.participant_id, participant_user.c.position)
    )


async def users_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    """Users of the viewer's organization, and users working a referral the viewer sees."""
    working_visible_referral = (
        select(participant_user.c.user_id)
        .join(participant, participant.c.id == participant_user.c.participant_id)
        .where(participant.c.referral_id.in_(visible_referral_ids(viewer)))
    )
    stmt = select(app_user).where(
        app_user.c.id.in_(ids),
        or_(
            app_user.c.organization_id == viewer.organization_id,
            app_user.c.id.in_(working_visible_referral),
        ),
    )
    return _by_key(ids, await conn.execute(stmt), "id")


# --- activities --------------------------------------------------------------------------


async def activities_by_id(
    conn: AsyncConnection, viewer: Viewer, ids: Sequence[uuid.UUID]
) -> list[Row[Any] | None]:
    stmt = select(activity).where(
        activity.c.id.in_(ids), activity.c.referral_id.in_(visible_referral_ids(viewer))
    )
    return _by_key(ids, await conn.execute(stmt), "id")


def _activities_of_referrals(viewer: Viewer, referral_ids: Sequence[uuid.UUID]) -> Subquery:
    return (
        select(activity, activity.c.referral_id.label("parent_id"))
        .where(
            activity.c.referral_id.in_(referral_ids),
            activity.c.referral_id.in_(visible_referral_ids(viewer)),
        )
        .subquery()
    )


def _activities_of_participants(viewer: Viewer, participant_ids: Sequence[uuid.UUID]) -> Subquery:
    """What each participant did (actor) or underwent (subject), each activity once."""
    visible = activity.c.referral_id.in_(visible_referral_ids(viewer))
    acted = select(activity, activity.c.actor_participant_id.label("parent_id")).where(
        activity.c.actor_participant_id.in_(participant_ids), visible
    )
    underwent = select(activity, activity.c.subject_participant_id.label("parent_id")).where(
        activity.c.subject_participant_id.in_(participant_ids),
        or_(
            activity.c.actor_participant_id.is_(None),
            activity.c.actor_participant_id != activity.c.subject_participant_id,
        ),
        visible,
    )
    return union_all(acted, underwent).subquery()


ActivitySource = Callable[[Viewer, Sequence[uuid.UUID]], Subquery]


async def _activity_pages(
    conn: AsyncConnection,
    viewer: Viewer,
    keys: Sequence[tuple[uuid.UUID, PageRequest]],
    source: ActivitySource,
) -> list[Page]:
    """Page the activities of many parents at once, each parent its own page (oldest first).

    One statement per distinct page request; parents of one list field share theirs.
    """
    pages: dict[tuple[uuid.UUID, PageRequest], Page] = {}
    for request in dict.fromkeys(request for _, request in keys):
        parent_ids = list(dict.fromkeys(parent for parent, r in keys if r == request))
        rows = source(viewer, parent_ids)
        position = (
            func.row_number()
            .over(
                partition_by=rows.c.parent_id,
                order_by=order_terms(
                    rows.c.occurred_date, rows.c.id, descending=False, request=request
                ),
            )
            .label("position")
        )
        ranked = (
            select(rows, position)
            .where(
                *window_conditions(
                    rows.c.occurred_date, rows.c.id, descending=False, request=request
                )
            )
            .subquery()
        )
        stmt = (
            select(ranked)
            .where(ranked.c.position <= request.limit + 1)
            .order_by(ranked.c.parent_id, ranked.c.position)
        )
        groups = _grouped(parent_ids, await conn.execute(stmt), "parent_id")
        for parent_id, group in zip(parent_ids, groups, strict=True):
            pages[(parent_id, request)] = to_page(group, request)
    return [pages[key] for key in keys]


async def activity_pages_by_referral(
    conn: AsyncConnection, viewer: Viewer, keys: Sequence[tuple[uuid.UUID, PageRequest]]
) -> list[Page]:
    return await _activity_pages(conn, viewer, keys, _activities_of_referrals)


async def activity_pages_by_participant(
    conn: AsyncConnection, viewer: Viewer, keys: Sequence[tuple[uuid.UUID, PageRequest]]
) -> list[Page]:
    return await _activity_pages(conn, viewer, keys, _activities_of_participants)


async def activity_counts_by_referral(
    conn: AsyncConnection, viewer: Viewer, referral_ids: Sequence[uuid.UUID]
) -> list[int]:
    return await _counts(conn, referral_ids, _activities_of_referrals(viewer, referral_ids))


async def activity_counts_by_participant(
    conn: AsyncConnection, viewer: Viewer, participant_ids: Sequence[uuid.UUID]
) -> list[int]:
    return await _counts(
        conn, participant_ids, _activities_of_participants(viewer, participant_ids)
    )


async def _counts(
    conn: AsyncConnection, parent_ids: Sequence[uuid.UUID], source: Subquery
) -> list[int]:
    stmt = select(source.c.parent_id, func.count().label("n")).group_by(source.c.parent_id)
    counts = {row.parent_id: row.n for row in await conn.execute(stmt)}
    return [counts.get(parent_id, 0) for parent_id in parent_ids]
