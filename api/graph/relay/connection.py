"""One Relay connection for every list: PageInfo, Edge[N] and Connection[N], built from a Page."""

from __future__ import annotations

import copy
import types
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from sqlalchemy import Row

from api.graph.relay.cursors import to_cursor
from db.paging import Page, Position

N = TypeVar("N")
C = TypeVar("C", bound=type[Any])


@strawberry.type(description="Where a page sits in its connection, and cursors to move on.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether items precede this page (true when paging with `after`)."
    )
    start_cursor: str | None = strawberry.field(
        description="Cursor of the first edge; pass as `before` for the previous page."
    )
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last edge; pass as `after` for the next page."
    )


# Descriptions name the items ("{item}", "{items}"); `connection` fills them in per node type.
@strawberry.type
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Opaque position of this edge, for `after`/`before`."
    )
    node: N = strawberry.field(description="The {item}.")


@strawberry.type
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The {items} of this page.")
    page_info: PageInfo = strawberry.field(description="Paging state and cursors.")
    count: strawberry.Private[Callable[[], Awaitable[int]]]
    edge_type: ClassVar[type[Edge[Any]]]

    @classmethod
    def from_page(
        cls,
        page: Page,
        *,
        ordering: str,
        position: Callable[[Row[Any]], Position],
        node: Callable[[Row[Any]], N],
        count: Callable[[], Awaitable[int]],
    ) -> Self:
        """The page's rows as edges, with cursors of `ordering`; `count` runs only if asked."""
        cursors = [to_cursor(ordering, position(row)) for row in page.rows]
        return cls(
            edges=[
                cls.edge_type(cursor=cursor, node=node(row))
                for cursor, row in zip(cursors, page.rows, strict=True)
            ],
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=cursors[0] if cursors else None,
                end_cursor=cursors[-1] if cursors else None,
            ),
            count=count,
        )

    @strawberry.field(description="The {items} of this page, without cursors.")
    def nodes(self) -> list[N]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many {items} there are in all pages together.")
    async def total_count(self) -> int:
        return await self.count()


def connection(
    *, item: str, items: str, description: str, total_count: str | None = None
) -> Callable[[C], C]:
    """Make a `Connection[Node]` subclass a GraphQL type, `<Node>Connection`, with its own
    `<Node>Edge`, each field's description naming the items.

    A generic's specializations share its field objects, so each gets copies to describe.
    """

    def define(cls: C) -> C:
        (node_type,) = cls.__orig_bases__[0].__args__
        name = cls.__name__.removesuffix("Connection")
        article = "An" if item[0] in "aeiou" else "A"
        edge = strawberry.type(
            types.new_class(f"{name}Edge", (Edge[node_type],)),  # type: ignore[valid-type]
            description=f"{article} {item} in a page, with its cursor.",
        )
        _describe(edge, item=item, items=items)
        # The edges are of this edge type, not the generic `Edge[N]` (which would take its name).
        cls.__annotations__ = {"edges": list[edge]}  # type: ignore[valid-type]
        cls.edges = strawberry.field(description="The {items} of this page.")
        cls = strawberry.type(cls, description=description)
        cls.edge_type = edge
        _describe(cls, item=item, items=items, total_count=total_count)
        return cls

    return define


def _describe(cls: type[Any], *, total_count: str | None = None, **nouns: str) -> None:
    definition = cls.__strawberry_definition__
    described = []
    for field in definition.fields:
        field = copy.copy(field)
        if field.python_name == "total_count" and total_count is not None:
            field.description = total_count
        elif field.description is not None:
            field.description = field.description.format(**nouns)
        described.append(field)
    definition.fields = described
