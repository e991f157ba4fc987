"""RSS across rounds of load: `python -m bench.memory` (issue 10).

One uvicorn worker (`--factory api.app:create_app`, as `referrals serve` runs it) on 127.0.0.1
over a fresh SQLite file of demo data in a temporary directory; rounds of the frontends' read
mix (ReferralPage with first: 100, ReferralDetail, ReferralSearch, NodeLookup) from 16
keep-alive clients, each round a fixed number of requests; the server's VmRSS
(/proc/<pid>/status) at start, after each round (and a short settle), and after an idle spell.
Bounded: counts per round, a time limit per round, the server stopped by PID at the end.
`tests/test_memory.py` runs the same rounds, fewer of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import load
from bench.config import CONTRACT_DIR, HOST, ROOT
from bench.cpu import process_cpu_seconds
from bench.servers import free_port
from bench.workload import JWT_SECRET, UNTHROTTLED_ENV, search_variables, token
from db import migrate
from db.demo import DemoSize, load_demo
from db.engine import create_engine

REFERRAL_PAGE = (CONTRACT_DIR / "ReferralPage.graphql").read_text()
REFERRAL_DETAIL = (CONTRACT_DIR / "ReferralDetail.graphql").read_text()
REFERRAL_SEARCH = (CONTRACT_DIR / "ReferralSearch.graphql").read_text()
NODE_LOOKUP = (CONTRACT_DIR / "NodeLookup.graphql").read_text()
START_TIMEOUT_S = 60.0
ROUND_TIME_LIMIT_S = 180.0  # a round ends at its request count, or at this at the latest


@dataclass(frozen=True, slots=True)
class Plan:
    referrals: int = 1000  # demo referrals; the viewer sees about three quarters of them
    rounds: int = 4
    requests_per_round: int = 400
    concurrency: int = 16
    settle_s: float = 2.0  # idle after a round before RSS is read
    idle_s: float = 10.0  # idle after the last round before the final reading
    environment: Mapping[str, str] = field(default_factory=dict)  # for the server
    pages_only: bool = False  # only 100-referral ReferralPage requests (CPU per page)
    probe: bool = False  # run the server under bench.memprobe and probe it after each round


@dataclass
class Readings:
    """The server's VmRSS in KiB: at start, after each round, after the idle spell."""

    start_kb: int = 0
    rounds_kb: list[int] = field(default_factory=list)
    idle_kb: int = 0
    peak_kb: int = 0
    requests: list[int] = field(default_factory=list)
    errors: list[int] = field(default_factory=list)
    cpu_ms_per_request: list[float] = field(default_factory=list)
    error_samples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        mb = [kb / 1024 for kb in self.rounds_kb]
        out = [f"start          {self.start_kb / 1024:7.1f} MB"]
        for index, (value, done, cpu) in enumerate(
            zip(mb, self.requests, self.cpu_ms_per_request, strict=True), start=1
        ):
            growth = (value / mb[0] - 1) * 100
            out.append(
                f"after round {index}  {value:7.1f} MB  ({growth:+5.1f}% on round 1; "
                f"{done} requests, {cpu:.1f} ms server CPU each)"
            )
        out.append(f"after idle     {self.idle_kb / 1024:7.1f} MB")
        out.append(f"peak (VmHWM)   {self.peak_kb / 1024:7.1f} MB; errors {sum(self.errors)}")
        return out


def status_kb(pid: int, key: str) -> int:
    """A `VmRSS`/`VmHWM` line of /proc/<pid>/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise LookupError(f"no {key} in /proc/{pid}/status")


def prepare_database(directory: Path, referrals: int) -> str:
    """A migrated SQLite file in `directory` holding `referrals` demo referrals; its URL."""
    url = f"sqlite+aiosqlite:///{directory / 'referrals.db'}"
    migrate.upgrade(url)

    async def fill() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await load_demo(conn, now=datetime.now(UTC), size=DemoSize(referrals=referrals))
        finally:
            await engine.dispose()

    asyncio.run(fill())
    return url


@contextlib.contextmanager
def server(
    url: str, log: Path, environment: Mapping[str, str], *, probe: bool = False
) -> Iterator[tuple[int, int]]:
    """One uvicorn worker of our app on a free port: (pid, port); SIGTERM (then SIGKILL) by PID
    when the block ends."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("JWKS", "JWT_ISSUER", "JWT_AUDIENCE")},
        "APP_ENV": "development",
        "DATABASE_URL": url,
        "JWT_SECRET": JWT_SECRET,
        "GRAPHIQL": "false",
        "PYTHONPATH": str(ROOT),
        **UNTHROTTLED_ENV,
        **environment,
    }
    command = [
        sys.executable, "-m", "bench.memprobe" if probe else "uvicorn",
        "--factory", "api.app:create_app",
        "--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}; see {log}")
            try:
                if httpx.get(f"http://{HOST}:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"server not up within {START_TIMEOUT_S} s; see {log}")
            time.sleep(0.1)
        yield process.pid, port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _post(port: int, bearer: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"http://{HOST}:{port}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )
    answer: dict[str, Any] = response.json()
    if response.status_code != 200 or "errors" in answer:
        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    data: dict[str, Any] = answer["data"]
    return data


def read_mix(port: int, bearer: str, *, pages_only: bool = False) -> list[tuple[str, str]]:
    """The frontends' read mix as request bodies: every 100-referral page the viewer has, a
    detail screen and a node lookup for referrals on them, and the filter bars' searches."""
    pages: list[dict[str, Any]] = []
    ids: list[str] = []
    after: str | None = None
    while len(pages) < 5:
        variables = {"first": 100, "after": after}
        connection = _post(port, bearer, REFERRAL_PAGE, variables)["referrals"]
        pages.append(variables)
        ids += [edge["node"]["id"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    bodies = [json.dumps({"query": REFERRAL_PAGE, "variables": v}) for v in pages]
    if pages_only:
        return [("read", body) for body in bodies]
    bodies += [
        json.dumps({"query": REFERRAL_SEARCH, "variables": v})
        for v in search_variables(datetime.now(UTC))
    ]
    bodies += [
        json.dumps({"query": REFERRAL_DETAIL, "variables": {"id": i}})
        for i in ids[:: len(ids) // 8]
    ]
    bodies += [
        json.dumps({"query": NODE_LOOKUP, "variables": {"ids": ids[start : start + 25]}})
        for start in range(0, min(len(ids), 200), 25)
    ]
    return [("read", body) for body in bodies]


def load_round(
    port: int, pid: int, bearer: str, operations: list[tuple[str, str]], plan: Plan
) -> dict[str, Any]:
    spec = load.Spec(
        host=HOST,
        port=port,
        token=bearer,
        operations=operations,
        concurrency=plan.concurrency,
        duration_s=ROUND_TIME_LIMIT_S,
        max_requests=plan.requests_per_round,
        warmup=0,
        reconnect_every=0,
        server_pids=[pid],
    )
    result: dict[str, Any] = asyncio.run(load.run(spec))
    return result


def measure(plan: Plan, log: Any = None) -> Readings:
    """Seed, serve, load `plan.rounds` rounds and read the server's RSS around them."""
    say = log or (lambda _message: None)
    readings = Readings()
    with tempfile.TemporaryDirectory(prefix="referrals-memory-") as scratch:
        directory = Path(scratch)
        say(f"seeding {plan.referrals} demo referrals into {directory}")
        url = prepare_database(directory, plan.referrals)
        probes = directory / "probes.jsonl"
        environment = {**plan.environment, "MEMPROBE_OUT": str(probes)}
        with server(url, directory / "server.log", environment, probe=plan.probe) as (pid, port):
            bearer = token()
            operations = read_mix(port, bearer, pages_only=plan.pages_only)
            time.sleep(plan.settle_s)
            readings.start_kb = status_kb(pid, "VmRSS")
            for index in range(plan.rounds):
                cpu_before = process_cpu_seconds(pid)
                result = load_round(port, pid, bearer, operations, plan)
                cpu_ms = (process_cpu_seconds(pid) - cpu_before) * 1000
                readings.requests.append(result["requests"])
                readings.errors.append(result["errors"])
                readings.error_samples += result["error_samples"]
                readings.cpu_ms_per_request.append(cpu_ms / max(1, result["requests"]))
                time.sleep(plan.settle_s)
                readings.rounds_kb.append(status_kb(pid, "VmRSS"))
                say(f"round {index + 1}: {readings.lines()[index + 1].split(maxsplit=2)[2]}")
                if plan.probe:
                    say(_probe(pid, probes))
            time.sleep(plan.idle_s)
            readings.idle_kb = status_kb(pid, "VmRSS")
            readings.peak_kb = status_kb(pid, "VmHWM")
    return readings


def _probe(pid: int, probes: Path) -> str:
    """Ask bench.memprobe in the server for a report (SIGUSR1) and wait for it."""
    before = probes.read_text().count("\n") if probes.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while not probes.exists() or probes.read_text().count("\n") == before:
        if time.monotonic() > deadline:
            return "no probe report within 60 s"
        time.sleep(0.2)
    return json.dumps(json.loads(probes.read_text().splitlines()[-1]), indent=1)


def main() -> None:
    defaults = Plan()
    parser = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__)
    parser.add_argument("--referrals", type=int, default=defaults.referrals)
    parser.add_argument("--rounds", type=int, default=defaults.rounds)
    parser.add_argument("--requests", type=int, default=defaults.requests_per_round)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--idle", type=float, default=defaults.idle_s, help="seconds")
    parser.add_argument(
        "--env", action="append", default=[], metavar="NAME=VALUE", help="for the server"
    )
    parser.add_argument("--pages-only", action="store_true", help="100-referral pages only")
    parser.add_argument("--probe", action="store_true", help="report the heap after each round")
    args = parser.parse_args()
    plan = Plan(
        referrals=args.referrals,
        rounds=args.rounds,
        requests_per_round=args.requests,
        concurrency=args.concurrency,
        idle_s=args.idle,
        environment=dict(item.split("=", 1) for item in args.env),
        pages_only=args.pages_only,
        probe=args.probe,
    )
    readings = measure(plan, log=lambda message: sys.stderr.write(f"[memory] {message}\n"))
    out = [f"RSS of the server process ({plan.requests_per_round} requests a round):"]
    out += [f"  {line}" for line in readings.lines()]
    out += [f"  error: {sample}" for sample in readings.error_samples[:3]]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
