"""Concurrent clients writing through the workers' GraphQL API, and the ledger of what was
acknowledged: create, update, note (by the owner), invite (the owner invites a partner),
accept or reject (the partner answers)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.graph.relay.ids import parse_global_id, to_global_id
from tests.factories import new_referral

CREATE = """mutation ($input: CreateReferralInput!) { createReferral(input: $input) {
  referral { id } userErrors { code } } }"""
UPDATE = """mutation ($input: UpdateReferralInput!) { updateReferral(input: $input) {
  referral { id } userErrors { code } } }"""
NOTE = """mutation ($input: AddReferralNoteInput!) { addReferralNote(input: $input) {
  activity { id } userErrors { code } } }"""
INVITE = """mutation ($input: InviteParticipantInput!) { inviteParticipant(input: $input) {
  participant { id } userErrors { code } } }"""
ACCEPT = """mutation ($input: AcceptInvitationInput!) { acceptInvitation(input: $input) {
  participant { id } userErrors { code } } }"""
REJECT = """mutation ($input: RejectInvitationInput!) { rejectInvitation(input: $input) {
  participant { id } userErrors { code } } }"""
# The activity type each acknowledged kind of write must have appended (at least one each).
APPENDS = {
    "create": "CREATED",
    "update": "UPDATED",
    "note": "NOTE_ADDED",
    "invite": "PARTICIPANT_INVITED",
    "accept": "INVITATION_ACCEPTED",
    "reject": "INVITATION_REJECTED",
}


def pk(global_id: str) -> uuid.UUID:
    return parse_global_id(global_id, argument="id").pk


@dataclass(frozen=True)
class Write:
    """An acknowledged write: 200, no errors, no userErrors; when its answer came (time.time())."""

    kind: str
    referral_id: uuid.UUID
    acknowledged_at: float
    activity_id: uuid.UUID | None = None  # what addReferralNote answers


@dataclass(frozen=True)
class Invitation:
    referral_id: uuid.UUID
    participant_id: str  # global ID
    partner: int  # index into Ledger.tokens


@dataclass
class Ledger:
    """What the writers did. tokens[0] is the owner's; the others are partners'."""

    tokens: list[str]
    partner_ids: list[uuid.UUID]
    acknowledged: list[Write] = field(default_factory=list)
    refused: int = 0  # answered with userErrors: nothing written
    unknown: int = 0  # no answer, 5xx or errors (e.g. during the outage): may or may not be
    referrals: list[uuid.UUID] = field(default_factory=list)
    invited: set[tuple[uuid.UUID, int]] = field(default_factory=set)
    open_invitations: list[Invitation] = field(default_factory=list)


class Writer:
    """One client: a write at a time, to the live workers in turn, at `pace` seconds apart."""

    def __init__(
        self,
        index: int,
        ledger: Ledger,
        live: Callable[[int], list[str]],
        client: httpx.AsyncClient,
        pace: float,
    ) -> None:
        self.index = index
        self.ledger = ledger
        self.live = live
        self.client = client
        self.pace = pace
        self.random = random.Random(index)
        self.sent = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.write_one()
            await asyncio.sleep(self.pace * (0.5 + self.random.random()))

    async def send(self, query: str, variables: dict[str, Any], actor: int) -> Any:
        """The mutation's payload, or None when the outcome is unknown (no answer, 5xx)."""
        bases = self.live(self.index)
        if not bases:
            self.ledger.unknown += 1
            return None
        base = bases[self.sent % len(bases)]
        self.sent += 1
        try:
            response = await self.client.post(
                f"http://{base}/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.ledger.tokens[actor]}"},
            )
            body = response.json() if response.status_code == 200 else {}
        except (httpx.TransportError, ValueError):
            body = {}
        if body.get("errors") or not body.get("data"):
            self.ledger.unknown += 1
            return None
        payload = next(iter(body["data"].values()))
        if payload["userErrors"]:
            self.ledger.refused += 1
            return None
        return payload

    def acknowledge(self, kind: str, referral_id: uuid.UUID, **extra: Any) -> None:
        self.ledger.acknowledged.append(Write(kind, referral_id, time.time(), **extra))

    async def write_one(self) -> None:
        ledger, pick = self.ledger, self.random.random()
        if not ledger.referrals or pick < 0.15:
            await self.create()
        elif pick < 0.4:
            await self.update()
        elif pick < 0.7 or (pick >= 0.85 and not ledger.open_invitations):
            await self.note()
        elif pick < 0.85:
            await self.invite()
        else:
            await self.answer()

    async def create(self) -> None:
        name = f"Fault run {self.index}-{self.sent}"
        payload = await self.send(CREATE, {"input": new_referral(name=name)}, 0)
        if payload is not None:
            referral_id = pk(payload["referral"]["id"])
            self.ledger.referrals.append(referral_id)
            self.acknowledge("create", referral_id)

    def referral(self) -> uuid.UUID:
        return self.random.choice(self.ledger.referrals)

    async def update(self) -> None:
        referral_id = self.referral()
        name = f"Renamed {self.index}-{self.sent}"
        variables = {"input": {"id": gid(referral_id), "name": name}}
        if await self.send(UPDATE, variables, 0) is not None:
            self.acknowledge("update", referral_id)

    async def note(self) -> None:
        referral_id = self.referral()
        variables = {"input": {"referralId": gid(referral_id), "note": f"note {self.sent}"}}
        payload = await self.send(NOTE, variables, 0)
        if payload is not None:
            self.acknowledge("note", referral_id, activity_id=pk(payload["activity"]["id"]))

    async def invite(self) -> None:
        referral_id = self.referral()
        partners = [
            index
            for index in range(1, len(self.ledger.tokens))
            if (referral_id, index) not in self.ledger.invited
        ]
        if not partners:
            return await self.note()
        partner = self.random.choice(partners)
        self.ledger.invited.add((referral_id, partner))  # before sending: one invitation each
        organization = str(self.ledger.partner_ids[partner - 1])
        variables = {"input": {"referralId": gid(referral_id), "organizationId": organization}}
        payload = await self.send(INVITE, variables, 0)
        if payload is not None:
            invitation = Invitation(referral_id, payload["participant"]["id"], partner)
            self.ledger.open_invitations.append(invitation)
            self.acknowledge("invite", referral_id)

    async def answer(self) -> None:
        invitation = self.ledger.open_invitations.pop(0)
        accept = self.random.random() < 0.6
        variables = {"input": {"participantId": invitation.participant_id}}
        payload = await self.send(ACCEPT if accept else REJECT, variables, invitation.partner)
        if payload is not None:
            self.acknowledge("accept" if accept else "reject", invitation.referral_id)


def gid(referral_id: uuid.UUID) -> str:
    return to_global_id("Referral", referral_id)
