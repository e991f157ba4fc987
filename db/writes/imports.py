"""An imported referral: created and brought to its status in one transaction, once per key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import rules, values
from db.access import Viewer
from db.engine import Database
from db.models import ReferralStatus
from db.refusals import FieldError, InvalidInput
from db.tables import referral
from db.writes.referrals import change_status_in, create_referral_in, status_reason
from db.writes.transaction import in_transaction


@dataclass(frozen=True, slots=True)
class Imported:
    """The referral an import names, and whether this import created it."""

    referral_id: uuid.UUID
    created: bool


async def import_referral(
    database: Database,
    viewer: Viewer,
    draft: values.ReferralDraft,
    *,
    status: ReferralStatus = ReferralStatus.PENDING,
    reason: Any = None,
) -> Imported:
    """Create `draft` as createReferral does, then move it to `status` as
    changeReferralStatus does, by the fewest changes the lifecycle allows (WON goes through
    ACTIVE; `reason` is the last change's), all in one transaction: a refusal on the way
    leaves nothing behind. When the organization already has a referral with the draft's
    external reference id, nothing is written and that referral is answered.
    """
    columns = values.referral_columns(draft)
    path = rules.status_path(ReferralStatus.PENDING, status)
    if path is None:  # every status is reachable from PENDING; kept for a future lifecycle
        raise InvalidInput([FieldError(("status",), f"cannot be reached: {status.value}")])
    steps = [
        (step, status_reason(step, reason if index == len(path) - 1 else None))
        for index, step in enumerate(path)
    ]
    if not path:
        status_reason(status, reason)  # a reason for a PENDING referral is refused as ever
    key = columns.referral.get("external_reference_id")

    async def work(conn: AsyncConnection) -> Imported:
        if key is not None:
            earlier = await _with_key(conn, viewer, key)
            if earlier is not None:
                return Imported(earlier, created=False)
        # A concurrent writer taking the key first makes this one retry (LostRace in
        # create_referral_in), and the retry answers theirs above.
        referral_id = await create_referral_in(conn, viewer, columns)
        for step, step_reason in steps:
            await change_status_in(conn, viewer, referral_id, step, reason=step_reason)
        return Imported(referral_id, created=True)

    return await in_transaction(database, work)


async def _with_key(conn: AsyncConnection, viewer: Viewer, key: str) -> uuid.UUID | None:
    found: uuid.UUID | None = await conn.scalar(
        select(referral.c.id).where(
            referral.c.owner_organization_id == viewer.organization_id,
            referral.c.external_reference_id == key,
        )
    )
    return found
