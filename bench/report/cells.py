"""Table cells: the numbers formatted the way every section of the report shows them."""

from __future__ import annotations

from typing import Any

TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def ratio(ours: float, floor: float) -> str:
    return f"{ours / floor:.2f}x" if floor else "n/a"


def mb(value: float) -> str:
    return f"{value:.0f} MB"


def row(label: str, ours: str, floor: str, ratio: str = "") -> str:
    return f"| {label} | {ours} | {floor} | {ratio} |"


def spread(load: dict[str, Any]) -> str:
    stats = load["latency"]["all"]
    return f"{stats['p50_ms']:.0f} / {stats['p99_ms']:.0f} ms"


def cores(phase: dict[str, Any]) -> str:
    c = phase.get("cores", phase)
    return (
        f"{c['server']:.2f} + {c['postgresql']:.2f} + {c['load_client']:.2f} + "
        f"{c['other']:.2f} = {c['machine_busy']:.2f}"
    )


def errors(load: dict[str, Any]) -> str:
    text = f"{load['errors']} of {load['requests']}"
    if load["warmup_errors"]:
        text += f" (and {load['warmup_errors']} in its warm-up)"
    return text


def split(load: dict[str, Any]) -> str:
    shares = load["cores"]["server_cpu_s_per_process"]
    total = sum(shares) or 1.0
    return " / ".join(f"{share / total:.0%}" for share in shares)


def before_after(run: dict[str, Any]) -> str:
    before, after = run["memory_before_load"]["rss_mb"], run["memory_after_load"]["rss_mb"]
    return f"{mb(before)} -> {mb(after)}"


def yes(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def sessions(run: dict[str, Any]) -> str:
    """New PostgreSQL sessions during a run (n/a on SQLite, or from an older results file)."""
    opened = run.get("sessions_opened")
    return "n/a" if opened is None else str(opened)
