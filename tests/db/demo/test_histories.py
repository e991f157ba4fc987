"""Demo histories are what the mutations write, replayed by the rules of `db.writes`.

Who may act, the transitions, one version per change, the side effects of closing and of
inviting again.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from db import rules
from tests.db.demo.support import (
    NOW,
    SIDE_EFFECTS,
    A,
    P,
    Rows,
    check_history,
    histories,
)


async def test_histories_are_what_the_mutations_write(demo: Rows) -> None:
    check_history(demo, minimum=5)


async def test_versions_count_changes_not_their_side_effects(demo: Rows) -> None:
    for ref in demo["referral"]:
        types = Counter(row.type for row in histories(demo)[ref.id])
        assert (
            ref.version == types.total() - types[A.INVITATION_MISSED] - types[A.INVITATION_EXPIRED]
        )


async def test_side_effects_share_the_instant_of_their_change(full: Rows) -> None:
    seen = set()
    for history in histories(full).values():
        changes = {row.occurred_date: row for row in history if row.type not in SIDE_EFFECTS}
        for row in history:
            if row.type in SIDE_EFFECTS:
                cause = changes[row.occurred_date]
                if cause.type is A.STATUS_CHANGED:
                    assert cause.to_status in rules.CLOSED
                else:
                    assert (cause.type, row.type) == (A.PARTICIPANT_INVITED, A.INVITATION_EXPIRED)
                seen.add((cause.type, row.type))
    assert seen == {
        (A.STATUS_CHANGED, A.INVITATION_MISSED),
        (A.STATUS_CHANGED, A.INVITATION_EXPIRED),
        (A.PARTICIPANT_INVITED, A.INVITATION_EXPIRED),
    }


async def test_invitations_past_their_window_stay_stored_as_invited(full: Rows) -> None:
    """Expiry is read by time: nothing records it until a close or a new invitation does."""
    ended = {row.subject_participant_id for row in full["activity"] if row.type in SIDE_EFFECTS}
    lapsed = 0
    for row in full["participant"]:
        if row.status in (P.EXPIRED, P.MISSED):
            assert row.id in ended
        if row.status is P.INVITED:
            assert row.id not in ended
            lapsed += row.expires_date <= NOW
    assert lapsed, "no stored INVITED past its window"


async def test_rejections_keep_the_invitation_note(full: Rows) -> None:
    """A rejection's reason is told in its activity; the invitation's note stays."""
    parts = {row.id: row for row in full["participant"]}
    invited_notes = {
        row.subject_participant_id: row.note
        for row in full["activity"]
        if row.type is A.PARTICIPANT_INVITED
    }
    rejections = [row for row in full["activity"] if row.type is A.INVITATION_REJECTED]
    assert any(row.note for row in rejections)
    assert any(row.note is None for row in rejections)
    for row in rejections:
        assert parts[row.subject_participant_id].note == invited_notes[row.subject_participant_id]


async def test_the_listed_order_is_the_order_of_recording(demo: Rows) -> None:
    """Activity ids are time-ordered, so (occurred_date, id) is the order of the writes."""
    recorded: dict[Any, list[Any]] = defaultdict(list)
    for row in demo["inserted"]:
        recorded[row.referral_id].append(row.id)
    for referral_id, history in histories(demo).items():
        assert history[0].type is A.CREATED
        assert [row.id for row in history] == recorded[referral_id]
        for row in history:
            assert row.id.version == 7
            milliseconds = (row.occurred_date - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(
                milliseconds=1
            )
            assert row.id.int >> 80 == milliseconds
