"""bench/RESULTS.md and var/bench/results.json from one run's numbers."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.config import RESULTS_JSON, RESULTS_MD, ROOT, VAR_DIR
from bench.servers import event_loop_implementation

MEMORY_TOLERANCE = 0.10  # after the load, RSS within 10% of its pre-load value
LATENCY_TARGET = 1.5  # ours/floor median latency, 100-referral page, at most
RPS_TARGET = 0.6  # ours/floor requests per second with two workers, at least
PACKAGES = ("strawberry-graphql", "graphql-core", "starlette", "uvicorn", "sqlalchemy")
TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def code_version() -> str:
    """The commit measured, and whether api/ or db/ differed from it (read-only git calls)."""
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "api", "db"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    state = (
        f"{len(changed)} uncommitted changes in api/ and db/" if changed else "api/ and db/ clean"
    )
    return f"{commit} ({state})"


def machine(postgres_version: str | None) -> dict[str, Any]:
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


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _ratio(ours: float, floor: float) -> str:
    return f"{ours / floor:.2f}x" if floor else "n/a"


def _mb(value: float) -> str:
    return f"{value:.0f} MB"


def _row(label: str, ours: str, floor: str, ratio: str = "") -> str:
    return f"| {label} | {ours} | {floor} | {ratio} |"


def _spread(load: dict[str, Any]) -> str:
    stats = load["latency"]["all"]
    return f"{stats['p50_ms']:.0f} / {stats['p99_ms']:.0f} ms"


def _cores(phase: dict[str, Any]) -> str:
    c = phase.get("cores", phase)
    return (
        f"{c['server']:.2f} + {c['postgresql']:.2f} + {c['load_client']:.2f} + "
        f"{c['other']:.2f} = {c['machine_busy']:.2f}"
    )


def _errors(load: dict[str, Any]) -> str:
    text = f"{load['errors']} of {load['requests']}"
    if load["warmup_errors"]:
        text += f" (and {load['warmup_errors']} in its warm-up)"
    return text


def _split(load: dict[str, Any]) -> str:
    shares = load["cores"]["server_cpu_s_per_process"]
    total = sum(shares) or 1.0
    return " / ".join(f"{share / total:.0%}" for share in shares)


def _before_after(run: dict[str, Any]) -> str:
    before, after = run["memory_before_load"]["rss_mb"], run["memory_after_load"]["rss_mb"]
    return f"{_mb(before)} -> {_mb(after)}"


def _yes(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _returns(run: dict[str, Any]) -> bool:
    before = run["memory_before_load"]["rss_mb"]
    return bool(run["memory_after_load"]["rss_mb"] <= before * (1 + MEMORY_TOLERANCE))


def verdicts(db: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """Each target of issue 6: whether it is met on this database, and the evidence."""
    http, local = db["http"], db["inprocess"]
    counts = local["statements"]
    ours_counts, floor_counts = counts["ours"], counts["floor"]
    same_everywhere = len(set(ours_counts.values())) == 1
    fewer = all(ours_counts[size] <= floor_counts[size] for size in ours_counts)
    ours_p50 = http["ours"][1]["sequential"]["latency"]["all"]["p50_ms"]
    floor_p50 = http["floor"][1]["sequential"]["latency"]["all"]["p50_ms"]
    ours_rps, floor_rps = http["ours"][2]["load"]["rps"], http["floor"][2]["load"]["rps"]
    phases = [http["ours"][1]["sequential"], db["mixed"]]
    phases += [http["ours"][w]["load"] for w in (1, 2)]
    errors = sum(phase["errors"] + phase["warmup_errors"] for phase in phases)
    memory = [_returns(http["ours"][w]) for w in (1, 2)]
    rss = ", ".join(
        f"{w} worker(s) {http['ours'][w]['memory_before_load']['rss_mb']:.0f} -> "
        f"{http['ours'][w]['memory_after_load']['rss_mb']:.0f} MB"
        for w in (1, 2)
    )
    return {
        "statements": (
            same_everywhere and fewer,
            f"ours {ours_counts}, floor {floor_counts} (page size: statements)",
        ),
        "latency": (
            ours_p50 <= LATENCY_TARGET * floor_p50,
            f"ours/floor = {ours_p50 / floor_p50:.2f}x ({_ms(ours_p50)} vs {_ms(floor_p50)})",
        ),
        "rps": (
            ours_rps >= RPS_TARGET * floor_rps,
            f"ours/floor = {ours_rps / floor_rps:.2f}x ({ours_rps:.1f} vs {floor_rps:.1f} req/s)",
        ),
        "errors": (
            errors == 0,
            f"{errors} errors (sequential, load with 1 and 2 workers, mixed; warm-ups included)",
        ),
        "memory": (all(memory), f"RSS before -> after the load: {rss}"),
    }


def _database_section(db: dict[str, Any], config: dict[str, Any]) -> list[str]:
    http, local = db["http"], db["inprocess"]
    o1, f1, o2, f2 = http["ours"][1], http["floor"][1], http["ours"][2], http["floor"][2]
    seq_o, seq_f = o1["sequential"]["latency"]["all"], f1["sequential"]["latency"]["all"]
    rows = ", ".join(f"{n:,} {table}" for table, n in db["rows"].items())
    lines = [
        f"### {TITLES[db['database']]}",
        "",
        f"Rows: {rows}.",
        "",
        "| measure (100-referral ReferralPage) | ours | floor | ours/floor |",
        "|---|---:|---:|---:|",
        _row(
            f"median latency, {int(seq_o['count'])} sequential requests, 1 worker",
            _ms(seq_o["p50_ms"]),
            _ms(seq_f["p50_ms"]),
            _ratio(seq_o["p50_ms"], seq_f["p50_ms"]),
        ),
        _row(
            "p99 latency, same requests",
            _ms(seq_o["p99_ms"]),
            _ms(seq_f["p99_ms"]),
            _ratio(seq_o["p99_ms"], seq_f["p99_ms"]),
        ),
        _row(
            "cores used meanwhile: server + PostgreSQL + client + other processes = machine",
            _cores(o1["sequential"]),
            _cores(f1["sequential"]),
        ),
    ]
    for workers, ours, floor in ((1, o1, f1), (2, o2, f2)):
        lo, lf = ours["load"], floor["load"]
        at = f"{workers} worker{'s' if workers > 1 else ''}"
        ours_cpu, floor_cpu = lo["server_cpu_ms_per_request"], lf["server_cpu_ms_per_request"]
        lines += [
            _row(
                f"requests/s, {lo['concurrency']} clients, {config['load_duration_s']:g} s, {at}",
                f"{lo['rps']:.1f}",
                f"{lf['rps']:.1f}",
                _ratio(lo["rps"], lf["rps"]),
            ),
            _row(f"latency under that load, p50 / p99, {at}", _spread(lo), _spread(lf)),
            _row(
                f"errors under that load, {at}",
                _errors(lo),
                _errors(lf),
            ),
            _row(
                f"server CPU per request, {at}",
                _ms(ours_cpu),
                _ms(floor_cpu),
                _ratio(ours_cpu, floor_cpu),
            ),
            _row(f"cores used during that load (as above), {at}", _cores(lo), _cores(lf)),
        ]
        if workers > 1:
            lines.append(_row(f"server CPU split across workers, {at}", _split(lo), _split(lf)))
    counts = local["statements"]
    sizes = " / ".join(str(size) for size in counts["ours"])
    lines.append(
        _row(
            f"SQL statements per request, pages of {sizes}",
            " / ".join(str(n) for n in counts["ours"].values()),
            " / ".join(str(n) for n in counts["floor"].values()),
        )
    )
    checkouts = local["checkouts"]
    lines.append(
        _row(
            "pooled connections checked out per request (PostgreSQL pings each: pool_pre_ping)",
            str(checkouts["ours"]),
            str(checkouts["floor"]),
        )
    )
    for workers, ours, floor in ((1, o1, f1), (2, o2, f2)):
        at = f"{workers} worker{'s' if workers > 1 else ''}"
        if workers > 1:
            at += " (supervisor + workers, summed)"
        ours_peak = ours["memory_after_load"]["peak_mb"]
        floor_peak = floor["memory_after_load"]["peak_mb"]
        lines += [
            _row(
                f"peak RSS (VmHWM), {at}",
                _mb(ours_peak),
                _mb(floor_peak),
                _ratio(ours_peak, floor_peak),
            ),
            _row(
                f"RSS before the load -> {config['settle_s']:g} s after it, {at}",
                _before_after(ours),
                _before_after(floor),
            ),
        ]
    lines += [
        "",
        "Latency by page size (in-process through ASGI, no sockets, "
        f"Settings(max_page_size=1000); cores used meanwhile: {_cores(local['page_size_cores'])} "
        "as above, the bench process being the server):",
        "",
        "| referrals per page | ours median | floor median | ours/floor | ours per referral "
        "| floor per referral | requests |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, ours_t in local["page_latency_ms"]["ours"].items():
        floor_t = local["page_latency_ms"]["floor"][size]
        lines.append(
            f"| {size} | {_ms(ours_t['median_ms'])} | {_ms(floor_t['median_ms'])} "
            f"| {_ratio(ours_t['median_ms'], floor_t['median_ms'])} "
            f"| {ours_t['per_referral_us']:.0f} us | {floor_t['per_referral_us']:.0f} us "
            f"| {int(ours_t['requests'])} |"
        )
    mixed = db["mixed"]
    lines += [
        "",
        f"Mixed run, ours only (the floor has no writes): {mixed['concurrency']} clients for "
        f"{config['mixed_duration_s']:g} s, 2 workers, {100 - config['write_share'] * 100:.0f}% "
        f"reads (ReferralPage pages 1-5, ReferralSearch with 7 filter sets), "
        f"{config['write_share'] * 100:.0f}% addReferralNote:",
        "",
        "| operations | requests | p50 | p99 |",
        "|---|---:|---:|---:|",
    ]
    for kind in ("all", "read", "write"):
        stats = mixed["latency"].get(kind)
        if stats:
            lines.append(
                f"| {kind} | {int(stats['count'])} | {_ms(stats['p50_ms'])} "
                f"| {_ms(stats['p99_ms'])} |"
            )
    lines += [
        "",
        f"{mixed['rps']:.1f} requests/s, {mixed['errors']} errors"
        + (f" (first: {mixed['error_samples'][0]})" if mixed["error_samples"] else "")
        + ".",
        "",
    ]
    lines += _profile_section(db, seq_o["p50_ms"])
    return lines


def _profile_section(db: dict[str, Any], median_ms: float) -> list[str]:
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


DISTURBED_CORES = 0.25


def _disturbances(results: dict[str, Any]) -> list[str]:
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


def _targets_section(results: dict[str, Any]) -> list[str]:
    databases = results["databases"]
    names = [TITLES[name] for name in databases]
    lines = [
        "## The targets of issue 6",
        "",
        "| target | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    rows = (
        ("statements", "no more SQL statements than the floor, the same count at every page size"),
        ("latency", f"median latency at most {LATENCY_TARGET}x the floor (100-referral page)"),
        ("rps", f"requests/s at least {RPS_TARGET}x the floor's with two workers"),
        ("errors", "zero errors under the load runs"),
        (
            "memory",
            f"memory returns to its baseline after the load (RSS within "
            f"{MEMORY_TOLERANCE:.0%} of the pre-load RSS, our API)",
        ),
    )
    checks = {name: verdicts(db) for name, db in databases.items()}
    for key, title in rows:
        cells = [f"{_yes(checks[name][key][0])}: {checks[name][key][1]}" for name in databases]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Ratios are always ours/floor: above 1x our latency is longer; below 1x we serve fewer "
        "requests per second. Nested objects resolving lazily is checked by the test suite "
        "(`tests/test_statement_count.py`), not here. The numbers describe the code at the "
        "commit named at the top; rerun `make bench` after a change to compare.",
        "",
    ]
    return lines


def markdown(results: dict[str, Any]) -> str:
    info, config = results["machine"], results["config"]
    packages = ", ".join(f"{name} {v}" for name, v in info["packages"].items())
    lines = [
        "# Benchmark: our GraphQL API against the hand-written floor (issue 6)",
        "",
        "Generated by `make bench` (`.venv/bin/python -m bench`); raw numbers in "
        "`var/bench/results.json`. Do not edit by hand: the next run rewrites this file.",
        "",
        f"- Date: {results['started']} (took {results['duration_s']:.0f} s)",
        f"- Code measured: {info['code']}"
        + (
            ""
            if results.get("code_after", info["code"]) == info["code"]
            else f"; **it changed during the run**, to {results['code_after']}"
        ),
        f"- Machine: {info['nproc']} cores, {info['cpu']}, {info['ram_gib']} GiB RAM, "
        f"{info['platform']}",
        f"- Python {info['python']}; {packages}; uvicorn on {info['uvicorn_loop_http']}",
        f"- PostgreSQL: {info['postgresql'] or 'not measured'}",
        "",
        "## What runs",
        "",
        f"- Data: {results['size']['referrals']:,} referrals, "
        f"{results['size']['participants_per_referral']} participants each with "
        f"{results['size']['users_per_participant']} users, at least "
        f"{results['size']['activities_per_referral']} activities each (`db.demo.load_demo`), "
        "on SQLite (a copy of `var/bench/seed-10000.db`) and on PostgreSQL (`referrals_bench`, "
        "created and dropped by the run, ANALYZEd after loading).",
        "- Workload: `tests/contract/queries/ReferralPage.graphql` (the frontend contract's) with "
        f"`first: {config['page_size']}`, as the first demo organization (it sees about 7,400 "
        "referrals; contact email shown on some, masked on others). Over HTTP the requests "
        "rotate over pages 1-5.",
        "- The floor (`bench/floor.py`): a plain Starlette endpoint that authenticates the same "
        "bearer token, runs the same six batched statements with SQLAlchemy Core on one pooled "
        "connection and serializes with `json.dumps` (compact, as Strawberry's default view "
        "does). Its `data` was checked equal "
        f"to our API's (after json.loads) on {results['equal_pages_checked']} pages (two "
        "organizations, every database) before anything was timed; whole bodies "
        f"byte-identical: {'yes' if results['bytes_identical'] else 'no'}"
        + (
            f" (our API also answers top-level {', '.join(results['extra_top_level_keys'])}, "
            "which the floor does not produce)"
            if results["extra_top_level_keys"]
            else ""
        )
        + ".",
        "- Servers: `uvicorn --factory` (ours `api.app:create_app`, the floor "
        "`bench.floor:create_floor_app`) on 127.0.0.1 and free ports, `--no-access-log`, "
        "started and stopped (by PID) by the bench: both up at once, first with 1 worker, "
        "then with `--workers 2`, and measured in alternating blocks (AB BA ...), so that "
        "whatever else the machine does falls on both alike. Sequential latency: "
        f"{config['warmup_requests']} warm-up requests, then {config['sequential_requests']} "
        f"in {config['sequential_blocks']} blocks, one at a time on one keep-alive "
        f"connection. Load: {config['concurrency']} concurrent clients, "
        f"{config['load_warmup_s']:g} s of warm-up, then {config['load_duration_s']:g} s "
        f"measured in {config['load_blocks']} blocks, from a separate process "
        "(`bench/load.py`: raw HTTP/1.1 over asyncio streams, microseconds of client CPU per "
        "request; it shares the 2 cores with the server, so its CPU is reported), a new "
        "connection per request: uvicorn's workers share one listening socket, and with "
        "keep-alive the worker that accepted first kept all 16 connections while the other "
        "idled (the split of server CPU across workers is reported). Memory from "
        "/proc/<pid>/status of every server process: peak VmHWM, and VmRSS after the "
        f"warm-up (the baseline) and {config['settle_s']:g} s after the measured load. Each "
        f"measured block first waits (at most {config['quiet_wait_s']:g} s) for other "
        "processes to go quiet, and records the cores used by the server, by the PostgreSQL "
        "backends of `referrals_bench`, by the load client and by everything else.",
        "- Statements: counted in-process with a `before_cursor_execute` listener, one "
        "request per page size.",
        "",
        "## Results",
        "",
    ]
    for db in results["databases"].values():
        lines += _database_section(db, config)
    for name, reason in results.get("skipped", {}).items():
        lines += [f"### {TITLES[name]}", "", f"Not measured: {reason}", ""]
    disturbed = _disturbances(results)
    if disturbed:
        lines += [
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
    lines += _targets_section(results)
    return "\n".join(lines).rstrip() + "\n"


def write(results: dict[str, Any], *, quick: bool) -> Path:
    """Write the raw numbers and the report; a quick run does not replace RESULTS.md."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(results, indent=2, default=str) + "\n")
    target = VAR_DIR / "RESULTS-quick.md" if quick else RESULTS_MD
    target.write_text(markdown(results))
    return target
