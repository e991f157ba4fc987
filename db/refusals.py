"""Expected refusals of a write: a stable code, a message, and the input field concerned."""

from __future__ import annotations

from enum import Enum


class RefusalCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    ALREADY_PARTICIPATING = "ALREADY_PARTICIPATING"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


class Refused(Exception):
    """A write that the rules refuse; it changed nothing."""

    def __init__(
        self,
        code: RefusalCode,
        message: str,
        *,
        field: tuple[str, ...] = (),
        current_version: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.current_version = current_version
