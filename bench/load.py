"""The HTTP load client, run as its own process: `python -m bench.load < spec.json`.

It keeps one HTTP/1.1 keep-alive connection per simulated client and writes each request's
prebuilt bytes to it: a few microseconds of client work per request, so the two cores go to
the server under test rather than to the client. Every run is bounded by a request count and
a duration. It prints one JSON object: requests, errors, elapsed time, latency percentiles
(per operation kind) and the CPU time the client itself used.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import resource
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.cpu import cores, snapshot

REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True, slots=True)
class Spec:
    host: str
    port: int
    token: str
    operations: list[tuple[str, str]]  # (kind, JSON body)
    concurrency: int
    duration_s: float
    max_requests: int
    warmup: int
    reconnect_every: int  # requests per connection; 0 keeps each connection for the whole run
    server_pids: list[int]  # whose CPU to account for over the measured window

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Spec:
        return cls(
            host=raw["host"],
            port=int(raw["port"]),
            token=raw["token"],
            operations=[(kind, text) for kind, text in raw["operations"]],
            concurrency=int(raw["concurrency"]),
            duration_s=float(raw["duration_s"]),
            max_requests=int(raw["max_requests"]),
            warmup=int(raw["warmup"]),
            reconnect_every=int(raw.get("reconnect_every", 0)),
            server_pids=[int(pid) for pid in raw.get("server_pids", [])],
        )


@dataclass
class _Tally:
    issued: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(what[:300])


def _request_bytes(spec: Spec, body: str) -> bytes:
    payload = body.encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {spec.host}:{spec.port}\r\n"
        f"Authorization: Bearer {spec.token}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


class _Connection:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.spec.host, self.spec.port)
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, close = -1, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length < 0:
            raise ValueError("response without Content-Length")
        body = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def _failure(kind: str, status: int, body: bytes) -> str | None:
    """Why a response is an error, or None: non-200, GraphQL errors, or userErrors of a write."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    if b'"errors"' in body:
        return f"GraphQL errors: {body[:200]!r}"
    if kind == "write":
        data = json.loads(body)["data"]
        payload = next(iter(data.values()))
        if payload["userErrors"]:
            return f"userErrors: {payload['userErrors']}"
    return None


async def _client(
    spec: Spec,
    requests: list[tuple[str, bytes]],
    offset: int,
    tally: _Tally,
    deadline: float,
    limit: int,
    record: bool,
) -> None:
    connection = _Connection(spec)
    index, sent = offset, 0
    try:
        while time.monotonic() < deadline and tally.issued < limit:
            tally.issued += 1
            kind, raw = requests[index % len(requests)]
            index += spec.concurrency
            started = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(connection.send(raw), REQUEST_TIMEOUT_S)
            except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as error:
                tally.error(f"{type(error).__name__}: {error}")
                await connection.close()
                continue
            elapsed = time.perf_counter() - started
            sent += 1
            if spec.reconnect_every and sent % spec.reconnect_every == 0:
                await connection.close()
            problem = _failure(kind, status, body)
            if problem is not None:
                tally.error(problem)
            if record:
                tally.latencies[kind].append(elapsed)
    finally:
        await connection.close()


def percentiles(samples: list[float]) -> dict[str, float]:
    """Milliseconds: median, p90, p99 (nearest rank), mean, min, max."""
    if not samples:
        return {}
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)] * 1000

    return {
        "p50_ms": rank(0.50),
        "p90_ms": rank(0.90),
        "p99_ms": rank(0.99),
        "mean_ms": sum(ordered) / len(ordered) * 1000,
        "min_ms": ordered[0] * 1000,
        "max_ms": ordered[-1] * 1000,
        "count": float(len(ordered)),
    }


async def run(spec: Spec) -> dict[str, Any]:
    requests = [(kind, _request_bytes(spec, body)) for kind, body in spec.operations]
    warm = _Tally()
    if spec.warmup:
        deadline = time.monotonic() + max(30.0, spec.duration_s)
        await asyncio.gather(
            *(
                _client(spec, requests, i, warm, deadline, spec.warmup, record=False)
                for i in range(spec.concurrency)
            )
        )
    tally = _Tally()
    machine_before = snapshot(spec.server_pids)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    await asyncio.gather(
        *(
            _client(
                spec, requests, i, tally, started + spec.duration_s, spec.max_requests, record=True
            )
            for i in range(spec.concurrency)
        )
    )
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    machine_after = snapshot(spec.server_pids)
    client_cpu_s = (cpu_after.ru_utime - cpu_before.ru_utime) + (
        cpu_after.ru_stime - cpu_before.ru_stime
    )
    use = cores(machine_before, machine_after, client_cpu_s)
    completed = sum(len(samples) for samples in tally.latencies.values())
    every = [sample for samples in tally.latencies.values() for sample in samples]
    return {
        "concurrency": spec.concurrency,
        "requests": completed,
        "errors": tally.errors,
        "error_samples": tally.error_samples + warm.error_samples,
        "warmup_errors": warm.errors,
        "elapsed_s": elapsed,
        "rps": completed / elapsed if elapsed else 0.0,
        "latency": {
            "all": percentiles(every),
            **{kind: percentiles(samples) for kind, samples in tally.latencies.items()},
        },
        "samples_s": {kind: samples for kind, samples in tally.latencies.items()},
        "client_cpu_s": client_cpu_s,
        "cores": asdict(use),
        "server_cpu_ms_per_request": use.server_cpu_s * 1000 / max(1, completed),
    }


def main() -> None:
    spec = Spec.from_json(json.load(sys.stdin))
    json.dump(asyncio.run(run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
