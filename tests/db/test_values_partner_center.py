"""The fields of Partner Center's shape in drafts and patches: defaults, normalisation, refusals,
and the state that only countries with states require."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from db.models import CustomerSize, ReferralQualification, ReferralType
from db.validation import EXTERNAL_REFERENCE_ID_MAX, LIST_MAX_ITEMS, STATE_REQUIRED_COUNTRIES
from db.values import (
    ConsentValue,
    CustomerProfileValue,
    ReferralPatch,
    TargetValue,
    referral_columns,
)
from tests.db.drafts import ADDRESS, SINGLE_LINE, errors_of, full_draft, patch, with_value

PROFILE = ("customer_profile",)


def partner_center_draft(**changes: Any) -> Any:
    draft = dataclasses.replace(
        full_draft(),
        type=ReferralType.SHARED,
        qualification=ReferralQualification.SALES_QUALIFIED,
        external_reference_id="  crm-0042 ",
        consent=ConsentValue(share_info_with_others=False, share_with_microsoft_sellers=True),
        target=[
            TargetValue(id=" SOL-34104-EBB ", type="SolutionProfile"),
            TargetValue(id="SOL-34104-EBB", type="SolutionProfile"),  # a duplicate
            TargetValue(id="msft"),
        ],
    )
    draft = with_value((*PROFILE, "size"), CustomerSize.SIZE_10_TO_50, draft)
    draft = with_value((*ADDRESS, "region"), " Pacific Northwest ", draft)
    return dataclasses.replace(draft, **changes)


def test_partner_center_fields_are_normalised() -> None:
    columns = referral_columns(partner_center_draft())
    assert {
        key: value
        for key, value in columns.referral.items()
        if key not in ("name", "referral_source")
    } == {
        "type": ReferralType.SHARED,
        "qualification": ReferralQualification.SALES_QUALIFIED,
        "external_reference_id": "crm-0042",
        # Consent fields left out take their defaults.
        "consent_share_info_with_others": False,
        "consent_contact_customer": True,
        "consent_share_with_microsoft_sellers": True,
        "target": [
            {"id": "SOL-34104-EBB", "type": "SolutionProfile"},
            {"id": "msft", "type": None},
        ],
    }
    assert columns.customer_profile["size"] is CustomerSize.SIZE_10_TO_50
    assert columns.customer_profile["region"] == "Pacific Northwest"


@pytest.mark.parametrize(
    ("path", "given", "message"),
    [
        (("type",), "SHARED", "must be one of INDEPENDENT, SHARED"),
        (
            ("qualification",),
            1,
            "must be one of NONE, DIRECT, MARKETING_QUALIFIED, SALES_QUALIFIED",
        ),
        ((*PROFILE, "size"), "10to50employees", "must be one of SIZE_1_TO_50, SIZE_51_TO_500, "),
        (
            ("external_reference_id",),
            "x" * (EXTERNAL_REFERENCE_ID_MAX + 1),
            f"must be at most {EXTERNAL_REFERENCE_ID_MAX} characters",
        ),
        (("external_reference_id",), "crm\n42", SINGLE_LINE),
        (("consent", "contact_customer"), "yes", "must be true or false"),
        (("target",), "SOL-1", "must be a list"),
        (
            ("target",),
            [TargetValue(id=str(n)) for n in range(LIST_MAX_ITEMS + 1)],
            f"must have at most {LIST_MAX_ITEMS} items",
        ),
        ((*ADDRESS, "region"), "r" * 101, "must be at most 100 characters"),
    ],
)
def test_bad_partner_center_values_are_refused_at_their_path(
    path: tuple[str, ...], given: Any, message: str
) -> None:
    ((field, said),) = errors_of(with_value(path, given, partner_center_draft()))
    assert field == path
    assert said.startswith(message)


def test_bad_target_items_are_refused_at_their_index() -> None:
    draft = partner_center_draft(
        target=[TargetValue(id="ok"), TargetValue(id=" "), "SOL-1", TargetValue("a", "t" * 51)]
    )
    assert errors_of(draft) == [
        (("target", "1", "id"), "must not be blank"),
        (("target", "2"), "must be an object"),
        (("target", "3", "type"), "must be at most 50 characters"),
    ]


@pytest.mark.parametrize("country", sorted(STATE_REQUIRED_COUNTRIES))
@pytest.mark.parametrize("state", [None, "  "])
def test_countries_with_states_require_one(country: str, state: str | None) -> None:
    draft = with_value((*ADDRESS, "country"), country)
    draft = with_value((*ADDRESS, "state"), state, draft)
    # The phone reads in the address's country: give it internationally.
    draft = with_value(("customer_profile", "contact", "phone_number"), "+14255550100", draft)
    assert errors_of(draft) == [
        ((*ADDRESS, "state"), f"is required for addresses in {country}"),
    ]


@pytest.mark.parametrize("country", ["GB", "SG", "DE"])
def test_countries_without_states_may_leave_it_out(country: str) -> None:
    draft = with_value((*ADDRESS, "country"), country)
    draft = with_value((*ADDRESS, "state"), None, draft)
    draft = with_value(("customer_profile", "contact", "phone_number"), "+14255550100", draft)
    assert referral_columns(draft).customer_profile["state"] is None


def test_a_patch_clears_or_resets_partner_center_fields() -> None:
    cleared = ReferralPatch(qualification=None, external_reference_id=None, target=None)
    assert referral_columns(cleared).referral == {
        "qualification": ReferralQualification.NONE,
        "external_reference_id": None,
        "target": [],
    }
    sized = patch((*PROFILE, "size"), None)
    assert referral_columns(sized).customer_profile == {"size": None}


def test_a_patch_may_clear_the_state_the_write_checks_it_against_the_stored_country() -> None:
    # Whether the referral's country needs a state is known only with its row (db.writes).
    assert referral_columns(patch((*ADDRESS, "state"), None)).customer_profile == {"state": None}


def test_type_and_consent_are_not_part_of_a_patch() -> None:
    names = {field.name for field in dataclasses.fields(ReferralPatch)}
    assert not names & {"type", "consent"}
    assert "size" in {field.name for field in dataclasses.fields(CustomerProfileValue)}
