"""Where our API's time goes: the pyinstrument profile of one database's run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.report.cells import TITLES


def profile_section(db: dict[str, Any], median_ms: float) -> list[str]:
    profile = db["inprocess"]["profile"]
    if not profile:
        return []
    lines = [
        f"Where our API's time goes ({TITLES[db['database']]}): pyinstrument, "
        f"{profile['requests']} in-process requests of the 100-referral page, event-loop thread "
        f"(the profiler's own overhead stretched them to {profile['wall_ms_per_request']:.0f} ms "
        f"each, so read the shares; the last column scales each share to the unprofiled "
        f"{median_ms:.0f} ms median). Full tree: `{Path(profile['text']).name}` in var/bench.",
        "",
        "| where | share | ~ms of the median |",
        "|---|---:|---:|",
    ]
    for name, stats in profile["categories"].items():
        if stats["share"] >= 0.005:
            lines.append(f"| {name} | {stats['share']:.0%} | {stats['share'] * median_ms:.1f} |")
    lines += ["", "Hottest functions by own time (profiled ms per request):", ""]
    lines += [
        f"- {entry['function']}: {entry['ms_per_request']:.1f} ms"
        for entry in profile["top_functions"][:10]
    ]
    lines.append("")
    return lines
