"""Organizations: the partners that take part in referrals, by ID and name only."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import Row


@strawberry.type(
    description="A partner organization: its ID and name only (its users and contact details "
    "stay private to it)."
)
class Organization:
    id: strawberry.ID = strawberry.field(
        description="The organization's ID, as `Participant.organizationId` gives it and "
        "`inviteParticipant` takes it (the `org` claim of its tokens)."
    )
    name: str = strawberry.field(description="The organization's name.")

    @classmethod
    def from_row(cls, row: Row[Any]) -> Organization:
        return cls(id=strawberry.ID(str(row.id)), name=row.name)
