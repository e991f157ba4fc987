"""Participants (an organization's part in a referral) and the users who work it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Optional

import strawberry
from sqlalchemy import Row
from strawberry.types.lazy_type import LazyType

from api.context import Info
from api.graph.edges import PARTICIPANT_FIELDS
from api.graph.loaders import Resolved, resolve
from api.graph.relay.ids import global_id_encoder
from api.graph.relay.paging import Paging, paged
from api.graph.types.activity import ActivityConnection, activity_connection, participant_of
from api.graph.types.deferred import blank, defer
from api.graph.types.enums import ParticipantStatus
from api.graph.types.node import Node
from api.graph.types.organization import Organization
from db.models import ParticipantStatus as Status
from db.rows import positions

if TYPE_CHECKING:
    from api.graph.types.referral import Referral

# Referrals are built here but defined above this module (they list participants): the class
# is looked up when first needed, as Strawberry resolves the annotation.
REFERRAL: LazyType[str, str] = LazyType("Referral", "api.graph.types.referral")
_USER_ID = global_id_encoder("User")
_PARTICIPANT_ID = global_id_encoder("Participant")


@strawberry.type(description="A person of a partner organization who works referrals.")
class User(Node):
    organization_id: strawberry.ID = strawberry.field(
        description="ID of the user's organization (the `org` claim of its tokens)."
    )
    display_name: str = strawberry.field(description="Name to show, e.g. 'Ana Ruiz'.")
    email: str = strawberry.field(description="Work email address.")
    pk: strawberry.Private[uuid.UUID]
    organization_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> User:
        """The user of an `app_user` row; its ID and organization's ID are made when read."""
        at = positions(row)
        user = blank(cls)
        user.pk = row[at["id"]]
        user.organization_pk = row[at["organization_id"]]
        user.display_name = row[at["display_name"]]
        user.email = row[at["email"]]
        return user


@strawberry.type(
    description="An organization's part in a referral: its owner, or an invitation and its answer."
)
class Participant(Node):
    organization_id: strawberry.ID = strawberry.field(
        description="ID of the participating organization."
    )
    status: ParticipantStatus = strawberry.field(
        description="Where the participation stands. An unanswered invitation past its "
        "expiresDate reads EXPIRED."
    )
    invited_by_participant_id: strawberry.ID | None = strawberry.field(
        description="ID of the participant who sent the invitation; null for the owner."
    )
    invited_date: datetime | None = strawberry.field(
        description="When the organization was invited (the owner: when it created the referral)."
    )
    responded_date: datetime | None = strawberry.field(
        description="When the invitation was accepted or rejected; null while unanswered."
    )
    expires_date: datetime | None = strawberry.field(
        description="When an unanswered invitation expires; null for the owner."
    )
    pk: strawberry.Private[uuid.UUID]
    referral_pk: strawberry.Private[uuid.UUID]
    invited_by_pk: strawberry.Private[uuid.UUID | None]

    organization_pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Participant:
        """The participant of a participant row (its status as the viewer reads it); its ID,
        its organization's and its inviter's are made when read."""
        at = positions(row)
        participant = blank(cls)
        participant.pk = row[at["id"]]
        participant.referral_pk = row[at["referral_id"]]
        participant.organization_pk = row[at["organization_id"]]
        participant.invited_by_pk = row[at["invited_by_participant_id"]]
        participant.status = row[at["status"]]
        participant.invited_date = row[at["invited_date"]]
        participant.responded_date = row[at["responded_date"]]
        participant.expires_date = row[at["expires_date"]]
        return participant

    @strawberry.field(
        description="The participating organization: its ID (pass it to "
        "`inviteParticipant`) and name.",
        graphql_type=Organization,
    )
    def organization(self, info: Info) -> Resolved[Organization]:
        return resolve(
            PARTICIPANT_FIELDS["organization"](info.context.loaders), self.pk, _organization
        )

    @strawberry.field(
        description="The organization's users who work this referral.", graphql_type=list[User]
    )
    def users(self, info: Info) -> Resolved[list[User]]:
        return resolve(
            PARTICIPANT_FIELDS["users"](info.context.loaders),
            self.pk,
            lambda rows: [User.from_row(row) for row in rows],
        )

    @strawberry.field(
        description="The participant who sent the invitation; null for the owner.",
        graphql_type=Optional["Participant"],
    )
    def invited_by(self, info: Info) -> Resolved[Participant | None]:
        return participant_of(info, self.referral_pk, self.invited_by_pk)

    @strawberry.field(
        description="Activities this participant performed or that concern it, oldest first."
    )
    @paged
    async def referral_activities(self, info: Info, paging: Paging) -> ActivityConnection:
        loaders = info.context.loaders
        return await activity_connection(
            info,
            loaders.activity_page_by_participant,
            loaders.activity_count_by_participant,
            self.pk,
            paging,
        )

    @strawberry.field(
        description="The referral as this participant may see it: customer contact details "
        "appear only when both it and you are ACCEPTED participants. For an ACCEPTED "
        "participant that is the referral as you see it, with the same IDs; otherwise the "
        "referral and its customer profile carry IDs of their own (`node(id:)` answers them "
        "again), so a normalized cache keeps them apart from yours. These view IDs are "
        "read-only: mutations refuse them."
    )
    async def referral_view(
        self, info: Info
    ) -> Annotated[Referral, strawberry.lazy("api.graph.types.referral")] | None:
        row = await info.context.loaders.referral_by_id.load(self.referral_pk)
        if row is None:
            return None
        return REFERRAL.resolve_type().from_row(row, viewpoint=self.viewpoint)  # type: ignore[no-any-return]

    @property
    def viewpoint(self) -> uuid.UUID | None:
        """Whose view `referralView` is, when it differs from the viewer's own.

        An ACCEPTED participant sees what the viewer sees (the contact when the viewer has
        accepted too), and ACCEPTED is final, so its view is the viewer's referral for good.
        Any other sees no contact, whoever looks: its view is an object of its own.
        """
        return None if self.status is Status.ACCEPTED else self.pk


defer(
    User,
    id=lambda user: _USER_ID(user.pk),
    organization_id=lambda user: str(user.organization_pk),
)
defer(
    Participant,
    id=lambda participant: _PARTICIPANT_ID(participant.pk),
    organization_id=lambda participant: str(participant.organization_pk),
    invited_by_participant_id=lambda participant: (
        None if participant.invited_by_pk is None else _PARTICIPANT_ID(participant.invited_by_pk)
    ),
)


def _organization(row: Row[Any] | None) -> Organization:
    # Participants are loaded as the viewer may see them, and their organization with them
    # (a foreign key): a participant seen without one would be a broken database.
    assert row is not None, "a participant's organization is missing"
    return Organization.from_row(row)
