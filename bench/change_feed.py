"""Issue 13's change-feed figures: the fault test's scenario run once, its figures printed.

    .venv/bin/python -m bench.change_feed [--engine postgresql|sqlite] [--no-faults]

PostgreSQL (default): a private cluster (initdb into a temporary directory, its own port;
never the shared server), two workers, PostgreSQL stopped hard and restarted and a worker
killed with kill -9 mid-run (tests/faults/scenario.py). SQLite: one worker, no faults.
Prints (JSON): subscriber deliveries lost and duplicates (by event ID), webhook deliveries and
retries, and the delay to subscribers and to the webhook (median, p99) measured two ways, as
commit lies between them: from each event's `occurredAt` (stamped by its write before the
commit: an upper bound) and from the write's acknowledgement (the HTTP answer, after the
commit: a lower bound, negative when the event arrived first; notes and creations only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from tests.faults.scenario import Plan, run


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--no-faults", action="store_true", help="no restart, no kill -9")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL is down")
    args = parser.parse_args()
    postgresql = args.engine == "postgresql"
    plan = Plan(
        args.engine,
        workers=2 if postgresql else 1,
        faults=postgresql and not args.no_faults,
        outage=args.outage,
    )
    with tempfile.TemporaryDirectory(prefix="bench-change-feed-") as directory:
        result = asyncio.run(run(plan, Path(directory)))
    print(json.dumps(result.figures(), indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
