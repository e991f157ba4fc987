"""Where the machine's cores go during a measurement, and waiting for a quiet machine.

The benchmark shares its 2 cores with whatever else runs (another session's test suite, say).
Each measured phase records the cores used by the server under test, by the PostgreSQL
backends of the benchmark's database, by the load client, and by everything else, so a
disturbed number is visible in the report; before each phase it waits, bounded, for the rest
of the machine to go quiet.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bench.config import POSTGRES_DATABASE

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (fields 14 and 15 of /proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _machine() -> tuple[float, float]:
    """(all CPU time, idle CPU time) of the machine so far, seconds summed over all cores."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0]
    fields = [int(value) for value in first.split()[1:]]
    return sum(fields) / _CLOCK_TICKS, (fields[3] + fields[4]) / _CLOCK_TICKS


def _bench_backends() -> dict[int, float]:
    """CPU so far of each PostgreSQL backend serving the benchmark's database."""
    found = {}
    marker = f" {POSTGRES_DATABASE} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker in (entry / "cmdline").read_bytes():
                found[int(entry.name)] = process_cpu_seconds(int(entry.name))
        except OSError:
            continue
    return found


@dataclass(frozen=True, slots=True)
class Snapshot:
    all_s: float
    idle_s: float
    server: dict[int, float]
    postgres: dict[int, float]


def snapshot(server_pids: list[int]) -> Snapshot:
    all_s, idle_s = _machine()
    server = {pid: process_cpu_seconds(pid) for pid in server_pids}
    return Snapshot(all_s, idle_s, server, _bench_backends())


def _grown(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(max(0.0, cpu - before.get(pid, 0.0)) for pid, cpu in after.items())


@dataclass(frozen=True, slots=True)
class CoreUse:
    """Average cores used during a phase, by whom; `other` is everything else running."""

    machine_busy: float
    server: float
    postgresql: float
    load_client: float
    other: float
    server_cpu_s: float
    server_cpu_s_per_process: list[float]


def cores(before: Snapshot, after: Snapshot, client_cpu_s: float) -> CoreUse:
    wall = (after.all_s - before.all_s) / CORES or 1.0
    busy = ((after.all_s - before.all_s) - (after.idle_s - before.idle_s)) / wall
    per_process = [cpu - before.server.get(pid, 0.0) for pid, cpu in after.server.items()]
    server_s = sum(per_process)
    postgres_s = _grown(before.postgres, after.postgres)
    return CoreUse(
        machine_busy=busy,
        server=server_s / wall,
        postgresql=postgres_s / wall,
        load_client=client_cpu_s / wall,
        other=max(0.0, busy - (server_s + postgres_s + client_cpu_s) / wall),
        server_cpu_s=server_s,
        server_cpu_s_per_process=per_process,
    )


def wait_quiet(max_wait_s: float, threshold_cores: float = 0.25, window_s: float = 0.5) -> float:
    """Wait until the machine (our idle server aside) uses under `threshold_cores`, or until
    `max_wait_s`; the cores in use when it returned."""
    deadline = time.monotonic() + max_wait_s
    while True:
        all_0, idle_0 = _machine()
        time.sleep(window_s)
        all_1, idle_1 = _machine()
        wall = (all_1 - all_0) / CORES or 1.0
        busy = ((all_1 - all_0) - (idle_1 - idle_0)) / wall
        if busy < threshold_cores or time.monotonic() >= deadline:
            return busy
