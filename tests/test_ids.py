"""Time-ordered ids keep creation order, even within one millisecond."""

from __future__ import annotations

from db.ids import uuid7


def test_uuid7_ids_increase_and_carry_version_7() -> None:
    ids = [uuid7() for _ in range(5000)]  # many per millisecond: the counter orders them
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert {value.version for value in ids} == {7}
    assert {value.variant for value in ids} == {"specified in RFC 4122"}
    assert sorted(ids, key=str) == ids  # text order (SQLite) agrees with byte order (PostgreSQL)
