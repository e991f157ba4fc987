"""Memory under unique large documents: 300 comment-padded 200 KB `{ __typename }` operations.

Issue 10 found that comments and whitespace are not tokens, so such documents passed every
limit and filled the parse and validation caches. Run `.venv/bin/python -m bench.documents`;
it starts one uvicorn worker on a fresh SQLite database on 127.0.0.1, sends the documents one
after another and prints the worker's resident memory before and after, its peak, and how the
documents were answered.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx

from api.auth.tokens import mint_token
from api.settings import Settings
from bench.config import ROOT
from bench.seed import sqlite_url
from bench.servers import running
from bench.workload import JWT_SECRET, VIEWER


def padded_document(index: int, size: int) -> str:
    """A unique `{ __typename }` of `size` bytes, the rest a comment."""
    head = f"# document {index}\n"
    return head + "#" + "x" * (size - len(head) - 20) + "\n{ __typename }\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=300)
    parser.add_argument("--kilobytes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = sqlite_url(Path(directory) / "documents.db")
        env = {**os.environ, "DATABASE_URL": url}
        referrals = str(Path(sys.executable).parent / "referrals")
        subprocess.run([referrals, "db", "upgrade"], cwd=ROOT, env=env, check=True)
        settings = Settings.from_env({"JWT_SECRET": JWT_SECRET})
        token = mint_token(
            settings,
            organization_id=VIEWER.id,
            user_id=VIEWER.demo_user_id,
            now=datetime.now(UTC),
        )
        with running("ours", "sqlite", url, workers=1, timeout_s=60) as server:
            pid = server.serving_pids[0]
            before = server.memory().rss_kb[pid] / 1024
            statuses: Counter[int] = Counter()
            with httpx.Client(
                base_url=server.url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            ) as client:
                for index in range(args.documents):
                    body = {"query": padded_document(index, args.kilobytes * 1024)}
                    statuses[client.post("/graphql", json=body).status_code] += 1
            memory = server.memory()
            after, peak = memory.rss_kb[pid] / 1024, memory.peak_kb[pid] / 1024
            sys.stdout.write(
                f"{args.documents} unique {args.kilobytes} KB documents: "
                f"statuses {dict(sorted(statuses.items()))}; worker RSS {before:.0f} MB before, "
                f"{after:.0f} MB after, peak {peak:.0f} MB\n"
            )


if __name__ == "__main__":
    main()
