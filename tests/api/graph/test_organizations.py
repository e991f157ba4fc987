"""Organizations: `Participant.organization`, `node(id:)`, and the `organizations` picker."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from api.graph.relay.ids import encode, to_global_id
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.helpers import Actor, Api

PICKER = """
query ($search: String, $first: Int, $after: String, $last: Int, $before: String) {
  organizations(search: $search, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name } }
    nodes { name }
  }
}
"""
# Capitalized ASCII words: ordered alike by SQLite's binary collation and PostgreSQL's.
NAMES = ["Adatum", "Contoso", "Fabrikam", "Litware", "Northwind", "Proseware", "Tailspin"]


async def _seed(api: Api, *names: str) -> tuple[Actor, dict[str, Actor]]:
    """The caller ("Woodgrove") and an organization of each name."""
    async with api.database.engine.begin() as conn:
        caller = await make_actor(conn, "Woodgrove")
        others = {name: await make_actor(conn, name) for name in names}
    return caller, others


async def _picker(api: Api, actor: Actor, **variables: Any) -> dict[str, Any]:
    data: dict[str, Any] = (await api.query(PICKER, variables, actor=actor))["organizations"]
    return data


async def test_lists_other_organizations_by_name_with_ids_that_resolve(api: Api) -> None:
    caller, others = await _seed(api, *reversed(NAMES))

    page = await _picker(api, caller, first=100)

    assert page["nodes"] == [{"name": name} for name in NAMES]  # the caller's own left out
    assert page["totalCount"] == len(NAMES)
    assert [edge["node"]["id"] for edge in page["edges"]] == [
        to_global_id("Organization", others[name].organization_id) for name in NAMES
    ]
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": page["edges"][0]["cursor"],
        "endCursor": page["edges"][-1]["cursor"],
    }
    # An organization's ID (the caller's own too) resolves through node(id:), name only.
    ids = [page["edges"][0]["node"]["id"], to_global_id("Organization", caller.organization_id)]
    found = await api.query(
        "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Organization { name } } }",
        {"ids": ids},
        actor=caller,
    )
    assert found["nodes"] == [
        {"__typename": "Organization", "id": ids[0], "name": "Adatum"},
        {"__typename": "Organization", "id": ids[1], "name": "Woodgrove"},
    ]


async def test_pages_forward_and_back_through_ties_once(api: Api) -> None:
    # Two organizations of one name: the id breaks the tie, and the cursor keeps it.
    caller, _ = await _seed(api, *NAMES)
    async with api.database.engine.begin() as conn:
        await make_actor(conn, "Contoso")
    everyone = [edge["node"] for edge in (await _picker(api, caller, first=100))["edges"]]
    assert [node["name"] for node in everyone] == sorted([*NAMES, "Contoso"])

    seen: list[dict[str, str]] = []
    after = None
    while True:
        page = await _picker(api, caller, first=3, after=after)
        seen += [edge["node"] for edge in page["edges"]]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == everyone

    back: list[dict[str, str]] = []
    before = None
    while True:
        page = await _picker(api, caller, last=3, before=before)
        back = [edge["node"] for edge in page["edges"]] + back
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == everyone


async def test_search_folds_case_in_all_of_unicode(api: Api) -> None:
    caller, _ = await _seed(api, "Müller Partners", "MÜLLERSHOF", "Mueller", "100% Cloud")

    found = await _picker(api, caller, search="  müller ")
    percent = await _picker(api, caller, search="%")
    nothing = await _picker(api, caller, search="Woodgrove")  # the caller itself

    assert sorted(node["name"] for node in found["nodes"]) == ["MÜLLERSHOF", "Müller Partners"]
    assert found["totalCount"] == 2
    assert [node["name"] for node in percent["nodes"]] == ["100% Cloud"]  # no wildcard
    assert nothing == {**nothing, "nodes": [], "totalCount": 0}


@pytest.mark.parametrize(
    ("variables", "argument", "message"),
    [
        ({"first": 0}, "first", "`first` must be between 1 and 100, but it is 0."),
        ({"first": 101}, "first", "`first` must be between 1 and 100, but it is 101."),
        ({"last": 101}, "last", "`last` must be between 1 and 100, but it is 101."),
        ({"first": 1, "last": 1}, "first", "Pass either `first` or `last`, not both."),
        ({"search": "x" * 201}, "search", "`search` must be at most 200 characters."),
        (
            {"search": "a\x00b"},
            "search",
            "`search` must be plain text without control characters.",
        ),
        ({"after": "nonsense"}, "after", "`after` is not a valid cursor."),
        (
            {"after": encode('["organization:name", ["Acme"], "' + "0" * 32 + '"]')},
            "after",
            "`after` is not a valid cursor.",
        ),
        (
            {"before": encode('["organization:name", "A\\u0000", "' + "0" * 32 + '"]')},
            "before",
            "`before` is not a valid cursor.",
        ),
    ],
)
async def test_bad_arguments_are_refused_by_name(
    api: Api, variables: dict[str, Any], argument: str, message: str
) -> None:
    caller, _ = await _seed(api, "Contoso")
    (error,) = await api.errors(PICKER, variables, actor=caller)
    assert error["message"] == message
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == argument


async def test_cursors_do_not_cross_between_connections(api: Api) -> None:
    caller, _ = await _seed(api, *NAMES)
    async with api.database.engine.begin() as conn:
        await make_referral(conn, caller, created=START)
    referral_cursor = (
        await api.query("{ referrals(first: 1) { pageInfo { endCursor } } }", actor=caller)
    )["referrals"]["pageInfo"]["endCursor"]
    organization_cursor = (await _picker(api, caller, first=1))["pageInfo"]["endCursor"]

    (into_picker,) = await api.errors(PICKER, {"after": referral_cursor}, actor=caller)
    (into_referrals,) = await api.errors(
        "query ($after: String) { referrals(after: $after) { totalCount } }",
        {"after": organization_cursor},
        actor=caller,
    )
    for error in (into_picker, into_referrals):
        assert "a cursor of another ordering or connection" in error["message"]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_participants_show_their_organization(api: Api) -> None:
    caller, others = await _seed(api, "Contoso")
    async with api.database.engine.begin() as conn:
        rows = await make_referral(conn, caller, created=START)
        await make_participant(
            conn,
            rows.id,
            others["Contoso"],
            invited_by=rows.owner_participant_id,
            invited=START + timedelta(minutes=1),  # after the owner, who leads the list
        )

    data = await api.query(
        "{ referrals { nodes { participants { organizationId organization { id name } } } } }",
        actor=caller,
    )

    (referral,) = data["referrals"]["nodes"]
    assert [
        (p["organizationId"], p["organization"]["id"], p["organization"]["name"])
        for p in referral["participants"]
    ] == [
        (
            str(actor.organization_id),
            to_global_id("Organization", actor.organization_id),
            name,
        )
        for name, actor in (("Woodgrove", caller), ("Contoso", others["Contoso"]))
    ]


async def test_an_organization_shows_nothing_but_its_id_and_name(api: Api) -> None:
    caller, _ = await _seed(api, "Contoso")
    fields = await api.query('{ __type(name: "Organization") { fields { name } } }', actor=caller)
    assert {field["name"] for field in fields["__type"]["fields"]} == {"id", "name"}


async def test_the_picker_s_id_invites_as_the_plain_uuid_does(api: Api) -> None:
    caller, _ = await _seed(api, "Contoso", "Fabrikam")
    async with api.database.engine.begin() as conn:
        rows = await make_referral(conn, caller, created=START)
    referral_id = to_global_id("Referral", rows.id)
    (fabrikam,) = (await _picker(api, caller, search="fabri"))["edges"]

    invited = await _invite(api, caller, referral_id, fabrikam["node"]["id"])

    assert invited["userErrors"] == []
    assert invited["participant"]["organization"] == fabrikam["node"]
    # The same organization by its plain UUID is the same organization: already invited.
    again = await _invite(api, caller, referral_id, invited["participant"]["organizationId"])
    assert [error["code"] for error in again["userErrors"]] == ["ALREADY_PARTICIPATING"]


@pytest.mark.parametrize(
    ("organization_id", "code", "message"),
    [
        (
            to_global_id("User", uuid.uuid4()),
            "INVALID_INPUT",
            "`organizationId` must be the ID of an Organization, but it is the ID of a User.",
        ),
        (to_global_id("Organization", uuid.uuid4()), "NOT_FOUND", None),
        (
            "Organization",
            "INVALID_INPUT",
            "`organizationId` is not an organization ID (an `Organization.id`, or a UUID).",
        ),
    ],
)
async def test_other_ids_are_refused_as_organizations(
    api: Api, organization_id: str, code: str, message: str | None
) -> None:
    caller, _ = await _seed(api)
    async with api.database.engine.begin() as conn:
        rows = await make_referral(conn, caller, created=START)

    refused = await _invite(api, caller, to_global_id("Referral", rows.id), organization_id)

    (error,) = refused["userErrors"]
    assert (error["code"], error["field"]) == (code, ["input", "organizationId"])
    assert message is None or error["message"] == message


async def _invite(api: Api, actor: Actor, referral_id: str, organization_id: str) -> dict[str, Any]:
    data = await api.query(
        """mutation ($input: InviteParticipantInput!) { inviteParticipant(input: $input) {
          participant { organizationId organization { id name } }
          userErrors { code message field } } }""",
        {"input": {"referralId": referral_id, "organizationId": organization_id}},
        actor=actor,
    )
    payload: dict[str, Any] = data["inviteParticipant"]
    return payload


async def test_the_picker_is_priced_by_its_page_and_costs_two_statements(api: Api) -> None:
    caller, _ = await _seed(api, *NAMES)
    await _picker(api, caller, first=1)  # warm the connection pool

    with api.count_statements() as log:
        response = await api.post(PICKER, {"search": "o", "first": 100}, actor=caller)

    cost = response.json()["extensions"]["cost"]
    assert cost["requested"] == 100  # a connection of `first` items, like every other
    assert cost["actual"] == 6  # Contoso, Northwind, Proseware: as edges and as nodes
    assert cost["points"] == 1
    assert log.count == 2  # the page and its total
    nested = "{ organizations(first: 100) { nodes { id } } a: organizations { nodes { id } } }"
    assert (await api.post(nested, actor=caller)).json()["extensions"]["cost"]["requested"] == 120
