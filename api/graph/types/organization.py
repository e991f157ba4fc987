"""Organizations as any partner may see them (id and name), and the invite picker's list."""

from __future__ import annotations

import uuid
from typing import Any, Self

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.relay.connection import Connection, connection
from api.graph.relay.ids import to_global_id
from api.graph.types.node import Node
from db.paging import Page, Position

# The cursor tag of the one ordering organizations have: by name, then by id.
ORGANIZATION_ORDERING = "organization:name"


@strawberry.type(
    description="A partner organization, as every organization may see it: its ID and name "
    "only (its users and contact details stay private)."
)
class Organization(Node):
    name: str = strawberry.field(description="The organization's name, e.g. 'Fabrikam Inc.'.")
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Organization:
        return cls(id=strawberry.ID(to_global_id("Organization", row.id)), name=row.name, pk=row.id)


@connection(
    item="organization",
    items="organizations",
    description="A page of organizations, by name.",
    total_count="How many organizations match the search, in all pages together.",
)
class OrganizationConnection(Connection[Organization]):
    @classmethod
    def of_page(cls, info: Info, page: Page, search: str | None) -> Self:
        """The page's organizations; their total (by `search`) is counted only if asked for."""
        return cls.from_page(
            page,
            ordering=ORGANIZATION_ORDERING,
            position=lambda row: Position(row.name, row.id),
            node=Organization.from_row,
            count=lambda: info.context.loaders.organization_count.load(search),
        )
