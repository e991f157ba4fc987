"""Mutation payloads: the changed objects, or typed errors saying why nothing changed."""

from __future__ import annotations

import strawberry

from api.graph.types.activity import Activity
from api.graph.types.enums import graphql_enum
from api.graph.types.participant import Participant
from api.graph.types.referral import Referral
from db.refusals import RefusalCode, Refused
from db.validation import FieldError, field_name

graphql_enum(
    RefusalCode,
    "Why a mutation changed nothing. Stable: switch on it, show `message`.",
    {
        "NOT_FOUND": "No such object, or not one your organization may see.",
        "NOT_AUTHORIZED": "Your organization may see it but not do this (e.g. only ACCEPTED "
        "participants change a referral; only the invited organization answers).",
        "INVALID_INPUT": "An input value is malformed or out of bounds; `field` names it.",
        "INVALID_TRANSITION": "The lifecycle does not allow this from the current state "
        "(e.g. WON from PENDING, any change to a closed referral).",
        "CONFLICT": "The referral is not at `expectedVersion` any more; `currentVersion` "
        "says where it is. Read it again, then retry.",
        "INVITATION_EXPIRED": "The invitation passed its window before it was answered.",
        "ALREADY_PARTICIPATING": "The organization already has an open (INVITED or "
        "ACCEPTED) participation in the referral.",
        "IDEMPOTENCY_KEY_REUSED": "The idempotency key was used before with another body.",
    },
    name="UserErrorCode",
)


@strawberry.type(description="Why a mutation changed nothing, for the user and for code.")
class UserError:
    code: RefusalCode = strawberry.field(description="Stable machine-readable reason.")
    message: str = strawberry.field(description="Human-readable explanation, in English.")
    field: list[str] | None = strawberry.field(
        description="Path to the input field concerned, e.g. "
        '["input", "customerProfile", "contact", "email"]; a list item by its index in the '
        'list as you sent it, e.g. ["input", "userIds", "2"]; null if none in particular.'
    )
    current_version: int | None = strawberry.field(
        description="For CONFLICT: the referral's current version."
    )

    @classmethod
    def refused(cls, refusal: Refused) -> UserError:
        return cls(
            code=refusal.code,
            message=refusal.message,
            field=_path(refusal.field),
            current_version=refusal.current_version,
        )

    @classmethod
    def invalid(cls, error: FieldError) -> UserError:
        return cls(
            code=RefusalCode.INVALID_INPUT,
            message=f"`{field_name(error.field)}` {error.message}"
            if error.field
            else error.message,
            field=_path(error.field),
            current_version=None,
        )


def _path(field: tuple[str, ...]) -> list[str] | None:
    return ["input", *field] if field else None


_ERRORS = "Why nothing changed; empty on success."
_NOW = (
    "The referral as it is now, as you may see it: after the change, or after a refusal "
    "(e.g. to reconcile a CONFLICT). Null if it does not exist or is not yours to see."
)


@strawberry.type(description="The result of createReferral.")
class CreateReferralPayload:
    referral: Referral | None = strawberry.field(description="The new (or remembered) referral.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of updateReferral.")
class UpdateReferralPayload:
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of changeReferralStatus.")
class ChangeReferralStatusPayload:
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of inviteParticipant.")
class InviteParticipantPayload:
    participant: Participant | None = strawberry.field(
        description="The new INVITED participant; null when refused."
    )
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of acceptInvitation.")
class AcceptInvitationPayload:
    participant: Participant | None = strawberry.field(
        description="Your participant as it is now: ACCEPTED, or after a refusal as it stands; "
        "null if it does not exist or is not yours to see."
    )
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of rejectInvitation.")
class RejectInvitationPayload:
    participant: Participant | None = strawberry.field(
        description="Your participant as it is now: REJECTED, or after a refusal as it stands; "
        "null if it does not exist or is not yours to see."
    )
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="The result of addReferralNote.")
class AddReferralNotePayload:
    activity: Activity | None = strawberry.field(
        description="The NOTE_ADDED activity; null when refused."
    )
    referral: Referral | None = strawberry.field(description=_NOW)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
