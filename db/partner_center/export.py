"""Ours -> Partner Center: a referral as an organization sees it, as a Referral record."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from db import rules
from db.models import ParticipantStatus
from db.partner_center.spellings import (
    ADDRESS,
    CONSENT,
    CONTACT,
    LISTS,
    QUALIFICATIONS,
    SIZES,
    SOURCES,
    SUBSTATUS_NAMES,
    SUBSTATUSES,
    TYPES,
)
from db.referral_export import ReferralParts
from db.rules import own_participation


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _member(display_name: str, email: str | None) -> dict[str, Any]:
    # Our users have one display name; Partner Center's members a first and a last name.
    first, _, last = display_name.partition(" ")
    return {"firstName": first, "lastName": last, "email": email}


def to_partner_center(parts: ReferralParts, organization_id: Any) -> dict[str, Any]:
    """One referral, as `organization_id` sees it, as a Partner Center Referral record."""
    row, profile = parts.referral, parts.customer_profile
    requirements, information = parts.requirements, parts.information
    owned = row.owner_organization_id == organization_id
    mine = own_participation([p for p, _ in parts.participants], organization_id)
    substatus = SUBSTATUS_NAMES[
        rules.substatus(row.status, None if mine is None else mine.status, owner=owned)
    ]
    users = next((u for p, u in parts.participants if mine is not None and p.id == mine.id), [])
    inviter = next(
        (
            p
            for p, _ in parts.participants
            if mine is not None and p.id == mine.invited_by_participant_id
        ),
        None,
    )
    solutions = None if requirements is None else requirements.solutions
    return {
        "id": str(row.id),
        "name": row.name,
        "organizationId": str(organization_id),
        # The owner's CRM key: db.reads shows it to the owner only.
        "externalReferenceId": row.external_reference_id,
        "createdDateTime": _instant(row.created_date),
        "updatedDateTime": _instant(row.updated_date),
        "expirationDateTime": _instant(
            mine.expires_date
            if mine is not None and mine.status is ParticipantStatus.INVITED
            else None
        ),
        "acceptedDateTime": _instant(
            mine.responded_date
            if mine is not None and mine.status is ParticipantStatus.ACCEPTED
            else None
        ),
        "status": SUBSTATUSES[substatus][0],
        "substatus": substatus,
        "statusReason": row.status_reason,
        "type": TYPES[row.type],
        "qualification": QUALIFICATIONS[row.qualification],
        "referralSource": SOURCES[row.referral_source],
        "direction": "Outgoing" if owned else "Incoming",
        "target": [{"type": target["type"], "id": target["id"]} for target in row.target],
        "customerProfile": None
        if profile is None
        else {
            "name": profile.name,
            "size": None if profile.size is None else SIZES[profile.size],
            "address": {pc: getattr(profile, ours) for ours, pc in ADDRESS.items()},
            "team": [{pc: getattr(profile, f"contact_{ours}") for ours, pc in CONTACT.items()}],
        },
        "consent": {pc: getattr(row, f"consent_{ours}") for ours, pc in CONSENT.items()},
        "details": None
        if information is None
        else {
            "notes": information.notes,
            "dealValue": information.deal_value,
            "currency": information.currency,
            "closingDateTime": None
            if information.closing_date is None
            else f"{information.closing_date.isoformat()}T00:00:00Z",
            "requirements": None
            if requirements is None
            else {
                **{name: [{"id": item} for item in getattr(requirements, name)] for name in LISTS},
                "solutions": [] if solutions is None else [{"name": solutions}],
                "customerNeed": requirements.customer_need,
            },
        },
        "team": [_member(user.display_name, user.email) for user in users],
        "inviteContext": None
        if owned or mine is None
        else {
            "notes": mine.note,
            "invitedBy": None
            if inviter is None
            else {
                "organizationId": str(inviter.organization_id),
                "organizationName": parts.organization_names.get(inviter.organization_id),
            },
        },
    }


def dumps(value: Any) -> str:
    """One JSON line; amounts as exact JSON numbers (json.dumps would need a float)."""
    if isinstance(value, dict):
        items = (f"{json.dumps(key, ensure_ascii=False)}:{dumps(v)}" for key, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(item) for item in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
