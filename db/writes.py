"""The rules of the referral lifecycle: every write in one transaction, with its activities.

Each function validates, then decides on the referral as it stands and writes with a
compare-and-set on `version` (`db.transactions`): a refused write changes nothing and writes
no activity, and two racing writers never both win.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from db import validation
from db.access import Viewer
from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode, Refused
from db.tables import (
    additional_information,
    app_user,
    customer_profile,
    customer_requirements,
    idempotency_key,
    organization,
    participant,
    participant_user,
    referral,
)
from db.transactions import (
    LostRace,
    acting_participant,
    bump,
    in_transaction,
    lock_referral,
    record,
    refuse_if_closed,
)

# Status changes a participant may ask for; accepting an invitation also activates.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PENDING: frozenset({ReferralStatus.ACTIVE, ReferralStatus.LOST}),
    ReferralStatus.ACTIVE: frozenset({ReferralStatus.WON, ReferralStatus.LOST}),
    ReferralStatus.WON: frozenset(),
    ReferralStatus.LOST: frozenset(),
}
CLOSED = frozenset({ReferralStatus.WON, ReferralStatus.LOST})


# --- create -------------------------------------------------------------------------------


async def create_referral(
    database: Database, viewer: Viewer, data: Mapping[str, Any], *, key: str | None = None
) -> uuid.UUID:
    """A new PENDING referral owned by the viewer's organization; its id.

    With an idempotency `key`, a retry with the same body answers the first referral and a
    reuse with another body is refused.
    """
    values = validation.referral_values(data, partial=False)
    if key is not None:
        key = validation.idempotency_key(key)
    fingerprint = _fingerprint(data)

    async def work(conn: AsyncConnection) -> uuid.UUID:
        await _require_organization(conn, viewer)
        if key is not None:
            earlier = await _remembered(conn, viewer, key)
            if earlier is not None:
                if earlier.request_hash != fingerprint:
                    raise Refused(
                        RefusalCode.IDEMPOTENCY_KEY_REUSED,
                        "This idempotency key was used with a different request body.",
                        field=("idempotencyKey",),
                    )
                referral_id: uuid.UUID = earlier.referral_id
                return referral_id
        referral_id = await _insert_referral(conn, viewer, values)
        if key is not None:
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
        return referral_id

    return await in_transaction(database, work)


def _fingerprint(data: Mapping[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _plain(value: Any) -> str:
    return str(getattr(value, "value", value))


async def _require_organization(conn: AsyncConnection, viewer: Viewer) -> None:
    found = await conn.scalar(
        select(organization.c.id).where(organization.c.id == viewer.organization_id)
    )
    if found is None:
        raise Refused(
            RefusalCode.NOT_AUTHORIZED, "Your organization is not registered with this API."
        )


async def _remembered(conn: AsyncConnection, viewer: Viewer, key: str) -> Row[Any] | None:
    return (
        await conn.execute(
            select(idempotency_key).where(
                idempotency_key.c.organization_id == viewer.organization_id,
                idempotency_key.c.key == key,
            )
        )
    ).first()


async def _insert_referral(
    conn: AsyncConnection, viewer: Viewer, values: validation.ReferralValues
) -> uuid.UUID:
    referral_id, owner_id = uuid.uuid4(), uuid.uuid4()
    now = viewer.now
    await conn.execute(
        referral.insert().values(
            id=referral_id,
            status=ReferralStatus.PENDING,
            version=1,
            owner_organization_id=viewer.organization_id,
            created_date=now,
            updated_date=now,
            **values.referral,
        )
    )
    await conn.execute(
        customer_profile.insert().values(
            id=uuid.uuid4(), referral_id=referral_id, **values.customer_profile
        )
    )
    await conn.execute(
        customer_requirements.insert().values(
            referral_id=referral_id, **values.customer_requirements
        )
    )
    await conn.execute(
        additional_information.insert().values(
            referral_id=referral_id, **values.additional_information
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
    await _assign_users(conn, owner_id, viewer.organization_id, [viewer.user_id], strict=False)
    await record(
        conn,
        referral_id,
        ActivityType.CREATED,
        now,
        actor=owner_id,
        to_status=ReferralStatus.PENDING,
    )
    return referral_id


async def _assign_users(
    conn: AsyncConnection,
    participant_id: uuid.UUID,
    organization_id: uuid.UUID,
    user_ids: Sequence[uuid.UUID],
    *,
    strict: bool,
) -> None:
    """Put the organization's own users on a participant; with `strict`, refuse others.

    A refusal names the first unknown user by its index in `user_ids` as given (duplicates
    included), as the caller counts.
    """
    wanted = list(dict.fromkeys(user_ids))
    known = set(
        (
            await conn.scalars(
                select(app_user.c.id).where(
                    app_user.c.id.in_(wanted), app_user.c.organization_id == organization_id
                )
            )
        ).all()
    )
    if strict:
        for index, user_id in enumerate(user_ids):
            if user_id not in known:
                field = ("userIds", str(index))
                raise Refused(
                    RefusalCode.INVALID_INPUT,
                    f"`{validation.field_name(field)}` is not a user of the invited organization.",
                    field=field,
                )
    rows = [
        {"participant_id": participant_id, "user_id": user_id, "position": position}
        for position, user_id in enumerate(u for u in wanted if u in known)
    ]
    if rows:
        await conn.execute(insert(participant_user), rows)


# --- edit ---------------------------------------------------------------------------------


async def update_referral(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    data: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> None:
    """Change the given fields (explicit None clears an optional one); UPDATED in the history."""

    async def work(conn: AsyncConnection) -> None:
        current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
        actor = await acting_participant(conn, viewer, current)
        refuse_if_closed(current)
        profile = (
            await conn.execute(
                select(customer_profile).where(customer_profile.c.referral_id == referral_id)
            )
        ).one()
        values = validation.referral_values(data, partial=True, phone_region=profile.country)
        changed = await _apply_changes(conn, referral_id, values)
        if not changed:
            return  # the referral already reads like that: no change, no version, no activity
        await bump(conn, current, viewer.now)
        await record(
            conn,
            referral_id,
            ActivityType.UPDATED,
            viewer.now,
            actor=actor.id,
            note="Changed " + ", ".join(changed),
        )

    await in_transaction(database, work)


_SECTIONS = (
    ("referral", referral, "id"),
    ("customer_profile", customer_profile, "referral_id"),
    ("customer_requirements", customer_requirements, "referral_id"),
    ("additional_information", additional_information, "referral_id"),
)


async def _apply_changes(
    conn: AsyncConnection, referral_id: uuid.UUID, values: validation.ReferralValues
) -> list[str]:
    """Write the columns whose value differs; their input paths, for the history."""
    changed: list[str] = []
    for attribute, table, key in _SECTIONS:
        wanted: dict[str, Any] = getattr(values, attribute)
        if not wanted:
            continue
        row = (await conn.execute(select(table).where(table.c[key] == referral_id))).one()
        differing = {
            column: value for column, value in wanted.items() if row._mapping[column] != value
        }
        if attribute == "additional_information":
            merged = {**row._mapping, **differing}
            if merged["deal_value"] is not None and merged["currency"] is None:
                raise validation.InvalidInput(
                    [
                        validation.FieldError(
                            ("additionalInformation", "currency"),
                            "is required when dealValue is set",
                        )
                    ]
                )
        if differing:
            await conn.execute(update(table).where(table.c[key] == referral_id).values(**differing))
            changed += [validation.input_path(attribute, column) for column in differing]
    return changed


async def add_note(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    note: str,
    *,
    expected_version: int | None = None,
) -> uuid.UUID:
    """A NOTE_ADDED activity; its id."""
    text = validation.text(
        note, ("note",), limit=validation.NOTE_MAX, required=True, multiline=True
    )

    async def work(conn: AsyncConnection) -> uuid.UUID:
        current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
        actor = await acting_participant(conn, viewer, current)
        refuse_if_closed(current)
        await bump(conn, current, viewer.now)
        return await record(
            conn, referral_id, ActivityType.NOTE_ADDED, viewer.now, actor=actor.id, note=text
        )

    return await in_transaction(database, work)


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
    reason = validation.text(
        reason,
        ("statusReason",),
        limit=validation.STATUS_REASON_MAX,
        required=False,
        multiline=True,
    )
    if status is ReferralStatus.LOST and reason is None:
        raise Refused(
            RefusalCode.INVALID_INPUT,
            "`statusReason` is required to mark a referral LOST.",
            field=("statusReason",),
        )
    if reason is not None and status not in CLOSED:
        raise Refused(
            RefusalCode.INVALID_INPUT,
            "`statusReason` is only given when closing (WON or LOST).",
            field=("statusReason",),
        )

    async def work(conn: AsyncConnection) -> None:
        current = await lock_referral(conn, viewer, referral_id, expected_version=expected_version)
        actor = await acting_participant(conn, viewer, current)
        refuse_if_closed(current)
        if status not in TRANSITIONS[current.status]:
            raise Refused(
                RefusalCode.INVALID_TRANSITION,
                f"A {current.status.value} referral cannot become {status.value}.",
                field=("status",),
            )
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
        if status in CLOSED:
            await _close_open_invitations(conn, referral_id, viewer)

    await in_transaction(database, work)


async def _close_open_invitations(
    conn: AsyncConnection, referral_id: uuid.UUID, viewer: Viewer
) -> None:
    """Unanswered invitations end with the referral: MISSED, or EXPIRED if already past due."""
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
        expired = invitation.expires_date is not None and invitation.expires_date <= viewer.now
        await conn.execute(
            update(participant)
            .where(participant.c.id == invitation.id)
            .values(status=ParticipantStatus.EXPIRED if expired else ParticipantStatus.MISSED)
        )
        await record(
            conn,
            referral_id,
            ActivityType.INVITATION_EXPIRED if expired else ActivityType.INVITATION_MISSED,
            viewer.now,
            subject=invitation.id,
        )


# --- invitations --------------------------------------------------------------------------


async def invite_participant(
    database: Database,
    viewer: Viewer,
    referral_id: uuid.UUID,
    organization_id: uuid.UUID,
    *,
    user_ids: Sequence[uuid.UUID] = (),
    note: str | None = None,
    window: timedelta,
    expected_version: int | None = None,
) -> uuid.UUID:
    """Invite another organization; the invitation expires after `window`. The new participant."""
    note = validation.text(
        note, ("note",), limit=validation.NOTE_MAX, required=False, multiline=True
    )
    if len(user_ids) > validation.INVITE_USERS_MAX:
        raise Refused(
            RefusalCode.INVALID_INPUT,
            f"`userIds` takes at most {validation.INVITE_USERS_MAX} users.",
            field=("userIds",),
        )

    async def work(conn: AsyncConnection) -> uuid.UUID:
        current = await lock_referral(
            conn, viewer, referral_id, expected_version=expected_version, field=("referralId",)
        )
        inviter = await acting_participant(conn, viewer, current)
        refuse_if_closed(current)
        if organization_id == viewer.organization_id:
            raise Refused(
                RefusalCode.ALREADY_PARTICIPATING,
                "Your organization already takes part.",
                field=("organizationId",),
            )
        exists = await conn.scalar(
            select(organization.c.id).where(organization.c.id == organization_id)
        )
        if exists is None:
            raise Refused(RefusalCode.NOT_FOUND, "No such organization.", field=("organizationId",))
        await bump(conn, current, viewer.now)
        await _expire_lapsed(conn, referral_id, organization_id, viewer)
        open_status = await conn.scalar(
            select(participant.c.status).where(
                participant.c.referral_id == referral_id,
                participant.c.organization_id == organization_id,
                participant.c.status.in_([ParticipantStatus.INVITED, ParticipantStatus.ACCEPTED]),
            )
        )
        if open_status is not None:
            raise Refused(
                RefusalCode.ALREADY_PARTICIPATING,
                f"That organization is already {open_status.value} on this referral.",
                field=("organizationId",),
            )
        invited_id = uuid.uuid4()
        await conn.execute(
            participant.insert().values(
                id=invited_id,
                referral_id=referral_id,
                organization_id=organization_id,
                status=ParticipantStatus.INVITED,
                invited_by_participant_id=inviter.id,
                invited_date=viewer.now,
                expires_date=viewer.now + window,
                note=note,
            )
        )
        await _assign_users(conn, invited_id, organization_id, user_ids, strict=True)
        await record(
            conn,
            referral_id,
            ActivityType.PARTICIPANT_INVITED,
            viewer.now,
            actor=inviter.id,
            subject=invited_id,
            note=note,
        )
        return invited_id

    return await in_transaction(database, work)


async def _expire_lapsed(
    conn: AsyncConnection, referral_id: uuid.UUID, organization_id: uuid.UUID, viewer: Viewer
) -> None:
    """Store the EXPIRED that time already made true, before the organization is invited again."""
    lapsed = (
        await conn.scalars(
            select(participant.c.id).where(
                participant.c.referral_id == referral_id,
                participant.c.organization_id == organization_id,
                participant.c.status == ParticipantStatus.INVITED,
                participant.c.expires_date <= viewer.now,
            )
        )
    ).all()
    for participant_id in lapsed:
        await conn.execute(
            update(participant)
            .where(participant.c.id == participant_id)
            .values(status=ParticipantStatus.EXPIRED)
        )
        await record(
            conn, referral_id, ActivityType.INVITATION_EXPIRED, viewer.now, subject=participant_id
        )


async def answer_invitation(
    database: Database,
    viewer: Viewer,
    participant_id: uuid.UUID,
    *,
    accept: bool,
    reason: str | None = None,
) -> uuid.UUID:
    """Accept or reject the viewer organization's invitation; the referral's id.

    The first acceptance moves a PENDING referral to ACTIVE.
    """
    reason = validation.text(
        reason, ("reason",), limit=validation.NOTE_MAX, required=False, multiline=True
    )

    async def work(conn: AsyncConnection) -> uuid.UUID:
        not_found = Refused(RefusalCode.NOT_FOUND, "No such invitation.", field=("participantId",))
        referral_id: uuid.UUID | None = await conn.scalar(
            select(participant.c.referral_id).where(participant.c.id == participant_id)
        )
        if referral_id is None:
            raise not_found
        try:
            current = await lock_referral(conn, viewer, referral_id)
        except Refused:
            raise not_found from None
        # Read after the referral is locked, so the answer decides on the invitation's last state.
        invitation = (
            await conn.execute(select(participant).where(participant.c.id == participant_id))
        ).one()
        if invitation.organization_id != viewer.organization_id:
            raise Refused(
                RefusalCode.NOT_AUTHORIZED,
                "Only the invited organization answers its invitation.",
                field=("participantId",),
            )
        refuse_if_closed(current)
        if invitation.status is not ParticipantStatus.INVITED:
            raise Refused(
                RefusalCode.INVALID_TRANSITION,
                f"The invitation was already answered: it is {invitation.status.value}.",
                field=("participantId",),
            )
        if invitation.expires_date is not None and invitation.expires_date <= viewer.now:
            raise Refused(
                RefusalCode.INVITATION_EXPIRED,
                f"The invitation expired at {invitation.expires_date.isoformat()}.",
                field=("participantId",),
            )
        activates = accept and current.status is ReferralStatus.PENDING
        await bump(
            conn, current, viewer.now, **({"status": ReferralStatus.ACTIVE} if activates else {})
        )
        answered = await conn.execute(
            update(participant)
            .where(
                and_(
                    participant.c.id == participant_id,
                    participant.c.status == ParticipantStatus.INVITED,
                )
            )
            .values(
                status=ParticipantStatus.ACCEPTED if accept else ParticipantStatus.REJECTED,
                responded_date=viewer.now,
            )
        )
        if answered.rowcount != 1:
            raise LostRace
        await record(
            conn,
            current.id,
            ActivityType.INVITATION_ACCEPTED if accept else ActivityType.INVITATION_REJECTED,
            viewer.now,
            actor=participant_id,
            subject=participant_id,
            from_status=ReferralStatus.PENDING if activates else None,
            to_status=ReferralStatus.ACTIVE if activates else None,
            note=reason,
        )
        return referral_id

    return await in_transaction(database, work)
