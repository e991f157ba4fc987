"""An imported referral: created and brought to its status in one transaction, once per key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from db import rules, validation, values
from db.access import Viewer
from db.engine import Database
from db.models import ReferralStatus
from db.refusals import FieldError, InvalidInput
from db.tables import referral
from db.writes.idempotency import remember, remembered
from db.writes.referrals import change_status_in, create_referral_in, status_reason
from db.writes.transaction import in_transaction

# What an import stores as its retry key's fingerprint: a record's source ID names one record
# however its other fields changed since, so a later import of it is "already present".
IMPORT_FINGERPRINT = "partner-center-import"


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
    source_id: str | None = None,
) -> Imported:
    """Create `draft` as createReferral does, then move it to `status` as
    changeReferralStatus does, by the fewest changes the lifecycle allows (WON goes through
    ACTIVE; `reason` is the last change's), all in one transaction: a refusal on the way
    leaves nothing behind.

    Imported once: when the organization has a referral with the draft's external reference
    ID, or, for a draft without one, imported the record with this `source_id` before (kept
    as a createReferral retry key), nothing is written and that referral is answered.
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
    reference = columns.referral.get("external_reference_id")
    retry_key = None if reference is not None else _retry_key(source_id)

    async def work(conn: AsyncConnection) -> Imported:
        earlier = await _imported_before(conn, viewer, reference, retry_key)
        if earlier is not None:
            return Imported(earlier, created=False)
        # A concurrent writer taking the key first makes this one retry (LostRace), and the
        # retry answers theirs above.
        referral_id = await create_referral_in(conn, viewer, columns)
        if retry_key is not None:
            await remember(conn, viewer, retry_key, IMPORT_FINGERPRINT, referral_id)
        for step, step_reason in steps:
            await change_status_in(conn, viewer, referral_id, step, reason=step_reason)
        return Imported(referral_id, created=True)

    return await in_transaction(database, work)


def _retry_key(source_id: str | None) -> str | None:
    """The retry key of a record's source ID; None when it has none that makes a key."""
    if not source_id:
        return None
    try:
        return validation.idempotency_key(f"partner-center:{source_id}")
    except InvalidInput:
        return None  # an ID no key can hold: imported without one


async def _imported_before(
    conn: AsyncConnection, viewer: Viewer, reference: str | None, retry_key: str | None
) -> uuid.UUID | None:
    if reference is not None:
        found: uuid.UUID | None = await conn.scalar(
            select(referral.c.id).where(
                referral.c.owner_organization_id == viewer.organization_id,
                referral.c.external_reference_id == reference,
            )
        )
        return found
    if retry_key is not None:
        row = await remembered(conn, viewer, retry_key)
        return None if row is None else row.referral_id
    return None
