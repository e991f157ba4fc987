"""Cross-tenant probes (issue 4, "Proof"): another organization's IDs answer like nonexistent ones.

For every argument of type ID in schema.graphql (found by walking the file, so a new one fails
`test_every_id_argument_is_probed` until it gets a probe here), the caller sends IDs of rows
of other organizations, of every node type, and forged global IDs: a random key under a
type name, a real foreign row's key under another type name, and other spellings of a real
foreign key (padded, hyphenated, upper case). Each must answer exactly like an ID of the same
spelling whose key does not exist: same HTTP status, same body once the ID string itself is
taken out (and the cost budget left, which falls with every request). Alone, and mixed with
the caller's own IDs in one request through aliases and in `nodes(ids:)`. A probe with an
own ID answers otherwise, so every comparison can fail. And the foreign rows stay as they were.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import graphql
import pytest
from sqlalchemy import select
from sqlmodel import SQLModel
from starlette.applications import Starlette

from api.graph.relay.ids import to_global_id
from db.models import ParticipantStatus
from db.tables import activity, participant, referral
from tests.conftest import START
from tests.factories import make_actor, make_participant, make_referral
from tests.graphql_socket import GraphQLSocket, eventually, hub, note, serving
from tests.helpers import Actor, Api

SCHEMA_FILE = Path(__file__).parents[1] / "schema.graphql"
ERRORS = "userErrors { code message field currentVersion }"


# --- Which arguments take an ID -----------------------------------------------------------


def id_arguments(sdl: str) -> set[str]:
    """'Root.field.argument[.inputField...]' of every ID the schema's root fields take."""
    schema = graphql.build_schema(sdl)
    found: set[str] = set()

    def walk(type_: graphql.GraphQLInputType, path: str, seen: frozenset[str]) -> None:
        named = graphql.get_named_type(type_)
        if named is graphql.GraphQLID:
            found.add(path)
        elif isinstance(named, graphql.GraphQLInputObjectType) and named.name not in seen:
            for name, field in named.fields.items():
                walk(field.type, f"{path}.{name}", seen | {named.name})

    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        for field_name, field in (root.fields if root else {}).items():
            for name, argument in field.args.items():
                walk(argument.type, f"{root.name}.{field_name}.{name}", frozenset())  # type: ignore[union-attr]
    return found


# IDs that are not references to rows of the caller's graph, and why they need no probe.
EXEMPT = {
    # The raw id of the organization to invite: naming another organization is its purpose
    # (`organizationId` as in Participant.organizationId), and no row of it is read or shown.
    "Mutation.inviteParticipant.input.organizationId": "names the organization to invite",
}


# --- The world: the caller's organization and the others ---------------------------------


@dataclass(frozen=True)
class World:
    caller: Actor
    own: dict[str, str]  # an own global ID of each node type
    foreign: dict[str, str]  # a description -> a global ID of another organization's row
    invitee: Actor  # an organization the caller may invite to its referral
    own_invitations: tuple[str, str]  # the caller's INVITED participants (accept, reject)
    foreign_referral: uuid.UUID
    lonely: Actor  # an organization that shares no referral with the caller


def _raw(global_id: str) -> tuple[str, str]:
    padded = global_id + "=" * (-len(global_id) % 4)
    type_name, _, key = base64.urlsafe_b64decode(padded).decode().partition(":")
    return type_name, key


def _encode(text: str, *, pad: bool = False) -> str:
    encoded = base64.urlsafe_b64encode(text.encode()).decode()
    return encoded if pad else encoded.rstrip("=")


SPELLINGS: dict[str, Callable[[str, str], str]] = {
    "": lambda type_name, key: _encode(f"{type_name}:{key}"),
    " padded": lambda type_name, key: _encode(f"{type_name}:{key}", pad=True),
    " hyphenated": lambda type_name, key: _encode(f"{type_name}:{uuid.UUID(hex=key)}"),
    " upper case": lambda type_name, key: _encode(f"{type_name}:{key.upper()}"),
}


def counterpart(global_id: str) -> str:
    """An ID spelled like `global_id`, under the same type name, of a key that does not exist
    (for a participant's view: of a row and a participant that do not exist)."""
    type_name, key = _raw(global_id)
    if ":" in key:
        return _encode(f"{type_name}:{uuid.uuid4().hex}:{uuid.uuid4().hex}")
    for spelling in SPELLINGS.values():
        if spelling(type_name, key) == global_id:
            return spelling(type_name, uuid.uuid4().hex)
    raise AssertionError(f"no spelling makes {global_id!r}")


async def _ids(api: Api, table: Any, column: Any, value: uuid.UUID) -> list[uuid.UUID]:
    async with api.database.engine.connect() as conn:
        rows = await conn.execute(select(table.c.id).where(column == value).order_by(table.c.id))
        return list(rows.scalars())


@pytest.fixture
async def world(api: Api) -> World:
    return await build_world(api)


async def build_world(api: Api) -> World:
    """Organizations of their own, so that worlds built in one database do not meet."""
    created = START - timedelta(days=3)
    async with api.database.engine.begin() as conn:
        caller = await make_actor(conn, "Caller")
        owner = await make_actor(conn, "Owner")
        partner = await make_actor(conn, "Partner")
        third = await make_actor(conn, "Third")
        invitee = await make_actor(conn, "Invitee")
        lonely = await make_actor(conn, "Lonely")
        prospect = await make_actor(conn, "Prospect")
        mine = await make_referral(conn, caller, created=created, name="Ours")
        # Its INVITED participant's view of the caller's referral has IDs of its own.
        own_viewpoint = await make_participant(
            conn, mine.id, prospect, invited_by=mine.owner_participant_id, invited=created
        )
        theirs = await make_referral(conn, owner, created=created, name="Theirs")
        invited = await make_participant(
            conn,
            theirs.id,
            partner,
            invited_by=theirs.owner_participant_id,
            invited=START - timedelta(days=1),
        )
        invitations = []
        for name in ("For acceptance", "For rejection"):
            shared = await make_referral(conn, third, created=created, name=name)
            invitations.append(
                await make_participant(
                    conn,
                    shared.id,
                    caller,
                    invited_by=shared.owner_participant_id,
                    invited=START - timedelta(days=1),
                    status=ParticipantStatus.INVITED,
                )
            )
    own_activity = (await _ids(api, activity, activity.c.referral_id, mine.id))[0]
    foreign_activities = await _ids(api, activity, activity.c.referral_id, theirs.id)
    foreign = {
        "Referral": to_global_id("Referral", theirs.id),
        "CustomerProfile": to_global_id("CustomerProfile", theirs.customer_profile_id),
        "owner Participant": to_global_id("Participant", theirs.owner_participant_id),
        "invited Participant": to_global_id("Participant", invited),
        "owner's User": to_global_id("User", owner.user_id),
        "invited User": to_global_id("User", partner.user_id),
        "lonely User": to_global_id("User", lonely.user_id),
        **{
            f"Activity {index}": to_global_id("Activity", pk)
            for index, pk in enumerate(foreign_activities)
        },
        # Forged: real foreign keys under another type name.
        "Referral key as Participant": to_global_id("Participant", theirs.id),
        "Referral key as CustomerProfile": to_global_id("CustomerProfile", theirs.id),
        "Participant key as Referral": to_global_id("Referral", theirs.owner_participant_id),
        "CustomerProfile key as Referral": to_global_id("Referral", theirs.customer_profile_id),
        "User key as Participant": to_global_id("Participant", owner.user_id),
        "Activity key as Referral": to_global_id("Referral", foreign_activities[0]),
        # Participants' views (issue 10): of the foreign referral, and forged ones pairing a
        # row with a participant of another referral.
        "Referral view of the invited Participant": to_global_id(
            "Referral", theirs.id, viewpoint=invited
        ),
        "CustomerProfile view of the invited Participant": to_global_id(
            "CustomerProfile", theirs.customer_profile_id, viewpoint=invited
        ),
        "own Referral viewed by a foreign Participant": to_global_id(
            "Referral", mine.id, viewpoint=invited
        ),
        "foreign Referral viewed by an own Participant": to_global_id(
            "Referral", theirs.id, viewpoint=mine.owner_participant_id
        ),
        "own CustomerProfile viewed by an own Participant of another referral": to_global_id(
            "CustomerProfile", mine.customer_profile_id, viewpoint=invitations[0]
        ),
        # Forged: other spellings of a real foreign key.
        **{
            f"Referral{spelling}": make("Referral", theirs.id.hex)
            for spelling, make in SPELLINGS.items()
            if spelling
        },
        **{
            f"invited Participant{spelling}": make("Participant", invited.hex)
            for spelling, make in SPELLINGS.items()
            if spelling
        },
    }
    own = {
        "Referral": to_global_id("Referral", mine.id),
        "CustomerProfile": to_global_id("CustomerProfile", mine.customer_profile_id),
        "Participant": to_global_id("Participant", mine.owner_participant_id),
        "User": to_global_id("User", caller.user_id),
        "Activity": to_global_id("Activity", own_activity),
        "Referral view": to_global_id("Referral", mine.id, viewpoint=own_viewpoint),
        "CustomerProfile view": to_global_id(
            "CustomerProfile", mine.customer_profile_id, viewpoint=own_viewpoint
        ),
    }
    return World(
        caller=caller,
        own=own,
        foreign=foreign,
        invitee=invitee,
        own_invitations=(
            to_global_id("Participant", invitations[0]),
            to_global_id("Participant", invitations[1]),
        ),
        foreign_referral=theirs.id,
        lonely=lonely,
    )


# --- Probes: one per ID argument ----------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One ID argument: a root field whose `$id` variable carries the ID somewhere."""

    field: str
    argument: str  # the field's argument that `$id` is (or is inside)
    variable: str  # the type of `$id`
    selection: str
    own: Callable[[World], str]  # an own ID with which the probe does something
    wrap: Callable[[World, str], Any] = lambda world, id_: id_  # `$id`'s value for an ID

    @property
    def kind(self) -> str:
        return "query" if self.field in ("node", "nodes", "referral") else "mutation"

    def operation(self, world: World, ids: dict[str, str]) -> tuple[str, dict[str, Any]]:
        """One request with the field once per alias; `ids` maps aliases to IDs."""
        declared = ", ".join(f"${alias}: {self.variable}" for alias in ids)
        fields = " ".join(
            f"{alias}: {self.field}({self.argument}: ${alias}) {{ {self.selection} }}"
            for alias in ids
        )
        variables = {alias: self.wrap(world, id_) for alias, id_ in ids.items()}
        return f"{self.kind} ({declared}) {{ {fields} }}", variables


def _input(id_at: str, **fixed: Callable[[World], Any] | str) -> Callable[[World, str], Any]:
    """`$id`'s value for a mutation input: the ID at `id_at`, and `fixed` (values or
    functions of the world)."""

    def wrap(world: World, id_: str) -> Any:
        values = {key: value(world) if callable(value) else value for key, value in fixed.items()}
        return {**values, id_at: [id_] if id_at == "userIds" else id_}

    return wrap


def _own_referral(world: World) -> str:
    return world.own["Referral"]


def _invitee(world: World) -> str:
    return str(world.invitee.organization_id)


PROBES = {
    "Query.node.id": Probe("node", "id", "ID!", "id __typename", lambda w: w.own["Activity"]),
    "Query.nodes.ids": Probe(
        "nodes", "ids", "[ID!]!", "id __typename", lambda w: w.own["User"], lambda w, id_: [id_]
    ),
    "Query.referral.id": Probe("referral", "id", "ID!", "id name", _own_referral),
    "Mutation.updateReferral.input.id": Probe(
        "updateReferral",
        "input",
        "UpdateReferralInput!",
        f"referral {{ id version }} {ERRORS}",
        _own_referral,
        _input("id", name="Renamed"),
    ),
    "Mutation.changeReferralStatus.input.id": Probe(
        "changeReferralStatus",
        "input",
        "ChangeReferralStatusInput!",
        f"referral {{ id status }} {ERRORS}",
        _own_referral,
        _input("id", status="ACTIVE"),
    ),
    "Mutation.inviteParticipant.input.referralId": Probe(
        "inviteParticipant",
        "input",
        "InviteParticipantInput!",
        f"participant {{ id }} referral {{ id }} {ERRORS}",
        _own_referral,
        _input("referralId", organizationId=_invitee),
    ),
    "Mutation.inviteParticipant.input.userIds": Probe(
        "inviteParticipant",
        "input",
        "InviteParticipantInput!",
        f"participant {{ id users {{ id }} }} {ERRORS}",
        lambda w: to_global_id("User", w.invitee.user_id),  # the invited organization's user
        _input("userIds", referralId=_own_referral, organizationId=_invitee),
    ),
    "Mutation.acceptInvitation.input.participantId": Probe(
        "acceptInvitation",
        "input",
        "AcceptInvitationInput!",
        f"participant {{ id status }} referral {{ id }} {ERRORS}",
        lambda w: w.own_invitations[0],
        _input("participantId"),
    ),
    "Mutation.rejectInvitation.input.participantId": Probe(
        "rejectInvitation",
        "input",
        "RejectInvitationInput!",
        f"participant {{ id status }} referral {{ id }} {ERRORS}",
        lambda w: w.own_invitations[1],
        _input("participantId", reason="Not for us"),
    ),
    "Mutation.addReferralNote.input.referralId": Probe(
        "addReferralNote",
        "input",
        "AddReferralNoteInput!",
        f"activity {{ id note }} referral {{ id version }} {ERRORS}",
        _own_referral,
        _input("referralId", note="Hello"),
    ),
}
SUBSCRIPTION = "Subscription.referralEvents.referralId"
HTTP_PROBES = sorted(PROBES)


def test_every_id_argument_is_probed() -> None:
    """A new argument of type ID fails here until it has a probe (or a reason not to)."""
    assert id_arguments(SCHEMA_FILE.read_text()) == {*HTTP_PROBES, SUBSCRIPTION, *EXEMPT}


def test_the_walk_finds_ids_in_lists_and_nested_inputs() -> None:
    sdl = """type Query { a(x: ID, y: [ID!], z: In): Int }
    input In { id: ID!, inner: Inner, self: In } input Inner { ids: [ID] n: Int }"""
    assert id_arguments(sdl) == {"Query.a.x", "Query.a.y", "Query.a.z.id", "Query.a.z.inner.ids"}


# --- Comparing answers --------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


def _normalized(value: Any, ids: dict[str, str]) -> Any:
    """`value` with each ID string of `ids` (and its first 60 characters, as error messages
    quote it) replaced by its placeholder, and the rate limit left taken out."""
    if isinstance(value, str):
        for id_, placeholder in ids.items():
            value = value.replace(id_, placeholder).replace(id_[:60], placeholder)
        return value
    if isinstance(value, list | tuple):  # tuples: an alias's (data, errors)
        return [_normalized(item, ids) for item in value]
    if isinstance(value, dict):
        return {
            _normalized(key, ids): _normalized(item, ids)
            for key, item in value.items()
            if key != "rateLimit"
        }
    return value


async def ask(api: Api, actor: Actor, query: str, variables: dict[str, Any]) -> Answer:
    response = await api.post(query, variables, actor=actor)
    assert response.status_code < 500, response.text
    return Answer(response.status_code, response.json())


def same_as_missing(foreign: Answer, missing: Answer, foreign_id: str, missing_id: str) -> None:
    assert foreign.status == missing.status
    assert _normalized(foreign.body, {foreign_id: "<ID>"}) == _normalized(
        missing.body, {missing_id: "<ID>"}
    )


async def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    async with api.database.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in await conn.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


async def foreign_rows(api: Api, world: World) -> list[tuple[Any, ...]]:
    """The foreign referral, its participants and its activities."""
    async with api.database.engine.connect() as conn:
        rows: list[tuple[Any, ...]] = []
        for table, column in (
            (referral, referral.c.id),
            (participant, participant.c.referral_id),
            (activity, activity.c.referral_id),
        ):
            result = await conn.execute(select(table).where(column == world.foreign_referral))
            rows.extend(sorted((tuple(row) for row in result), key=repr))
        return rows


# --- The probes, alone --------------------------------------------------------------------


@pytest.mark.parametrize("path", HTTP_PROBES)
async def test_foreign_ids_answer_like_nonexistent_ones(api: Api, world: World, path: str) -> None:
    probe = PROBES[path]
    before = await snapshot(api)
    for name, foreign_id in world.foreign.items():
        missing_id = counterpart(foreign_id)
        query, foreign_variables = probe.operation(world, {"id": foreign_id})
        _, missing_variables = probe.operation(world, {"id": missing_id})
        foreign = await ask(api, world.caller, query, foreign_variables)
        missing = await ask(api, world.caller, query, missing_variables)
        try:
            same_as_missing(foreign, missing, foreign_id, missing_id)
        except AssertionError as error:
            raise AssertionError(
                f"{path} with a foreign {name} answers otherwise than with a nonexistent one:\n"
                f"foreign {foreign_id}: {foreign}\nmissing {missing_id}: {missing}"
            ) from error
    # A second nonexistent ID of each type answers as the first (forged "Type:<random key>").
    for type_name in ("Referral", "Participant", "User"):
        first, second = (to_global_id(type_name, uuid.uuid4()) for _ in range(2))
        answers = [
            await ask(api, world.caller, *probe.operation(world, {"id": i}))
            for i in (first, second)
        ]
        same_as_missing(answers[0], answers[1], first, second)
    assert await snapshot(api) == before, f"{path} with foreign or missing IDs wrote something"

    # With an own ID the same probe does something: the comparisons above could fail.
    own_id = probe.own(world)
    own = await ask(api, world.caller, *probe.operation(world, {"id": own_id}))
    missing_id = counterpart(own_id)
    missing = await ask(api, world.caller, *probe.operation(world, {"id": missing_id}))
    with pytest.raises(AssertionError):
        same_as_missing(own, missing, own_id, missing_id)
    assert "errors" not in own.body, own.body
    (payload,) = own.body["data"].values()
    if isinstance(payload, dict) and "userErrors" in payload:
        assert payload["userErrors"] == [], payload


# --- Mixed with own IDs in one request ------------------------------------------------------


def _by_alias(body: dict[str, Any], alias: str) -> tuple[Any, list[dict[str, Any]]]:
    """An alias's data and errors, the errors' paths and locations made alias-independent."""
    errors = [
        {**error, "path": error["path"][1:], "locations": None}
        for error in body.get("errors") or []
        if error.get("path", [None])[0] == alias
    ]
    return (body.get("data") or {}).get(alias), errors


@pytest.mark.parametrize("path", HTTP_PROBES)
async def test_own_foreign_and_missing_ids_mixed_through_aliases(api: Api, path: str) -> None:
    """Each request: pairs of a foreign ID and its missing counterpart, the caller's own ID
    among them (after some pairs, before others, so loaders hold own rows for some), at most
    15 aliases (the default limit). Each request runs in a world of its own, so that the own
    call meets its target as it was."""
    probe = PROBES[path]
    names = list((await build_world(api)).foreign)
    for start in range(0, len(names), 7):
        world = await build_world(api)
        foreign_before = await foreign_rows(api, world)
        chosen = names[start : start + 7]
        ids: dict[str, str] = {}
        for index, name in enumerate(chosen):
            if index == len(chosen) // 2:
                ids["own"] = probe.own(world)
            ids[f"foreign{index}"] = world.foreign[name]
            ids[f"missing{index}"] = counterpart(world.foreign[name])
        answer = await ask(api, world.caller, *probe.operation(world, ids))
        assert answer.status == 200, answer
        assert not [e for e in answer.body.get("errors", []) if "path" not in e], answer.body
        for index, name in enumerate(chosen):
            foreign_id, missing_id = ids[f"foreign{index}"], ids[f"missing{index}"]
            foreign = _by_alias(answer.body, f"foreign{index}")
            missing = _by_alias(answer.body, f"missing{index}")
            assert _normalized(foreign, {foreign_id: "<ID>"}) == _normalized(
                missing, {missing_id: "<ID>"}
            ), f"{path}, a foreign {name} among own and missing IDs: {answer.body}"
        # The own ID works alongside: the comparisons above could fail.
        own, own_errors = _by_alias(answer.body, "own")
        assert own_errors == [], answer.body
        assert own not in (None, [None]), answer.body
        if isinstance(own, dict) and "userErrors" in own:
            assert own["userErrors"] == [], answer.body
        assert await foreign_rows(api, world) == foreign_before


async def test_nodes_resolves_own_ids_and_nulls_foreign_and_missing_ones(
    api: Api, world: World
) -> None:
    own = list(world.own.values())
    pairs = [(id_, counterpart(id_)) for id_ in world.foreign.values()]
    ids = [
        id_
        for index, (foreign_id, missing_id) in enumerate(pairs)
        for id_ in (own[index % len(own)], foreign_id, missing_id)
    ]
    assert len(ids) <= 100  # the `nodes` limit
    query = "query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
    answer = await ask(api, world.caller, query, {"ids": ids})
    assert answer.status == 200
    assert "errors" not in answer.body, answer.body  # every ID names a known type
    expected = [{"__typename": _raw(id_)[0], "id": id_} if id_ in own else None for id_ in ids]
    assert answer.body["data"]["nodes"] == expected, answer.body


# --- The subscription ------------------------------------------------------------------------


@pytest.fixture
async def server(app: Starlette) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


async def test_subscribing_to_a_foreign_referral_answers_like_a_nonexistent_one(
    api: Api, app: Starlette, world: World, server: str
) -> None:
    query = """subscription ($id: ID) { referralEvents(referralId: $id) {
      activity { id type } referral { id } } }"""

    async with GraphQLSocket.open(server) as socket_:
        await socket_.init(api.token(world.caller))
        counter = 0

        async def subscribe(id_: str) -> dict[str, Any]:
            nonlocal counter
            counter += 1
            await socket_.subscribe(query, {"id": id_}, id=str(counter))
            message = await socket_.receive()
            assert message["id"] == str(counter), message
            return {key: value for key, value in message.items() if key != "id"}

        for name, foreign_id in world.foreign.items():
            missing_id = counterpart(foreign_id)
            foreign = await subscribe(foreign_id)
            missing = await subscribe(missing_id)
            assert foreign["type"] == "error", foreign
            assert _normalized(foreign, {foreign_id: "<ID>"}) == _normalized(
                missing, {missing_id: "<ID>"}
            ), f"a foreign {name}: {foreign} but a nonexistent one: {missing}"

        # An own referral's subscription delivers: the comparison above could fail.
        await socket_.subscribe(query, {"id": world.own["Referral"]}, id="own")
        await eventually(lambda: len(hub(app)) == 1)
        own_referral = uuid.UUID(hex=_raw(world.own["Referral"])[1])
        activity_id = await note(api, world.caller, own_referral, "Seen by the caller")
        message = await socket_.receive()
    assert message["type"] == "next", message
    assert message["payload"]["data"]["referralEvents"]["activity"]["id"] == activity_id
