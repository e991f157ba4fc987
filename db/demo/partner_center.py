"""What a demo referral carries of Partner Center's shape: type, qualification, CRM key,
consent, target, and the customer's size, region and (where optional) state.

Drawn from a `random.Random` of the referral's own id rather than the demo's one stream, so
these fields leave every other demo value as it was; the seed still fixes them all.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from db.models import CustomerSize, ReferralQualification, ReferralSource, ReferralType
from db.validation import STATE_REQUIRED_COUNTRIES

Row = dict[str, Any]

# How each demo owner's CRM spells its keys (by the owner's index among the organizations).
_CRM_PREFIXES = ("D365-OPP", "SF-006", "HUB-DEAL", "CRM")
_QUALIFICATIONS = tuple(ReferralQualification)
# Leads from the web come straight from the customer; the others are mostly qualified.
_QUALIFICATION_WEIGHTS = {
    ReferralSource.WEB_DIRECT: (10, 70, 15, 5),
    ReferralSource.PARTNER_LED: (15, 10, 30, 45),
    ReferralSource.AGENT_LED: (5, 5, 30, 60),
    ReferralSource.P2P: (25, 10, 25, 40),
}
# The narrower bands of newer referrals mostly, the broad ones of older ones sometimes.
_SIZES = tuple(CustomerSize)
_SIZE_WEIGHTS = (3, 2, 2, 10, 18, 20, 18, 12, 7, 4, 4)


def referral_fields(
    referral_id: uuid.UUID, owner: int, source: ReferralSource, organizations: int
) -> Row:
    """The referral's columns of Partner Center's shape. Its type was the owner's intent at
    creation: mostly SHARED (co-sell) where it went on to invite partners, INDEPENDENT where
    it worked the lead alone."""
    rng = random.Random(referral_id.int)
    target: list[dict[str, str | None]] = []
    if rng.random() < 0.6:
        letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
        target.append(
            {"id": f"SOL-{rng.randint(10000, 99999)}-{letters}", "type": "SolutionProfile"}
        )
    return {
        "type": ReferralType.SHARED
        if organizations > 1 and rng.random() < 0.65
        else ReferralType.INDEPENDENT,
        "qualification": rng.choices(_QUALIFICATIONS, _QUALIFICATION_WEIGHTS[source])[0],
        # Most owners sync their CRM; the key is unique as the referral id is.
        "external_reference_id": (
            f"{_CRM_PREFIXES[owner % len(_CRM_PREFIXES)]}-{referral_id.hex[:12].upper()}"
            if rng.random() < 0.75
            else None
        ),
        "consent_share_info_with_others": rng.random() < 0.85,
        "consent_contact_customer": rng.random() < 0.9,
        "consent_share_with_microsoft_sellers": rng.random() < 0.4,
        "target": target,
    }


def profile_fields(referral_id: uuid.UUID, country: str, subdivision: str) -> Row:
    """The customer's size, and where its country has no states, its subdivision as region
    (England, Bayern, Île-de-France...) with the state mostly left out."""
    rng = random.Random(~referral_id.int)
    fields: Row = {"size": rng.choices(_SIZES, _SIZE_WEIGHTS)[0] if rng.random() < 0.85 else None}
    if country in STATE_REQUIRED_COUNTRIES:
        fields["region"] = None
    else:
        fields["region"] = subdivision
        if rng.random() < 0.7:
            fields["state"] = None
    return fields
