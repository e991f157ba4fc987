"""Partner Center -> ours: a Referral record as a draft, the status to reach, what is left."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from db.models import ReferralSource, ReferralStatus
from db.partner_center.spellings import (
    ADDRESS,
    CONTACT,
    LISTS,
    READ_ONLY,
    SOURCES,
    STATUSES,
    STORED_DETAILS,
    STORED_PROFILE,
    STORED_REQUIREMENTS,
    STORED_TOP,
    SUBSTATUSES,
)
from db.values import (
    AdditionalInformationValue,
    AddressValue,
    ContactValue,
    CustomerProfileValue,
    CustomerRequirementsValue,
    ReferralDraft,
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
    read_only: list[str] = field(default_factory=list)
    not_stored: list[str] = field(default_factory=list)


def from_partner_center(record: Any) -> ImportRecord:
    """A Partner Center Referral record as a draft and a status; FormatRefusal when its JSON
    types or Partner Center spellings are wrong (the values themselves `db.values` checks)."""
    if not isinstance(record, dict):
        raise FormatRefusal([("(record)", "must be a JSON object")])
    errors: list[tuple[str, str]] = []
    status = _status(record, errors)
    source = _source(record.get("referralSource"), errors)
    profile = record.get("customerProfile")
    details = record.get("details")
    requirements = details.get("requirements") if isinstance(details, dict) else None
    draft = ReferralDraft(
        name=record.get("name"),
        referral_source=source,
        customer_profile=_profile(profile),
        customer_requirements=_requirements(requirements),
        additional_information=_information(details, errors),
    )
    if errors:
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
    return ImportRecord(draft, status, record.get("statusReason"), read_only, not_stored)


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


def _source(value: Any, errors: list[tuple[str, str]]) -> ReferralSource:
    # Partner Center fills referralSource only for marketplace leads: a record without one
    # is a partner's own lead.
    if value is None:
        return ReferralSource.PARTNER_LED
    for source, spelling in SOURCES.items():
        if value in (spelling, source.value):
            return source
    errors.append(("referralSource", f"must be one of {', '.join(SOURCES.values())}"))
    return ReferralSource.PARTNER_LED


def _profile(profile: Any) -> Any:
    if not isinstance(profile, dict):
        return profile  # None: "is required"; anything else "must be an object"
    address, team = profile.get("address"), profile.get("team")
    # Partner Center writes the customer's team as a list, and in places as one object.
    member = (team[0] if team else None) if isinstance(team, list) else team
    return CustomerProfileValue(
        name=profile.get("name"),
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
