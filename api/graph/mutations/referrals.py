"""createReferral, updateReferral and changeReferralStatus."""

from __future__ import annotations

import uuid
from typing import Annotated

import strawberry

from api.context import Info
from api.graph.mutations import convert
from api.graph.mutations.convert import named, pk
from api.graph.mutations.inputs import (
    ChangeReferralStatusInput,
    CreateReferralInput,
    UpdateReferralInput,
)
from api.graph.mutations.payloads import (
    ChangeReferralStatusPayload,
    CreateReferralPayload,
    UpdateReferralPayload,
    referral_now,
    write,
)
from db import writes


@strawberry.mutation(
    description="Create a PENDING referral owned by your organization (an ACCEPTED "
    "participant). Safe to retry with `idempotencyKey`."
)
async def create_referral(
    info: Info,
    input: Annotated[CreateReferralInput, strawberry.argument(description="The referral.")],
) -> CreateReferralPayload:
    context = info.context
    idempotency = (
        None
        if input.idempotency_key is None
        else writes.Idempotency(input.idempotency_key, convert.fingerprint(input))
    )

    async def work() -> uuid.UUID:
        return await writes.create_referral(
            context.database, context.viewer, convert.draft(input), idempotency=idempotency
        )

    referral_id, errors = await write(info, work)
    return CreateReferralPayload(referral=await referral_now(info, referral_id), user_errors=errors)


@strawberry.mutation(
    description="Change a referral's name, customer, requirements or deal details. Only "
    "ACCEPTED participants; not once WON or LOST. Writes an UPDATED activity unless "
    "nothing actually changed."
)
async def update_referral(
    info: Info,
    input: Annotated[UpdateReferralInput, strawberry.argument(description="The changes.")],
) -> UpdateReferralPayload:
    context = info.context

    async def work() -> None:
        await writes.update_referral(
            context.database,
            context.viewer,
            pk(input.id, "Referral", ("id",)),
            convert.patch(input),
            expected_version=input.expected_version,
            name_field=convert.update_note_name,
        )

    _, errors = await write(info, work)
    return UpdateReferralPayload(
        referral=await referral_now(info, named(input.id, "Referral")), user_errors=errors
    )


@strawberry.mutation(
    description="Move a referral along its lifecycle: PENDING -> ACTIVE -> WON or LOST, "
    "PENDING -> LOST. LOST needs a statusReason. Closing turns open invitations MISSED."
)
async def change_referral_status(
    info: Info,
    input: Annotated[ChangeReferralStatusInput, strawberry.argument(description="The new status.")],
) -> ChangeReferralStatusPayload:
    context = info.context

    async def work() -> None:
        await writes.change_status(
            context.database,
            context.viewer,
            pk(input.id, "Referral", ("id",)),
            input.status,
            reason=input.status_reason,
            expected_version=input.expected_version,
        )

    _, errors = await write(info, work)
    return ChangeReferralStatusPayload(
        referral=await referral_now(info, named(input.id, "Referral")), user_errors=errors
    )
