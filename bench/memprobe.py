"""uvicorn with a memory probe: `python -m bench.memprobe <uvicorn arguments>`.

For `python -m bench.memory --probe`. On SIGUSR1 the server appends one JSON line to
$MEMPROBE_OUT: its RSS, what the garbage collector tracks (per generation and the most common
types), the Python heap as tracemalloc sees it (when MEMPROBE_TRACEMALLOC=1, with the top
growth since the previous probe), glibc's heap (mallinfo2: in use vs held free), and then what
a full collection finds unreachable and what RSS is after it and after malloc_trim(0).
Diagnosis only: the collection and trim change what they measure, so the RSS readings of a
probed run are not those of a plain one.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import json
import os
import signal
import sys
import threading
import tracemalloc
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

_previous: list[tracemalloc.Snapshot] = []


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
            "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL("libc.so.6")


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _malloc() -> dict[str, int]:
    libc = _libc()
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return {
        "heap_mb_in_use": info.uordblks >> 20,
        "heap_mb_free_held": info.fordblks >> 20,
        "mmapped_mb": info.hblkhd >> 20,
    }


def probe() -> dict[str, Any]:
    report: dict[str, Any] = {"rss_kb": _rss_kb(), "threads": threading.active_count()}
    report["gc_count"] = gc.get_count()
    report["gc_objects_by_generation"] = [len(gc.get_objects(g)) for g in range(3)]
    report["gc_frozen"] = gc.get_freeze_count()
    types = collections.Counter(type(o).__name__ for o in gc.get_objects())
    report["top_types"] = types.most_common(12)
    report["malloc"] = _malloc()
    if tracemalloc.is_tracing():
        current, peak = tracemalloc.get_traced_memory()
        report["tracemalloc_mb"] = [current >> 20, peak >> 20]
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        if _previous:
            growth = snapshot.compare_to(_previous[-1], "lineno")[:8]
            report["tracemalloc_growth"] = [str(stat) for stat in growth]
        _previous[:] = [snapshot]
    # What a full collection finds unreachable, kept aside for a moment to be counted by type.
    gc.set_debug(gc.DEBUG_SAVEALL)
    report["collected_unreachable"] = gc.collect()
    garbage = collections.Counter(type(o).__name__ for o in gc.garbage)
    report["unreachable_top_types"] = garbage.most_common(12)
    gc.set_debug(0)
    gc.garbage.clear()
    gc.collect()
    report["rss_kb_after_collect"] = _rss_kb()
    report["malloc_after_collect"] = _malloc()
    _libc().malloc_trim(0)
    report["rss_kb_after_trim"] = _rss_kb()
    return report


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    with open(os.environ["MEMPROBE_OUT"], "a") as out:
        out.write(json.dumps(probe()) + "\n")


def main() -> None:
    if os.environ.get("MEMPROBE_TRACEMALLOC") == "1":
        tracemalloc.start()
    signal.signal(signal.SIGUSR1, _on_signal)
    sys.argv = ["uvicorn", *sys.argv[1:]]
    uvicorn.main()


if __name__ == "__main__":
    main()
