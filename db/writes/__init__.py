"""Every write of the referral lifecycle, each in one transaction with its activities.

Each write validates its input, loads the referral as it stands, asks `db.rules` whether the
change is allowed, writes with a compare-and-set on `version` (`transaction`, `steps`) and
records what happened: a refused write changes nothing and writes no activity, and two racing
writers never both win.
"""

from db.writes.idempotency import Idempotency
from db.writes.invitations import answer_invitation, invite_participant
from db.writes.notes import add_note
from db.writes.referrals import change_status, create_referral, update_referral

__all__ = [
    "Idempotency",
    "add_note",
    "answer_invitation",
    "change_status",
    "create_referral",
    "invite_participant",
    "update_referral",
]
