"""Mutation payloads, and the one way a write becomes a payload: run it, then read what is now.

Expected refusals come back as `userErrors`; the payload's objects are read after the write,
through fresh loaders, as the caller may see them. After a refusal too: the referral (and
participant) the input names, as it is now, so a client can reconcile (e.g. after a CONFLICT);
null when it does not exist or the caller may not see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry

from api.context import Info
from api.graph.mutations.user_errors import UserError, user_errors
from api.graph.types.activity import Activity
from api.graph.types.participant import Participant
from api.graph.types.referral import Referral
from db.refusals import Refused

T = TypeVar("T")

_NOW = (
    "The referral as it is now, as you may see it: after the change, or after a refusal "
    "(e.g. to reconcile a CONFLICT). Null if it does not exist or is not yours to see."
)


def _referral(description: str = _NOW) -> Any:
    return strawberry.field(description=description)


def _errors() -> Any:
    return strawberry.field(description="Why nothing changed; empty on success.")


def _answered(status: str) -> Any:
    return strawberry.field(
        description=f"Your participant as it is now: {status}, or after a refusal as it "
        "stands; null if it does not exist or is not yours to see."
    )


@strawberry.type(description="The result of createReferral.")
class CreateReferralPayload:
    referral: Referral | None = _referral("The new (or remembered) referral.")
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of updateReferral.")
class UpdateReferralPayload:
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of changeReferralStatus.")
class ChangeReferralStatusPayload:
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of inviteParticipant.")
class InviteParticipantPayload:
    participant: Participant | None = strawberry.field(
        description="The new INVITED participant; null when refused."
    )
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of acceptInvitation.")
class AcceptInvitationPayload:
    participant: Participant | None = _answered("ACCEPTED")
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of rejectInvitation.")
class RejectInvitationPayload:
    participant: Participant | None = _answered("REJECTED")
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


@strawberry.type(description="The result of addReferralNote.")
class AddReferralNotePayload:
    activity: Activity | None = strawberry.field(
        description="The NOTE_ADDED activity; null when refused."
    )
    referral: Referral | None = _referral()
    user_errors: list[UserError] = _errors()


async def write(info: Info, work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run a write; its result, or the user errors that explain why nothing changed.

    Either way the request's loaders are dropped, so the payload reads the state after it.
    The request's read connection goes back first: the write takes one of its own.
    """
    await info.context.loaders.connection.pause()
    try:
        return await work(), []
    except Refused as refusal:
        return None, user_errors(refusal)
    finally:
        info.context.forget_reads()


async def referral_now(info: Info, referral_id: uuid.UUID | None) -> Referral | None:
    if referral_id is None:
        return None
    row = await info.context.loaders.referral_by_id.load(referral_id)
    return None if row is None else Referral.from_row(row)


async def participant_now(info: Info, participant_id: uuid.UUID | None) -> Participant | None:
    if participant_id is None:
        return None
    row = await info.context.loaders.participant_by_id.load(participant_id)
    return None if row is None else Participant.from_row(row)


async def activity_now(info: Info, activity_id: uuid.UUID | None) -> Activity | None:
    if activity_id is None:
        return None
    row = await info.context.loaders.activity_by_id.load(activity_id)
    return None if row is None else Activity.from_row(row)
