"""What every Relay connection shares: PageInfo and the paging arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import strawberry
from sqlalchemy import Row

from api.graph.ids import to_cursor
from db.paging import Page, Position

First = Annotated[
    int | None,
    strawberry.argument(
        description="Return the first n items after `after` (1..100; default 20). "
        "Not together with `last`."
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Cursor of an edge: return items after it (`endCursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Return the last n items before `before` (1..100). Not together with `first`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Cursor of an edge: return items before it (`startCursor`)."),
]


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


def cursors(page: Page, ordering: str, position: Callable[[Row[Any]], Position]) -> list[str]:
    return [to_cursor(ordering, position(row)) for row in page.rows]


def page_info(page: Page, edge_cursors: list[str]) -> PageInfo:
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=edge_cursors[0] if edge_cursors else None,
        end_cursor=edge_cursors[-1] if edge_cursors else None,
    )
