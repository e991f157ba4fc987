"""Activities: a referral's append-only history, and the connection that pages it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from sqlalchemy import Row
from strawberry.types.lazy_type import LazyType
from strawberry.utils.await_maybe import await_maybe

from api.context import Info
from api.graph.loaders import Resolved, SharedLoader, resolve
from api.graph.relay.connection import Connection, connection
from api.graph.relay.ids import global_id_encoder
from api.graph.relay.paging import Paging
from api.graph.types.deferred import blank, defer
from api.graph.types.enums import ActivityType, ReferralStatus
from api.graph.types.node import Node
from db.paging import Page, PageRequest, Position
from db.rows import positions

if TYPE_CHECKING:
    from api.graph.types.participant import Participant

ACTIVITY_ORDERING = "activity"
# Participants are built here but defined above this module (they page activities): the
# class is looked up when first needed, as Strawberry resolves the annotation.
PARTICIPANT: LazyType[str, str] = LazyType("Participant", "api.graph.types.participant")
LazyParticipant = Annotated["Participant", strawberry.lazy("api.graph.types.participant")]
_ACTIVITY_ID = global_id_encoder("Activity")


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
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Activity:
        """The activity of a row; its ID is made when read."""
        at = positions(row)
        activity = blank(cls)
        activity.pk = row[at["id"]]
        activity.type = row[at["type"]]
        activity.occurred_date = row[at["occurred_date"]]
        activity.from_status = row[at["from_status"]]
        activity.to_status = row[at["to_status"]]
        activity.note = row[at["note"]]
        activity.referral_pk = row[at["referral_id"]]
        activity.actor_pk = row[at["actor_participant_id"]]
        activity.subject_pk = row[at["subject_participant_id"]]
        return activity

    @strawberry.field(description="The participant who acted; null for changes made by time.")
    async def actor(self, info: Info) -> LazyParticipant | None:
        return await await_maybe(participant_of(info, self.referral_pk, self.actor_pk))

    @strawberry.field(
        description="The participant the activity concerns (the invited one, for invitations)."
    )
    async def subject(self, info: Info) -> LazyParticipant | None:
        return await await_maybe(participant_of(info, self.referral_pk, self.subject_pk))


defer(Activity, id=lambda activity: _ACTIVITY_ID(activity.pk))


def participant_of(
    info: Info, referral_pk: uuid.UUID, pk: uuid.UUID | None
) -> Resolved[Participant | None]:
    """A participant of the referral, through the referral's participants batch.

    Actors, subjects and inviters always belong to the same referral; loading them with its
    participants keeps the statement count fixed whichever loader answers first.
    """
    if pk is None:
        return None
    participant_type = PARTICIPANT.resolve_type()

    def pick(rows: list[Row[Any]]) -> Participant | None:
        row = next((row for row in rows if row.id == pk), None)
        return None if row is None else participant_type.from_row(row)

    return resolve(info.context.loaders.participants_by_referral, referral_pk, pick)


@connection(item="activity", items="activities", description="A page of activities, oldest first.")
class ActivityConnection(Connection[Activity]):
    pass


async def activity_connection(
    info: Info,
    pages: SharedLoader[tuple[uuid.UUID, PageRequest], Page],
    counts: SharedLoader[uuid.UUID, int],
    parent: uuid.UUID,
    paging: Paging,
) -> ActivityConnection:
    """One parent's page of activities, its total loaded only if asked for."""
    request = paging.request(ACTIVITY_ORDERING, info.context.settings)
    page = await pages.load((parent, request))
    return ActivityConnection.from_page(
        page,
        ordering=ACTIVITY_ORDERING,
        position=lambda row: Position(row.occurred_date, row.id),
        node=Activity.from_row,
        count=lambda: counts.load(parent),
    )
