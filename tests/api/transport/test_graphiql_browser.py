"""GraphiQL tried in a real browser, as a developer opens it.

The browser test starts the real server (uvicorn on 127.0.0.1, a free port, a SQLite file with
demo data), opens /graphql in Debian's headless Chromium through Playwright, runs the default
query and reads the referral graph in the result pane, then runs a subscription (over the
API's WebSocket, with the Headers tab's token) and sees a note added over HTTP arrive in it.
It saves var/graphiql-failure.png when it fails (var/graphiql.png when it passes). Under
CI=true a missing Chromium or missing npm assets fail it; elsewhere they skip it with the
reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright, expect

from api.transport import graphiql_assets
from db import demo, migrate
from db.engine import create_engine

ROOT = Path(__file__).resolve().parents[3]
VAR = ROOT / "var"
CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium on a machine without internet: no background traffic, no sandbox as root.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
WAIT_SECONDS = 30.0
WAIT_MS = WAIT_SECONDS * 1000
SUBSCRIPTION = """subscription NotesInGraphiQL($id: ID) {
  referralEvents(referralId: $id) { activity { type note } referral { id } }
}"""
NOTE = """mutation ($input: AddReferralNoteInput!) {
  addReferralNote(input: $input) { userErrors { code message } }
}"""
# GraphiQL's editors are CodeMirror 5 instances.
EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"
VARIABLES = "document.querySelector('.graphiql-editor-tool .CodeMirror').CodeMirror"
RESULT = "document.querySelector('.graphiql-response .CodeMirror').CodeMirror"


def _require(condition: bool, reason: str) -> None:
    """Skip locally when the browser test cannot run here; fail under CI, where it must."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (the browser test must run in CI; .ci/run installs it)")
    pytest.skip(reason)


def _in_thread(function: Callable[[str], None], argument: str) -> None:
    """Set-up that runs its own event loop (Alembic, the demo load), off the test loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(function, argument).result()


def _load_demo(url: str) -> None:
    async def load() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                size = demo.DemoSize(referrals=40)
                await demo.load_demo(conn, now=datetime.now(UTC), size=size)
        finally:
            await engine.dispose()

    asyncio.run(load())


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_serving(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            response = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}, timeout=2)
            if response.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {WAIT_SECONDS:.0f} s:\n{log.read_text()}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """`uvicorn api.cli.serve:served_app` (what `referrals serve` runs) on 127.0.0.1 with a
    migrated SQLite file of demo data."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'referrals.db'}"
    _in_thread(migrate.upgrade, url)
    _in_thread(_load_demo, url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": url, "APP_ENV": "development", "GRAPHIQL": "true"}
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "api.cli.serve:served_app", "--factory"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(process, base, log)
        yield base
    finally:
        process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium and the npm assets, checked before the server starts."""
    _require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    try:
        graphiql_assets.installed_assets()
    except graphiql_assets.MissingAssets as error:
        _require(False, f"GraphiQL's npm assets are not installed (run `make install`): {error}")
    VAR.mkdir(exist_ok=True)
    (VAR / "graphiql-failure.png").unlink(missing_ok=True)
    return CHROMIUM


async def _until_subscribed(server: str) -> None:
    """Until the server counts one active subscription (its /metrics), bounded."""
    async with httpx.AsyncClient(base_url=server, timeout=5) as client:
        for _ in range(int(WAIT_SECONDS / 0.1)):
            metrics = (await client.get("/metrics")).text
            if "\nreferrals_subscriptions_active 1.0" in metrics:
                return
            await asyncio.sleep(0.1)
    pytest.fail("GraphiQL's subscription never became active on the server")


async def _add_note(server: str, authorization: str, referral_id: str, note: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=WAIT_SECONDS) as client:
        response = await client.post(
            "/graphql",
            json={"query": NOTE, "variables": {"input": {"referralId": referral_id, "note": note}}},
            headers={"Authorization": authorization},
        )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["addReferralNote"]["userErrors"] == [], response.text


async def test_graphiql_runs_the_default_query_and_a_subscription_in_chromium(
    chromium: Path, server: str, tmp_path: Path
) -> None:
    failure = VAR / "graphiql-failure.png"
    requests: list[str] = []
    sockets: list[str] = []
    problems: list[str] = []

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh --user-data-dir
            executable_path=str(chromium),
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
            timeout=WAIT_MS,
        )
        try:
            page = browser.pages[0] if browser.pages else await browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("request", lambda request: requests.append(request.url))
            page.on("websocket", lambda socket_: sockets.append(socket_.url))
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

            def on_console(message: Any) -> None:
                if message.type == "error":
                    problems.append(f"console: {message.text}")

            page.on("console", on_console)
            try:
                await page.goto(f"{server}/graphql", wait_until="load")
                execute = page.locator(".graphiql-execute-button")
                await expect(execute).to_be_visible(timeout=WAIT_MS)
                editor = page.locator(".graphiql-query-editor")
                await expect(editor).to_contain_text("query ReferralPage", timeout=WAIT_MS)

                await execute.click()

                response = page.locator(".graphiql-response")
                await expect(response).to_contain_text('"totalCount"', timeout=WAIT_MS)
                await expect(response).to_contain_text('"referrals"', timeout=WAIT_MS)
                # The whole result, not only the lines the editor has drawn.
                text = await page.evaluate(f"{RESULT}.getValue()")
                result = json.loads(text)
                assert "errors" not in result, result
                referrals = result["data"]["referrals"]
                assert referrals["totalCount"] > 0
                first = referrals["nodes"][0]
                assert first["customerProfile"]["name"]
                assert first["participants"]
                assert first["activities"]["nodes"]
                await expect(response).to_contain_text(
                    first["customerProfile"]["name"], timeout=WAIT_MS
                )

                # A subscription, on a referral the demo organization has ACCEPTED.
                settings = await page.evaluate(
                    "JSON.parse(document.getElementById('graphiql-settings').textContent)"
                )
                authorization = settings["headers"]["Authorization"]
                organization = jwt.decode(
                    authorization.removeprefix("Bearer "), options={"verify_signature": False}
                )["org"]
                referral_id = next(
                    node["id"]
                    for node in referrals["nodes"]
                    if {"organizationId": organization, "status": "ACCEPTED"}.items()
                    <= node["participants"][0].items()
                )
                await page.evaluate(f"(text) => {EDITOR}.setValue(text)", SUBSCRIPTION)
                await page.evaluate(
                    f"(text) => {VARIABLES}.setValue(text)", json.dumps({"id": referral_id})
                )
                await execute.click()
                await _until_subscribed(server)
                note = f"Seen in GraphiQL {uuid.uuid4()}"
                await _add_note(server, authorization, referral_id, note)
                await expect(response).to_contain_text(note, timeout=WAIT_MS)
                event = json.loads(await page.evaluate(f"{RESULT}.getValue()"))
                assert event["data"]["referralEvents"] == {
                    "activity": {"type": "NOTE_ADDED", "note": note},
                    "referral": {"id": referral_id},
                }
                host = server.removeprefix("http://")
                assert sockets == [f"ws://{host}/graphql"], sockets

                outside = [url for url in requests if not url.startswith((server, "data:"))]
                assert not outside, f"requests to other hosts: {outside}"
                assert any("/graphiql/assets/graphiql@" in url for url in requests), requests
                assert not problems, problems
                await page.screenshot(path=str(VAR / "graphiql.png"))
            except BaseException:
                try:
                    await page.screenshot(path=str(failure), timeout=10_000)
                except PlaywrightError as error:
                    problems.append(f"no screenshot: {error}")
                print(f"GraphiQL browser test failed; screenshot {failure}; {problems}")  # noqa: T201
                raise
        finally:
            await browser.close()
