"""Benchmark: what multiple imputation by chained equations adds to a pipeline run.

Run from the repository root (``PYTHONPATH=workflow`` if the package is not
installed from this checkout)::

    python benchmarks/bench_imputation.py [--n 4354] [--m 20] [--cores 2] [--repeats 3]

In a temporary copy of the project, ``repeats`` times each (alternating):
the default run from clean (``snakemake --cores N``, synthetic default with
n eligible respondents) and the same run from clean with ``imputation:
{method: chained, m: M}``. What MI adds to the default run (the issue's
goal) is the difference of the medians. Also timed, once: the MI run
started from a finished default run (Snakemake reruns only what MI adds or
changes: the imputation jobs, ``pool_imputations``, and the sensitivity
table, its figure, the report and the manifest, which then include the MI
results), and the per-job CPU seconds of Snakemake's ``benchmark:`` files
(``imputation_jobs: batched``, the default: ``imputation_batches`` jobs of
each rule). Writes ``benchmarks/imputation.md`` (``--out`` to change;
machine, versions, load average, timings, the goals: m = 20 adds <= 10 s at
n = 4,354; m = 5 at 1,000,000 within 5 minutes). Not a test: figures only.
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
from bench_common import clean, copy_project, job_benchmarks, machine_rows, markdown_table

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).with_name("imputation.md")
DEFAULT_N = 4354
GOALS = {DEFAULT_N: 10.0, 1_000_000: 300.0}  # seconds MI adds to the default run
MI_RULES = ("impute_responses", "analyse_imputation", "pool_imputations")


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


def mi_jobs(folder: Path) -> list[list[str]]:
    """Rows (job, wall s, CPU s) of the MI rules' benchmark files."""
    jobs = job_benchmarks(folder)

    def seconds(value):
        return "NA" if value is None else f"{value:.2f}"

    return [
        [job, seconds(v["wall_s"]), seconds(v["cpu_s"])]
        for job, v in jobs.items()
        if job.split("/")[0] in MI_RULES
    ]


def median_of(runs: list[float]) -> str:
    """``median (run, run, ...)`` in seconds."""
    return f"{statistics.median(runs):.1f} ({', '.join(f'{s:.1f}' for s in runs)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N)
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--incremental", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the MI run after a finished default run")  # fmt: skip
    parser.add_argument("--mem-mb", type=int, default=None,
                        help="memory budget (--resources mem_mb), not the profile's")  # fmt: skip
    args = parser.parse_args()
    extra = ("--resources", f"mem_mb={args.mem_mb}") if args.mem_mb else ()
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
        default_runs, mi_runs = [], []
        for _ in range(args.repeats):
            clean(work)
            default_runs.append(run(work, args.cores, *extra, "--configfile", "base.yaml"))
            clean(work)
            mi_runs.append(run(work, args.cores, *extra, "--configfile", "mi.yaml"))
        jobs = mi_jobs(work / "logs" / "benchmarks")
        incremental = None
        if args.incremental:
            clean(work)
            run(work, args.cores, *extra, "--configfile", "base.yaml")
            incremental = run(work, args.cores, *extra, "--configfile", "mi.yaml")
        load_after = os.getloadavg()[0]
    added = statistics.median(mi_runs) - statistics.median(default_runs)
    goal = GOALS.get(args.n)
    lines = [
        "# Multiple imputation (chained equations): time added to a pipeline run",
        "",
        "Written by `python benchmarks/bench_imputation.py "
        f"--n {args.n} --m {args.m} --cores {args.cores} --repeats {args.repeats}"
        + ("" if args.incremental else " --no-incremental")
        + (f" --mem-mb {args.mem_mb}" if args.mem_mb else "")
        + "`.",
        "Wall seconds of whole `snakemake` runs from clean in a temporary copy of the",
        "project, alternating the default run and the same run with `imputation:",
        "{method: chained, m: M}`; MI adds the difference of the medians. The",
        "incremental run starts from a finished default run. Per-job seconds from",
        "Snakemake's `benchmark:` files (`imputation_jobs: batched`, the default).",
        "",
        *markdown_table(["item", "value"], [list(row) for row in machine_rows(("snakemake",))]),
        "",
        *markdown_table(
            ["what", "seconds"],
            [
                [
                    f"default run from clean, n = {args.n:,} (runs)",
                    median_of(default_runs),
                ],
                [
                    f"with MI, m = {args.m}, from clean (runs)",
                    median_of(mi_runs),
                ],
                ["**added by MI** (difference of the medians)", f"**{added:.1f}**"],
                *(
                    [["MI run after a finished default run (incremental)", f"{incremental:.1f}"]]
                    if incremental is not None
                    else []
                ),
            ],
        ),
        "",
        "The MI jobs of the last run from clean:",
        "",
        *markdown_table(["job", "wall (s)", "CPU (s)"], jobs),
        "",
        f"Machine load (1-minute load average) before / after: {load_before:.1f} / "
        f"{load_after:.1f} on {os.cpu_count()} CPUs (a shared machine: other jobs slow these "
        "timings in proportion).",
        "",
        (
            f"Goal: MI adds at most {goal:.0f} s; measured {added:.1f} s: "
            + ("met." if added <= goal else "missed.")
            if goal is not None
            else "No goal at this n."
        ),
        "",
    ]
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
