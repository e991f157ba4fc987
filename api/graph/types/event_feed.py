"""The activity feed: the events an organization may see, a Relay connection by log position."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Any, Self

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.event_errors import expired
from api.graph.instants import filter_instant
from api.graph.nodes import expect_global_id
from api.graph.relay.connection import Connection, PageInfo, connection
from api.graph.relay.event_cursors import from_event_cursor, to_event_cursor
from api.graph.relay.paging import Paging
from api.graph.types.activity import Activity
from api.graph.types.enums import ActivityType
from api.graph.types.referral import Referral
from db.event_feed import EventFilter, EventPageRequest
from db.event_log import EventsExpired
from db.paging import Page


class EventOrder(Enum):
    NEWEST_FIRST = "newest_first"
    OLDEST_FIRST = "oldest_first"


strawberry.enum(
    EventOrder,
    description="The order of the events feed: by position in the event log (commit order).",
)
for _value in EventOrder.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = {
        "NEWEST_FIRST": "The latest committed event first: an activity feed.",
        "OLDEST_FIRST": "The earliest event kept first: page forward with `after` to read "
        "what changed since a cursor, in the order it happened (polling integrations).",
    }[_value.name]


@strawberry.type(
    description="A committed change to a referral, as the events feed lists it: the history "
    "entry it wrote and the referral as it stands now."
)
class Event:
    event_id: strawberry.ID = strawberry.field(
        description="The event's stable ID (a UUID, the same as its activity's and as "
        "`ReferralEvent.eventId`): deduplicate by it."
    )
    cursor: str = strawberry.field(
        description="Opaque position of the event in the event log (the same as its edge's "
        "cursor): page the feed from it, or pass it as `after` to `referralEvents` to "
        "subscribe from there."
    )
    type: ActivityType = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened (UTC, ISO 8601).")
    referral_pk: strawberry.Private[uuid.UUID]
    activity_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Event:
        return cls(
            event_id=strawberry.ID(str(row.id)),
            cursor=to_event_cursor(row.position),
            type=row.type,
            occurred_at=row.occurred_date,
            referral_pk=row.referral_id,
            activity_pk=row.id,
        )

    @strawberry.field(
        description="What happened: the activity the change wrote to the referral's history."
    )
    async def activity(self, info: Info) -> Activity:
        row = await info.context.loaders.activity_by_id.load(self.activity_pk)
        assert row is not None, "a listed event's referral is visible, and so its activity"
        return Activity.from_row(row)

    @strawberry.field(
        description="The referral as it stands now, as your organization sees it (contact "
        "details only for ACCEPTED participants)."
    )
    async def referral(self, info: Info) -> Referral:
        row = await info.context.loaders.referral_by_id.load(self.referral_pk)
        assert row is not None, "the feed lists only events of visible referrals"
        return Referral.from_row(row)


@strawberry.input(description="Conditions an event must meet; all given ones must hold.")
class EventFilterInput:
    referral_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only this referral's events (its global ID)."
    )
    types: list[ActivityType] | None = strawberry.field(
        default=None, description="Any of these activity types."
    )
    occurred_after: datetime | None = strawberry.field(
        default=None, description="Happened at or after this instant (with offset, e.g. ...Z)."
    )
    occurred_before: datetime | None = strawberry.field(
        default=None, description="Happened before this instant (with offset)."
    )

    def to_filter(self) -> EventFilter:
        referral_pk = None
        if self.referral_id is not None:
            referral_pk = expect_global_id(
                self.referral_id, "Referral", argument="filter.referralId"
            )
        return EventFilter(
            referral_id=referral_pk,
            types=None if self.types is None else tuple(self.types),
            occurred_after=filter_instant(self.occurred_after, "occurredAfter"),
            occurred_before=filter_instant(self.occurred_before, "occurredBefore"),
        )


@connection(
    item="event",
    items="events",
    description="A page of the events your organization may see.",
    total_count="How many events the filter keeps, in all pages together (within retention).",
)
class EventConnection(Connection[Event]):
    @classmethod
    def of_page(cls, info: Info, page: Page, where: EventFilter) -> Self:
        """The page's events, with event cursors; their total is counted only if asked for."""
        edges = [
            cls.edge_type(cursor=to_event_cursor(row.position), node=Event.from_row(row))
            for row in page.rows
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            count=lambda: info.context.loaders.event_count.load(where),
        )


async def event_connection(
    info: Info, paging: Paging, where: EventFilter, order: EventOrder
) -> EventConnection:
    """A page of the viewer's events; EVENTS_EXPIRED for a cursor older than retention."""
    limit, from_end = paging.size(info.context.settings)
    request = EventPageRequest(
        limit=limit,
        oldest_first=order is EventOrder.OLDEST_FIRST,
        from_end=from_end,
        after=None if paging.after is None else from_event_cursor(paging.after, argument="after"),
        before=None
        if paging.before is None
        else from_event_cursor(paging.before, argument="before"),
    )
    try:
        page = await info.context.loaders.event_page(where=where, request=request)
    except EventsExpired as error:
        raise expired(error) from None
    return EventConnection.of_page(info, page, where)
