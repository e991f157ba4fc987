"""Which arguments take an ID, and one probe (a root field carrying `$id`) for each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphql

from api.graph.relay.ids import to_global_id
from tests.cross_tenant.world import World

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"
ERRORS = "userErrors { code message field currentVersion }"


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
    # The organization to invite, by its plain UUID (Participant.organizationId) or its
    # global ID (Organization.id, from the `organizations` picker): naming another
    # organization is its purpose, every organization may see any other's ID and name, and
    # nothing else of it is read or shown.
    "Mutation.inviteParticipant.input.organizationId": "names the organization to invite",
}


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
    "Mutation.updateWebhook.input.id": Probe(
        "updateWebhook",
        "input",
        "UpdateWebhookInput!",
        f"webhook {{ id active }} {ERRORS}",
        lambda w: w.own["Webhook"],
        _input("id", active=lambda _world: False),
    ),
    "Mutation.deleteWebhook.input.id": Probe(
        "deleteWebhook",
        "input",
        "DeleteWebhookInput!",
        f"deletedWebhookId {ERRORS}",
        lambda w: w.own["Webhook"],
        _input("id"),
    ),
    "Mutation.redeliverWebhookDelivery.input.deliveryId": Probe(
        "redeliverWebhookDelivery",
        "input",
        "RedeliverWebhookDeliveryInput!",
        f"delivery {{ id status }} {ERRORS}",
        lambda w: w.own["WebhookDelivery"],
        _input("deliveryId"),
    ),
}
SUBSCRIPTION = "Subscription.referralEvents.referralId"
HTTP_PROBES = sorted(PROBES)
