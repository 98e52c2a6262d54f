"""The benchmark suite: whole pipeline, no-op rerun, stages in-process, R, the floor.

Run from the repository root (about 15 minutes on the 2-core machine)::

    python benchmarks/run_benchmarks.py --notes benchmarks/results_notes.md
                                                     # writes benchmarks/RESULTS.md
    python benchmarks/run_benchmarks.py --repeats 1 --sizes 4354   # quick look

For n = 4,354 (the published counts: the default config), 100,000 and
1,000,000 respondents (``synthetic.scale_counts(n)`` through a
``--configfile``, the same generator as the default):

(a) the whole pipeline from clean, ``snakemake --cores 4``, in a temporary
    copy of the project (``tests/workflow_runner.copy_project``; never in
    the working tree): wall time, CPU time (user + system of every process)
    and peak memory (the summed RSS of snakemake and all its jobs, sampled
    every 20 ms; also the largest single job's ``max_rss`` from snakemake's
    benchmark files);
(b) a no-op rerun of the same copy;
(c) each stage's computation in one fresh process (package functions, as
    the rule scripts call them; no interpreter start-up): ingest + clean,
    raking, primary model + design variance (+ predictions), Rao-Scott
    tests, all age tests, sensitivity models, tables, figures, report;
(d) the floor: one Python process importing pandas, statsmodels.api and
    matplotlib, and Snakemake's own no-op time on a trivial one-rule
    workflow; and, for comparison, the pipeline's own DAG with jobs that only
    import what the real rule scripts import (the cost of the job structure);
(e) where ``Rscript`` with the survey package is installed, R's ``rake()``,
    ``svyolr()`` and ``svychisq()`` on the same data
    (``benchmarks/survey_timing.R``), with the ratio to ours and the
    agreement of svyolr's estimates; otherwise RESULTS.md says R was absent.

Medians over ``--repeats`` runs (R: up to 3 runs, no further run of a part
once one took > 30 s). Results go to ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_common import (
    BENCH,
    ROOT,
    compare_with_r,
    machine_rows,
    markdown_table,
    r_available,
    r_term_names,
    write_r_frame,
)

sys.path.insert(0, str(ROOT / "tests"))
from workflow_runner import copy_project  # noqa: E402

SIZES = (4_354, 100_000, 1_000_000)
DEFAULT_N = 4_354
OUT = BENCH / "RESULTS.md"
R_SCRIPT = BENCH / "survey_timing.R"
R_REPEATS = 3
R_STOP_AFTER_S = 30.0
PACKAGES = (
    "snakemake",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "statsmodels",
    "matplotlib",
    "jinja2",
    "socialwork_ict",
)
GOALS = {
    "full_vs_floor": 1.5,
    "noop_vs_snakemake": 1.2,
    "million_wall_s": 60.0,
    "million_peak_gib": 2.0,
    "model_speedup_vs_r": 10.0,
}
#: what each in-process stage runs (package functions, as the rule scripts call them)
STAGES = {
    "ingest + clean": "read_raw_survey + clean_responses (clean_responses)",
    "raking": "rake_weights, configured and sensitivity-trimmed (rake_weights)",
    "primary model + design variance": (
        "complete_cases + fit_ordinal + standardised_predictions (fit_ordinal_model)"
    ),
    "Rao-Scott tests": "rao_scott_tests, per country and pooled",
    "all age tests": "fit_ordinal + age_association_tests (test_age_association)",
    "sensitivity models": "sensitivity_table, all specifications (fit_sensitivity_model)",
    "tables": "table1_sample + table2_freq_by_age + protect_published (tabulate_sample)",
    "figures": "the six plot_* + render (SVG, PNG) + caption_* (both plot_*_figures rules)",
    "report": "rule script render_report.py run in-process (render_report)",
}


# ---------------------------------------------------------------------------
# measuring processes


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(command: list[str], cwd: Path) -> dict:
    """Wall, CPU (user + sys of the process and all descendants) and peak summed RSS."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    watched = psutil.Process(proc.pid)

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss(watched))
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    thread.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {cwd}:\n{output.decode()[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mib": peak[0] / 2**20}


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def job_max_rss(project: Path) -> tuple[str, float]:
    """The job with the largest max_rss (MiB) in snakemake's benchmark files."""
    best = ("", 0.0)
    for tsv in (project / "logs" / "benchmarks").rglob("*.tsv"):
        with open(tsv, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        if rows and rows[-1].get("max_rss", "NA") not in ("NA", "-"):
            rss = float(rows[-1]["max_rss"])
            if rss > best[1]:
                best = (str(tsv.relative_to(project / "logs" / "benchmarks")), rss)
    return best


def clean(project: Path) -> None:
    for part in ("results", "reports", "logs", ".snakemake"):
        shutil.rmtree(project / part, ignore_errors=True)


# ---------------------------------------------------------------------------
# the floor


def floor(repeats: int, tmp: Path) -> dict:
    imports = [
        measure([sys.executable, "-c", "import pandas, statsmodels.api, matplotlib"], tmp)
        for _ in range(repeats)
    ]
    trivial = tmp / "trivial"
    trivial.mkdir()
    (trivial / "Snakefile").write_text(
        'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n', encoding="utf-8"
    )
    snakemake = [sys.executable, "-m", "snakemake", "--cores", "4", "-q"]
    measure(snakemake, trivial)
    noops = [measure(snakemake, trivial) for _ in range(repeats)]
    return {
        "imports_s": median_of(imports, "wall_s"),
        "imports_runs": [r["wall_s"] for r in imports],
        "snakemake_noop_s": median_of(noops, "wall_s"),
        "snakemake_noop_runs": [r["wall_s"] for r in noops],
    }


#: The pipeline's jobs with their inputs (the DAG of a default run) and what each
#: rule script imports before it computes anything. ``job_structure`` runs this
#: DAG with jobs that only import, to measure what the job structure itself
#: costs: one interpreter per job, Snakemake's script wrapper and the imports.
PIPELINE_JOBS = {
    "simulate_survey": ((), "numpy, pandas"),
    "clean_responses": (("simulate_survey",), "pandas, pyarrow.parquet"),
    "rake_weights": (("clean_responses",), "pandas, pyarrow.parquet"),
    "tabulate_sample": (("rake_weights",), "pandas, pyarrow.parquet, scipy.special"),
    "fit_ordinal_model": (("rake_weights",), "pandas, pyarrow.parquet, scipy.special"),
    "test_age_association": (("rake_weights",), "pandas, pyarrow.parquet, scipy.special"),
    "fit_sensitivity_model": (("rake_weights",), "pandas, pyarrow.parquet, scipy.special"),
    "collect_sensitivity": (("fit_sensitivity_model",), ""),
    "plot_sample_figures": (
        ("tabulate_sample",),
        "pandas, matplotlib.figure, matplotlib.backends.backend_agg",
    ),
    "plot_model_figures": (
        ("fit_ordinal_model", "collect_sensitivity"),
        "pandas, matplotlib.figure, matplotlib.backends.backend_agg",
    ),
    "compare_published": (
        ("fit_ordinal_model", "test_age_association", "collect_sensitivity"),
        "pandas, pyarrow.parquet",
    ),
    "render_report": (
        ("plot_sample_figures", "plot_model_figures", "compare_published"),
        "pandas, jinja2",
    ),
    "write_manifest": (("render_report",), ""),
}


def job_structure(repeats: int, tmp: Path, *, imports: bool = True) -> dict:
    """The pipeline's DAG (PIPELINE_JOBS) run from clean with jobs that only import.

    Same number of jobs, same dependencies, same ``script:`` adapters and (with
    ``imports``) the same imports as the real rules, no statistics: the least a
    run with one interpreter per job can cost on this machine. Without
    ``imports`` the jobs are empty scripts (Snakemake's per-job cost alone).
    """
    project = tmp / ("job_structure" if imports else "job_structure_empty")
    (project / "scripts").mkdir(parents=True)
    rules = ['rule all:\n    input: "out/write_manifest"\n']
    for job, (inputs, modules) in PIPELINE_JOBS.items():
        modules = modules if imports else ""
        body = (f"import {modules}\n" if modules else "") + (
            "from pathlib import Path\nPath(snakemake.output[0]).touch()\n"
        )
        (project / "scripts" / f"{job}.py").write_text(body, encoding="utf-8")
        inputs_text = ", ".join(f'"out/{name}"' for name in inputs)
        rules.append(
            f"rule {job}:\n"
            + (f"    input: {inputs_text}\n" if inputs else "")
            + f'    output: "out/{job}"\n'
            + f'    script: "scripts/{job}.py"\n'
        )
    # the pipeline's onsuccess handler too (cancel_scheduler_timers, common.smk)
    rules.append(
        "onsuccess:\n"
        "    import threading\n"
        "    for t in threading.enumerate():\n"
        "        if isinstance(t, threading.Timer):\n"
        "            t.cancel()\n"
    )
    (project / "Snakefile").write_text("\n".join(rules), encoding="utf-8")
    command = [sys.executable, "-m", "snakemake", "--cores", "4", "-q"]
    runs = []
    for _ in range(repeats):
        shutil.rmtree(project / "out", ignore_errors=True)
        shutil.rmtree(project / ".snakemake", ignore_errors=True)
        runs.append(measure(command, project))
    return {
        "jobs": len(PIPELINE_JOBS),
        "wall_s": median_of(runs, "wall_s"),
        "runs": [r["wall_s"] for r in runs],
    }


# ---------------------------------------------------------------------------
# the whole pipeline


def pipeline(n: int, repeats: int, tmp: Path) -> dict:
    from socialwork_ict.synthetic import scale_counts

    project = copy_project(tmp / f"project_{n}")
    command = [sys.executable, "-m", "snakemake", "--cores", "4", "-q"]
    if n != DEFAULT_N:
        config = tmp / f"n_{n}.yaml"
        config.write_text(json.dumps({"synthetic": {"n_eligible": scale_counts(n)}}))
        command += ["--configfile", str(config)]
    full = []
    for _ in range(repeats):
        clean(project)
        full.append(measure(command, project))
        print(f"  n={n:,} full run {full[-1]['wall_s']:.1f} s", flush=True)
    job, job_rss = job_max_rss(project)
    noop = [measure(command, project) for _ in range(repeats)]
    return {
        "project": str(project),
        "full": full,
        "noop": noop,
        "largest_job": job,
        "largest_job_rss_mib": job_rss,
    }


# ---------------------------------------------------------------------------
# stages in-process (worker: one n, fresh process)


def stage_worker(n: int, project: Path, workdir: Path, repeats: int) -> dict:
    import runpy

    import pandas as pd
    import yaml
    from snakemake.iocontainers import Namedlist

    from socialwork_ict.cleaning import clean_responses
    from socialwork_ict.codebook import load_codebook
    from socialwork_ict.disclosure import protect_published, settings_from_config
    from socialwork_ict.figures import common as figure_common
    from socialwork_ict.figures import render
    from socialwork_ict.inference.proportions import table2_freq_by_age
    from socialwork_ict.inference.rao_scott import rao_scott_tests
    from socialwork_ict.ingest import read_raw_survey
    from socialwork_ict.models.age_tests import age_association_tests
    from socialwork_ict.models.model_frame import complete_cases
    from socialwork_ict.models.ordinal import fit_ordinal
    from socialwork_ict.models.predict import standardised_predictions
    from socialwork_ict.models.sensitivity import sensitivity_table
    from socialwork_ict.rule_io import write_table
    from socialwork_ict.synthetic import generate_raw_survey, scale_counts
    from socialwork_ict.tables import table1_sample
    from socialwork_ict.weighting import load_targets, rake_weights

    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    countries = tuple(config["countries"])
    times: dict[str, list[float]] = {}
    values: dict[str, object] = {}

    def timed(name, fn, runs=repeats):
        for _ in range(runs):
            start = time.perf_counter()
            values[name] = fn()
            times.setdefault(name, []).append(time.perf_counter() - start)
        return values[name]

    counts = scale_counts(n) if n != DEFAULT_N else dict(config["synthetic"]["n_eligible"])
    raw_path = workdir / "raw.csv"
    timed(
        "simulate (generate + write)",
        lambda: write_table(generate_raw_survey(config["seed"], n_eligible=counts), raw_path),
        runs=1,
    )
    codebook = load_codebook(ROOT / "config" / "codebook.yaml")
    cleaned = timed(
        "ingest + clean",
        lambda: clean_responses(
            read_raw_survey(raw_path, codebook), codebook, file=raw_path.name, countries=countries
        ),
    )
    analysis = cleaned.analysis
    settings = config["weighting"]
    options = dict(
        variables=tuple(settings["variables"]),
        method=settings["method"],
        epsilon=float(settings["epsilon"]),
        max_iter=int(settings["max_iter"]),
        outside_rule=settings["outside_rule"],
        targets_source="targets.yaml",
    )
    targets = load_targets(ROOT / "config" / "targets.yaml")
    python_rake: list[float] = []

    def rake_both():
        start = time.perf_counter()
        result = rake_weights(analysis, targets, trim_cap=settings["trim_cap"], **options)
        python_rake.append(time.perf_counter() - start)
        trimmed = rake_weights(
            analysis, targets, trim_cap=settings["sensitivity_trim_cap"], **options
        )
        return result, trimmed

    weighting, trimmed = timed("raking", rake_both)
    weighted = analysis.assign(weight=weighting.weights, weight_trimmed=trimmed.weights)
    python_olr: list[float] = []

    def primary():
        frame, _ = complete_cases(weighted)
        start = time.perf_counter()
        fit = fit_ordinal(frame)
        python_olr.append(time.perf_counter() - start)
        standardised_predictions(fit, frame)
        return frame, fit

    frame, fit = timed("primary model + design variance", primary)
    timed("Rao-Scott tests", lambda: rao_scott_tests(frame, countries=countries))
    timed(
        "all age tests",
        lambda: age_association_tests(frame, fit_ordinal(frame), countries=countries),
    )
    timed(
        "sensitivity models",
        lambda: sensitivity_table(frame, countries=countries),
        runs=1 if n >= 1_000_000 else repeats,
    )

    def tables():
        table1 = table1_sample(weighted, countries=countries)
        table2 = table2_freq_by_age(weighted, countries=countries)
        with open(project / config["published"], encoding="utf-8") as handle:
            claims = yaml.safe_load(handle)["claims"]
        return protect_published(
            table1,
            table2,
            weighting.margins,
            weighting.diagnostics,
            weighted,
            claims,
            settings_from_config(config["disclosure"]),
        )

    timed("tables", tables)

    results = project / "results"
    tables_dir = results / "tables"

    def read(name):
        return pd.read_csv(tables_dir / f"{name}.csv")

    def figures():
        from socialwork_ict import figures as fig

        weights, margins, diags = (
            read("weights"),
            read("weighting_margins"),
            read("weighting_diagnostics"),
        )
        drawn = [
            (fig.plot_freq_by_age, fig.caption_freq_by_age, (read("table2_freq_by_age"),)),
            (fig.plot_odds_ratios, fig.caption_odds_ratios, (read("model_ordinal"),)),
            (fig.plot_predicted_often, fig.caption_predicted_often, (read("predicted_by_age"),)),
            (fig.plot_weighting, fig.caption_weighting, (weights, margins, diags)),
            (fig.plot_sensitivity, fig.caption_sensitivity, (read("sensitivity"),)),
            (fig.plot_sample_flow, fig.caption_sample_flow, (read("sample_flow"),)),
        ]
        for plot, caption, args in drawn:
            figure = plot(*args, synthetic=True)
            for fmt in ("svg", "png"):
                render(figure, fmt)
            caption(*args, synthetic=True)

    assert figure_common.STYLE_FILE  # the style is applied on import, as in the rules
    timed("figures", figures)

    def report():
        figures = {
            f"{name}_{kind}": f"results/figures/{name}.{ext}"
            for name in (
                "sample_flow",
                "weighting",
                "freq_by_age",
                "odds_ratios",
                "predicted_often",
                "sensitivity",
            )
            for kind, ext in (("png", "png"), ("json", "json"))
        }
        tables = {
            name: f"results/tables/{file}.csv"
            for name, file in (
                ("sample_flow", "sample_flow"),
                ("diagnostics", "weighting_diagnostics"),
                ("margins", "weighting_margins"),
                ("table1", "table1_sample"),
                ("table2", "table2_freq_by_age"),
                ("model", "model_ordinal"),
                ("tests", "tests"),
                ("sensitivity", "sensitivity"),
                ("comparison", "published_vs_reproduced"),
            )
        }
        inputs = {
            **figures,
            **tables,
            "origin": "results/clean/data_origin.json",
            "model_info": "results/models/model_info.json",
            "po_check": "results/models/proportional_odds_check.csv",
            "config": "config/config.yaml",
            "targets": "config/targets.yaml",
            "codebook": "config/codebook.yaml",
            "published": "config/published.yaml",
            "template": "workflow/templates/report.html.j2",
        }

        class Job:
            input = Namedlist(fromdict=inputs)
            output = Namedlist(toclone=[str(workdir / "report.html")])
            params = Namedlist(
                fromdict={
                    "report": config["report"],
                    "weighting": config["weighting"],
                    "countries": config["countries"],
                    "config": config,
                }
            )
            log = Namedlist(toclone=[str(workdir / "render_report.log")])
            rule = "render_report"

        runpy.run_path(
            str(project / "workflow" / "scripts" / "render_report.py"),
            init_globals={"snakemake": Job()},
        )

    import os

    os.chdir(project)
    timed("report", report)
    r_csv = workdir / "frame.csv"
    write_r_frame(frame, r_csv)
    return {
        "n": n,
        "n_analysis": len(analysis),
        "n_complete": len(frame),
        "times": times,
        "python_rake_s": statistics.median(python_rake),
        "python_svyolr_s": statistics.median(python_olr),
        "python_svychisq_s": statistics.median(times["Rao-Scott tests"]),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "estimates": fit.params.to_dict(),
        "std_errors": fit.std_errors.to_dict(),
        "r_names": r_term_names(frame, fit.terms, fit.threshold_names),
        "r_csv": str(r_csv),
    }


def stages(n: int, project: str, workdir: Path, repeats: int) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, __file__, "--stage-worker", str(n), project, str(workdir)]
    command.append(str(repeats))
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_r(stage: dict) -> dict:
    csv_path = Path(stage["r_csv"])
    prefix = csv_path.with_suffix("")
    subprocess.run(
        ["Rscript", str(R_SCRIPT), str(csv_path), str(prefix), str(R_REPEATS), str(R_STOP_AFTER_S)],
        check=True,
        cwd=ROOT,
    )
    with open(f"{prefix}_times.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    times: dict[str, list[float]] = {}
    for row in rows:
        times.setdefault(row["part"], []).append(float(row["elapsed_s"]))
    with open(f"{prefix}_versions.csv", encoding="utf-8") as handle:
        versions = {row["item"]: row["version"] for row in csv.DictReader(handle)}
    return {
        "times": times,
        "median_s": {part: statistics.median(t) for part, t in times.items()},
        **compare_with_r(Path(f"{prefix}_estimates.csv"), stage),
        "versions": versions,
    }


# ---------------------------------------------------------------------------
# the report


def fmt_runs(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def verdict(value: float, target: float, *, at_most: bool = True) -> str:
    ok = value <= target if at_most else value >= target
    return "met" if ok else "**missed**"


def write_results(data: dict) -> None:
    fl, runs, stage, r = data["floor"], data["pipeline"], data["stages"], data["r"]
    sizes = sorted(runs, key=int)
    floor_s = fl["imports_s"] + fl["snakemake_noop_s"]
    default = runs[str(DEFAULT_N)]
    full_default = median_of(default["full"], "wall_s")
    noop_default = median_of(default["noop"], "wall_s")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run_benchmarks.py` (repeats: {data['repeats']}; "
        f"total {data['elapsed_min']:.1f} min). Medians over repeated runs; every",
        "pipeline run is `snakemake --cores 4` in a temporary copy of the project.",
        "",
        "## Goals",
        "",
    ]
    goal_rows = [
        [
            "full default run from clean / floor",
            f"{full_default:.2f} s / {floor_s:.2f} s = **{full_default / floor_s:.2f} x**",
            f"<= {GOALS['full_vs_floor']} x",
            verdict(full_default / floor_s, GOALS["full_vs_floor"]),
        ],
        [
            "no-op rerun / Snakemake's own no-op",
            f"{noop_default:.2f} s / {fl['snakemake_noop_s']:.2f} s = "
            f"**{noop_default / fl['snakemake_noop_s']:.2f} x**",
            f"<= {GOALS['noop_vs_snakemake']} x",
            verdict(noop_default / fl["snakemake_noop_s"], GOALS["noop_vs_snakemake"]),
        ],
    ]
    if "1000000" in runs:
        big = runs["1000000"]
        wall = median_of(big["full"], "wall_s")
        peak = median_of(big["full"], "peak_mib") / 1024
        goal_rows += [
            [
                "1,000,000 respondents end to end (wall)",
                f"**{wall:.1f} s**",
                f"<= {GOALS['million_wall_s']:g} s",
                verdict(wall, GOALS["million_wall_s"]),
            ],
            [
                "1,000,000 respondents: peak memory (all processes)",
                f"**{peak:.2f} GiB** (largest job {big['largest_job_rss_mib'] / 1024:.2f} GiB)",
                f"<= {GOALS['million_peak_gib']:g} GiB",
                verdict(peak, GOALS["million_peak_gib"]),
            ],
        ]
        if "100000" in runs:
            per_100k = median_of(runs["100000"]["full"], "wall_s") / 100_000
            per_1m = wall / 1_000_000
            goal_rows.append(
                [
                    "cost per respondent, 1M vs 100k (wall)",
                    f"{per_1m * 1e6:.1f} vs {per_100k * 1e6:.1f} us = "
                    f"**{per_1m / per_100k:.2f} x**",
                    "<= 1 x",
                    verdict(per_1m / per_100k, 1.0),
                ]
            )
        if "1000000" in r:
            ratio = r["1000000"]["median_s"]["svyolr"] / stage["1000000"]["python_svyolr_s"]
            goal_rows.append(
                [
                    "primary model + design variance at 1M: R svyolr / ours",
                    f"**{ratio:.1f} x** (max abs diff of estimates "
                    f"{r['1000000']['max_abs_diff_estimate']:.1e})",
                    f">= {GOALS['model_speedup_vs_r']:g} x, equal estimates",
                    verdict(ratio, GOALS["model_speedup_vs_r"], at_most=False),
                ]
            )
    lines += markdown_table(["goal", "measured", "target", "verdict"], goal_rows)
    lines += [
        "",
        "## Floor",
        "",
        f"- one Python process importing pandas, statsmodels.api and matplotlib: "
        f"{fl['imports_s']:.2f} s (runs {fmt_runs(fl['imports_runs'])})",
        f"- Snakemake's own no-op on a trivial one-rule workflow: {fl['snakemake_noop_s']:.2f} s "
        f"(runs {fmt_runs(fl['snakemake_noop_runs'])})",
        f"- floor = {floor_s:.2f} s",
    ]
    if "job_structure" in data:
        js = data["job_structure"]
        lines += [
            f"- for comparison, the pipeline's own DAG ({js['jobs']} jobs, the same "
            f"dependencies, `script:` adapters and imports as the real rules) with jobs "
            f"that only import and compute nothing: {js['wall_s']:.2f} s = "
            f"{js['wall_s'] / floor_s:.2f} x the floor (runs {fmt_runs(js['runs'])}); "
            f"the full default run is {full_default / js['wall_s']:.2f} x that",
        ]
    if "job_structure_empty" in data:
        je = data["job_structure_empty"]
        lines += [
            f"- the same DAG with empty scripts (no imports): {je['wall_s']:.2f} s = "
            f"{je['wall_s'] / floor_s:.2f} x the floor (runs {fmt_runs(je['runs'])})",
        ]
    lines += [
        "",
        "## Whole pipeline (`snakemake --cores 4`)",
        "",
    ]
    rows = []
    for key in sizes:
        res = runs[key]
        n = int(key)
        wall = median_of(res["full"], "wall_s")
        rows.append(
            [
                f"{n:,}",
                f"{wall:.2f}",
                fmt_runs([x["wall_s"] for x in res["full"]]),
                f"{median_of(res['full'], 'cpu_s'):.2f}",
                f"{median_of(res['full'], 'peak_mib'):.0f}",
                f"{res['largest_job']} {res['largest_job_rss_mib']:.0f}",
                f"{wall / n * 1e6:.1f}",
                f"{median_of(res['noop'], 'wall_s'):.2f}",
            ]
        )
    lines += markdown_table(
        [
            "n",
            "from clean: wall median (s)",
            "runs (s)",
            "CPU (s)",
            "peak RSS, all processes (MiB)",
            "largest job max_rss (MiB)",
            "wall per respondent (us)",
            "no-op rerun (s)",
        ],
        rows,
    )
    lines += [
        "",
        "## Stages in-process (seconds, median; one fresh process per n)",
        "",
    ]
    names = list(next(iter(stage.values()))["times"])
    rows = [[name, STAGES.get(name, "")] for name in names]
    for key in sizes:
        for row, name in zip(rows, names, strict=True):
            row.append(f"{statistics.median(stage[key]['times'][name]):.3f}")
    rows.append(["process max RSS (MiB)", ""] + [f"{stage[k]['maxrss_mib']:.0f}" for k in sizes])
    lines += markdown_table(["stage", "what"] + [f"n = {int(k):,}" for k in sizes], rows)
    lines += [
        "",
        "Growth with n (time at n / time at the previous n; 23x and 10x more respondents):",
        "",
    ]
    rows = []
    for name in names:
        row = [name]
        for a, b in zip(sizes, sizes[1:], strict=False):
            ta = statistics.median(stage[a]["times"][name])
            tb = statistics.median(stage[b]["times"][name])
            row.append(f"{tb / ta:.1f}" if ta > 0 else "")
        rows.append(row)
    lines += markdown_table(
        ["stage"] + [f"{int(a):,} -> {int(b):,}" for a, b in zip(sizes, sizes[1:], strict=False)],
        rows,
    )
    lines += ["", "## R `survey` on the same data", ""]
    if not data["r_available"]:
        lines.append("Rscript with the survey package is not installed here: comparison skipped.")
    else:
        lines += [
            "The complete-case model frame with the pipeline's raked weights, written to CSV",
            "and read by `benchmarks/survey_timing.R` (CSV reading not timed): `rake()` of a",
            "weight-1 design to the country x age and country x gender margins of our",
            "weights; `svydesign(ids=~1, strata=~country, weights=~weight)` + `svyolr(...)`;",
            "`svychisq(~age_group + ict_freq, statistic = 'F')` per country and pooled.",
            f"R: up to {R_REPEATS} runs per part, no further run once one took > "
            f"{R_STOP_AFTER_S:g} s. Ours: the same computation in-process (one `rake_weights`",
            "call; `fit_ordinal`; `rao_scott_tests`).",
            "",
        ]
        rows = []
        for key in sizes:
            if key not in r:
                continue
            rr, st = r[key], stage[key]
            ours = {
                "rake": st["python_rake_s"],
                "svyolr": st["python_svyolr_s"],
                "svychisq": st["python_svychisq_s"],
            }
            for part in ("rake", "svyolr", "svychisq"):
                rows.append(
                    [
                        f"{int(key):,}",
                        part,
                        f"{rr['median_s'][part]:.2f}",
                        fmt_runs(rr["times"][part]),
                        f"{ours[part]:.3f}",
                        f"{rr['median_s'][part] / ours[part]:.1f}",
                    ]
                )
            total_r = sum(rr["median_s"].values())
            total_ours = sum(ours.values())
            rows.append(
                [
                    f"{int(key):,}",
                    "**all three**",
                    f"{total_r:.2f}",
                    "",
                    f"{total_ours:.3f}",
                    f"**{total_r / total_ours:.1f}**",
                ]
            )
        lines += markdown_table(
            ["n", "part", "R median (s)", "R runs (s)", "ours (s)", "ratio R / ours"], rows
        )
        lines += ["", "svyolr vs ours (12 coefficients, 4 thresholds):", ""]
        lines += markdown_table(
            ["n", "max abs diff of estimates", "max rel diff of SEs"],
            [
                [
                    f"{int(k):,}",
                    f"{r[k]['max_abs_diff_estimate']:.1e}",
                    f"{r[k]['max_rel_diff_se']:.1e}",
                ]
                for k in sizes
                if k in r
            ],
        )
        lines += [
            "",
            "svyolr optimises with `optim` (BFGS) and stops earlier than our Newton fit",
            "(max |score| / sum(w) < 1e-10); the differences are of that order.",
        ]
    lines += ["", "## Misses, reasons and next steps", ""]
    missed = [row for row in goal_rows if row[3] != "met"]
    lines += [f"- **{row[0]}**: {row[1]} against {row[2]}." for row in missed] or ["(none)"]
    if missed and data.get("notes"):
        lines += ["", *data["notes"]]
    lines += ["", "## Machine and versions", ""]
    rows = [list(row) for row in data["machine"]]
    if r:
        versions = next(iter(r.values()))["versions"]
        rows += [["R", versions["R"]], ["R survey", versions["survey"]]]
    lines += markdown_table(["item", "value"], rows)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


#: keys holding this run's temporary folders: not written (no machine path in the repo)
PATH_KEYS = ("project", "r_csv")


def without_paths(data):
    """``data`` without the :data:`PATH_KEYS` entries, at any depth."""
    if isinstance(data, dict):
        return {k: without_paths(v) for k, v in data.items() if k not in PATH_KEYS}
    if isinstance(data, list):
        return [without_paths(v) for v in data]
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--repeats-1m", type=int, default=2, help="whole-pipeline runs at 1,000,000 (slow)"
    )
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--json", type=Path, help="also keep the raw measurements here")
    parser.add_argument("--notes", type=Path, help="markdown lines for the misses section")
    parser.add_argument(
        "--from-json", type=Path, help="rewrite RESULTS.md from measurements kept with --json"
    )
    args = parser.parse_args()
    if args.from_json:
        data = json.loads(args.from_json.read_text(encoding="utf-8"))
        if args.notes and args.notes.exists():
            data["notes"] = args.notes.read_text(encoding="utf-8").splitlines()
        write_results(data)
        print(f"written {OUT}", flush=True)
        return
    started = time.perf_counter()
    use_r = not args.no_r and r_available()
    data = {
        "repeats": args.repeats,
        "machine": machine_rows(PACKAGES),
        "r_available": use_r,
        "pipeline": {},
        "stages": {},
        "r": {},
    }
    with tempfile.TemporaryDirectory(prefix="socialwork_bench_") as name:
        tmp = Path(name)
        print("floor ...", flush=True)
        data["floor"] = floor(max(args.repeats, 5), tmp)
        print("job structure (empty jobs) ...", flush=True)
        data["job_structure"] = job_structure(max(args.repeats, 3), tmp)
        data["job_structure_empty"] = job_structure(max(args.repeats, 3), tmp, imports=False)
        for n in args.sizes:
            print(f"n={n:,}: pipeline ...", flush=True)
            repeats = args.repeats_1m if n >= 1_000_000 else args.repeats
            data["pipeline"][str(n)] = pipeline(n, repeats, tmp)
            print(f"n={n:,}: stages ...", flush=True)
            stage = stages(n, data["pipeline"][str(n)]["project"], tmp / f"stages_{n}", repeats)
            data["stages"][str(n)] = stage
            if use_r:
                print(f"n={n:,}: R ...", flush=True)
                data["r"][str(n)] = run_r(stage)
            shutil.rmtree(tmp / f"project_{n}", ignore_errors=True)
            shutil.rmtree(tmp / f"stages_{n}", ignore_errors=True)
    data["elapsed_min"] = (time.perf_counter() - started) / 60
    if args.notes and args.notes.exists():
        data["notes"] = args.notes.read_text(encoding="utf-8").splitlines()
    if args.json:
        args.json.write_text(
            json.dumps(without_paths(data), indent=1, default=str), encoding="utf-8"
        )
    write_results(data)
    print(f"written {OUT}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--stage-worker":
        n, project, workdir, repeats = sys.argv[2:6]
        print(json.dumps(stage_worker(int(n), Path(project), Path(workdir), int(repeats))))
    else:
        main()
