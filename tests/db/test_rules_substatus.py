"""Partner Center's substatus, as each viewer sees it: every (referral status, the viewer's own
participant status, owner or not) against the table of DOMAIN.md, written out by hand."""

from __future__ import annotations

import itertools

import pytest

from db.models import ParticipantStatus, ReferralStatus, ReferralSubstatus
from db.rules import substatus

R, P, S = ReferralStatus, ParticipantStatus, ReferralSubstatus

# (referral status, own participant status as read now, owner?) -> substatus.
TABLE: dict[tuple[ReferralStatus, ParticipantStatus | None, bool], ReferralSubstatus] = {
    # A partner's own ended invitation reads so whatever became of the referral.
    **{(status, P.REJECTED, owner): S.DECLINED for status in R for owner in (False, True)},
    **{(status, P.EXPIRED, owner): S.EXPIRED for status in R for owner in (False, True)},
    **{(status, P.MISSED, owner): S.EXPIRED for status in R for owner in (False, True)},
    # PENDING: the owner waits (PENDING); an invited partner has RECEIVED it.
    (R.PENDING, P.ACCEPTED, True): S.PENDING,
    (R.PENDING, P.ACCEPTED, False): S.ACCEPTED,
    (R.PENDING, P.INVITED, True): S.RECEIVED,
    (R.PENDING, P.INVITED, False): S.RECEIVED,
    (R.PENDING, None, True): S.PENDING,
    (R.PENDING, None, False): S.PENDING,
    # ACTIVE: being worked (ACCEPTED), except by a partner still to answer.
    (R.ACTIVE, P.ACCEPTED, True): S.ACCEPTED,
    (R.ACTIVE, P.ACCEPTED, False): S.ACCEPTED,
    (R.ACTIVE, P.INVITED, True): S.RECEIVED,
    (R.ACTIVE, P.INVITED, False): S.RECEIVED,
    (R.ACTIVE, None, True): S.ACCEPTED,
    (R.ACTIVE, None, False): S.ACCEPTED,
    # Closed: WON or LOST for everyone who did not drop out before.
    **{
        (R.WON, status, owner): S.WON
        for status in (P.ACCEPTED, P.INVITED, None)
        for owner in (False, True)
    },
    **{
        (R.LOST, status, owner): S.LOST
        for status in (P.ACCEPTED, P.INVITED, None)
        for owner in (False, True)
    },
}


def test_the_table_covers_every_combination() -> None:
    combinations = set(itertools.product(R, [*P, None], (False, True)))
    assert set(TABLE) == combinations


@pytest.mark.parametrize(
    ("referral_status", "participant_status", "owner"),
    sorted(TABLE, key=str),
    ids=lambda value: str(getattr(value, "name", value)),
)
def test_substatus_follows_the_table(
    referral_status: ReferralStatus, participant_status: ParticipantStatus | None, owner: bool
) -> None:
    assert (
        substatus(referral_status, participant_status, owner=owner)
        is TABLE[(referral_status, participant_status, owner)]
    )


def test_every_substatus_is_reachable() -> None:
    assert set(TABLE.values()) == set(ReferralSubstatus)
