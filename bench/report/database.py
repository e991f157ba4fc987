"""One database's section: the measures of ours against the floor, page sizes, the mixed run."""

from __future__ import annotations

from typing import Any

from bench.report.cells import (
    TITLES,
    before_after,
    cores,
    errors,
    mb,
    ms,
    ratio,
    row,
    sessions,
    split,
    spread,
)
from bench.report.profile import profile_section


def database_section(db: dict[str, Any], config: dict[str, Any]) -> list[str]:
    http, local = db["http"], db["inprocess"]
    o1, f1, o2, f2 = http["ours"][1], http["floor"][1], http["ours"][2], http["floor"][2]
    seq_o, seq_f = o1["sequential"]["latency"]["all"], f1["sequential"]["latency"]["all"]
    rows = ", ".join(f"{n:,} {table}" for table, n in db["rows"].items())
    lines = [
        f"### {TITLES[db['database']]}",
        "",
        f"Rows: {rows}.",
        "",
        "Headline: server CPU per request (100-referral page, 16 clients, 1 worker): "
        f"ours {ms(o1['load']['server_cpu_ms_per_request'])}, "
        f"floor {ms(f1['load']['server_cpu_ms_per_request'])}, "
        f"{ratio(o1['load']['server_cpu_ms_per_request'], f1['load']['server_cpu_ms_per_request'])}"
        " the floor's.",
        "",
        "| measure (100-referral ReferralPage) | ours | floor | ours/floor |",
        "|---|---:|---:|---:|",
        row(
            f"median latency, {int(seq_o['count'])} sequential requests, 1 worker",
            ms(seq_o["p50_ms"]),
            ms(seq_f["p50_ms"]),
            ratio(seq_o["p50_ms"], seq_f["p50_ms"]),
        ),
        row(
            "p99 latency, same requests",
            ms(seq_o["p99_ms"]),
            ms(seq_f["p99_ms"]),
            ratio(seq_o["p99_ms"], seq_f["p99_ms"]),
        ),
        row(
            "cores used meanwhile: server + PostgreSQL + client + other processes = machine",
            cores(o1["sequential"]),
            cores(f1["sequential"]),
        ),
    ]
    large_o, large_f = o1["sequential_large"], f1["sequential_large"]
    lo_p50 = large_o["latency"]["all"]["p50_ms"]
    lf_p50 = large_f["latency"]["all"]["p50_ms"]
    lines += [
        row(
            f"median latency, 1,000-referral page, {int(large_o['latency']['all']['count'])} "
            "sequential requests over HTTP, 1 worker",
            ms(lo_p50),
            ms(lf_p50),
            ratio(lo_p50, lf_p50),
        ),
        row(
            "server CPU per request, 1,000-referral page",
            ms(large_o["server_cpu_ms_per_request"]),
            ms(large_f["server_cpu_ms_per_request"]),
            ratio(large_o["server_cpu_ms_per_request"], large_f["server_cpu_ms_per_request"]),
        ),
    ]
    for workers, ours, floor in ((1, o1, f1), (2, o2, f2)):
        lo, lf = ours["load"], floor["load"]
        at = f"{workers} worker{'s' if workers > 1 else ''}"
        ours_cpu, floor_cpu = lo["server_cpu_ms_per_request"], lf["server_cpu_ms_per_request"]
        lines += [
            row(
                f"requests/s, {lo['concurrency']} clients, {config['load_duration_s']:g} s, {at}",
                f"{lo['rps']:.1f}",
                f"{lf['rps']:.1f}",
                ratio(lo["rps"], lf["rps"]),
            ),
            row(f"latency under that load, p50 / p99, {at}", spread(lo), spread(lf)),
            row(
                f"errors under that load, {at}",
                errors(lo),
                errors(lf),
            ),
            row(
                f"server CPU per request, {at}",
                ms(ours_cpu),
                ms(floor_cpu),
                ratio(ours_cpu, floor_cpu),
            ),
            row(f"cores used during that load (as above), {at}", cores(lo), cores(lf)),
        ]
        if db["database"] == "postgresql":
            lines.append(
                row(
                    f"PostgreSQL sessions opened during that load, {at}",
                    sessions(lo),
                    sessions(lf),
                )
            )
        if workers > 1:
            lines.append(row(f"server CPU split across workers, {at}", split(lo), split(lf)))
    counts = local["statements"]
    sizes = " / ".join(str(size) for size in counts["ours"])
    lines.append(
        row(
            f"SQL statements per request, pages of {sizes}",
            " / ".join(str(n) for n in counts["ours"].values()),
            " / ".join(str(n) for n in counts["floor"].values()),
        )
    )
    checkouts = local["checkouts"]
    lines.append(
        row(
            "pooled connections checked out per request",
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
            row(
                f"peak RSS (VmHWM), {at}",
                mb(ours_peak),
                mb(floor_peak),
                ratio(ours_peak, floor_peak),
            ),
            row(
                f"RSS before the load -> {config['settle_s']:g} s after it, {at}",
                before_after(ours),
                before_after(floor),
            ),
        ]
    lines += [
        "",
        "Latency by page size (in-process through ASGI, no sockets, "
        f"Settings(max_page_size=1000); cores used meanwhile: {cores(local['page_size_cores'])} "
        "as above, the bench process being the server):",
        "",
        "| referrals per page | ours median | floor median | ours/floor | ours per referral "
        "| floor per referral | requests |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, ours_t in local["page_latency_ms"]["ours"].items():
        floor_t = local["page_latency_ms"]["floor"][size]
        lines.append(
            f"| {size} | {ms(ours_t['median_ms'])} | {ms(floor_t['median_ms'])} "
            f"| {ratio(ours_t['median_ms'], floor_t['median_ms'])} "
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
                f"| {kind} | {int(stats['count'])} | {ms(stats['p50_ms'])} "
                f"| {ms(stats['p99_ms'])} |"
            )
    lines += [
        "",
        f"{mixed['rps']:.1f} requests/s, {mixed['errors']} errors"
        + (f" (first: {mixed['error_samples'][0]})" if mixed["error_samples"] else "")
        + ".",
        "",
    ]
    lines += profile_section(db, seq_o["p50_ms"])
    return lines
