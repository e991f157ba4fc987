"""What one benchmark run does: data size, request counts, durations, paths and URLs.

Every loop of the benchmark is bounded by these numbers (a count and a time limit).
`BENCH_QUICK=1` shrinks the counts and durations for a smoke run of the benchmark itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
CONTRACT_DIR = ROOT / "tests" / "contract" / "queries"
VAR_DIR = ROOT / "var" / "bench"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
RESULTS_JSON = VAR_DIR / "results.json"

HOST = "127.0.0.1"  # every server and every request stays on the loopback address
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_DATABASE = "referrals_bench"


@dataclass(frozen=True, slots=True)
class RunConfig:
    page_size: int = 100  # the workload's page
    warmup_requests: int = 30
    sequential_requests: int = 200
    sequential_blocks: int = 4  # ours and the floor take turns: AB BA AB BA
    sequential_time_limit_s: float = 120.0
    concurrency: int = 16
    load_warmup_s: float = 3.0  # the same load, before the baseline memory is read
    load_duration_s: float = 10.0
    load_blocks: int = 2  # ours and the floor take turns: AB BA
    # A new connection for every request under load: uvicorn's workers share one listening
    # socket, and the worker that accepts first would otherwise keep all 16 keep-alive
    # connections, leaving the other worker idle (measured: 100% / 0% CPU).
    reconnect_every: int = 1
    load_max_requests: int = 20_000
    mixed_duration_s: float = 10.0
    write_share: float = 0.10
    # Sequential 1,000-referral pages over HTTP (the servers allow MAX_PAGE_SIZE=1000), in
    # two alternating blocks.
    large_page_requests: int = 20
    page_sizes: tuple[int, ...] = (10, 100, 1000)
    page_size_repeats: tuple[int, ...] = (40, 20, 5)
    equality_pages: int = 3
    profile_requests: int = 20
    server_start_timeout_s: float = 60.0
    settle_s: float = 2.0  # idle time before reading memory after a load
    quiet_wait_s: float = 3.0  # at most this long for other processes to go quiet

    @property
    def max_page_size(self) -> int:
        return max(self.page_sizes)


FULL = RunConfig()
QUICK = RunConfig(
    warmup_requests=5,
    sequential_requests=20,
    load_warmup_s=1.0,
    load_duration_s=2.0,
    mixed_duration_s=2.0,
    page_size_repeats=(5, 3, 1),
    large_page_requests=4,
    equality_pages=2,
    profile_requests=3,
    settle_s=0.5,
    quiet_wait_s=1.0,
)


def run_config() -> RunConfig:
    return QUICK if os.environ.get("BENCH_QUICK") == "1" else FULL
