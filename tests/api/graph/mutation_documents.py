"""The mutation documents and small helpers the mutation tests share."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from db.tables import activity, referral
from tests.factories import make_actor, new_referral
from tests.helpers import Actor, Api

ERRORS = "userErrors { code message field currentVersion }"
CREATE = f"""mutation ($input: CreateReferralInput!) {{ createReferral(input: $input) {{
  referral {{ id status version name referralSource
    owner {{ organizationId status users {{ id }} }}
    customerProfile {{ name address {{ addressLine2 country }}
                      contact {{ email phoneNumber }} }}
    customerRequirements {{ industries products services solutions }}
    additionalInformation {{ dealValue currency closingDate notes }}
    activities {{ nodes {{ type toStatus }} }} }}
  {ERRORS} }} }}"""
UPDATE = f"""mutation ($input: UpdateReferralInput!) {{ updateReferral(input: $input) {{
  referral {{ version name customerProfile {{ name address {{ addressLine1 addressLine2 }}
    contact {{ phoneNumber }} }}
    additionalInformation {{ dealValue currency notes }}
    activities(last: 1) {{ nodes {{ type note }} }} }}
  {ERRORS} }} }}"""
INVITE = f"""mutation ($input: InviteParticipantInput!) {{ inviteParticipant(input: $input) {{
  participant {{ id status organizationId expiresDate invitedBy {{ id }} users {{ id }} }}
  referral {{ version }} {ERRORS} }} }}"""
ACCEPT = f"""mutation ($input: AcceptInvitationInput!) {{ acceptInvitation(input: $input) {{
  participant {{ status }} referral {{ status version }} {ERRORS} }} }}"""
NOTE = f"""mutation ($input: AddReferralNoteInput!) {{ addReferralNote(input: $input) {{
  activity {{ type note actor {{ organizationId }} }} referral {{ version }} {ERRORS} }} }}"""
STATUS = f"""mutation ($input: ChangeReferralStatusInput!) {{ changeReferralStatus(input: $input) {{
  referral {{ status statusReason version }} {ERRORS} }} }}"""


async def count_referrals(api: Api) -> int:
    async with api.database.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(referral)) or 0)


async def actors(api: Api, count: int = 2) -> list[Actor]:
    async with api.database.engine.begin() as conn:
        return [await make_actor(conn, f"Org {i}") for i in range(count)]


async def create(api: Api, actor: Actor, **overrides: Any) -> dict[str, Any]:
    data = await api.query(CREATE, {"input": new_referral(**overrides)}, actor=actor)
    payload: dict[str, Any] = data["createReferral"]
    assert payload["userErrors"] == []
    return payload["referral"]  # type: ignore[no-any-return]


async def count_activities(api: Api, referral_id: uuid.UUID) -> int:
    async with api.database.engine.connect() as conn:
        count = await conn.scalar(
            select(func.count()).select_from(activity).where(activity.c.referral_id == referral_id)
        )
    return int(count or 0)
