"""The GraphiQL page, opened on a query of the nested referral graph."""

from __future__ import annotations

import json

from strawberry.http.ides import get_graphql_ide_html

DEFAULT_QUERY = """\
# The referrals your organization takes part in, with the nested graph.
# The Authorization header below was filled in for a demo organization.
query ReferralPage {
  referrals(first: 5, orderBy: {field: CREATED_DATE, direction: DESC}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      status
      referralSource
      createdDate
      customerProfile {
        name
        address { city country }
        contact { firstName lastName email phoneNumber }
      }
      customerRequirements { products }
      participants { organizationId status users { displayName } }
      activities(first: 3) { totalCount nodes { type occurredDate } }
    }
  }
}
"""

_HEADERS_ANCHOR = "React.useState(parameters.headers)"
_QUERY_ANCHOR = "parameters.q || EXAMPLE_QUERY"


def graphiql_html(*, bearer_token: str | None) -> str:
    """Strawberry's GraphiQL page with our default query and, in development, a demo token."""
    html = get_graphql_ide_html("graphiql")
    if _HEADERS_ANCHOR not in html or _QUERY_ANCHOR not in html:
        raise RuntimeError("the GraphiQL template changed; update api/graphiql.py")
    html = html.replace(_QUERY_ANCHOR, f"parameters.q || {json.dumps(DEFAULT_QUERY)}")
    if bearer_token is not None:
        headers = json.dumps(json.dumps({"Authorization": f"Bearer {bearer_token}"}, indent=2))
        html = html.replace(_HEADERS_ANCHOR, f"React.useState(parameters.headers || {headers})")
    return html
