"""createReferral, updateReferral and changeReferralStatus: the referral itself."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from db import rules, validation, values
from db.access import Viewer
from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import FieldError, InvalidInput, Path, RefusalCode, Refused
from db.tables import (
    additional_information,
    customer_profile,
    customer_requirements,
    organization,
    participant,
    referral,
)
from db.writes.idempotency import Idempotency, remember, remembered
from db.writes.steps import (
    acting_participant,
    assign_users,
    bump,
    enforce,
    lock_referral,
    record,
)
from db.writes.transaction import LostRace, in_transaction

# --- create -------------------------------------------------------------------------------


async def create_referral(
    database: Database,
    viewer: Viewer,
    draft: values.ReferralDraft,
    *,
    idempotency: Idempotency | None = None,
) -> uuid.UUID:
    """A new PENDING referral owned by the viewer's organization; its id.

    With an `idempotency` key, a retry with the same request answers the first referral and a
    reuse with another request is refused.
    """
    columns = values.referral_columns(draft)
    key = None if idempotency is None else validation.idempotency_key(idempotency.key)
    fingerprint = "" if idempotency is None else idempotency.fingerprint

    async def work(conn: AsyncConnection) -> uuid.UUID:
        await _require_organization(conn, viewer)
        if key is not None:
            earlier = await remembered(conn, viewer, key)
            if earlier is not None:
                if earlier.request_hash != fingerprint:
                    raise Refused(
                        RefusalCode.IDEMPOTENCY_KEY_REUSED,
                        "This idempotency key was used with a different request body.",
                        field=("idempotency_key",),
                    )
                referral_id: uuid.UUID = earlier.referral_id
                return referral_id
        referral_id = await _insert_referral(conn, viewer, columns)
        if key is not None:
            await remember(conn, viewer, key, fingerprint, referral_id)
        return referral_id

    return await in_transaction(database, work)


async def create_referral_in(
    conn: AsyncConnection, viewer: Viewer, columns: values.ReferralColumns
) -> uuid.UUID:
    """`create_referral` without a retry key, inside a transaction the caller holds (an
    import's), from the columns `values.referral_columns` made of its draft."""
    await _require_organization(conn, viewer)
    return await _insert_referral(conn, viewer, columns)


async def _require_organization(conn: AsyncConnection, viewer: Viewer) -> None:
    found = await conn.scalar(
        select(organization.c.id).where(organization.c.id == viewer.organization_id)
    )
    if found is None:
        raise Refused(
            RefusalCode.NOT_AUTHORIZED, "Your organization is not registered with this API."
        )


async def _require_free_reference(
    conn: AsyncConnection,
    owner_organization_id: uuid.UUID,
    reference: str | None,
    *,
    other_than: uuid.UUID | None = None,
) -> None:
    """Refuse a CRM key another referral of the owner has. The unique index settles a race
    between two writers that both pass this check: the loser retries, and meets it here."""
    if reference is None:
        return
    stmt = select(referral.c.id).where(
        referral.c.owner_organization_id == owner_organization_id,
        referral.c.external_reference_id == reference,
    )
    if other_than is not None:
        stmt = stmt.where(referral.c.id != other_than)
    if await conn.scalar(stmt) is not None:
        raise Refused(
            RefusalCode.DUPLICATE_EXTERNAL_REFERENCE_ID,
            f"Your organization already has a referral with externalReferenceId '{reference}'.",
            field=("external_reference_id",),
        )


async def _insert_referral(
    conn: AsyncConnection, viewer: Viewer, columns: values.ReferralColumns
) -> uuid.UUID:
    referral_id, owner_id = uuid.uuid4(), uuid.uuid4()
    now = viewer.now
    await _require_free_reference(
        conn, viewer.organization_id, columns.referral.get("external_reference_id")
    )
    try:
        await conn.execute(
            referral.insert().values(
                id=referral_id,
                status=ReferralStatus.PENDING,
                version=1,
                owner_organization_id=viewer.organization_id,
                created_date=now,
                updated_date=now,
                **columns.referral,
            )
        )
    except IntegrityError:
        # Only the external reference index can refuse this row: a concurrent writer took the
        # key after our check. Retrying meets the check, which refuses it properly.
        raise LostRace from None
    await conn.execute(
        customer_profile.insert().values(
            id=uuid.uuid4(), referral_id=referral_id, **columns.customer_profile
        )
    )
    await conn.execute(
        customer_requirements.insert().values(
            referral_id=referral_id, **columns.customer_requirements
        )
    )
    await conn.execute(
        additional_information.insert().values(
            referral_id=referral_id, **columns.additional_information
        )
    )
    await conn.execute(
        participant.insert().values(
            id=owner_id,
            referral_id=referral_id,
            organization_id=viewer.organization_id,
            status=ParticipantStatus.ACCEPTED,
            invited_date=now,
            responded_date=now,
        )
    )
    await assign_users(conn, owner_id, viewer.organization_id, [viewer.user_id], strict=False)
    await record(
        conn,
        referral_id,
        ActivityType.CREATED,
        now,
        actor=owner_id,
        to_status=ReferralStatus.PENDING,
    )
    return referral_id


# --- edit ---------------------------------------------------------------------------------


async def update_referral(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    patch: values.ReferralPatch,
    *,
    expected_version: int | None = None,
    name_field: Callable[[Path], str] = ".".join,
) -> None:
    """Change the given fields (explicit None clears an optional one); UPDATED in the history.

    The UPDATED note names the changed fields by `name_field` (the API: by its input paths).
    """

    async def work(conn: AsyncConnection) -> None:
        current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
        actor = await acting_participant(conn, viewer, current, rules.may_change)
        profile = (
            await conn.execute(
                select(customer_profile).where(customer_profile.c.referral_id == referral_id)
            )
        ).one()
        columns = values.referral_columns(patch, phone_region=profile.country)
        if "external_reference_id" in columns.referral:
            enforce(
                rules.may_set_external_reference(
                    current.owner_organization_id == viewer.organization_id
                )
            )
            await _require_free_reference(
                conn,
                current.owner_organization_id,
                columns.referral["external_reference_id"],
                other_than=referral_id,
            )
        changed = await _apply_changes(conn, referral_id, columns)
        if not changed:
            return  # the referral already reads like that: no change, no version, no activity
        await bump(conn, current, viewer.now)
        await record(
            conn,
            referral_id,
            ActivityType.UPDATED,
            viewer.now,
            actor=actor.id,
            note=rules.update_note(changed, name_field),
        )

    await in_transaction(database, work)


_SECTIONS = (
    ("referral", referral, "id"),
    ("customer_profile", customer_profile, "referral_id"),
    ("customer_requirements", customer_requirements, "referral_id"),
    ("additional_information", additional_information, "referral_id"),
)


async def _apply_changes(
    conn: AsyncConnection, referral_id: uuid.UUID, columns: values.ReferralColumns
) -> list[Path]:
    """Write the columns whose value differs; the paths of their fields, for the history."""
    changed: list[Path] = []
    for attribute, table, key in _SECTIONS:
        wanted: dict[str, Any] = getattr(columns, attribute)
        if not wanted:
            continue
        row = (await conn.execute(select(table).where(table.c[key] == referral_id))).one()
        differing = {
            column: value for column, value in wanted.items() if row._mapping[column] != value
        }
        merged = {**row._mapping, **differing}
        # Rules across fields hold for the row as it will read, not only for the patch.
        information, profile = (
            attribute == "additional_information",
            attribute == "customer_profile",
        )
        if information and merged["deal_value"] is not None and merged["currency"] is None:
            raise InvalidInput([values.currency_required()])
        if profile and validation.state_required(merged["country"], merged["state"]):
            raise InvalidInput([values.state_missing(merged["country"])])
        if differing:
            try:
                await conn.execute(
                    update(table).where(table.c[key] == referral_id).values(**differing)
                )
            except IntegrityError:
                raise LostRace from None  # the external reference index: see _insert_referral
            changed += [values.column_path(attribute, column) for column in differing]
    return changed


# --- status -------------------------------------------------------------------------------


async def change_status(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    status: ReferralStatus,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
) -> None:
    """Move the referral along its lifecycle; closing it turns open invitations MISSED."""
    reason = status_reason(status, reason)

    async def work(conn: AsyncConnection) -> None:
        await change_status_in(
            conn, viewer, referral_id, status, reason=reason, expected_version=expected_version
        )

    await in_transaction(database, work)


def status_reason(status: ReferralStatus, reason: str | None) -> str | None:
    """The cleaned reason for moving to `status`, or InvalidInput at `status_reason`."""
    field = ("status_reason",)
    reason = validation.text(
        reason, field, limit=validation.STATUS_REASON_MAX, required=False, multiline=True
    )
    wrong = rules.status_reason_refusal(status, reason)
    if wrong is not None:
        raise InvalidInput([FieldError(field, wrong)])
    return reason


async def change_status_in(
    conn: AsyncConnection,
    viewer: Viewer,
    referral_id: uuid.UUID,
    status: ReferralStatus,
    *,
    reason: str | None,
    expected_version: int | None = None,
) -> None:
    """`change_status` inside a transaction the caller holds (an import's), `reason` cleaned
    by `status_reason`."""

    def may_change_status(
        current: ReferralStatus, actor: ParticipantStatus | None
    ) -> rules.Refusal | None:
        return rules.may_change_status(current, actor, status)

    current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
    actor = await acting_participant(conn, viewer, current, may_change_status)
    await bump(conn, current, viewer.now, status=status, status_reason=reason)
    await record(
        conn,
        referral_id,
        ActivityType.STATUS_CHANGED,
        viewer.now,
        actor=actor.id,
        from_status=current.status,
        to_status=status,
        note=reason,
    )
    if status in rules.CLOSED:
        await _close_open_invitations(conn, referral_id, viewer)


async def _close_open_invitations(
    conn: AsyncConnection, referral_id: uuid.UUID, viewer: Viewer
) -> None:
    """Unanswered invitations end with the referral (`rules.ended_by_close`)."""
    open_invitations = (
        await conn.execute(
            select(participant.c.id, participant.c.expires_date)
            .where(
                participant.c.referral_id == referral_id,
                participant.c.status == ParticipantStatus.INVITED,
            )
            .order_by(participant.c.invited_date, participant.c.id)
        )
    ).all()
    for invitation in open_invitations:
        status, type_ = rules.ended_by_close(invitation.expires_date, viewer.now)
        await conn.execute(
            update(participant).where(participant.c.id == invitation.id).values(status=status)
        )
        await record(conn, referral_id, type_, viewer.now, subject=invitation.id)
