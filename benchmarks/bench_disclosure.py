"""Benchmark: secondary suppression + audit over all linked published tables.

Run from the repository root (after a default run, whose unsuppressed tables
it reads from ``results/``)::

    PYTHONPATH=workflow python benchmarks/bench_disclosure.py [RESULTS_DIR ...]

1. The pipeline's problem (``protect_published``: building the linked
   problem, secondary suppression, audit) on each results folder given
   (default ``results``), median of 3 runs, for both methods.
2. How it grows with cells: seeded two-way tables (rows x columns with row,
   column and grand totals published, about 8 % of cells below k = 5) of
   growing size, ``protect`` (sequential) + ``feasible_intervals`` of every
   primary cell, one run each.

Writes ``benchmarks/disclosure.md`` (with ``benchmarks/disclosure_notes.md``
appended). The goal is <= 1 s at the default size.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import yaml
from bench_common import cpu_model

from socialwork_ict.disclosure import DisclosureSettings, protect_published
from socialwork_ict.suppression import (
    CANDIDATE,
    FIXED,
    PRIMARY,
    LinkedCells,
    feasible_intervals,
    protect,
)

REPEATS = 3
SEED = 13
OUT = Path(__file__).with_name("disclosure.md")
#: hand-written notes (what the figures mean, measurements made elsewhere),
#: appended to OUT as they are
NOTES = Path(__file__).with_name("disclosure_notes.md")
SIZES = ((4, 6), (6, 10), (10, 15), (15, 20))


def load(results: Path):
    def csv(name):
        return pd.read_csv(results / name, keep_default_na=False, na_values=[""])

    frame = pd.read_parquet(results / "weights/weighted_responses.parquet")
    claims = yaml.safe_load(Path("config/published.yaml").read_text())["claims"]
    return (
        csv("internal_unsuppressed/table1_sample.csv"),
        csv("internal_unsuppressed/table2_freq_by_age.csv"),
        csv("internal_unsuppressed/weighting_margins.csv"),
        csv("internal_unsuppressed/weighting_diagnostics.csv"),
        frame,
        claims,
    )


def two_way(rows: int, columns: int, rng: np.random.Generator) -> LinkedCells:
    table = rng.integers(5, 60, size=(rows, columns))
    small = rng.random(table.shape) < 0.08
    table[small] = rng.integers(1, 5, size=int(small.sum()))
    values = np.concatenate([table.ravel(), table.sum(axis=1), table.sum(axis=0), [table.sum()]])
    n, r, c = values.size, rows, columns
    equations = []
    for i in range(r):
        row = np.zeros(n)
        row[i * c : (i + 1) * c] = 1
        row[r * c + i] = -1
        equations.append(row)
    for j in range(c):
        row = np.zeros(n)
        row[j : r * c : c] = 1
        row[r * c + r + j] = -1
        equations.append(row)
    row = np.zeros(n)
    row[r * c : r * c + r] = 1
    row[-1] = -1
    equations.append(row)
    role = np.full(n, FIXED, dtype=object)
    role[: r * c] = np.where(small.ravel(), PRIMARY, CANDIDATE)
    return LinkedCells(
        values,
        role,
        values + 1.0 / (n + 1),
        np.full(n, values[-1]),
        sp.csr_array(np.array(equations)),
        np.zeros(len(equations)),
    )


def shown(folder: str) -> str:
    """A results folder as the table names it: relative, or its last two parts."""
    path = Path(folder)
    return str(Path(*path.parts[-2:])) if path.is_absolute() else folder


def main(folders: list[str]) -> None:
    lines = [
        "# Disclosure control benchmark",
        "",
        f"`python benchmarks/bench_disclosure.py`; {cpu_model()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}. Goal: <= 1 s at the default size.",
        "",
        "## The pipeline's linked problem (protect_published: build + suppress + audit)",
        "",
        "| results | method | cells | primary | secondary | lower bound | respondents in secondary "
        "| median s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for folder in folders:
        args = load(Path(folder))
        for method in ("sequential", "joint"):
            times = []
            for _ in range(REPEATS if method == "sequential" else 1):
                start = time.perf_counter()
                out = protect_published(*args, DisclosureSettings(method=method, time_limit=30.0))
                times.append(time.perf_counter() - start)
            s = out.summary
            lines.append(
                f"| {shown(folder)} | {s['method']} | {s['cells']} | {s['primary']} | "
                f"{s['secondary']} | {s['secondary_lower_bound']} | "
                f"{s['respondents_in_secondary']} | "
                f"{statistics.median(times):.2f} |"
            )
            print(lines[-1], flush=True)
    lines += [
        "",
        "## Growth with cells (two-way table, sequential protect + audit)",
        "",
        "| rows x columns | cells | primary | secondary | seconds |",
        "|---|---|---|---|---|",
    ]
    rng = np.random.default_rng(SEED)
    for rows, columns in SIZES:
        cells = two_way(rows, columns, rng)
        start = time.perf_counter()
        pattern = protect(cells, 5)
        primary = np.flatnonzero(cells.role == PRIMARY)
        low, high = feasible_intervals(cells, pattern.suppressed, primary)
        elapsed = time.perf_counter() - start
        assert (high - low >= 5 - 1e-6).all()
        secondary = int((pattern.suppressed & (cells.role == CANDIDATE)).sum())
        lines.append(
            f"| {rows} x {columns} | {cells.n_cells} | {primary.size} | {secondary} | "
            f"{elapsed:.2f} |"
        )
        print(lines[-1], flush=True)
    if NOTES.exists():
        lines += ["", NOTES.read_text(encoding="utf-8").rstrip()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["results"])
