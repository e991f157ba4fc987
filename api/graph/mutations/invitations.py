"""inviteParticipant, acceptInvitation and rejectInvitation."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from api.context import Info
from api.graph.mutations.convert import named, organization_pk, pk
from api.graph.mutations.inputs import (
    AcceptInvitationInput,
    InviteParticipantInput,
    RejectInvitationInput,
)
from api.graph.mutations.payloads import (
    AcceptInvitationPayload,
    InviteParticipantPayload,
    RejectInvitationPayload,
    participant_now,
    referral_now,
    write,
)
from api.graph.mutations.user_errors import UserError
from api.graph.types.participant import Participant
from api.graph.types.referral import Referral
from db import writes


@strawberry.mutation(
    description="Invite another organization to a referral (only ACCEPTED participants "
    "invite). The invitation expires after the configured window (14 days by default)."
)
async def invite_participant(
    info: Info,
    input: Annotated[InviteParticipantInput, strawberry.argument(description="Whom.")],
) -> InviteParticipantPayload:
    context = info.context

    async def work() -> uuid.UUID:
        referral_id = pk(input.referral_id, "Referral", ("referral_id",))
        organization_id = organization_pk(input.organization_id, ("organization_id",))
        user_ids = [
            pk(user_id, "User", ("user_ids", str(index)))
            for index, user_id in enumerate(input.user_ids)
        ]
        return await writes.invite_participant(
            context.database,
            context.viewer,
            referral_id,
            organization_id,
            user_ids=user_ids,
            note=input.note,
            window=context.settings.invitation_window,
            expected_version=input.expected_version,
        )

    participant_id, errors = await write(info, work)
    return InviteParticipantPayload(
        participant=await participant_now(info, participant_id),
        referral=await referral_now(info, named(input.referral_id, "Referral")),
        user_errors=errors,
    )


@strawberry.mutation(
    description="Accept your organization's invitation while it is INVITED and not "
    "expired. The first acceptance moves a PENDING referral to ACTIVE."
)
async def accept_invitation(
    info: Info,
    input: Annotated[AcceptInvitationInput, strawberry.argument(description="Which.")],
) -> AcceptInvitationPayload:
    participant, referral, errors = await _answer(info, input.participant_id, True, None)
    return AcceptInvitationPayload(participant=participant, referral=referral, user_errors=errors)


@strawberry.mutation(
    description="Reject your organization's invitation while it is INVITED and not expired."
)
async def reject_invitation(
    info: Info,
    input: Annotated[RejectInvitationInput, strawberry.argument(description="Which.")],
) -> RejectInvitationPayload:
    participant, referral, errors = await _answer(info, input.participant_id, False, input.reason)
    return RejectInvitationPayload(participant=participant, referral=referral, user_errors=errors)


async def _answer(
    info: Info, participant_global_id: str, accept: bool, reason: str | None
) -> tuple[Participant | None, Referral | None, list[UserError]]:
    """Answer an invitation; the invitation and its referral as they are now, and any errors."""
    context = info.context

    async def work() -> None:
        participant_id = pk(participant_global_id, "Participant", ("participant_id",))
        await writes.answer_invitation(
            context.database, context.viewer, participant_id, accept=accept, reason=reason
        )

    _, errors = await write(info, work)
    participant = await participant_now(info, named(participant_global_id, "Participant"))
    referral = await referral_now(info, participant.referral_pk if participant else None)
    return participant, referral, errors
