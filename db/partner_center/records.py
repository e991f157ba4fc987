"""Partner Center -> ours: a Referral record as a draft, the status to reach, what is left."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from db.models import ReferralSource, ReferralStatus
from db.partner_center.spellings import (
    ADDRESS,
    CONSENT,
    CONSENT_ALIASES,
    CONTACT,
    LISTS,
    QUALIFICATIONS,
    READ_ONLY,
    SIZES,
    SOURCES,
    STATUSES,
    STORED_DETAILS,
    STORED_PROFILE,
    STORED_REQUIREMENTS,
    STORED_TOP,
    SUBSTATUSES,
    TYPES,
    partner_center_path,
)
from db.refusals import InvalidInput
from db.validation import TargetValue
from db.values import (
    AdditionalInformationValue,
    AddressValue,
    ConsentValue,
    ContactValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralDraft,
    referral_columns,
)


def loads(line: str) -> Any:
    """One JSON line, numbers with a fraction as exact Decimals."""
    return json.loads(line, parse_float=Decimal)


class FormatRefusal(Exception):
    """A record that does not read as a Partner Center Referral: (field, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where} {message}" for where, message in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """What a record asks for: the draft to create, the status to bring it to, and the
    record's fields an import does not take (read-only ones, and ones we do not store)."""

    draft: ReferralDraft
    status: ReferralStatus
    status_reason: Any
    # The record's own ID where it was exported from: what names it when it has no
    # externalReferenceId.
    source_id: str | None
    read_only: list[str] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)


def from_partner_center(record: Any) -> ImportRecord:
    """A Partner Center Referral record as a draft and a status; FormatRefusal when its JSON
    types or Partner Center spellings are wrong (the values themselves `db.values` checks,
    when the import writes the draft, and here too when the format is wrong)."""
    if not isinstance(record, dict):
        raise FormatRefusal([("(record)", "must be a JSON object")])
    errors: list[tuple[str, str]] = []
    status = _status(record, errors)
    profile = record.get("customerProfile")
    details = record.get("details")
    requirements = details.get("requirements") if isinstance(details, dict) else None
    draft = ReferralDraft(
        name=record.get("name"),
        referral_source=_source(record, errors),
        type=_enum(record, "type", TYPES, errors),
        qualification=_enum(record, "qualification", QUALIFICATIONS, errors),
        external_reference_id=record.get("externalReferenceId"),
        target=_targets(record.get("target")),
        consent=_consent(record.get("consent")),
        customer_profile=_profile(profile, errors),
        customer_requirements=_requirements(requirements),
        additional_information=_information(details, errors),
    )
    if errors:
        # With the values' own problems, so that one answer names everything to fix.
        try:
            referral_columns(draft)
        except InvalidInput as invalid:
            errors += [(partner_center_path(e.field), e.message) for e in invalid.errors]
        raise FormatRefusal(errors)
    read_only: list[str] = []
    not_stored: list[str] = []
    _unused(record, STORED_TOP, "", read_only, not_stored)
    if isinstance(profile, dict):
        _unused(profile, STORED_PROFILE, "customerProfile.", [], not_stored)
        team = profile.get("team")
        if isinstance(team, list) and len(team) > 1:
            not_stored.append("customerProfile.team[1:]")
    if isinstance(details, dict):
        _unused(details, STORED_DETAILS, "details.", [], not_stored)
    if isinstance(requirements, dict):
        _unused(requirements, STORED_REQUIREMENTS, "details.requirements.", [], not_stored)
    source_id = record.get("id")
    return ImportRecord(
        draft,
        status,
        record.get("statusReason"),
        source_id if isinstance(source_id, str) else None,
        read_only,
        not_stored,
    )


def _unused(
    section: dict[str, Any], stored: set[str], prefix: str, read_only: list[str], other: list[str]
) -> None:
    for key, value in section.items():
        if key in stored or value is None or value == [] or value == {}:
            continue  # an empty field loses nothing
        (read_only if key in READ_ONLY else other).append(prefix + key)


def _status(record: dict[str, Any], errors: list[tuple[str, str]]) -> ReferralStatus:
    status, substatus = record.get("status"), record.get("substatus")
    if substatus is not None:
        if substatus not in SUBSTATUSES:
            errors.append(("substatus", f"must be one of {', '.join(SUBSTATUSES)}"))
            return ReferralStatus.PENDING
        belongs, ours = SUBSTATUSES[substatus]
        if status is not None and status != belongs:
            errors.append(("status", f"is {status}, but substatus {substatus} is {belongs}"))
        if ours is None:
            errors.append(
                (
                    "substatus",
                    f"is {substatus}: another organization's referral that yours did not "
                    "take; only referrals your organization works are imported",
                )
            )
        return ours or ReferralStatus.PENDING
    if status is None:
        return ReferralStatus.PENDING
    if status in STATUSES:
        return STATUSES[status]
    if status == "Closed":
        errors.append(("substatus", "is required for a Closed referral: Won or Lost"))
    else:
        errors.append(("status", "must be one of New, Active, Closed"))
    return ReferralStatus.PENDING


E = TypeVar("E", bound=Enum)


def _enum(
    record: dict[str, Any], name: str, spellings: dict[E, str], errors: list[tuple[str, str]]
) -> E | None:
    """Partner Center's spelling of one of our enum values (in any case, or ours), None
    when the record leaves it out or empty."""
    value = record.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        for member, spelling in spellings.items():
            if value.lower() in (spelling.lower(), member.value.lower()):
                return member
    errors.append((name, f"must be one of {', '.join(spellings.values())}"))
    return None


def _source(record: dict[str, Any], errors: list[tuple[str, str]]) -> ReferralSource:
    # Partner Center fills referralSource only for marketplace leads: a record without one
    # is a partner's own lead.
    return _enum(record, "referralSource", SOURCES, errors) or ReferralSource.PARTNER_LED


def _consent(consent: Any) -> Any:
    if not isinstance(consent, dict):
        return consent
    given = {ours: consent.get(pc) for ours, pc in CONSENT.items()}
    for alias, ours in CONSENT_ALIASES.items():
        if given[ours] is None:
            given[ours] = consent.get(alias)
    return ConsentValue(**given)


def _targets(targets: Any) -> Any:
    if not isinstance(targets, list):
        return targets
    return [_target(item) if isinstance(item, dict) else item for item in targets]


def _target(item: dict[str, Any]) -> TargetValue:
    key: Any = item.get("id")  # checked as text by db.validation.targets
    return TargetValue(id=key, type=item.get("type"))


def _profile(profile: Any, errors: list[tuple[str, str]]) -> Any:
    if not isinstance(profile, dict):
        return profile  # None: "is required"; anything else "must be an object"
    size = _enum(profile, "size", SIZES, [])
    if size is None and profile.get("size") not in (None, ""):
        errors.append(("customerProfile.size", f"must be one of {', '.join(SIZES.values())}"))
    address, team = profile.get("address"), profile.get("team")
    # Partner Center writes the customer's team as a list, and in places as one object.
    member = (team[0] if team else None) if isinstance(team, list) else team
    return CustomerProfileValue(
        name=profile.get("name"),
        size=size,
        address=AddressValue(**{ours: address.get(pc) for ours, pc in ADDRESS.items()})
        if isinstance(address, dict)
        else address,
        contact=ContactValue(**{ours: member.get(pc) for ours, pc in CONTACT.items()})
        if isinstance(member, dict)
        else member,
    )


def _requirements(requirements: Any) -> Any:
    if not isinstance(requirements, dict):
        return requirements
    lists = {name: _names(requirements.get(name)) for name in LISTS}
    solutions = requirements.get("solutions")
    if isinstance(solutions, list):
        names = _names(solutions)
        solutions = (
            "; ".join(names)
            if names and all(isinstance(n, str) for n in names)
            else (names or None)
        )
    return CustomerRequirementsValue(
        **lists, solutions=solutions, customer_need=requirements.get("customerNeed")
    )


def _names(items: Any) -> Any:
    """Partner Center's [{"id": ...}] (or [{"name": ...}], or plain text) as a list of text."""
    if not isinstance(items, list):
        return items
    return [
        (item.get("name") or item.get("id")) if isinstance(item, dict) else item for item in items
    ]


def _information(details: Any, errors: list[tuple[str, str]]) -> Any:
    if not isinstance(details, dict):
        return details
    value: Any = details.get("dealValue")
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    return AdditionalInformationValue(
        notes=details.get("notes"),
        deal_value=value,
        currency=details.get("currency"),
        closing_date=_date(details.get("closingDateTime"), errors),
    )


def _date(value: Any, errors: list[tuple[str, str]]) -> date | None:
    """Partner Center's closing date-time as our closing date: its day in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    errors.append(("details.closingDateTime", "must be a date-time like 2027-03-31T00:00:00Z"))
    return None
