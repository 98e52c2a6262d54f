"""What the workflow does when a run ends (its ``onsuccess`` and ``onerror`` handlers).

- :func:`cancel_scheduler_timers`: Snakemake's job-rate limiter
  (``--max-jobs-per-timespan``) re-arms a non-daemon ``threading.Timer`` at
  every scheduling step, and Python waits for the last one at exit. The
  timers only wake the scheduler, which has stopped when the handlers run,
  so cancelling them lets Snakemake exit as soon as the workflow has
  finished (measurement in benchmarks/RESULTS.md).
- :func:`repeat_verify_failure`: after a failed ``verify`` job, its problems
  and summary (its log) are repeated on the console below Snakemake's own
  error text.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path


def cancel_scheduler_timers() -> None:
    """Cancel the scheduler's pending re-evaluation timers (see the module docstring)."""
    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer) and "_schedule_reevalutation" in getattr(
            thread.function, "__qualname__", ""
        ):
            thread.cancel()


def repeat_verify_failure(log: str | Path, run_started: float) -> None:
    """Repeat on stderr the problems and summary of a ``verify`` job that failed in
    this run: ``log`` is its log file, written after ``run_started`` (epoch seconds)
    by this run; ERROR lines keep their level, summary lines are shown bare."""
    log = Path(log)
    if not log.is_file() or log.stat().st_mtime < run_started:
        return
    lines = log.read_text(encoding="utf-8").splitlines()
    if not any("verify: FAILED" in line for line in lines):
        return
    for line in lines:
        level, _, message = line.partition(" socialwork_ict.verify: ")
        if message:
            print(f"{level} {message}" if level == "ERROR" else message, file=sys.stderr)
