"""Who is asking (`viewer`) and what they may do to a referral (`Referral.viewerCan`).

The answers come from `db.rules`, the functions the writes ask before they write, so a button
a frontend shows from `viewerCan` is one its mutation accepts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.loaders import Resolved, resolve
from api.graph.types.organization import Organization
from api.graph.types.participant import User
from db import rules
from db.models import ReferralStatus


@strawberry.type(
    name="Viewer", description="Who the request acts for: the bearer token's organization and user."
)
class ViewerType:
    @strawberry.field(
        description="Your organization (the token's `org`); null if it is not registered with "
        "this API.",
        graphql_type=Organization | None,
    )
    def organization(self, info: Info) -> Resolved[Organization | None]:
        loader = info.context.loaders.organization_by_id
        return resolve(loader, info.context.viewer.organization_id, _organization)

    @strawberry.field(
        description="You: the token's user (`sub`); null if it is not registered with this API.",
        graphql_type=User | None,
    )
    def user(self, info: Info) -> Resolved[User | None]:
        loader = info.context.loaders.user_by_id
        return resolve(loader, info.context.viewer.user_id, _user)


def _organization(row: Row[Any] | None) -> Organization | None:
    return None if row is None else Organization.from_row(row)


def _user(row: Row[Any] | None) -> User | None:
    return None if row is None else User.from_row(row)


_EXISTS = "true when at least one input exists for which the mutation would be allowed now"


@strawberry.type(
    description="What your organization may do to this referral now, by the same rules the "
    "mutations obey: each true field is a mutation that would not be refused for "
    "authorization or lifecycle reasons (input can still be invalid, and a change by someone "
    "else in between can still conflict). All false on a participant's view "
    "(`Participant.referralView`), whose ID mutations refuse."
)
class ReferralViewerCan:
    update: bool = strawberry.field(
        description="`updateReferral`: you are an ACCEPTED participant and the referral is "
        "open (PENDING or ACTIVE)."
    )
    change_status: bool = strawberry.field(
        description=f"`changeReferralStatus`, {_EXISTS}: some status the referral may move to "
        "(PENDING -> ACTIVE or LOST, ACTIVE -> WON or LOST), and you are an ACCEPTED participant."
    )
    invite: bool = strawberry.field(
        description=f"`inviteParticipant`, {_EXISTS}: you are an ACCEPTED participant of an "
        "open referral, so you may invite any organization that does not already take part "
        "(one INVITED or ACCEPTED on it is refused with ALREADY_PARTICIPATING)."
    )
    accept_invitation: bool = strawberry.field(
        description="`acceptInvitation` of your own invitation (`viewerParticipant`): it is "
        "INVITED, inside its window, and the referral is open."
    )
    reject_invitation: bool = strawberry.field(
        description="`rejectInvitation` of your own invitation (`viewerParticipant`): it is "
        "INVITED, inside its window, and the referral is open."
    )
    add_note: bool = strawberry.field(
        description="`addReferralNote`: you are an ACCEPTED participant and the referral is open."
    )

    @classmethod
    def of(cls, status: ReferralStatus, own: Row[Any] | None, now: datetime) -> ReferralViewerCan:
        """The answers of `db.rules` for an organization whose participant is `own`."""
        actor = None if own is None else own.status
        changes = rules.may_change(status, actor) is None
        answers = own is not None and (
            rules.may_answer(status, own.status, own.expires_date, now) is None
        )
        return cls(
            update=changes,
            change_status=any(
                rules.may_change_status(status, actor, to) is None for to in ReferralStatus
            ),
            invite=rules.may_invite(status, actor) is None,
            accept_invitation=answers,
            reject_invitation=answers,
            add_note=changes,
        )

    @classmethod
    def nothing(cls) -> ReferralViewerCan:
        """No mutation takes this object's ID (a participant's view)."""
        return cls(
            update=False,
            change_status=False,
            invite=False,
            accept_invitation=False,
            reject_invitation=False,
            add_note=False,
        )
