"""`python -m bench`: seed, measure SQLite then PostgreSQL, write the report.

Exits non-zero when the floor's JSON differs from our API's (the comparison would be unfair)
or anything else fails; every server and client process it started is stopped by then.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench import report, seed
from bench.config import run_config
from bench.inprocess import BenchFailure
from bench.measure import measure


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def main() -> int:
    config = run_config()
    quick = os.environ.get("BENCH_QUICK") == "1"
    started = time.monotonic()
    postgres, why_not = asyncio.run(seed.postgres_version())
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "make bench" if not quick else "BENCH_QUICK=1 python -m bench",
        "config": asdict(config),
        "size": asdict(seed.SIZE),
        "machine": report.machine(postgres),
        "databases": {},
    }
    try:
        working = seed.working_sqlite(seed.pristine_sqlite(log))
        try:
            results["databases"]["sqlite"] = measure(
                "sqlite", seed.sqlite_url(working), config, log
            )
        finally:
            seed.drop_working_sqlite(working)
        if why_not is None:
            try:
                url = seed.create_postgres(log)
                results["databases"]["postgresql"] = measure("postgresql", url, config, log)
            finally:
                seed.drop_postgres()
        else:
            log(f"PostgreSQL not measured: {why_not}")
            results["skipped"] = {"postgresql": why_not}
    except BenchFailure as failure:
        log(f"FAILED: {failure}")
        return 1
    databases = results["databases"].values()
    results["equal_pages_checked"] = sum(db["inprocess"]["equal_pages"] for db in databases)
    results["bytes_identical"] = all(db["inprocess"]["bytes_identical"] for db in databases)
    results["extra_top_level_keys"] = sorted(
        {key for db in databases for key in db["inprocess"]["extra_top_level_keys"]}
    )
    results["duration_s"] = time.monotonic() - started
    results["code_after"] = report.code_version()
    target = report.write(results, quick=quick)
    log(f"wrote {target} and var/bench/results.json in {results['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
