"""The GraphQL error of an event cursor older than the event log's retention."""

from __future__ import annotations

from api.errors import ErrorCode, OperationError
from db.event_log import EventsExpired


def expired(error: EventsExpired) -> OperationError:
    """EVENTS_EXPIRED, naming the cursor's argument."""
    return OperationError(str(error), ErrorCode.EVENTS_EXPIRED, argument=error.argument)
