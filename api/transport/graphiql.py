"""The GraphiQL page: our default query, the given token, the assets the API serves itself.

Its assets come from api.transport.graphiql_assets. The page names no other host, so GraphiQL
works on a network without internet. Without `node_modules/` the page still answers 200 and says
how to install the assets, with the default query and header to use meanwhile.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from datetime import datetime

from api.transport.graphiql_assets import SCRIPTS, STYLESHEETS, MissingAssets, installed_assets

logger = logging.getLogger(__name__)

# The page's bearer token, minted at the app's `now`; the app is given one (or none).
TokenProvider = Callable[[datetime], str]

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


def graphiql_html(*, bearer_token: str | None) -> str:
    """The GraphiQL page with our default query and, if given, a bearer token in its headers."""
    headers = None if bearer_token is None else {"Authorization": f"Bearer {bearer_token}"}
    try:
        urls = installed_assets()
    except MissingAssets as error:
        logger.warning("GraphiQL's assets are not installed (run `npm ci`): %s", error)
        return _missing_assets_page(headers)
    stylesheets = "\n".join(
        f'    <link rel="stylesheet" href="{html.escape(urls[asset])}" />' for asset in STYLESHEETS
    )
    scripts = "\n".join(
        f'    <script src="{html.escape(urls[asset])}"></script>' for asset in SCRIPTS
    )
    settings = {"query": DEFAULT_QUERY, "headers": headers}
    return (
        _PAGE.replace("{{stylesheets}}", stylesheets)
        .replace("{{scripts}}", scripts)
        .replace("{{settings}}", _script_json(settings))
    )


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element (no `</script>` can end it early)."""
    return (
        json.dumps(value, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _missing_assets_page(headers: dict[str, str] | None) -> str:
    header_lines = "" if headers is None else "".join(f"{k}: {v}\n" for k, v in headers.items())
    return _MISSING_PAGE.replace("{{query}}", html.escape(DEFAULT_QUERY)).replace(
        "{{headers}}", html.escape(header_lines or "Authorization: Bearer <your token>\n")
    )


_HEAD = """\
<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Referrals API · GraphiQL</title>
    <link rel="icon" href="data:," />
"""

_PAGE = (
    _HEAD
    + """\
    <style>
      body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
      #graphiql { height: 100vh; display: flex; }
      .graphiql-explorer-actions select { margin-left: 4px; }
    </style>
{{stylesheets}}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script type="application/json" id="graphiql-settings">{{settings}}</script>
{{scripts}}
    <script>
      const settings = JSON.parse(document.getElementById("graphiql-settings").textContent);

      // URL parameters share a query: ?q=...&variables=...
      const parameters = {};
      for (const entry of window.location.search.slice(1).split("&")) {
        const eq = entry.indexOf("=");
        if (eq >= 0) {
          parameters[decodeURIComponent(entry.slice(0, eq))] =
            decodeURIComponent(entry.slice(eq + 1));
        }
      }

      function updateURL(data) {
        Object.assign(parameters, data);
        const search = Object.keys(parameters)
          .filter((key) => Boolean(parameters[key]))
          .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(parameters[key]))
          .join("&");
        history.replaceState(null, "", "?" + search);
      }

      // Queries and mutations go over HTTP to this page's own URL, subscriptions over a
      // WebSocket to the same URL (graphql-transport-ws). The API authenticates a WebSocket by
      // its connection_init payload, not by headers: each Authorization of the Headers tab
      // gets its own graphql-ws client, which sends it there (clients connect lazily, when a
      // subscription starts, and close when none is left).
      const url = window.location.href.split(/[?#]/)[0];
      const fetchers = new Map();
      function fetcherFor(authorization) {
        if (!fetchers.has(authorization)) {
          const wsClient = graphqlWs.createClient({
            url: url.replace(/^http/, "ws"),
            connectionParams: authorization ? { Authorization: authorization } : {},
          });
          fetchers.set(authorization, GraphiQL.createFetcher({ url, wsClient }));
        }
        return fetchers.get(authorization);
      }
      function fetcher(params, options) {
        const headers = (options && options.headers) || {};
        const name = Object.keys(headers).find((key) => key.toLowerCase() === "authorization");
        return fetcherFor(name ? String(headers[name]) : "")(params, options);
      }
      const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();
      const defaultHeaders =
        settings.headers ? JSON.stringify(settings.headers, null, 2) : undefined;

      function ReferralsGraphiQL() {
        const [query, setQuery] = React.useState(parameters.q || settings.query);
        const [variables, setVariables] = React.useState(parameters.variables);
        const [headers, setHeaders] = React.useState(parameters.headers || defaultHeaders);
        return React.createElement(GraphiQL, {
          fetcher: fetcher,
          defaultEditorToolsVisibility: true,
          plugins: [explorerPlugin],
          query: query,
          variables: variables,
          headers: headers,
          onEditQuery: (value) => { setQuery(value); updateURL({ q: value }); },
          onEditVariables: (value) => { setVariables(value); updateURL({ variables: value }); },
          onEditHeaders: setHeaders,
          inputValueDeprecation: true,
          isHeadersEditorEnabled: true,
          shouldPersistHeaders: true,
        });
      }

      ReactDOM.createRoot(document.getElementById("graphiql")).render(
        React.createElement(ReferralsGraphiQL),
      );
    </script>
  </body>
</html>
"""
)

_MISSING_PAGE = (
    _HEAD
    + """\
    <style>
      body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 52rem; }
      pre { background: #f4f4f4; padding: 1rem; overflow: auto; }
    </style>
  </head>
  <body>
    <div id="graphiql-missing">
      <h1>GraphiQL is not installed on this server</h1>
      <p>
        This API serves GraphiQL's browser assets (React and GraphiQL, pinned in
        <code>package.json</code>) from its own <code>node_modules/</code>, which is missing or
        incomplete. Run <code>make install</code> (it runs <code>npm ci</code>) and reload this
        page.
      </p>
      <p>
        The API itself works: POST operations to this URL as JSON
        (<code>{"query": "..."}</code>) with these headers, for example this query.
      </p>
      <h2>Headers</h2>
      <pre>{{headers}}Content-Type: application/json</pre>
      <h2>Query</h2>
      <pre>{{query}}</pre>
    </div>
  </body>
</html>
"""
)
