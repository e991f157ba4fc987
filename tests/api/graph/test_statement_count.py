"""The nested query costs a fixed number of SQL statements, whatever the page size."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import ActivityType, ParticipantStatus
from db.tables import participant
from tests.conftest import START
from tests.factories import (
    logging_events,
    make_activity,
    make_actor,
    make_participant,
    make_referral,
)
from tests.helpers import Actor, Api

FULL_NESTED = """
query ($first: Int!) {
  referrals(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name status version
      customerProfile { id name address { city country } contact { email phoneNumber } }
      customerRequirements { industries products }
      additionalInformation { dealValue currency closingDate }
      owner { id organizationId }
      participants {
        id status organizationId
        organization { id name }
        users { id displayName }
        invitedBy { id organizationId }
        referralActivities(first: 2) { totalCount nodes { id type actor { id } } }
        referralView { id status }
      }
      activities(first: 5) {
        totalCount
        pageInfo { hasNextPage }
        nodes { id type actor { id organizationId } subject { id } }
      }
    }
  }
}
"""

# One statement per edge the query crosses: the page and its total; per referral level the
# profile, requirements, information, participants, activity page and activity total; per
# participant level the users, activity page and activity total, and the participants'
# organizations (one batch of their distinct IDs). `owner`, `invitedBy`,
# `actor` and `subject` come from the referral's participants batch (whichever loader answers
# first), `referralView` from the page's rows.
EXPECTED_STATEMENTS = 12


async def _seed(api: Api, count: int) -> Actor:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        partners = [await make_actor(conn, f"Partner {i}") for i in range(2)]
        for index in range(count):
            rows = await make_referral(conn, owner, created=START - timedelta(minutes=index + 10))
            for number, partner in enumerate(partners):
                invited = await make_participant(
                    conn,
                    rows.id,
                    partner,
                    invited_by=rows.owner_participant_id,
                    invited=START - timedelta(minutes=index + 9 - number),
                    status=ParticipantStatus.ACCEPTED,
                )
                await make_activity(
                    conn,
                    rows.id,
                    ActivityType.INVITATION_ACCEPTED,
                    START - timedelta(minutes=index + 5 - number),
                    actor=invited,
                    subject=invited,
                )
    return owner


async def test_nested_query_costs_the_same_statements_at_every_page_size(api: Api) -> None:
    owner = await _seed(api, 100)
    await api.query(FULL_NESTED, {"first": 1}, actor=owner)  # warm the connection pool

    counts, seen = {}, {}
    for size in (1, 10, 100):
        with api.count_statements() as log:
            data = await api.query(FULL_NESTED, {"first": size}, actor=owner)
        page = data["referrals"]["nodes"]
        assert len(page) == size
        assert all(len(node["participants"]) == 3 for node in page)
        assert all(node["activities"]["totalCount"] == 5 for node in page)
        counts[size] = log.count
        seen[size] = [statement.split("\n")[0][:80] for statement in log.statements]

    expected = {1: EXPECTED_STATEMENTS, 10: EXPECTED_STATEMENTS, 100: EXPECTED_STATEMENTS}
    assert counts == expected, seen


async def test_unselected_relations_are_not_loaded(api: Api) -> None:
    owner = await _seed(api, 3)
    await api.query("{ referrals(first: 1) { nodes { id } } }", actor=owner)

    with api.count_statements() as log:
        await api.query("{ referrals(first: 3) { nodes { id name status } } }", actor=owner)

    assert log.count == 1  # the page only: no total, no nested table touched


COUNTS = """
query {
  referralCounts {
    total
    byStatus { key count }
    bySource { key count }
    byCountry { key count }
    byMonthCreated { key count }
    dealValueByCurrency { currency sum count }
  }
}
"""
# `total` and one aggregate per facet; `total` is the same statement as `referrals.totalCount`
# under the same filter (one loader), so a list screen with its counts adds 5.
EXPECTED_COUNTS_STATEMENTS = 6


async def test_counts_cost_the_same_statements_at_every_size(api: Api) -> None:
    owner = await _seed(api, 10)
    await api.query(COUNTS, actor=owner)  # warm the connection pool

    counts = {}
    for size in (10, 100):
        async with api.database.engine.begin() as conn:
            for index in range(size - 10 if size > 10 else 0):
                created = START - timedelta(days=index * 7, minutes=1)
                await make_referral(
                    conn, owner, created=created, country=("DE", "FR", "US", "JP")[index % 4]
                )
        with api.count_statements() as log:
            data = await api.query(COUNTS, actor=owner)
        assert data["referralCounts"]["total"] == size
        counts[size] = log.count
    assert counts == {10: EXPECTED_COUNTS_STATEMENTS, 100: EXPECTED_COUNTS_STATEMENTS}


async def test_a_page_with_its_counts_shares_the_total(api: Api) -> None:
    owner = await _seed(api, 100)
    both = "query ($first: Int!) { referrals(first: $first) { totalCount nodes { id } } " + (
        COUNTS.strip().removeprefix("query {").removesuffix("}") + "}"
    )
    await api.query(both, {"first": 1}, actor=owner)
    for size in (10, 100):
        with api.count_statements() as log:
            data = await api.query(both, {"first": size}, actor=owner)
        assert data["referrals"]["totalCount"] == data["referralCounts"]["total"] == 100
        assert log.count == 1 + EXPECTED_COUNTS_STATEMENTS  # the page, then the counts


VIEWER_PAGE = """
query ($first: Int!) {
  viewer { organization { id name } user { id displayName email } }
  referrals(first: $first) {
    nodes {
      id status
      viewerParticipant { id status users { id } }
      viewerCan { update changeStatus invite acceptInvitation rejectInvitation addNote }
    }
  }
}
"""


async def test_viewer_fields_cost_a_fixed_number_of_statements(api: Api) -> None:
    owner = await _seed(api, 100)
    await api.query(VIEWER_PAGE, {"first": 1}, actor=owner)  # warm the connection pool
    with_viewer = FULL_NESTED.replace(
        "owner { id organizationId }",
        "owner { id organizationId } viewerParticipant { id users { id } } "
        "viewerCan { update changeStatus invite acceptInvitation rejectInvitation addNote }",
    )

    counts = {}
    for size in (1, 10, 100):
        with api.count_statements() as log:
            data = await api.query(VIEWER_PAGE, {"first": size}, actor=owner)
        assert all(node["viewerCan"]["update"] for node in data["referrals"]["nodes"])
        with api.count_statements() as nested:
            await api.query(with_viewer, {"first": size}, actor=owner)
        counts[size] = (log.count, nested.count)

    # The page, its participants (viewerParticipant and viewerCan share them) and their users;
    # the viewer's organization and user. Nested: nothing beyond the participants it had.
    assert counts == dict.fromkeys((1, 10, 100), (5, EXPECTED_STATEMENTS))


INBOX = """
query ($first: Int!) {
  referrals(first: $first, filter: {direction: INCOMING, viewerParticipantStatus: [INVITED]},
            orderBy: {field: CLOSING_DATE, direction: ASC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name
      additionalInformation { dealValue currency closingDate }
      customerProfile { name address { country } }
      owner { organizationId }
      participants { organizationId status users { displayName } }
    }
  }
}
"""

# The page (closing date from its join) and its total; the information, profile,
# participants (owner among them) and their users.
INBOX_STATEMENTS = 6


async def test_inbox_page_costs_the_same_statements_at_10_and_100(api: Api) -> None:
    async with api.database.engine.begin() as conn:
        owner = await make_actor(conn, "Owner")
        me = await make_actor(conn, "Invited")
        for index in range(110):
            rows = await make_referral(conn, owner, created=START - timedelta(minutes=index + 10))
            await make_participant(
                conn,
                rows.id,
                me,
                invited_by=rows.owner_participant_id,
                invited=START - timedelta(minutes=index),
            )
    await api.query(INBOX, {"first": 1}, actor=me)  # warm the connection pool

    counts, seen = {}, {}
    for size in (10, 100):
        with api.count_statements() as log:
            data = await api.query(INBOX, {"first": size}, actor=me)
        assert len(data["referrals"]["nodes"]) == size
        assert data["referrals"]["totalCount"] == 110
        counts[size] = log.count
        seen[size] = [statement.split("\n")[0][:80] for statement in log.statements]

    assert counts == {10: INBOX_STATEMENTS, 100: INBOX_STATEMENTS}, seen


DASHBOARD = """
query ($first: Int!) {
  viewer { organization { id name } }
  referrals(first: $first) {
    totalCount
    nodes {
      id name status
      viewerParticipant { id status }
      viewerCan { update changeStatus invite acceptInvitation rejectInvitation addNote }
      participants { id status organization { id name } users { id displayName } }
    }
  }
  referralCounts {
    total
    byStatus { key count }
    bySource { key count }
    byCountry { key count }
    byMonthCreated { key count }
    dealValueByCurrency { currency sum count }
  }
}
"""
# The page and its total (shared with the counts' `total`); the participants, their users and
# their organizations; the viewer's organization; the counts' five facets. `viewerParticipant`
# and `viewerCan` come from the participants the page loads anyway.
DASHBOARD_STATEMENTS = 11


async def test_a_dashboard_page_with_its_buttons_organizations_and_counts_is_fixed(
    api: Api,
) -> None:
    owner = await _seed(api, 100)
    await api.query(DASHBOARD, {"first": 1}, actor=owner)  # warm the connection pool

    counts, seen = {}, {}
    for size in (10, 100):
        with api.count_statements() as log:
            data = await api.query(DASHBOARD, {"first": size}, actor=owner)
        page = data["referrals"]["nodes"]
        assert len(page) == size
        assert all(node["viewerCan"]["update"] for node in page)
        assert all(p["organization"]["name"] for node in page for p in node["participants"])
        assert data["referralCounts"]["total"] == data["referrals"]["totalCount"] == 100
        counts[size] = log.count
        seen[size] = [statement.split("\n")[0][:80] for statement in log.statements]

    assert counts == {10: DASHBOARD_STATEMENTS, 100: DASHBOARD_STATEMENTS}, seen


FEED = """
query ($first: Int!, $after: String) {
  events(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      eventId cursor type occurredAt
      activity { id type note actor { id organizationId } }
      referral { id name status customerProfile { name } }
    }
  }
}
"""
# The page (its events, with the pruning horizon for the cursor check), their total, their
# activities, their referrals, the referrals' participants (for each activity's actor) and the
# referrals' customer profiles: one statement per edge, whatever the page size.
FEED_STATEMENTS = 6


async def test_an_events_feed_page_costs_a_fixed_number_of_statements(api: Api) -> None:
    owner = await _seed(api, 200)
    async with api.database.engine.begin() as conn, logging_events(conn):
        owners = select(participant.c.id, participant.c.referral_id).where(
            participant.c.organization_id == owner.organization_id
        )
        rows = (await conn.execute(owners)).all()
        for row in rows:  # a note by the owner on each referral, logged as a write logs it
            await make_activity(conn, row.referral_id, ActivityType.NOTE_ADDED, START, actor=row.id)
    await api.query(FEED, {"first": 1}, actor=owner)  # warm the connection pool

    counts, seen = {}, {}
    for size in (10, 100):
        with api.count_statements() as log:
            first = await api.query(FEED, {"first": size}, actor=owner)
            after = first["events"]["pageInfo"]["endCursor"]
            data = await api.query(FEED, {"first": size, "after": after}, actor=owner)
        for page in (first, data):
            assert len(page["events"]["nodes"]) == size
            assert page["events"]["totalCount"] == len(rows)
            actors = {
                node["activity"]["actor"]["organizationId"] for node in page["events"]["nodes"]
            }
            assert actors == {str(owner.organization_id)}
        counts[size] = log.count
        seen[size] = [statement.split("\n")[0][:80] for statement in log.statements]

    assert counts == {10: 2 * FEED_STATEMENTS, 100: 2 * FEED_STATEMENTS}, seen
