"""uvicorn subprocesses on 127.0.0.1: start on a free port, find the workers, read their memory
and CPU from /proc, and stop them by PID.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.config import HOST, ROOT, VAR_DIR
from bench.cpu import process_cpu_seconds
from bench.workload import JWT_SECRET, UNTHROTTLED_ENV

FACTORIES = {"ours": "api.app:create_app", "floor": "bench.floor:create_floor_app"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _status_kb(pid: int, key: str) -> int:
    """A `VmHWM`/`VmRSS` line of /proc/<pid>/status, in KiB (0 if the process is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == pid and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie of ours is gone for our purposes
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


@dataclass
class Memory:
    """KiB per process: the peak (VmHWM) and the current resident size (VmRSS)."""

    peak_kb: dict[int, int] = field(default_factory=dict)
    rss_kb: dict[int, int] = field(default_factory=dict)

    @property
    def peak_total_mb(self) -> float:
        return sum(self.peak_kb.values()) / 1024

    @property
    def rss_total_mb(self) -> float:
        return sum(self.rss_kb.values()) / 1024


@dataclass
class Server:
    app: str
    database: str
    workers: int
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    worker_pids: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def serving_pids(self) -> list[int]:
        """The processes that answer requests: the workers, or the one process."""
        return self.worker_pids or [self.process.pid]

    def memory(self) -> Memory:
        """Every process of the server, the supervisor of `--workers N` included."""
        pids = [self.process.pid, *self.worker_pids]
        return Memory(
            peak_kb={pid: _status_kb(pid, "VmHWM") for pid in pids},
            rss_kb={pid: _status_kb(pid, "VmRSS") for pid in pids},
        )

    def cpu_seconds(self) -> dict[int, float]:
        """CPU time so far of each process that answers requests."""
        return {pid: process_cpu_seconds(pid) for pid in self.serving_pids}


def _wait_ready(server: Server, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None or b"Traceback" in server.log.read_bytes():
            tail = server.log.read_text(errors="replace").strip().splitlines()[-3:]
            raise RuntimeError(
                f"{server.app} server failed to start; see {server.log}: " + " / ".join(tail)
            )
        if server.workers > 1:
            server.worker_pids = _children(server.process.pid)
        workers_up = server.workers == 1 or len(server.worker_pids) >= server.workers
        if workers_up and _answers(server.port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{server.app} server not ready within {timeout_s} s; see {server.log}")


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1) as conn:
            conn.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            return conn.recv(12).startswith(b"HTTP/1.1")
    except OSError:
        return False


def stop(server: Server, timeout_s: float = 15.0) -> None:
    """SIGTERM the server's main process, then SIGKILL whatever of it is left, each by PID."""
    pids = [server.process.pid, *server.worker_pids]
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    for pid in pids[1:]:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def running(
    app: str,
    database: str,
    database_url: str,
    *,
    workers: int,
    timeout_s: float,
    throttled: bool = False,
    env: Mapping[str, str] | None = None,
) -> Iterator[Server]:
    """A uvicorn server of `app` ("ours" or "floor") until the block ends, stopped by PID;
    with the default rate limit when `throttled`, else one that never refuses; `env` adds
    settings (e.g. RATE_LIMIT_POINTS, REDIS_URL)."""
    port = free_port()
    logs = VAR_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{app}-{database}-{workers}w.log"
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("JWT_SECRET", "GRAPHIQL", "APP_ENV")},
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "APP_ENV": "development",
        "GRAPHIQL": "false",
        "PYTHONPATH": str(ROOT),
        **({} if throttled else UNTHROTTLED_ENV),
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        FACTORIES[app],
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(app, database, workers, port, process, log)
    try:
        _wait_ready(server, timeout_s)
        yield server
    finally:
        stop(server)


def event_loop_implementation() -> str:
    """What uvicorn's `auto` settings pick in this environment (uvloop and httptools if found)."""
    names = []
    for module, fallback in (("uvloop", "asyncio"), ("httptools", "h11")):
        try:
            __import__(module)
            names.append(module)
        except ImportError:
            names.append(fallback)
    return " + ".join(names)
