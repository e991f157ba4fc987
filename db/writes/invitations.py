"""inviteParticipant, acceptInvitation and rejectInvitation: who takes part in a referral."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from db import rules, validation
from db.access import Viewer
from db.engine import Database
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import FieldError, InvalidInput, RefusalCode, Refused
from db.tables import organization, participant
from db.writes.steps import (
    acting_participant,
    assign_users,
    bump,
    enforce,
    lock_referral,
    record,
)
from db.writes.transaction import LostRace, in_transaction


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
        raise InvalidInput(
            [FieldError(("user_ids",), f"takes at most {validation.INVITE_USERS_MAX} users.")]
        )
    own_organization = organization_id == viewer.organization_id

    def may_invite(status: ReferralStatus, actor: ParticipantStatus | None) -> rules.Refusal | None:
        return rules.may_invite(status, actor, own_organization=own_organization)

    async def work(conn: AsyncConnection) -> uuid.UUID:
        current = await lock_referral(
            conn, viewer, referral_id, expected_version=expected_version, field=("referral_id",)
        )
        inviter = await acting_participant(conn, viewer, current, may_invite)
        exists = await conn.scalar(
            select(organization.c.id).where(organization.c.id == organization_id)
        )
        if exists is None:
            raise Refused(
                RefusalCode.NOT_FOUND, "No such organization.", field=("organization_id",)
            )
        await bump(conn, current, viewer.now)
        statuses = await _expire_lapsed(conn, referral_id, organization_id, viewer)
        enforce(rules.may_invite_organization(statuses))
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
        await assign_users(conn, invited_id, organization_id, user_ids, strict=True)
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
) -> list[ParticipantStatus]:
    """Store the EXPIRED that time already made true, before the organization is invited again.

    The organization's participations in the referral, as they stand after that.
    """
    rows = (
        await conn.execute(
            select(participant.c.id, participant.c.status, participant.c.expires_date).where(
                participant.c.referral_id == referral_id,
                participant.c.organization_id == organization_id,
            )
        )
    ).all()
    statuses: list[ParticipantStatus] = []
    for row in rows:
        if not rules.lapsed(row.status, row.expires_date, viewer.now):
            statuses.append(row.status)
            continue
        await conn.execute(
            update(participant)
            .where(participant.c.id == row.id)
            .values(status=ParticipantStatus.EXPIRED)
        )
        await record(conn, referral_id, ActivityType.INVITATION_EXPIRED, viewer.now, subject=row.id)
        statuses.append(ParticipantStatus.EXPIRED)
    return statuses


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
        not_found = Refused(RefusalCode.NOT_FOUND, "No such invitation.", field=("participant_id",))
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
        enforce(
            rules.may_answer(
                current.status,
                invitation.status,
                invitation.expires_date,
                viewer.now,
                invited=invitation.organization_id == viewer.organization_id,
            )
        )
        activates = rules.activates(current.status, accept=accept)
        changes: dict[str, Any] = {"status": ReferralStatus.ACTIVE} if activates else {}
        await bump(conn, current, viewer.now, **changes)
        status, type_ = rules.answered(accept=accept)
        answered = await conn.execute(
            update(participant)
            .where(
                and_(
                    participant.c.id == participant_id,
                    participant.c.status == ParticipantStatus.INVITED,
                )
            )
            .values(status=status, responded_date=viewer.now)
        )
        if answered.rowcount != 1:
            raise LostRace
        await record(
            conn,
            current.id,
            type_,
            viewer.now,
            actor=participant_id,
            subject=participant_id,
            from_status=ReferralStatus.PENDING if activates else None,
            to_status=ReferralStatus.ACTIVE if activates else None,
            note=reason,
        )
        return referral_id

    return await in_transaction(database, work)
