"""userErrors: why a mutation changed nothing, with `db` paths spelled as the input's fields."""

from __future__ import annotations

import strawberry
from strawberry.utils.str_converters import to_camel_case

from api.graph.types.enums import graphql_enum
from db.refusals import FieldError, InvalidInput, Path, RefusalCode, Refused

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
        "DUPLICATE_EXTERNAL_REFERENCE_ID": "Another referral your organization owns already "
        "has this externalReferenceId (your CRM key names one referral).",
    },
    name="UserErrorCode",
)


def input_path(path: Path) -> Path:
    """A `db` path (Python names) as the input's GraphQL field names: the one translation.

    ("customer_profile", "contact", "phone_number") -> ("customerProfile", "contact",
    "phoneNumber"); list items keep their index, as the caller sent the list.
    """
    return tuple(to_camel_case(name) for name in path)


def field_name(path: Path) -> str:
    """How a message names the field at an input path: its own name, with a list item's index.

    ("customerProfile", "contact", "email") -> "email"; ("userIds", "2") -> "userIds[2]".
    """
    if len(path) >= 2 and path[-1].isdigit():
        return f"{path[-2]}[{path[-1]}]"
    return path[-1] if path else "input"


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


def user_errors(refusal: Refused) -> list[UserError]:
    """What a refused write tells the caller: one error, or one per invalid input value."""
    if isinstance(refusal, InvalidInput):
        return [_invalid(error) for error in refusal.errors]
    return [
        UserError(
            code=refusal.code,
            message=refusal.message,
            field=_field(input_path(refusal.field)),
            current_version=refusal.current_version,
        )
    ]


def _invalid(error: FieldError) -> UserError:
    path = input_path(error.field)
    return UserError(
        code=RefusalCode.INVALID_INPUT,
        message=f"`{field_name(path)}` {error.message}" if path else error.message,
        field=_field(path),
        current_version=None,
    )


def _field(path: Path) -> list[str] | None:
    return ["input", *path] if path else None
