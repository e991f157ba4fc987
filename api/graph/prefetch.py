"""Load a page's selected relations in bulk before its fields resolve.

The root resolver knows the page and, from the operation, which relations its fields will
ask for; loading them up front (the same batched statements the loaders would issue) lets
the nested resolvers answer synchronously from the loaders' caches. Which loader a field
needs comes from `api.graph.edges`, the table the fields themselves resolve through.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from api.context import Info
from api.graph.edges import PARTICIPANT_FIELDS, REFERRAL_FIELDS, LoaderOf
from api.graph.loaders import SharedLoader

# Referral fields whose value is a participant (or a list of them), by Python name.
PARTICIPANT_VALUED = ("participants", "owner", "viewer_participant")


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
    # `selected_fields` holds the current field's own nodes (one per alias merged into it);
    # the connection's fields are their selections.
    connection = _children(_fields(info.selected_fields), info.field_name)
    return _children(connection, "nodes") + _children(_children(connection, "edges"), "node")


def _loaders(
    info: Info, selected: Iterable[SelectedField], table: Mapping[str, LoaderOf]
) -> list[SharedLoader[uuid.UUID, Any]]:
    """The distinct loaders `table` names for the selected fields (GraphQL names)."""
    graphql_name = info.schema.config.name_converter.apply_naming_config
    names = {field.name for field in selected}
    chosen = (
        of(info.context.loaders) for python, of in table.items() if graphql_name(python) in names
    )
    return list({id(loader): loader for loader in chosen}.values())


async def prefetch_referral_parts(
    info: Info, rows: Sequence[Row[Any]], selected: list[SelectedField]
) -> None:
    """Load the relations `selected` asks for, for every referral of `rows`, in bulk.

    The values land in the loaders' held dicts (`SharedLoader.fill`): one read per loader
    and no future per key (hundreds per page, each completing through an event-loop callback).
    """
    if not rows:
        return
    ids = [row.id for row in rows]
    await asyncio.gather(
        *(loader.fill(ids) for loader in _loaders(info, selected, REFERRAL_FIELDS))
    )
    graphql_name = info.schema.config.name_converter.apply_naming_config
    below = _children(selected, *(graphql_name(name) for name in PARTICIPANT_VALUED))
    participant_loaders = _loaders(info, below, PARTICIPANT_FIELDS)
    if not participant_loaders:
        return
    groups: list[list[Row[Any]]] = await info.context.loaders.participants_by_referral.load_many(
        ids
    )
    participant_ids = [row.id for group in groups for row in group]
    await asyncio.gather(*(loader.fill(participant_ids) for loader in participant_loaders))
