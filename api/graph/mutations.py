"""The Mutation root: each mutation maps its input to one rule of `db.writes`.

Expected refusals come back as `userErrors` in the payload; the payload's objects are read
after the write, through fresh loaders, as the caller may see them. After a refusal too: the
referral (and participant) the input names, as it is now, so a client can reconcile (e.g.
after a CONFLICT); null when it does not exist or the caller may not see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Annotated, TypeVar

import strawberry

from api.context import Info
from api.errors import BadUserInput
from api.graph.ids import expect_global_id
from api.graph.types.activity import Activity
from api.graph.types.inputs import (
    AcceptInvitationInput,
    AddReferralNoteInput,
    ChangeReferralStatusInput,
    CreateReferralInput,
    InviteParticipantInput,
    RejectInvitationInput,
    UpdateReferralInput,
    to_data,
)
from api.graph.types.participant import Participant
from api.graph.types.payloads import (
    AcceptInvitationPayload,
    AddReferralNotePayload,
    ChangeReferralStatusPayload,
    CreateReferralPayload,
    InviteParticipantPayload,
    RejectInvitationPayload,
    UpdateReferralPayload,
    UserError,
)
from api.graph.types.referral import Referral
from db import writes
from db.refusals import RefusalCode, Refused
from db.validation import InvalidInput, field_name

T = TypeVar("T")


async def _write(info: Info, work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """Run a write; its result, or the user errors that explain why nothing changed.

    Either way the request's loaders are dropped, so the payload reads the state after it.
    """
    try:
        return await work, []
    except Refused as refusal:
        return None, [UserError.refused(refusal)]
    except InvalidInput as invalid:
        return None, [UserError.invalid(error) for error in invalid.errors]
    finally:
        info.context.forget_reads()


def _pk(value: str, type_name: str, field: tuple[str, ...]) -> uuid.UUID:
    """A global ID's key; a malformed or foreign-typed ID refuses the write at its input path
    (`("userIds", "2")` for a list's third item, as every userError's `field` names items)."""
    try:
        return expect_global_id(value, type_name, argument=field_name(field))
    except BadUserInput as error:
        raise Refused(RefusalCode.INVALID_INPUT, error.message, field=field) from None


def _named(value: str, type_name: str) -> uuid.UUID | None:
    """The key of a well-formed ID of `type_name`, to read the payload by; else None."""
    try:
        return expect_global_id(value, type_name)
    except BadUserInput:
        return None


async def _referral(info: Info, referral_id: uuid.UUID | None) -> Referral | None:
    if referral_id is None:
        return None
    row = await info.context.loaders.referral_by_id.load(referral_id)
    return None if row is None else Referral.from_row(row)


async def _participant(info: Info, participant_id: uuid.UUID | None) -> Participant | None:
    if participant_id is None:
        return None
    row = await info.context.loaders.participant_by_id.load(participant_id)
    return None if row is None else Participant.from_row(row)


@strawberry.type(description="Change referrals. Each mutation is one transaction with its history.")
class Mutation:
    @strawberry.mutation(
        description="Create a PENDING referral owned by your organization (an ACCEPTED "
        "participant). Safe to retry with `idempotencyKey`."
    )
    async def create_referral(
        self,
        info: Info,
        input: Annotated[CreateReferralInput, strawberry.argument(description="The referral.")],
    ) -> CreateReferralPayload:
        context = info.context
        data = to_data(input)
        key = data.pop("idempotencyKey", None)
        referral_id, errors = await _write(
            info, writes.create_referral(context.database, context.viewer, data, key=key)
        )
        return CreateReferralPayload(
            referral=await _referral(info, referral_id), user_errors=errors
        )

    @strawberry.mutation(
        description="Change a referral's name, customer, requirements or deal details. Only "
        "ACCEPTED participants; not once WON or LOST. Writes an UPDATED activity unless "
        "nothing actually changed."
    )
    async def update_referral(
        self,
        info: Info,
        input: Annotated[UpdateReferralInput, strawberry.argument(description="The changes.")],
    ) -> UpdateReferralPayload:
        context = info.context
        data = to_data(input)
        data.pop("id")
        expected = data.pop("expectedVersion", None)

        async def work() -> None:
            referral_id = _pk(input.id, "Referral", ("id",))
            await writes.update_referral(
                context.database, context.viewer, referral_id, data, expected_version=expected
            )

        _, errors = await _write(info, work())
        return UpdateReferralPayload(
            referral=await _referral(info, _named(input.id, "Referral")), user_errors=errors
        )

    @strawberry.mutation(
        description="Move a referral along its lifecycle: PENDING -> ACTIVE -> WON or LOST, "
        "PENDING -> LOST. LOST needs a statusReason. Closing turns open invitations MISSED."
    )
    async def change_referral_status(
        self,
        info: Info,
        input: Annotated[
            ChangeReferralStatusInput, strawberry.argument(description="The new status.")
        ],
    ) -> ChangeReferralStatusPayload:
        context = info.context

        async def work() -> None:
            await writes.change_status(
                context.database,
                context.viewer,
                _pk(input.id, "Referral", ("id",)),
                input.status,
                reason=input.status_reason,
                expected_version=input.expected_version,
            )

        _, errors = await _write(info, work())
        return ChangeReferralStatusPayload(
            referral=await _referral(info, _named(input.id, "Referral")), user_errors=errors
        )

    @strawberry.mutation(
        description="Invite another organization to a referral (only ACCEPTED participants "
        "invite). The invitation expires after the configured window (14 days by default)."
    )
    async def invite_participant(
        self,
        info: Info,
        input: Annotated[InviteParticipantInput, strawberry.argument(description="Whom.")],
    ) -> InviteParticipantPayload:
        context = info.context

        async def work() -> uuid.UUID:
            referral_id = _pk(input.referral_id, "Referral", ("referralId",))
            try:
                organization_id = uuid.UUID(str(input.organization_id))
            except ValueError:
                raise Refused(
                    RefusalCode.INVALID_INPUT,
                    "`organizationId` is not an organization ID.",
                    field=("organizationId",),
                ) from None
            user_ids = [
                _pk(user_id, "User", ("userIds", str(index)))
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

        participant_id, errors = await _write(info, work())
        return InviteParticipantPayload(
            participant=await _participant(info, participant_id),
            referral=await _referral(info, _named(input.referral_id, "Referral")),
            user_errors=errors,
        )

    @strawberry.mutation(
        description="Accept your organization's invitation while it is INVITED and not "
        "expired. The first acceptance moves a PENDING referral to ACTIVE."
    )
    async def accept_invitation(
        self,
        info: Info,
        input: Annotated[AcceptInvitationInput, strawberry.argument(description="Which.")],
    ) -> AcceptInvitationPayload:
        participant, referral, errors = await _answer(info, input.participant_id, True, None)
        return AcceptInvitationPayload(
            participant=participant, referral=referral, user_errors=errors
        )

    @strawberry.mutation(
        description="Reject your organization's invitation while it is INVITED and not expired."
    )
    async def reject_invitation(
        self,
        info: Info,
        input: Annotated[RejectInvitationInput, strawberry.argument(description="Which.")],
    ) -> RejectInvitationPayload:
        participant, referral, errors = await _answer(
            info, input.participant_id, False, input.reason
        )
        return RejectInvitationPayload(
            participant=participant, referral=referral, user_errors=errors
        )

    @strawberry.mutation(
        description="Add a note to the referral's history (NOTE_ADDED). Only ACCEPTED "
        "participants; not once WON or LOST."
    )
    async def add_referral_note(
        self,
        info: Info,
        input: Annotated[AddReferralNoteInput, strawberry.argument(description="The note.")],
    ) -> AddReferralNotePayload:
        context = info.context

        async def work() -> uuid.UUID:
            return await writes.add_note(
                context.database,
                context.viewer,
                _pk(input.referral_id, "Referral", ("referralId",)),
                input.note,
                expected_version=input.expected_version,
            )

        activity_id, errors = await _write(info, work())
        activity = None
        if activity_id is not None:
            row = await context.loaders.activity_by_id.load(activity_id)
            activity = None if row is None else Activity.from_row(row)
        return AddReferralNotePayload(
            activity=activity,
            referral=await _referral(info, _named(input.referral_id, "Referral")),
            user_errors=errors,
        )


async def _answer(
    info: Info, participant_global_id: str, accept: bool, reason: str | None
) -> tuple[Participant | None, Referral | None, list[UserError]]:
    """Answer an invitation; the invitation and its referral as they are now, and any errors."""
    context = info.context

    async def work() -> None:
        participant_id = _pk(participant_global_id, "Participant", ("participantId",))
        await writes.answer_invitation(
            context.database, context.viewer, participant_id, accept=accept, reason=reason
        )

    _, errors = await _write(info, work())
    participant = await _participant(info, _named(participant_global_id, "Participant"))
    referral = await _referral(info, participant.referral_pk if participant else None)
    return participant, referral, errors
