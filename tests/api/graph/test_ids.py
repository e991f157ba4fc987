"""Time-ordered ids keep creation order; global IDs, views included, decode as encoded."""

from __future__ import annotations

import uuid

import pytest

from api.errors import BadUserInput
from api.graph.nodes import decode_global_id, expect_global_id
from api.graph.relay.ids import GlobalId, to_global_id
from db.ids import uuid7


def test_uuid7_ids_increase_and_carry_version_7() -> None:
    ids = [uuid7() for _ in range(5000)]  # many per millisecond: the counter orders them
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {"specified in RFC 4122"}
    assert sorted(ids, key=str) == ids  # text order (SQLite) agrees with byte order (PostgreSQL)


def test_view_ids_round_trip_and_only_referrals_and_profiles_have_views() -> None:
    referral, viewpoint = uuid.uuid4(), uuid.uuid4()
    plain = to_global_id("Referral", referral)
    view = to_global_id("Referral", referral, viewpoint=viewpoint)
    assert view != plain
    assert decode_global_id(plain) == GlobalId("Referral", referral)
    assert decode_global_id(view) == GlobalId("Referral", referral, viewpoint)
    profile = to_global_id("CustomerProfile", referral, viewpoint=viewpoint)
    assert decode_global_id(profile) == GlobalId("CustomerProfile", referral, viewpoint)
    assert expect_global_id(plain, "Referral") == referral
    with pytest.raises(BadUserInput, match="view"):
        expect_global_id(view, "Referral", argument="referralId")
    for forged in (
        to_global_id("Participant", referral, viewpoint=viewpoint),  # no views of participants
        to_global_id("Referral", referral)[:-2] + "Og",  # "Referral:<key>:" with no viewpoint
    ):
        with pytest.raises(BadUserInput, match="not a valid ID"):
            decode_global_id(forged, argument="ids[3]")
