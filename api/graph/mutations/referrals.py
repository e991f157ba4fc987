"""createReferral, updateReferral and changeReferralStatus."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.graph.mutations.convert import named, pk, to_data
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
    data = to_data(input)
    key = data.pop("idempotencyKey", None)
    referral_id, errors = await write(
        info, lambda: writes.create_referral(context.database, context.viewer, data, key=key)
    )
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
    data = to_data(input)
    data.pop("id")
    expected = data.pop("expectedVersion", None)

    async def work() -> None:
        await writes.update_referral(
            context.database,
            context.viewer,
            pk(input.id, "Referral", ("id",)),
            data,
            expected_version=expected,
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
