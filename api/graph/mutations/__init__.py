"""The Mutation root: each mutation maps its input to one write of `db.writes`.

The mutations live by domain (`referrals`, `invitations`, `notes`, `webhooks`); each runs its
write and answers through `payloads.write`, which turns refusals into `userErrors` (`user_errors`).
"""

from __future__ import annotations

import strawberry

from api.graph.mutations import invitations, notes, referrals, webhooks


@strawberry.type(
    description="Change referrals (each mutation is one transaction with its history) and "
    "your organization's webhooks."
)
class Mutation:
    create_referral = referrals.create_referral
    update_referral = referrals.update_referral
    change_referral_status = referrals.change_referral_status
    invite_participant = invitations.invite_participant
    accept_invitation = invitations.accept_invitation
    reject_invitation = invitations.reject_invitation
    add_referral_note = notes.add_referral_note
    create_webhook = webhooks.create_webhook
    update_webhook = webhooks.update_webhook
    delete_webhook = webhooks.delete_webhook
    redeliver_webhook_delivery = webhooks.redeliver_webhook_delivery
