"""The whole report in its order of sections, and where it is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.config import RESULTS_JSON, RESULTS_MD, VAR_DIR
from bench.report.cells import TITLES
from bench.report.database import database_section
from bench.report.disturbances import disturbances_section
from bench.report.method import opening_section
from bench.report.targets import targets_section


def markdown(results: dict[str, Any]) -> str:
    config = results["config"]
    lines = opening_section(results)
    for db in results["databases"].values():
        lines += database_section(db, config)
    for name, reason in results.get("skipped", {}).items():
        lines += [f"### {TITLES[name]}", "", f"Not measured: {reason}", ""]
    lines += disturbances_section(results)
    lines += targets_section(results)
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict[str, Any], *, quick: bool) -> Path:
    """Write the raw numbers and the report; a quick run does not replace RESULTS.md."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=2, default=str) + "\n")
    target = VAR_DIR / "RESULTS-quick.md" if quick else RESULTS_MD
    target.write_text(markdown(results))
    return target
