"""Relay node lookups: global IDs, participants' views included, to the objects they name."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row
from strawberry.dataloader import DataLoader

from api.context import Info
from api.graph.ids import GlobalId, decode_global_id
from api.graph.loaders import Loaders
from api.graph.types.activity import Activity
from api.graph.types.node import Node
from api.graph.types.participant import Participant, User
from api.graph.types.referral import CustomerProfile, Referral

NodeLoader = Callable[[Loaders], DataLoader[uuid.UUID, Row[Any] | None]]
NODE_READERS: dict[str, tuple[NodeLoader, Callable[[Row[Any]], Node]]] = {
    "Referral": (lambda loaders: loaders.referral_by_id, Referral.from_row),
    "CustomerProfile": (lambda loaders: loaders.customer_profile_by_id, CustomerProfile.from_row),
    "Participant": (lambda loaders: loaders.participant_by_id, Participant.from_row),
    "User": (lambda loaders: loaders.user_by_id, User.from_row),
    "Activity": (lambda loaders: loaders.activity_by_id, Activity.from_row),
}
# Objects with views: how to build one as a participant sees it, and the referral a row is of.
VIEW_BUILDERS: dict[str, Callable[[Row[Any], uuid.UUID | None], Node]] = {
    "Referral": lambda row, viewpoint: Referral.from_row(row, viewpoint=viewpoint),
    "CustomerProfile": lambda row, viewpoint: CustomerProfile.from_row(row, viewpoint=viewpoint),
}
REFERRAL_OF: dict[str, Callable[[Row[Any]], uuid.UUID]] = {
    "Referral": lambda row: row.id,
    "CustomerProfile": lambda row: row.referral_id,
}


@dataclass(frozen=True, slots=True)
class _Pending:
    key: GlobalId
    row: Awaitable[Row[Any] | None]
    participant: Awaitable[Row[Any] | None] | None  # the viewpoint's, for a view

    async def result(self) -> Node | None:
        row = await self.row
        if self.participant is None:
            return None if row is None else NODE_READERS[self.key.type_name][1](row)
        participant_row = await self.participant
        if row is None or participant_row is None:
            return None
        if participant_row.referral_id != REFERRAL_OF[self.key.type_name](row):
            return None  # a participant of another referral has no view of this one
        # The view as `referralView` gives it now: an ACCEPTED participant's is the viewer's.
        viewpoint = Participant.from_row(participant_row).viewpoint
        return VIEW_BUILDERS[self.key.type_name](row, viewpoint)


async def resolve_nodes(info: Info, ids: list[tuple[str, str]]) -> list[Node | None]:
    """Resolve (global ID, argument name) pairs; null where nothing is visible to the viewer.

    Every ID is decoded before any load starts, so a bad one refuses the whole field without
    leaving a batch running; all loads are issued before any is awaited, so the IDs of one
    type cost one statement. A view's participant must be one the viewer sees, of the same
    referral: a view of a referral the viewer does not take part in is null like any other.
    """
    keys = [decode_global_id(global_id, argument=argument) for global_id, argument in ids]
    loaders = info.context.loaders
    pending = [
        _Pending(
            key,
            NODE_READERS[key.type_name][0](loaders).load(key.pk),
            None if key.viewpoint is None else loaders.participant_by_id.load(key.viewpoint),
        )
        for key in keys
    ]
    return [await item.result() for item in pending]
