"""Activities: a referral's append-only history, and the connection that pages it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row
from strawberry.dataloader import DataLoader
from strawberry.utils.await_maybe import await_maybe

from api.context import Info
from api.graph.ids import to_global_id
from api.graph.loaders import Resolved, resolve
from api.graph.pagination import page_request
from api.graph.types.connection import PageInfo, cursors, page_info
from api.graph.types.enums import ActivityType, ReferralStatus
from api.graph.types.node import Node
from db.paging import Page, PageRequest, Position

if TYPE_CHECKING:
    from api.graph.types.participant import Participant

ACTIVITY_ORDERING = "activity"
LazyParticipant = Annotated["Participant", strawberry.lazy("api.graph.types.participant")]


@strawberry.type(description="One entry of a referral's history: what happened, when, by whom.")
class Activity(Node):
    type: ActivityType = strawberry.field(description="What happened.")
    occurred_date: datetime = strawberry.field(description="When it happened (UTC, ISO 8601).")
    from_status: ReferralStatus | None = strawberry.field(
        description="The referral's status before, when the activity changed it; else null."
    )
    to_status: ReferralStatus | None = strawberry.field(
        description="The referral's status after, when the activity changed it; else null."
    )
    note: str | None = strawberry.field(description="Free text that came with the change.")
    referral_pk: strawberry.Private[uuid.UUID]
    actor_pk: strawberry.Private[uuid.UUID | None]
    subject_pk: strawberry.Private[uuid.UUID | None]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Activity:
        return cls(
            id=strawberry.ID(to_global_id("Activity", row.id)),
            type=row.type,
            occurred_date=row.occurred_date,
            from_status=row.from_status,
            to_status=row.to_status,
            note=row.note,
            referral_pk=row.referral_id,
            actor_pk=row.actor_participant_id,
            subject_pk=row.subject_participant_id,
        )

    @strawberry.field(description="The participant who acted; null for changes made by time.")
    async def actor(self, info: Info) -> LazyParticipant | None:
        return await await_maybe(participant_of(info, self.referral_pk, self.actor_pk))

    @strawberry.field(
        description="The participant the activity concerns (the invited one, for invitations)."
    )
    async def subject(self, info: Info) -> LazyParticipant | None:
        return await await_maybe(participant_of(info, self.referral_pk, self.subject_pk))


def participant_of(
    info: Info, referral_pk: uuid.UUID, pk: uuid.UUID | None
) -> Resolved[Participant | None]:
    """A participant of the referral, through the referral's participants batch.

    Actors, subjects and inviters always belong to the same referral; loading them with its
    participants keeps the statement count fixed whichever loader answers first.
    """
    from api.graph.types.participant import Participant

    if pk is None:
        return None

    def pick(rows: list[Row[Any]]) -> Participant | None:
        row = next((row for row in rows if row.id == pk), None)
        return None if row is None else Participant.from_row(row)

    return resolve(info.context.loaders.participants_by_referral, referral_pk, pick)


@strawberry.type(description="An activity in a page, with its cursor.")
class ActivityEdge:
    cursor: str = strawberry.field(
        description="Opaque position of this edge, for `after`/`before`."
    )
    node: Activity = strawberry.field(description="The activity.")


@strawberry.type(description="A page of activities, oldest first.")
class ActivityConnection:
    edges: list[ActivityEdge] = strawberry.field(description="The activities of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state and cursors.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @classmethod
    def from_page(cls, page: Page, count: Callable[[], Awaitable[int]]) -> ActivityConnection:
        edge_cursors = cursors(page, ACTIVITY_ORDERING, lambda r: Position(r.occurred_date, r.id))
        return cls(
            edges=[
                ActivityEdge(cursor=c, node=Activity.from_row(r))
                for c, r in zip(edge_cursors, page.rows, strict=True)
            ],
            page_info=page_info(page, edge_cursors),
            count=count,
        )

    @strawberry.field(description="The activities of this page, without cursors.")
    def nodes(self) -> list[Activity]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many activities there are in all pages together.")
    async def total_count(self) -> int:
        return await self.count()


async def activity_connection(
    info: Info,
    pages: DataLoader[tuple[uuid.UUID, PageRequest], Page],
    counts: DataLoader[uuid.UUID, int],
    parent: uuid.UUID,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> ActivityConnection:
    """One parent's page of activities, its total loaded only if asked for."""
    settings = info.context.settings
    request = page_request(
        first=first,
        after=after,
        last=last,
        before=before,
        ordering=ACTIVITY_ORDERING,
        default_size=settings.default_page_size,
        max_size=settings.max_page_size,
    )
    page = await pages.load((parent, request))
    return ActivityConnection.from_page(page, lambda: counts.load(parent))
