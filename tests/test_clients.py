"""The clients frontends use, against a live server on demo data: Apollo Client 4's normalized
cache, relayStylePagination and automatic persisted queries over GET, graphql-ws, relay-compiler
and graphql-codegen over the contract's operations.

Each check is a Node script in tests/clients/ that prints, as one JSON line, what the client
saw; the assertions here say what a frontend must see. One server (uvicorn on a free port of
127.0.0.1, SQLite with demo data) serves the whole module. Without Node.js or `node_modules/`
the checks skip locally with the reason; under CI=true they fail (`.ci/run` installs both).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from db.demo import DEMO_ORGANIZATIONS
from tests.live_server import LiveServer, demo_database, serve

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "tests" / "clients"
CONTRACT = ROOT / "tests" / "contract"
IN_CI = os.environ.get("CI", "").lower() == "true"
PACKAGES = (
    "@apollo/client",
    "rxjs",
    "graphql-ws",
    "relay-compiler",
    "@graphql-codegen/cli",
    "@graphql-codegen/typescript",
    "@graphql-codegen/typescript-operations",
    "typescript",
)
SCRIPT_SECONDS = 45  # each script's own deadline (CLIENT_TIMEOUT_SECONDS)
KILL_SECONDS = 90  # then the subprocess is killed
VIEWER = DEMO_ORGANIZATIONS[0]
SUFFIX = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _node() -> list[str]:
    """The `node` command, or a skip (a failure under CI) naming what is missing."""
    node = shutil.which("node")
    missing = [p for p in PACKAGES if not (ROOT / "node_modules" / p / "package.json").exists()]
    reason = None
    if node is None:
        reason = "Node.js (`node`) is not on PATH"
    elif missing:
        reason = f"node_modules lacks {', '.join(missing)}: run `make install` (npm ci)"
    if reason is not None:
        if IN_CI:
            pytest.fail(f"{reason} (the client suite must run in CI; .ci/run installs it)")
        pytest.skip(reason)
    assert node is not None
    # graphql-ws needs a global WebSocket: built in from Node 22, behind this flag in Node 20
    # and 21 (without it, graphql_ws_event.mjs fails saying so).
    flag = [node, "--experimental-websocket"]
    probe = subprocess.run(
        [*flag, "-e", "process.exit(typeof WebSocket === 'function' ? 0 : 1)"],
        capture_output=True,
        timeout=30,
    )
    return flag if probe.returncode == 0 else [node]


@pytest.fixture(scope="module")
def node() -> list[str]:
    return _node()


@pytest.fixture(scope="module")
def live(node: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One API for the module's checks; each check changes only what it looks at."""
    directory = tmp_path_factory.mktemp("clients")
    url = demo_database(directory, referrals=40)
    with serve(url, directory / "server.log") as server:
        yield server


def run_client(
    node: list[str], script: str, *arguments: str, server: LiveServer | None = None
) -> dict[str, Any]:
    """Run tests/clients/<script> and return its JSON report; fail with its output when it
    exits non-zero, prints no JSON or outlives KILL_SECONDS."""
    env = {**os.environ, "CLIENT_TIMEOUT_SECONDS": str(SCRIPT_SECONDS), "NO_COLOR": "1"}
    if server is not None:
        env.update(
            GRAPHQL_URL=server.graphql_url,
            TOKEN=server.token(VIEWER),
            ORGANIZATION_ID=str(VIEWER.id),
        )
    command = [*node, str(CLIENTS / script), *arguments]
    log = f"\n--- server log ---\n{server.log_tail()}" if server else ""
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=KILL_SECONDS
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{script} still ran after {KILL_SECONDS} s:\n{error.stderr!r}{log}")
    if done.returncode != 0:
        pytest.fail(
            f"{script} exited with {done.returncode}:\n{done.stderr}\n{done.stdout}{log}",
        )
    lines = done.stdout.strip().splitlines()
    try:
        report: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"{script} printed no JSON report:\n{done.stdout}\n{done.stderr}")
    return report


def contract_operations() -> list[tuple[str, str]]:
    """(name, operation type) of every operation in tests/contract/queries and mutations."""
    operations = []
    for path in sorted(CONTRACT.glob("queries/*.graphql")) + sorted(
        CONTRACT.glob("mutations/*.graphql")
    ):
        for definition in parse(path.read_text()).definitions:
            assert isinstance(definition, OperationDefinitionNode), path
            assert definition.name is not None, path
            operations.append((definition.name.value, definition.operation.value))
    return operations


# --- Apollo Client 4: InMemoryCache -------------------------------------------------------


def test_apollo_cache_keeps_the_viewers_contact_apart_from_an_invited_participants_view(
    node: list[str], live: LiveServer
) -> None:
    """Normalization by __typename + id must not merge the viewer's referral with the same
    referral as an INVITED participant sees it (referralView): they differ in the email."""
    seen = run_client(node, "apollo_normalization.mjs", server=live)
    sent, cached = seen["sent"], seen["cached"]
    # What the server sent is right: the email for us, none in an INVITED participant's view.
    assert sent["email"], sent
    invited = [p for p in sent["participants"] if p["status"] == "INVITED"]
    assert invited, sent
    assert all(p["view"]["email"] is None for p in invited), sent

    assert cached["email"] == sent["email"], (
        "the viewer's own referral lost the customer's email in Apollo's cache: "
        f"{json.dumps(cached, indent=1)}"
    )
    for participant in cached["participants"]:
        if participant["status"] != "INVITED":
            continue
        view = participant["view"]
        shared = [
            f"{kind} id {view[key]}"
            for kind, key in (("Referral", "id"), ("CustomerProfile", "customerProfileId"))
            if view[key] == cached[key]
        ]
        assert view["email"] is None, (
            f"from the cache, INVITED participant {participant['organizationId']}'s referralView "
            f"shows the email {view['email']!r}; it shares with the viewer's own referral: "
            f"{', '.join(shared) or 'no id'} (InMemoryCache keeps one object per typename and id)"
        )
    assert cached == sent


def test_apollo_cache_updates_the_listed_referral_from_a_mutation_result(
    node: list[str], live: LiveServer
) -> None:
    seen = run_client(node, "apollo_mutation.mjs", server=live)
    assert seen["mutation"]["userErrors"] == [], seen["mutation"]
    assert seen["before"] is not None, "the renamed referral was not in the list"
    assert seen["after"] == {
        "__typename": "Referral",
        "id": seen["referralId"],
        "name": seen["name"],
        "version": seen["before"]["version"] + 1,
    }
    # The cache took the mutation's answer: the list was not fetched again.
    assert seen["operations"] == ["ReferralNames", "RenameReferral"]


# --- Apollo Client 4: relayStylePagination -------------------------------------------------


def test_relay_style_pagination_walks_the_whole_list_forward_and_back(
    node: list[str], live: LiveServer
) -> None:
    seen = run_client(node, "apollo_pagination.mjs", server=live)
    forward, backward = seen["forward"], seen["backward"]
    total = forward["totalCount"]
    assert total > 2 * seen["pageSize"], f"too few referrals to page through: {total}"

    pages_forward = [node_id for page in forward["pages"] for node_id in page]
    assert len(pages_forward) == len(set(pages_forward)), "a referral came twice going forward"
    assert len(pages_forward) == total
    assert forward["cached"] == pages_forward, "the cache's merged list is not the pages in order"
    assert not forward["cachedPageInfo"]["hasNextPage"]

    assert backward["totalCount"] == total
    pages_backward = [node_id for page in reversed(backward["pages"]) for node_id in page]
    assert len(pages_backward) == len(set(pages_backward)), "a referral came twice going back"
    assert pages_backward == pages_forward, "going back did not visit the same list in reverse"
    assert backward["cached"] == forward["cached"]
    assert not backward["cachedPageInfo"]["hasPreviousPage"]


# --- Apollo Client 4: automatic persisted queries over GET ---------------------------------


def test_automatic_persisted_queries_register_then_run_by_hash_over_get(
    node: list[str], live: LiveServer
) -> None:
    seen = run_client(node, "apollo_persisted_get.mjs", server=live)
    requests = seen["requests"]
    assert [
        (r["method"], r["sentQueryText"], r["status"], r["errorMessages"], r["hasData"])
        for r in requests
    ] == [
        ("GET", False, 200, ["PersistedQueryNotFound"], False),  # unknown hash
        ("POST", True, 200, [], True),  # registered with its text
        ("GET", False, 200, [], True),  # another client: by hash alone
    ], json.dumps(requests, indent=1)
    assert len({r["sha256Hash"] for r in requests}) == 1
    assert "extensions" in requests[2]["queryParameters"]
    assert seen["secondTotalCount"] == seen["firstTotalCount"]


# --- graphql-ws ------------------------------------------------------------------------------


def test_graphql_ws_receives_the_event_of_a_mutation(node: list[str], live: LiveServer) -> None:
    seen = run_client(node, "graphql_ws_event.mjs", server=live)
    assert seen["mutation"]["userErrors"] == [], seen["mutation"]
    event = seen["event"]
    assert event is not None, "the subscription ended without an event"
    assert "errors" not in event, event
    delivered = event["data"]["referralEvents"]
    assert delivered["referral"]["id"] == seen["referralId"]
    assert delivered["activity"] == {
        "id": seen["mutation"]["activity"]["id"],
        "type": "NOTE_ADDED",
        "note": seen["note"],
    }


# --- relay-compiler and graphql-codegen over the contract ----------------------------------


def test_relay_compiler_compiles_every_contract_operation(node: list[str], tmp_path: Path) -> None:
    seen = run_client(node, "relay_compile.mjs", str(tmp_path))
    modules = "\n".join(
        f"  src/{operation['name']}.js: {operation['relayName']} from {operation['file']}"
        for operation in seen["operations"]
    )
    assert seen["status"] == 0, (
        f"relay-compiler failed ({seen['error'] or 'exit ' + str(seen['status'])}):\n"
        f"{seen['output']}\nModules compiled (the contract's operations, renamed as Relay "
        f"requires):\n{modules}"
    )
    expected = {f"{name}{SUFFIX[kind]}.graphql.js" for name, kind in contract_operations()}
    assert set(seen["artifacts"]) == expected, seen["output"]


def test_graphql_codegen_types_every_contract_operation(node: list[str], tmp_path: Path) -> None:
    seen = run_client(node, "codegen.mjs", str(tmp_path))
    assert seen["generated"], f"graphql-codegen failed:\n{seen['error']}"
    for name, kind in contract_operations():
        assert f"{name}{SUFFIX[kind]}" in seen["operationTypes"], seen["operationTypes"]
        assert f"{name}{SUFFIX[kind]}Variables" in seen["operationTypes"]
    for scalar in ("DateTime", "Date", "Decimal"):
        assert f"{scalar}: {{ input: string; output: string; }}" in seen["scalars"], seen["scalars"]
    assert seen["tsc"]["status"] == 0, f"tsc --noEmit on the output failed:\n{seen['tsc']}"
