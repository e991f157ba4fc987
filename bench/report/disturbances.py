"""Measured phases that other processes disturbed, and the section listing them."""

from __future__ import annotations

from typing import Any

from bench.report.cells import TITLES

DISTURBED_CORES = 0.25


def disturbances(results: dict[str, Any]) -> list[str]:
    """Measured phases during which other processes used a noticeable share of the cores."""
    found = []
    for name, db in results["databases"].items():
        phases = [("mixed run, ours, 2 workers", db["mixed"])]
        for app, runs in db["http"].items():
            for workers, run in runs.items():
                for phase in ("sequential", "load"):
                    if phase in run:
                        phases.append((f"{phase}, {app}, {workers} worker(s)", run[phase]))
        phases.append(
            ("in-process page sizes, both", {"cores": db["inprocess"]["page_size_cores"]})
        )
        for label, phase_result in phases:
            other = phase_result["cores"]["other"]
            if other >= DISTURBED_CORES:
                found.append(f"{TITLES[name]} {label}: {other:.2f} cores")
    return found


def disturbances_section(results: dict[str, Any]) -> list[str]:
    """The section naming the disturbed phases; nothing when every phase was quiet."""
    disturbed = disturbances(results)
    if not disturbed:
        return []
    return [
        "## Disturbed measurements",
        "",
        "Other processes on the machine (not the server, its PostgreSQL backends or the "
        f"load client) used {DISTURBED_CORES} cores or more of the 2 during these phases, "
        "so their numbers understate what this machine does when quiet; ratios suffer "
        "less than absolute numbers when both sides were disturbed alike:",
        "",
        *[f"- {entry}" for entry in disturbed],
        "",
    ]
