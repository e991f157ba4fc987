"""One database's measurements: our API and the floor side by side, in-process and over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench import inprocess
from bench.config import HOST, ROOT, VAR_DIR, RunConfig
from bench.cpu import wait_quiet
from bench.load import percentiles
from bench.seed import row_counts
from bench.servers import Memory, Server, running
from bench.sessions import opened, sessions_so_far
from bench.workload import (
    Operation,
    mixed_operations,
    note_targets,
    page_body,
    token,
)
from db.engine import create_engine

Log = Callable[[str], None]


def _load(server: Server, operations: list[Operation], **spec: Any) -> dict[str, Any]:
    """Run the load client as its own process against `server`; stopped by PID if it hangs."""
    request = {
        "host": HOST,
        "port": server.port,
        "token": token(),
        "operations": [(op.kind, op.body.decode()) for op in operations],
        **spec,
    }
    limit = 60.0 + float(spec["duration_s"]) * 2
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.load"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        out, _ = process.communicate(json.dumps(request).encode(), timeout=limit)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"load client exited with {process.returncode}")
    result: dict[str, Any] = json.loads(out)
    return result


def _memory(memory: Memory) -> dict[str, Any]:
    return {
        "rss_mb": memory.rss_total_mb,
        "peak_mb": memory.peak_total_mb,
        "per_process_rss_mb": [kb / 1024 for kb in memory.rss_kb.values()],
        "per_process_peak_mb": [kb / 1024 for kb in memory.peak_kb.values()],
    }


def _phase(server: Server, operations: list[Operation], config: RunConfig, **spec: Any) -> Any:
    """A measured load run, once the rest of the machine is quiet (or the wait is over)."""
    busy = wait_quiet(config.quiet_wait_s)
    sessions = sessions_so_far(server.database)
    result = _load(server, operations, server_pids=server.serving_pids, **spec)
    result["machine_busy_before"] = busy
    # The load client connects to the server only; the other app under test sits idle.
    result["sessions_opened"] = opened(sessions, sessions_so_far(server.database, settle=True))
    return result


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from the blocks of an interleaved measurement: the samples pooled, the
    counts and CPU times summed, the cores averaged over the blocks' durations."""
    elapsed = sum(part["elapsed_s"] for part in parts)
    requests = sum(part["requests"] for part in parts)
    samples: dict[str, list[float]] = {}
    for part in parts:
        for kind, values in part["samples_s"].items():
            samples.setdefault(kind, []).extend(values)
    every = [value for values in samples.values() for value in values]
    first = parts[0]["cores"]
    cores = {
        key: sum(part["cores"][key] * part["elapsed_s"] for part in parts) / (elapsed or 1.0)
        for key in first
        if key != "server_cpu_s_per_process"
    }
    cores["server_cpu_s"] = sum(part["cores"]["server_cpu_s"] for part in parts)
    cores["server_cpu_s_per_process"] = [
        sum(values)
        for values in zip(*(p["cores"]["server_cpu_s_per_process"] for p in parts), strict=True)
    ]
    return {
        "concurrency": parts[0]["concurrency"],
        "blocks": len(parts),
        "requests": requests,
        "errors": sum(part["errors"] for part in parts),
        "warmup_errors": sum(part["warmup_errors"] for part in parts),
        "error_samples": [e for part in parts for e in part["error_samples"]][:5],
        "elapsed_s": elapsed,
        "rps": requests / elapsed if elapsed else 0.0,
        "latency": {
            "all": percentiles(every),
            **{kind: percentiles(values) for kind, values in samples.items()},
        },
        "client_cpu_s": sum(part["client_cpu_s"] for part in parts),
        "cores": cores,
        "server_cpu_ms_per_request": cores["server_cpu_s"] * 1000 / max(1, requests),
        "machine_busy_before": max(part["machine_busy_before"] for part in parts),
        "sessions_opened": _sum_known([part.get("sessions_opened") for part in parts]),
    }


def _sum_known(values: list[int | None]) -> int | None:
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def _interleaved(
    servers: dict[str, Server],
    operations: list[Operation],
    config: RunConfig,
    blocks: int,
    **spec: Any,
) -> dict[str, dict[str, Any]]:
    """Measure every server in `blocks` turns, alternating which goes first (AB BA AB ...):
    whatever else the machine does meanwhile falls on both sides alike."""
    parts: dict[str, list[dict[str, Any]]] = {app: [] for app in servers}
    for block in range(blocks):
        order = list(servers) if block % 2 == 0 else list(reversed(servers))
        for app in order:
            parts[app].append(_phase(servers[app], operations, config, **spec))
    return {app: _merged(results) for app, results in parts.items()}


def _side_by_side(
    database: str,
    url: str,
    workers: int,
    pages: list[Operation],
    config: RunConfig,
    log: Log,
    mixed: list[Operation] | None = None,
) -> dict[str, dict[str, Any]]:
    """Our API and the floor served at once, measured in alternating blocks: sequential
    latency (1 worker), then the load run; then, for ours only, `mixed`."""
    plural = "s" if workers > 1 else ""
    with contextlib.ExitStack() as stack:
        servers = {
            app: stack.enter_context(
                running(
                    app, database, url, workers=workers, timeout_s=config.server_start_timeout_s
                )
            )
            for app in ("ours", "floor")
        }
        results: dict[str, dict[str, Any]] = {
            app: {"app": app, "workers": workers, "memory_at_start": _memory(server.memory())}
            for app, server in servers.items()
        }
        if workers == 1:
            log(
                f"  1 worker: {config.sequential_requests} sequential requests each, "
                f"in {config.sequential_blocks} alternating blocks"
            )
            for server in servers.values():
                _load(
                    server,
                    pages[:1],
                    concurrency=1,
                    duration_s=30.0,
                    max_requests=0,
                    warmup=config.warmup_requests,
                )
            sequential = _interleaved(
                servers,
                pages[:1],
                config,
                config.sequential_blocks,
                concurrency=1,
                duration_s=config.sequential_time_limit_s / config.sequential_blocks,
                max_requests=config.sequential_requests // config.sequential_blocks,
                warmup=0,
            )
            for app, result in sequential.items():
                results[app]["sequential"] = result
            size = config.max_page_size
            log(f"  1 worker: {config.large_page_requests} sequential {size}-referral pages each")
            large = [Operation("read", page_body(size))]
            for server in servers.values():
                _load(server, large, concurrency=1, duration_s=30.0, max_requests=0, warmup=2)
            sequential_large = _interleaved(
                servers,
                large,
                config,
                2,
                concurrency=1,
                duration_s=config.sequential_time_limit_s / 2,
                max_requests=config.large_page_requests // 2,
                warmup=0,
            )
            for app, result in sequential_large.items():
                results[app]["sequential_large"] = result
        log(
            f"  {workers} worker{plural}: {config.concurrency} clients, "
            f"{config.load_warmup_s:g} s warm-up, then {config.load_duration_s:g} s each "
            f"in {config.load_blocks} alternating blocks"
        )
        concurrent = {
            "concurrency": config.concurrency,
            "max_requests": config.load_max_requests,
            "warmup": 0,
            "reconnect_every": config.reconnect_every,
        }
        # The same load first, so the baseline memory is that of a server warmed at this
        # concurrency: growth after it is what the measured runs themselves left behind.
        warm = {
            app: _load(server, pages, duration_s=config.load_warmup_s, **concurrent)
            for app, server in servers.items()
        }
        before = {app: server.memory() for app, server in servers.items()}
        loads = _interleaved(
            servers,
            pages,
            config,
            config.load_blocks,
            duration_s=config.load_duration_s / config.load_blocks,
            **concurrent,
        )
        time.sleep(config.settle_s)
        for app, server in servers.items():
            loads[app]["warmup_errors"] += warm[app]["errors"]
            results[app]["load"] = loads[app]
            results[app]["memory_before_load"] = _memory(before[app])
            results[app]["memory_after_load"] = _memory(server.memory())
        if mixed is not None:
            log(
                f"  {workers} worker{plural}: mixed run, ours, {config.concurrency} clients, "
                f"{config.mixed_duration_s:g} s"
            )
            results["ours"]["mixed"] = _merged(
                [
                    _phase(
                        servers["ours"],
                        mixed,
                        config,
                        duration_s=config.mixed_duration_s,
                        **concurrent,
                    )
                ]
            )
    return results


async def _targets(url: str) -> list[Any]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await note_targets(conn)
    finally:
        await engine.dispose()


def measure(database: str, url: str, config: RunConfig, log: Log) -> dict[str, Any]:
    rows = asyncio.run(row_counts(url))
    log(f"{database}: in-process checks (equal JSON, statements, page sizes, profile)")
    local = asyncio.run(inprocess.run(url, config, VAR_DIR / f"profile-ours-{database}.txt"))
    pages = [Operation("read", page_body(config.page_size, c)) for c in local.page_cursors]
    mixed = mixed_operations(
        local.page_cursors,
        asyncio.run(_targets(url)),
        page_size=config.page_size,
        write_share=config.write_share,
        now=datetime.now(UTC),
    )
    runs: dict[str, dict[int, dict[str, Any]]] = {"ours": {}, "floor": {}}
    # Reads only first; the mixed run writes, so it comes last, on our two-worker server.
    for workers in (1, 2):
        pair = _side_by_side(
            database, url, workers, pages, config, log, mixed=mixed if workers == 2 else None
        )
        for app, result in pair.items():
            runs[app][workers] = result
    return {
        "database": database,
        "rows": rows,
        "inprocess": asdict(local),
        "http": runs,
        "mixed": runs["ours"][2].pop("mixed"),
        "workload": {
            "pages": len(pages),
            "mixed_operations": len(mixed),
            "mixed_writes": sum(op.kind == "write" for op in mixed),
        },
    }
