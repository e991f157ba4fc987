"""Server CPU per request over HTTP, for each of uvicorn's event loops and HTTP parsers.

`python -m bench.server_cpu [requests] [clients] [page size] [rounds]`: serves our API
(`uvicorn --factory api.app:create_app`, 1 worker, 127.0.0.1, a free port) on the database of
`bench.request_cpu` (SQLite, 1,000 referrals), once with `--loop asyncio --http h11` and once
with `--loop uvloop --http httptools`, alternating for `rounds`; each time it warms the server,
then sends `requests` pages from `clients` concurrent keep-alive clients, and prints the server
process's CPU time (user + system, /proc) per request and the requests that failed. CPU time,
not wall-clock: the machine is shared.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

from bench.config import HOST, ROOT
from bench.cpu import process_cpu_seconds
from bench.request_cpu import database_url
from bench.servers import free_port
from bench.workload import JWT_SECRET, UNTHROTTLED_ENV, VIEWER, page_body, token

VARIANTS = (("asyncio", "h11"), ("uvloop", "httptools"))


@dataclass(frozen=True, slots=True)
class Run:
    requests: int
    clients: int
    page_size: int


def _wait_listening(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server on port {port} after {timeout_s:g} s")


async def _load(port: int, pid: int, run: Run) -> tuple[float, int]:
    body = page_body(run.page_size)
    headers = {"Authorization": f"Bearer {token(VIEWER)}", "Content-Type": "application/json"}
    failed = 0
    limits = httpx.Limits(max_connections=run.clients)
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", limits=limits, timeout=60) as c:
        turn = asyncio.Semaphore(run.clients)

        async def one() -> None:
            nonlocal failed
            async with turn:
                response = await c.post("/graphql", content=body, headers=headers)
            if response.status_code != 200 or b'"errors"' in response.content:
                failed += 1

        await asyncio.gather(*(one() for _ in range(max(10, run.clients))))  # warm-up
        failed = 0
        before = process_cpu_seconds(pid)
        await asyncio.gather(*(one() for _ in range(run.requests)))
        return (process_cpu_seconds(pid) - before) * 1000 / run.requests, failed


def measure(loop: str, http: str, url: str, run: Run) -> tuple[float, int]:
    """(server CPU ms per request, failed requests) for one loop and parser."""
    port = free_port()
    env = {
        **os.environ,
        **UNTHROTTLED_ENV,
        "DATABASE_URL": url,
        "JWT_SECRET": JWT_SECRET,
        "APP_ENV": "development",
        "GRAPHIQL": "false",
        "METRICS": "false",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
        *("--host", HOST, "--port", str(port), "--no-access-log", "--log-level", "warning"),
        *("--loop", loop, "--http", http),
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        _wait_listening(port)
        return asyncio.run(_load(port, process.pid, run))
    finally:
        process.terminate()  # this PID only
        process.wait(timeout=30)


def main() -> None:
    args = [int(value) for value in sys.argv[1:]]
    requests, clients, page_size, rounds = [*args, *(60, 1, 100, 2)[len(args) :]]
    run = Run(requests, clients, page_size)
    url = database_url("sqlite")
    for _ in range(rounds):
        for loop, http in VARIANTS:
            cpu_ms, failed = measure(loop, http, url, run)
            sys.stdout.write(
                f"{loop}+{http} requests={requests} clients={clients} page={page_size} "
                f"server_cpu_ms_per_request={cpu_ms:.2f} failed={failed}\n"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
