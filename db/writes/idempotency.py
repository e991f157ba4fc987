"""createReferral's retry keys: the first request's fingerprint and the referral it made."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from db.access import Viewer
from db.tables import idempotency_key
from db.writes.transaction import LostRace


@dataclass(frozen=True, slots=True)
class Idempotency:
    """A retry's key, and the fingerprint of the request as its caller sent it.

    The caller computes the fingerprint from its own request, so that a retry matches as long
    as the caller sends the same body, whatever the draft it makes of it.
    """

    key: str
    fingerprint: str


async def remembered(conn: AsyncConnection, viewer: Viewer, key: str) -> Row[Any] | None:
    """The organization's retry key, as `remember` stored it, if it did."""
    return (
        await conn.execute(
            select(idempotency_key).where(
                idempotency_key.c.organization_id == viewer.organization_id,
                idempotency_key.c.key == key,
            )
        )
    ).first()


async def remember(
    conn: AsyncConnection, viewer: Viewer, key: str, fingerprint: str, referral_id: uuid.UUID
) -> None:
    """Store a retry key with the referral it made, in the transaction that made it."""
    try:
        await conn.execute(
            idempotency_key.insert().values(
                organization_id=viewer.organization_id,
                key=key,
                request_hash=fingerprint,
                referral_id=referral_id,
                created_date=viewer.now,
            )
        )
    except IntegrityError:
        # A concurrent request with the same key stored it first: retry, answer theirs.
        raise LostRace from None
