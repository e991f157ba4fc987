"""Expected refusals of a write: a stable code, a message, and the input field concerned.

Fields are paths of Python names in the write's values (`("customer_profile", "contact",
"email")`, `("user_ids", "2")` for a list's third item as the caller sent it); the API layer
spells them as its own inputs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

Path = tuple[str, ...]


class RefusalCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    ALREADY_PARTICIPATING = "ALREADY_PARTICIPATING"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    DUPLICATE_EXTERNAL_REFERENCE_ID = "DUPLICATE_EXTERNAL_REFERENCE_ID"


class Refused(Exception):
    """A write that the rules refuse; it changed nothing."""

    def __init__(
        self,
        code: RefusalCode,
        message: str,
        *,
        field: Path = (),
        current_version: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.current_version = current_version


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem of an input value: where it is, and what is wrong with it (a message that
    reads after the field's name, e.g. "is required")."""

    field: Path
    message: str


class InvalidInput(Refused):
    """Every problem of one input (INVALID_INPUT), each at the path of the value it concerns."""

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("InvalidInput needs at least one FieldError")
        self.errors: list[FieldError] = list(errors)
        super().__init__(RefusalCode.INVALID_INPUT, str(self), field=errors[0].field)
        # args stay (errors,) so the exception pickles and copies like any other.
        self.args = (self.errors,)

    def __str__(self) -> str:
        return "; ".join(f"{'.'.join(e.field) or '(input)'} {e.message}" for e in self.errors)
