"""The node types, listed once: their global IDs checked, and looked up through the loaders.

The schema registers `NODE_TYPES`, `node(id:)` and `nodes(ids:)` resolve through `NODES`, and
every ID a client sends is checked against it, views included.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from api.context import Info
from api.errors import BadUserInput
from api.graph.loaders import Loaders, SharedLoader
from api.graph.relay.ids import GlobalId, invalid_id, parse_global_id
from api.graph.types.activity import Activity
from api.graph.types.node import Node
from api.graph.types.organization import Organization
from api.graph.types.participant import Participant, User
from api.graph.types.referral import CustomerProfile, Referral
from api.graph.types.webhook import Webhook, WebhookDelivery


@dataclass(frozen=True, slots=True)
class NodeKind:
    """A node type: its loader by primary key, how to build it, and for types that have
    participants' views, how to build one and the referral a row belongs to."""

    type: type[Node]
    loader: Callable[[Loaders], SharedLoader[uuid.UUID, Row[Any] | None]]
    build: Callable[[Row[Any]], Node]
    view: Callable[[Row[Any], uuid.UUID | None], Node] | None = None
    referral_of: Callable[[Row[Any]], uuid.UUID] | None = None

    @property
    def name(self) -> str:
        return self.type.__name__


_KINDS = (
    NodeKind(
        Referral,
        lambda loaders: loaders.referral_by_id,
        Referral.from_row,
        view=lambda row, viewpoint: Referral.from_row(row, viewpoint=viewpoint),
        referral_of=lambda row: row.id,
    ),
    NodeKind(
        CustomerProfile,
        lambda loaders: loaders.customer_profile_by_id,
        CustomerProfile.from_row,
        view=lambda row, viewpoint: CustomerProfile.from_row(row, viewpoint=viewpoint),
        referral_of=lambda row: row.referral_id,
    ),
    NodeKind(Participant, lambda loaders: loaders.participant_by_id, Participant.from_row),
    NodeKind(User, lambda loaders: loaders.user_by_id, User.from_row),
    NodeKind(Activity, lambda loaders: loaders.activity_by_id, Activity.from_row),
    NodeKind(Organization, lambda loaders: loaders.organization_by_id, Organization.from_row),
    NodeKind(Webhook, lambda loaders: loaders.webhook_by_id, Webhook.from_row),
    NodeKind(WebhookDelivery, lambda loaders: loaders.delivery_by_id, WebhookDelivery.from_row),
)
NODES: dict[str, NodeKind] = {kind.name: kind for kind in _KINDS}
NODE_TYPES: tuple[type[Node], ...] = tuple(kind.type for kind in _KINDS)
NODE_NAMES: tuple[str, ...] = tuple(NODES)


def decode_global_id(value: str, *, argument: str = "id") -> GlobalId:
    """A global ID of a node type (or a view of one that has views), or BadUserInput."""
    found = parse_global_id(value, argument=argument)
    kind = NODES.get(found.type_name)
    if kind is None or (found.viewpoint is not None and kind.view is None):
        raise invalid_id(value, argument)
    return found


def expect_node_id(value: str, type_name: str, *, argument: str = "id") -> GlobalId:
    """A global ID that must name a `type_name`, or a participant's view of one."""
    found = decode_global_id(value, argument=argument)
    if found.type_name != type_name:
        raise BadUserInput(
            f"`{argument}` must be the ID of {_a(type_name)}, but it is the ID of "
            f"{_a(found.type_name)}.",
            argument=argument,
        )
    return found


def _a(type_name: str) -> str:
    # "a User": no type name starts with a vowel sound under U.
    return f"{'an' if type_name[0] in 'AEIO' else 'a'} {type_name}"


def expect_global_id(value: str, type_name: str, *, argument: str = "id") -> uuid.UUID:
    """The primary key of a global ID that must name a `type_name` itself, not a view of one."""
    found = expect_node_id(value, type_name, argument=argument)
    if found.viewpoint is not None:
        raise BadUserInput(
            f"`{argument}` is the ID of a participant's view of a {type_name} "
            f"(`Participant.referralView`), which is read-only: pass the {type_name}'s own ID.",
            argument=argument,
        )
    return found.pk


@dataclass(frozen=True, slots=True)
class _Pending:
    kind: NodeKind
    row: Awaitable[Row[Any] | None]
    participant: Awaitable[Row[Any] | None] | None  # the viewpoint's, for a view

    async def result(self) -> Node | None:
        row = await self.row
        if self.participant is None:
            return None if row is None else self.kind.build(row)
        participant_row = await self.participant
        if row is None or participant_row is None:
            return None
        assert self.kind.view is not None
        assert self.kind.referral_of is not None
        if participant_row.referral_id != self.kind.referral_of(row):
            return None  # a participant of another referral has no view of this one
        # The view as `referralView` gives it now: an ACCEPTED participant's is the viewer's.
        return self.kind.view(row, Participant.from_row(participant_row).viewpoint)


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
            NODES[key.type_name],
            NODES[key.type_name].loader(loaders).load(key.pk),
            None if key.viewpoint is None else loaders.participant_by_id.load(key.viewpoint),
        )
        for key in keys
    ]
    return [await item.result() for item in pending]
