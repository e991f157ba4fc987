"""Organizations as any partner may see them (id and name), and the invite picker's list."""

from __future__ import annotations

import uuid
from typing import Any, Self

import strawberry
from sqlalchemy import Row

from api.context import Info
from api.graph.relay.connection import Connection, connection
from api.graph.relay.ids import global_id_encoder
from api.graph.types.deferred import blank, defer
from api.graph.types.node import Node
from db.paging import Page, Position
from db.rows import positions

# The cursor tag of the one ordering organizations have: by name, then by id.
ORGANIZATION_ORDERING = "organization:name"
_ORGANIZATION_ID = global_id_encoder("Organization")


@strawberry.type(
    description="A partner organization, as every organization may see it: its ID and name "
    "only (its users and contact details stay private)."
)
class Organization(Node):
    name: str = strawberry.field(description="The organization's name, e.g. 'Fabrikam Inc.'.")
    pk: strawberry.Private[uuid.UUID]

    @classmethod
    def from_row(cls, row: Row[Any]) -> Organization:
        """The organization of a row; its ID is made when read."""
        at = positions(row)
        organization = blank(cls)
        organization.pk = row[at["id"]]
        organization.name = row[at["name"]]
        return organization


defer(Organization, id=lambda organization: _ORGANIZATION_ID(organization.pk))


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
