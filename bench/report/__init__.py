"""bench/RESULTS.md and var/bench/results.json from one run's numbers."""

from bench.report.document import markdown, write
from bench.report.machine import code_version, machine

__all__ = ["code_version", "machine", "markdown", "write"]
