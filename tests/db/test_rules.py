"""db.rules, table by table: each pure rule of the lifecycle with the answer DOMAIN.md gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db import rules
from db.models import ActivityType, ParticipantStatus, ReferralStatus
from db.refusals import RefusalCode

A = ActivityType
P = ParticipantStatus
R = ReferralStatus
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
LATER = NOW + timedelta(days=1)
EARLIER = NOW - timedelta(days=1)


def code(refusal: rules.Refusal | None) -> RefusalCode | None:
    return None if refusal is None else refusal.code


@pytest.mark.parametrize("status", list(R))
@pytest.mark.parametrize("actor", [*P, None])
def test_only_accepted_participants_change_an_open_referral(status: R, actor: P | None) -> None:
    expected = (
        RefusalCode.NOT_AUTHORIZED
        if actor is not P.ACCEPTED
        else RefusalCode.INVALID_TRANSITION
        if status in (R.WON, R.LOST)
        else None
    )
    assert code(rules.may_change(status, actor)) is expected
    assert code(rules.may_change_status(status, actor)) is expected
    assert code(rules.may_invite(status, actor)) is expected


@pytest.mark.parametrize(
    ("status", "to", "expected"),
    [
        (R.PENDING, R.ACTIVE, None),
        (R.PENDING, R.LOST, None),
        (R.PENDING, R.WON, RefusalCode.INVALID_TRANSITION),
        (R.PENDING, R.PENDING, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, R.WON, None),
        (R.ACTIVE, R.LOST, None),
        (R.ACTIVE, R.PENDING, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, R.ACTIVE, RefusalCode.INVALID_TRANSITION),
        (R.WON, R.LOST, RefusalCode.INVALID_TRANSITION),
        (R.LOST, R.ACTIVE, RefusalCode.INVALID_TRANSITION),
    ],
)
def test_status_transitions(status: R, to: R, expected: RefusalCode | None) -> None:
    refusal = rules.may_change_status(status, P.ACCEPTED, to)
    assert code(refusal) is expected
    if refusal is not None and status not in rules.CLOSED:
        assert refusal.field == ("status",)
        assert refusal.message == f"A {status.value} referral cannot become {to.value}."


def test_closed_referrals_say_why() -> None:
    refusal = rules.may_change(R.WON, P.ACCEPTED)
    assert refusal == rules.Refusal(
        RefusalCode.INVALID_TRANSITION, "The referral is WON: closed referrals do not change."
    )


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (R.LOST, None, "is required to mark a referral LOST."),
        (R.LOST, "Price", None),
        (R.WON, None, None),
        (R.WON, "Signed", None),
        (R.ACTIVE, None, None),
        (R.ACTIVE, "Because", "is only given when closing (WON or LOST)."),
        (R.PENDING, "Because", "is only given when closing (WON or LOST)."),
    ],
)
def test_status_reasons(status: R, reason: str | None, expected: str | None) -> None:
    assert rules.status_reason_refusal(status, reason) == expected


def test_an_organization_does_not_invite_itself() -> None:
    refusal = rules.may_invite(R.PENDING, P.ACCEPTED, own_organization=True)
    assert code(refusal) is RefusalCode.ALREADY_PARTICIPATING
    assert refusal is not None
    assert refusal.field == ("organization_id",)
    # Who acts comes first.
    assert code(rules.may_invite(R.PENDING, P.INVITED, own_organization=True)) is (
        RefusalCode.NOT_AUTHORIZED
    )


@pytest.mark.parametrize(
    ("participations", "expected"),
    [
        ([], None),
        ([P.EXPIRED], None),
        ([P.REJECTED, P.MISSED, P.EXPIRED], None),
        ([P.EXPIRED, P.INVITED], RefusalCode.ALREADY_PARTICIPATING),
        ([P.ACCEPTED], RefusalCode.ALREADY_PARTICIPATING),
    ],
)
def test_one_open_participation_per_organization(
    participations: list[P], expected: RefusalCode | None
) -> None:
    assert code(rules.may_invite_organization(participations)) is expected


@pytest.mark.parametrize(
    ("status", "invitation", "expires", "invited", "expected"),
    [
        (R.PENDING, P.INVITED, LATER, True, None),
        (R.ACTIVE, P.INVITED, None, True, None),
        (R.PENDING, P.INVITED, LATER, False, RefusalCode.NOT_AUTHORIZED),
        (R.WON, P.ACCEPTED, LATER, False, RefusalCode.NOT_AUTHORIZED),
        (R.WON, P.INVITED, LATER, True, RefusalCode.INVALID_TRANSITION),
        (R.LOST, P.INVITED, EARLIER, True, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, P.ACCEPTED, LATER, True, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, P.REJECTED, LATER, True, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, P.MISSED, LATER, True, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, P.EXPIRED, EARLIER, True, RefusalCode.INVALID_TRANSITION),
        (R.ACTIVE, P.INVITED, EARLIER, True, RefusalCode.INVITATION_EXPIRED),
        (R.ACTIVE, P.INVITED, NOW, True, RefusalCode.INVITATION_EXPIRED),
    ],
)
def test_answering_an_invitation(
    status: R, invitation: P, expires: datetime | None, invited: bool, expected: RefusalCode | None
) -> None:
    refusal = rules.may_answer(status, invitation, expires, NOW, invited=invited)
    assert code(refusal) is expected


def test_refusals_name_the_invitation_and_when_it_expired() -> None:
    refusal = rules.may_answer(R.ACTIVE, P.INVITED, EARLIER, NOW)
    assert refusal == rules.Refusal(
        RefusalCode.INVITATION_EXPIRED,
        f"The invitation expired at {EARLIER.isoformat()}.",
        field=("participant_id",),
    )
    # The demo counts in seconds: the same rule answers.
    assert code(rules.may_answer(R.ACTIVE, P.INVITED, 10, 10)) is RefusalCode.INVITATION_EXPIRED
    assert rules.may_answer(R.ACTIVE, P.INVITED, 11, 10) is None


@pytest.mark.parametrize(
    ("status", "expires", "lapsed"),
    [
        (P.INVITED, EARLIER, True),
        (P.INVITED, NOW, True),
        (P.INVITED, LATER, False),
        (P.INVITED, None, False),
        (P.ACCEPTED, EARLIER, False),
        (P.EXPIRED, EARLIER, False),
    ],
)
def test_lapsed_invitations(status: P, expires: datetime | None, lapsed: bool) -> None:
    assert rules.lapsed(status, expires, NOW) is lapsed


@pytest.mark.parametrize(
    ("status", "accept", "activates"),
    [
        (R.PENDING, True, True),
        (R.PENDING, False, False),
        (R.ACTIVE, True, False),
        (R.ACTIVE, False, False),
    ],
)
def test_the_first_acceptance_activates(status: R, accept: bool, activates: bool) -> None:
    assert rules.activates(status, accept=accept) is activates


def test_answers_and_their_activities() -> None:
    assert rules.answered(accept=True) == (P.ACCEPTED, A.INVITATION_ACCEPTED)
    assert rules.answered(accept=False) == (P.REJECTED, A.INVITATION_REJECTED)


@pytest.mark.parametrize(
    ("expires", "ended"),
    [
        (LATER, (P.MISSED, A.INVITATION_MISSED)),
        (None, (P.MISSED, A.INVITATION_MISSED)),
        (NOW, (P.EXPIRED, A.INVITATION_EXPIRED)),
        (EARLIER, (P.EXPIRED, A.INVITATION_EXPIRED)),
    ],
)
def test_open_invitations_end_with_the_referral(
    expires: datetime | None, ended: tuple[P, A]
) -> None:
    assert rules.ended_by_close(expires, NOW) == ended


def test_update_note_names_the_changed_fields() -> None:
    assert (
        rules.update_note(["name", "customerProfile.name"], str)
        == "Changed name, customerProfile.name"
    )


def test_update_note_names_fields_as_the_caller_names_them() -> None:
    changed = [("name",), ("customer_profile", "contact", "phone_number")]
    assert (
        rules.update_note(changed, lambda path: "/".join(path).upper())
        == "Changed NAME, CUSTOMER_PROFILE/CONTACT/PHONE_NUMBER"
    )


@pytest.mark.parametrize(
    ("start", "to", "path"),
    [
        (R.PENDING, R.PENDING, []),
        (R.PENDING, R.ACTIVE, [R.ACTIVE]),
        (R.PENDING, R.WON, [R.ACTIVE, R.WON]),
        (R.PENDING, R.LOST, [R.LOST]),
        (R.ACTIVE, R.LOST, [R.LOST]),
        (R.ACTIVE, R.PENDING, None),
        (R.WON, R.LOST, None),
    ],
)
def test_status_paths_take_the_fewest_allowed_changes(
    start: R, to: R, path: list[R] | None
) -> None:
    assert rules.status_path(start, to) == path
    if path:
        for before, after in zip([start, *path], path, strict=False):
            assert after in rules.TRANSITIONS[before]
