"""Well-formed writes with fuzzed values answer soundly."""

from __future__ import annotations

import json

from hypothesis import event, given
from hypothesis import strategies as st

from tests.fuzz.harness import FUZZ, Fuzz
from tests.fuzz.inputs import TEXTS, create_inputs
from tests.fuzz.oracle import assert_sound
from tests.fuzz.sending import bearer

WRITE = """mutation ($create: CreateReferralInput!) { createReferral(input: $create) {
  referral { id version name customerProfile { address { country } contact { email
  phoneNumber } } additionalInformation { dealValue currency closingDate notes }
  customerRequirements { industries products services } activities { totalCount } }
  userErrors { code message field } } }"""
FOLLOW_UP = """mutation ($update: UpdateReferralInput!, $note: AddReferralNoteInput!) {
  updateReferral(input: $update) { referral { version name } userErrors { code field } }
  addReferralNote(input: $note) { activity { note } userErrors { code field } } }"""


@FUZZ
@given(data=st.data())
async def test_well_formed_writes_with_fuzzed_values_answer_soundly(
    fuzz: Fuzz, data: st.DataObject
) -> None:
    headers = bearer(fuzz.settings, fuzz.seed.actor)
    create = data.draw(create_inputs(), label="create")
    body = {"query": WRITE, "variables": {"create": create}}
    sent = json.dumps(body, ensure_ascii=False)
    response = await fuzz.client.post("/graphql", json=body, headers=headers)
    answer = assert_sound(response, sent)
    if answer.get("data") is None:  # a variable refused before execution (e.g. 2026-02-30)
        event("refused as a request")
        return
    payload = answer["data"]["createReferral"]
    event("created" if payload["referral"] else "refused")
    for error in payload["userErrors"]:
        assert error["field"] is None or error["field"][0] == "input", payload
        event(f"refused at {'.'.join(error['field'] or ())}")
    if payload["referral"] is None:
        assert payload["userErrors"], payload
        return
    changes = data.draw(create_inputs(), label="changes")
    update = {
        "id": payload["referral"]["id"],
        **data.draw(
            st.sampled_from(
                [
                    {"name": changes["name"]},
                    {"customerProfile": changes["customerProfile"]},
                    {"additionalInformation": changes.get("additionalInformation") or {}},
                    {"customerRequirements": changes.get("customerRequirements") or {}},
                ]
            ),
            label="update",
        ),
    }
    note = {"referralId": payload["referral"]["id"], "note": data.draw(TEXTS, label="note")}
    body = {"query": FOLLOW_UP, "variables": {"update": update, "note": note}}
    sent = json.dumps(body, ensure_ascii=False)
    response = await fuzz.client.post("/graphql", json=body, headers=headers)
    after = assert_sound(response, sent).get("data")
    event("updated" if after and after["updateReferral"]["referral"] else "update refused")
