"""Benchmark: what multiple imputation by chained equations adds to a pipeline run.

Run from the repository root (``PYTHONPATH=workflow`` if the package is not
installed from this checkout)::

    python benchmarks/bench_imputation.py [--n 4354] [--m 20] [--cores 2]

In a temporary copy of the project: the default run (``snakemake --cores
N``, synthetic default with n eligible respondents), timed; then the same
run with ``imputation: {method: chained, m: M}``, timed: Snakemake reruns
only what imputation adds or changes (m ``impute_responses`` and m
``analyse_imputation`` jobs, ``pool_imputations``, and the sensitivity
table, its figure, the report and the manifest, which now include the MI
results), so the second run's wall time is what MI adds to the default run.
Also lists the per-job times of Snakemake's ``benchmark:`` files (median and
max over the m jobs). Writes ``benchmarks/imputation.md`` (``--out`` to
change; machine, versions, timings, the issue's goals: m = 20 adds <= 10 s
at n = 4,354; m = 5 at 1,000,000 within 5 minutes). Not a test: figures
only. Run the 1,000,000-respondent case at most once on the shared machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from bench_common import copy_project, job_benchmarks, machine_rows, markdown_table

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name("imputation.md")
DEFAULT_N = 4354
GOALS = {DEFAULT_N: 10.0, 1_000_000: 300.0}  # seconds added / seconds of the MI run


def run(workdir: Path, cores: int, *extra: str) -> float:
    """Wall seconds of ``snakemake --cores N`` in ``workdir`` (stops on failure)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *extra],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"snakemake failed in {workdir}:\n{proc.stderr[-3000:]}")
    return elapsed


def job_seconds(folder: Path) -> list[float]:
    """The wall seconds of every Snakemake benchmark file in ``folder``."""
    return [job["wall_s"] for job in job_benchmarks(folder).values()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_imputation_") as tmp:
        work = Path(tmp)
        copy_project(work)
        base = {}
        if args.n != DEFAULT_N:
            from socialwork_ict.synthetic import scale_counts

            config = yaml.safe_load((work / "config" / "config.yaml").read_text())
            base["synthetic"] = {**config["synthetic"], "n_eligible": scale_counts(args.n)}
        (work / "base.yaml").write_text(yaml.safe_dump(base))
        mi = {**base, "imputation": {"method": "chained", "m": args.m}}
        (work / "mi.yaml").write_text(yaml.safe_dump(mi))
        load_before = os.getloadavg()[0]
        default_s = run(work, args.cores, "--configfile", "base.yaml")
        added_s = run(work, args.cores, "--configfile", "mi.yaml")
        load_after = os.getloadavg()[0]
        bench = work / "logs" / "benchmarks"
        impute = job_seconds(bench / "impute_responses")
        analyse = job_seconds(bench / "analyse_imputation")
        pool = [job_benchmarks(bench)["pool_imputations"]["wall_s"]]
    goal = GOALS.get(args.n)
    lines = [
        "# Multiple imputation (chained equations): time added to a pipeline run",
        "",
        "Written by `python benchmarks/bench_imputation.py "
        f"--n {args.n} --m {args.m} --cores {args.cores}`. Wall seconds of whole",
        "`snakemake` runs in a temporary copy of the project: the default run, then the",
        "same folder with `imputation: {method: chained, m: M}` (only the added and",
        "changed jobs run). Per-job seconds from Snakemake's `benchmark:` files.",
        "",
        *markdown_table(["item", "value"], [list(row) for row in machine_rows(("snakemake",))]),
        "",
        *markdown_table(
            ["what", "seconds"],
            [
                [f"default run, n = {args.n:,}", f"{default_s:.1f}"],
                [f"added by MI, m = {args.m} (second run)", f"{added_s:.1f}"],
                [
                    "impute_responses per job (median / max)",
                    f"{statistics.median(impute):.2f} / {max(impute):.2f}",
                ],
                [
                    "analyse_imputation per job (median / max)",
                    f"{statistics.median(analyse):.2f} / {max(analyse):.2f}",
                ],
                ["pool_imputations", f"{pool[0]:.2f}"],
            ],
        ),
        "",
        f"Machine load (1-minute load average) before / after: {load_before:.1f} / "
        f"{load_after:.1f} on {os.cpu_count()} CPUs (a shared machine: other jobs slow these "
        "timings in proportion).",
        "",
        (
            f"Goal: at most {goal:.0f} s; measured {added_s:.1f} s: "
            + ("met." if added_s <= goal else "missed.")
            if goal is not None
            else "No goal at this n."
        ),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
