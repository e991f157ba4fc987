"""addReferralNote."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.graph.mutations.convert import named, pk
from api.graph.mutations.inputs import AddReferralNoteInput
from api.graph.mutations.payloads import AddReferralNotePayload, activity_now, referral_now, write
from db import writes


@strawberry.mutation(
    description="Add a note to the referral's history (NOTE_ADDED). Only ACCEPTED "
    "participants; not once WON or LOST."
)
async def add_referral_note(
    info: Info,
    input: Annotated[AddReferralNoteInput, strawberry.argument(description="The note.")],
) -> AddReferralNotePayload:
    context = info.context
    activity_id, errors = await write(
        info,
        lambda: writes.add_note(
            context.database,
            context.viewer,
            pk(input.referral_id, "Referral", ("referral_id",)),
            input.note,
            expected_version=input.expected_version,
        ),
    )
    return AddReferralNotePayload(
        activity=await activity_now(info, activity_id),
        referral=await referral_now(info, named(input.referral_id, "Referral")),
        user_errors=errors,
    )
