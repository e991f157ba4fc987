"""What a run measured: the machine, the packages and the commit."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.config import ROOT
from bench.servers import event_loop_implementation

PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "sqlalchemy")


def _git(*args: str) -> str:
    """A read-only git call's output."""
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
    ).stdout


def code_version() -> str:
    """The commit measured, and whether api/ or db/ differed from it (read-only git calls)."""
    try:
        commit = _git("log", "-1", "--format=%h %s").strip()
        changed = _git("status", "--porcelain", "--", "api", "db").splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    state = (
        f"{len(changed)} uncommitted changes in api/ and db/" if changed else "api/ and db/ clean"
    )
    return f"{commit} ({state})"


def machine(postgres_version: str | None) -> dict[str, Any]:
    """The machine, Python, packages and commit of this run."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "ram_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": postgres_version,
        "uvicorn_loop_http": event_loop_implementation(),
        "packages": {name: version(name) for name in PACKAGES},
        "code": code_version(),
    }
