"""Load a page's selected relations in bulk before its fields resolve.

The root resolver knows the page and, from the operation, which relations its fields will
ask for; loading them up front (the same batched statements the loaders would issue) lets
the nested resolvers answer synchronously from the loaders' caches.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Sequence
from typing import Any

from sqlalchemy import Row
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.context import Info


def _fields(selections: Iterable[Selection]) -> list[SelectedField]:
    """The fields of a selection set, fragments flattened."""
    found: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            found.append(selection)
        elif isinstance(selection, FragmentSpread | InlineFragment):
            found += _fields(selection.selections)
    return found


def _children(fields: Iterable[SelectedField], *names: str) -> list[SelectedField]:
    """The fields selected under any of `names` among `fields`."""
    return [child for f in fields if f.name in names for child in _fields(f.selections)]


def referral_fields(info: Info) -> list[SelectedField]:
    """What the current connection field selects on each referral (edges.node and nodes)."""
    connection = _fields(info.selected_fields)
    return _children(connection, "nodes") + _children(_children(connection, "edges"), "node")


async def prefetch_referral_parts(
    info: Info, rows: Sequence[Row[Any]], selected: list[SelectedField]
) -> None:
    """Load the relations `selected` asks for, for every referral of `rows`, in bulk."""
    if not rows:
        return
    loaders = info.context.loaders
    names = {field.name for field in selected}
    ids = [row.id for row in rows]
    pending: list[Awaitable[Any]] = []
    if "customerProfile" in names:
        pending.append(loaders.customer_profile_by_referral.load_many(ids))
    if "customerRequirements" in names:
        pending.append(loaders.requirements_by_referral.load_many(ids))
    if "additionalInformation" in names:
        pending.append(loaders.additional_information_by_referral.load_many(ids))
    participant_fields = _children(selected, "participants", "owner")
    if names & {"participants", "owner"}:
        pending.append(loaders.participants_by_referral.load_many(ids))
    groups = await asyncio.gather(*pending)
    if "users" in {field.name for field in participant_fields}:
        participants: list[list[Row[Any]]] = groups[-1]
        participant_ids: list[uuid.UUID] = [row.id for group in participants for row in group]
        await loaders.users_by_participant.load_many(participant_ids)
