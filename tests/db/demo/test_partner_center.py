"""The demo fills Partner Center's fields plausibly: every value of each enum, CRM keys unique
per owner, consent both ways, targets, and states left out only where countries allow it."""

from __future__ import annotations

from collections import Counter

from db.models import CustomerSize, ReferralQualification, ReferralType
from db.validation import STATE_REQUIRED_COUNTRIES
from db.values import AddressValue, CustomerProfileValue, ReferralPatch, referral_columns
from tests.db.demo.support import Rows


async def test_referrals_carry_partner_center_fields(full: Rows) -> None:
    referrals = full["referral"]
    organizations = Counter(row.referral_id for row in full["participant"])
    for row in referrals:
        if organizations[row.id] == 1:  # the owner alone: nobody to share it with
            assert row.type is ReferralType.INDEPENDENT
        for target in row.target:
            assert target["type"] == "SolutionProfile"
            assert target["id"].startswith("SOL-")
    assert {row.type for row in referrals} == set(ReferralType)
    assert {row.qualification for row in referrals} == set(ReferralQualification)
    assert any(row.target for row in referrals)
    assert any(not row.target for row in referrals)
    for column in (
        "consent_share_info_with_others",
        "consent_contact_customer",
        "consent_share_with_microsoft_sellers",
    ):
        assert {getattr(row, column) for row in referrals} == {True, False}, column


async def test_crm_keys_are_unique_per_owner_and_sometimes_absent(full: Rows) -> None:
    keyed = [
        (row.owner_organization_id, row.external_reference_id)
        for row in full["referral"]
        if row.external_reference_id is not None
    ]
    assert len(keyed) == len(set(keyed))
    assert 0 < len(keyed) < len(full["referral"])
    # Each owner's CRM spells its keys its own way.
    prefixes: dict[object, set[str]] = {}
    for owner, key in keyed:
        prefixes.setdefault(owner, set()).add(key.rsplit("-", 1)[0])
    assert all(len(spellings) == 1 for spellings in prefixes.values())


async def test_customers_have_sizes_regions_and_states_where_needed(full: Rows) -> None:
    profiles = full["customer_profile"]
    assert {row.size for row in profiles} == {*CustomerSize, None}
    for row in profiles:
        if row.country in STATE_REQUIRED_COUNTRIES:
            assert row.state
            assert row.region is None
        else:
            assert row.region
        # Every address reads as valid by the rules the writes apply.
        address = AddressValue(country=row.country, state=row.state, region=row.region)
        patch = ReferralPatch(customer_profile=CustomerProfileValue(address=address))
        referral_columns(patch)
    assert any(row.state is None for row in profiles)
    assert any(row.state is not None and row.region for row in profiles)
