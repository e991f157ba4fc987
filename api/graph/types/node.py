"""The Relay Node interface."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a globally unique, opaque ID (Relay Node).")
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global ID; pass it to `node(id:)` to fetch this object again."
    )
