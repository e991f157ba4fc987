"""The Query root: Relay node lookups and the referral graph's entry points."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.errors import BadUserInput
from api.graph.nodes import expect_node_id, resolve_nodes
from api.graph.prefetch import prefetch_referral_parts, referral_fields
from api.graph.relay.paging import Paging, paged
from api.graph.search import SEARCH_MAX_LENGTH, search_term
from api.graph.types.enums import ReferralOrderField
from api.graph.types.event_feed import (
    EventConnection,
    EventFilterInput,
    EventOrder,
    event_connection,
)
from api.graph.types.node import Node
from api.graph.types.organization import ORGANIZATION_ORDERING, OrganizationConnection
from api.graph.types.rate_limit import RateLimit
from api.graph.types.referral import Referral
from api.graph.types.referral_counts import ReferralCounts
from api.graph.types.referral_list import (
    ReferralConnection,
    ReferralFilterInput,
    ReferralOrderInput,
    referral_ordering,
)
from api.graph.types.viewer import ViewerType
from api.graph.types.webhook import WEBHOOK_ORDERING, WebhookConnection
from db.event_feed import EventFilter
from db.referral_list import ReferralFilter

MAX_NODES = 100


@strawberry.type(description="Read the referral graph. Everything is scoped to your organization.")
class Query:
    @strawberry.field(
        description="Any object by its global ID; null if it does not exist or is not yours to see."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global ID.")],
    ) -> Node | None:
        (found,) = await resolve_nodes(info, [(id, "id")])
        return found

    @strawberry.field(
        description=f"Objects by global ID, in the order asked; null for each one that does not "
        f"exist or is not yours to see. At most {MAX_NODES} IDs."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description=f"Up to {MAX_NODES} global IDs.")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadUserInput(
                f"`ids` takes at most {MAX_NODES} IDs, not {len(ids)}.", argument="ids"
            )
        return await resolve_nodes(
            info, [(global_id, f"ids[{i}]") for i, global_id in enumerate(ids)]
        )

    @strawberry.field(
        description="One referral by ID; null if it does not exist or your organization "
        "does not take part in it. Takes a participant's view ID too (from "
        "`Participant.referralView`), like `node(id:)`."
    )
    async def referral(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The referral's global ID.")],
    ) -> Referral | None:
        key = expect_node_id(id, "Referral")
        if key.viewpoint is not None:
            (view,) = await resolve_nodes(info, [(id, "id")])
            return view if isinstance(view, Referral) else None
        row = await info.context.loaders.referral_by_id.load(key.pk)
        return None if row is None else Referral.from_row(row)

    @strawberry.field(
        description="The referrals your organization takes part in, filtered and ordered, "
        "one page at a time (Relay cursor connection, at most 100 per page)."
    )
    @paged
    async def referrals(
        self,
        info: Info,
        paging: Paging,
        filter: Annotated[
            ReferralFilterInput | None,
            strawberry.argument(description="Only referrals meeting these conditions."),
        ] = None,
        order_by: Annotated[
            ReferralOrderInput | None,
            strawberry.argument(description="Order; newest created first by default."),
        ] = None,
    ) -> ReferralConnection:
        order = (order_by or ReferralOrderInput(field=ReferralOrderField.CREATED_DATE)).to_order()
        where = ReferralFilter() if filter is None else filter.to_filter()
        request = paging.request(
            referral_ordering(order), info.context.settings, kind=order.value_kind
        )
        page = await info.context.loaders.referral_page(where=where, order=order, request=request)
        await prefetch_referral_parts(info, page.rows, referral_fields(info))
        return ReferralConnection.of_page(info, page, order, where)

    @strawberry.field(
        description="How many referrals match a filter, in all and by status, source, "
        "customer country and month created, with deal values summed per currency: for status "
        "tabs and pipeline summaries. Same filter and visibility as `referrals`."
    )
    def referral_counts(
        self,
        filter: Annotated[
            ReferralFilterInput | None,
            strawberry.argument(description="Only referrals meeting these conditions."),
        ] = None,
    ) -> ReferralCounts:
        return ReferralCounts(where=ReferralFilter() if filter is None else filter.to_filter())

    @strawberry.field(
        description="Who you are: your token's organization and user.", graphql_type=ViewerType
    )
    def viewer(self) -> ViewerType:
        return ViewerType()

    @strawberry.field(
        description="Other partner organizations by name (then ID), to choose whom to invite: "
        "ID and name only. Yours is left out (it cannot invite itself). Pass an "
        "organization's `id` to `inviteParticipant` as `organizationId`. Relay cursor "
        "connection, at most 100 per page."
    )
    @paged
    async def organizations(
        self,
        info: Info,
        paging: Paging,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Case-insensitive text in the organization's name "
                f"(at most {SEARCH_MAX_LENGTH} characters)."
            ),
        ] = None,
    ) -> OrganizationConnection:
        term = search_term(search, argument="search")
        request = paging.request(ORGANIZATION_ORDERING, info.context.settings, kind=str)
        page = await info.context.loaders.organization_page(search=term, request=request)
        return OrganizationConnection.of_page(info, page, term)

    @strawberry.field(
        description="What changed in the referrals your organization takes part in: one "
        "event per activity, by position in the event log (commit order), newest first by "
        "default (Relay cursor connection, at most 100 per page). For 'what changed since I "
        "last looked' screens and polling integrations: keep the newest cursor and ask "
        "`orderBy: OLDEST_FIRST, after: <it>`, or pass it as `after` to `referralEvents` to go "
        "live from there. Events are kept EVENT_RETENTION_DAYS (30 by default); a cursor "
        "older than that is refused with EVENTS_EXPIRED, naming the argument."
    )
    @paged
    async def events(
        self,
        info: Info,
        paging: Paging,
        filter: Annotated[
            EventFilterInput | None,
            strawberry.argument(description="Only events meeting these conditions."),
        ] = None,
        order_by: Annotated[
            EventOrder,
            strawberry.argument(description="Newest first (the default) or oldest first."),
        ] = EventOrder.NEWEST_FIRST,
    ) -> EventConnection:
        where = EventFilter() if filter is None else filter.to_filter()
        return await event_connection(info, paging, where, order_by)

    @strawberry.field(
        description="Your organization's webhooks, oldest first: only your organization sees "
        "them. Relay cursor connection, at most 100 per page."
    )
    @paged
    async def webhooks(self, info: Info, paging: Paging) -> WebhookConnection:
        request = paging.request(WEBHOOK_ORDERING, info.context.settings)
        page = await info.context.loaders.webhook_page(request)
        return WebhookConnection.of_page(info, page)

    @strawberry.field(
        description="Your organization's rate limit after this operation: its cost in points, "
        "what is left, and when the window resets. Null where no rate limit applies."
    )
    def rate_limit(self, info: Info) -> RateLimit | None:
        context = info.context
        if context.rate_limit is None:
            return None
        return RateLimit.from_state(context.rate_limit, context.node_count or 0)
