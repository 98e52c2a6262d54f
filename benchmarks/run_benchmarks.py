"""The benchmark suite: the real pipeline, its jobs, the no-op rerun, the floor, R.

Run from the repository root::

    python benchmarks/run_benchmarks.py --notes benchmarks/results_notes.md
    python benchmarks/run_benchmarks.py --sizes 4354 --repeats 1   # quick look

At each n (4,354: the default config; else ``synthetic.scale_counts(n)`` via a
``--configfile``), in a temporary copy of the project (``bench_common``): the whole
pipeline from clean with ``snakemake --cores 4`` (wall; CPU of all processes; peak
summed RSS of snakemake and its jobs, sampled every 20 ms from /proc), each job's
wall, CPU and max_rss from Snakemake's own ``benchmark:`` files, and a no-op rerun.
Once: the floor (Python importing pandas, statsmodels.api and matplotlib; Snakemake's
no-op on a one-rule workflow) and the real pipeline with every rule script cut to its
imports (and to nothing): the cost of the job structure. Where ``Rscript`` has the
survey package: ``rake()``, ``svyolr()`` and ``svychisq()`` (``survey_timing.R``) on
the pipeline's own complete-case frame, against our ``rake_weights``, ``fit_ordinal``
and ``rao_scott_tests`` on the same files in this process. Medians over ``--repeats``.
Sizes not run are kept from the previous ``results.json`` with their label. Writes
``benchmarks/RESULTS.md`` and ``benchmarks/results.json``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common as bc

DEFAULT_N = 4_354
OUT, JSON_OUT = bc.BENCH / "RESULTS.md", bc.BENCH / "results.json"
R_SCRIPT, R_REPEATS, R_STOP_AFTER_S = bc.BENCH / "survey_timing.R", 3, 30.0
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "4", "-q"]
PACKAGES = ("snakemake", "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "matplotlib")
PACKAGES += ("jinja2", "socialwork_ict")
GOALS = {"full_vs_floor": 1.5, "noop_vs_snakemake": 1.2, "million_wall_s": 60.0}
GOALS |= {"million_peak_gib": 2.0, "model_speedup_vs_r": 10.0}
TOUCH = "from pathlib import Path\n\nfor path in snakemake.output:\n    Path(path).touch()\n"


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def floor(repeats: int, tmp: Path) -> dict:
    """Python importing the heavy libraries, and Snakemake's no-op on a one-rule workflow."""
    imports = [
        bc.measure([sys.executable, "-c", "import pandas, statsmodels.api, matplotlib"], tmp)
        for _ in range(repeats)
    ]
    trivial = tmp / "trivial"
    trivial.mkdir()
    (trivial / "Snakefile").write_text(
        'rule all:\n    output: "done.txt"\n    shell: "touch {output}"\n'
    )
    bc.measure(SNAKEMAKE, trivial)
    noops = [bc.measure(SNAKEMAKE, trivial) for _ in range(repeats)]
    return {
        "imports_s": median_of(imports, "wall_s"),
        "imports_runs": [r["wall_s"] for r in imports],
        "snakemake_noop_s": median_of(noops, "wall_s"),
        "snakemake_noop_runs": [r["wall_s"] for r in noops],
    }


def job_structure(repeats: int, tmp: Path, *, imports: bool = True) -> dict:
    """The real pipeline from clean with each rule script cut to its module-level imports
    (or to nothing), then touching its outputs: the same DAG, start-up checks, ``script:``
    wrappers and imports, no computation."""
    project = bc.copy_project(tmp / f"job_structure_{imports}")
    for script in (project / "workflow" / "scripts").glob("*.py"):
        body = ast.parse(script.read_text(encoding="utf-8")).body
        kept = [ast.unparse(n) for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
        script.write_text("\n".join([*kept, TOUCH] if imports else [TOUCH]), encoding="utf-8")
    runs = []
    for _ in range(repeats):
        bc.clean(project)
        runs.append(bc.measure(SNAKEMAKE, project)["wall_s"])
    jobs = len(bc.job_benchmarks(project / "logs" / "benchmarks"))
    shutil.rmtree(project)
    return {"jobs": jobs, "wall_s": statistics.median(runs), "runs": runs}


def pipeline(n: int, repeats: int, tmp: Path) -> dict:
    """Whole runs from clean (with each run's job benchmarks) and no-op reruns at ``n``."""
    from socialwork_ict.synthetic import scale_counts

    project = bc.copy_project(tmp / f"project_{n}")
    command = list(SNAKEMAKE)
    if n != DEFAULT_N:
        (project / "n.yaml").write_text(json.dumps({"synthetic": {"n_eligible": scale_counts(n)}}))
        command += ["--configfile", "n.yaml"]
    full, jobs = [], []
    for _ in range(repeats):
        bc.clean(project)
        full.append(bc.measure(command, project))
        jobs.append(bc.job_benchmarks(project / "logs" / "benchmarks"))
        print(f"  n={n:,} full run {full[-1]['wall_s']:.1f} s", flush=True)
    noop = [bc.measure(command, project) for _ in range(repeats)]
    job, rss = bc.largest_job(jobs[-1])
    return {"project": str(project), "full": full, "noop": noop, "jobs": jobs} | {
        "largest_job": job,
        "largest_job_rss_mib": rss,
    }


def ours(project: Path, repeats: int) -> dict:
    """Our counterparts of R's three parts on the pipeline's own files, timed in-process."""
    import pandas as pd
    import yaml

    from socialwork_ict.inference.rao_scott import rao_scott_tests
    from socialwork_ict.models.model_frame import complete_cases, read_model_respondents
    from socialwork_ict.models.ordinal import fit_ordinal
    from socialwork_ict.weighting import load_targets, rake_weights

    config = yaml.safe_load((project / "config" / "config.yaml").read_text(encoding="utf-8"))
    countries, w = tuple(config["countries"]), config["weighting"]
    analysis = pd.read_parquet(project / "results" / "clean" / "responses.parquet")
    targets = load_targets(project / config["targets"])
    weighted = project / "results" / "weights" / "weighted_responses.parquet"
    frame, _ = complete_cases(read_model_respondents(weighted))
    options = dict(variables=tuple(w["variables"]), method=w["method"], epsilon=w["epsilon"])
    options |= dict(max_iter=w["max_iter"], outside_rule=w["outside_rule"], trim_cap=w["trim_cap"])
    parts = {
        "rake": lambda: rake_weights(analysis, targets, targets_source="targets.yaml", **options),
        "svyolr": lambda: fit_ordinal(frame),
        "svychisq": lambda: rao_scott_tests(frame, countries=countries),
    }
    seconds = {}
    for part, run in parts.items():
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            runs.append(time.perf_counter() - start)
        seconds[f"python_{part}_s"] = statistics.median(runs)
    fit = fit_ordinal(frame)
    bc.write_r_frame(frame, project / "r_frame.csv")
    return seconds | {
        "n_complete": len(frame),
        "estimates": fit.params.to_dict(),
        "std_errors": fit.std_errors.to_dict(),
        "r_names": bc.r_term_names(frame, fit.terms, fit.threshold_names),
        "r_csv": str(project / "r_frame.csv"),
    }


def run_r(ours_n: dict) -> dict:
    """``survey_timing.R`` on the frame ``ours`` wrote: times, versions, agreement."""
    prefix = Path(ours_n["r_csv"]).with_suffix("")
    command = ["Rscript", str(R_SCRIPT), ours_n["r_csv"], str(prefix), str(R_REPEATS)]
    subprocess.run([*command, str(R_STOP_AFTER_S)], check=True)
    times: dict[str, list[float]] = {}
    with open(f"{prefix}_times.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            times.setdefault(row["part"], []).append(float(row["elapsed_s"]))
    with open(f"{prefix}_versions.csv", encoding="utf-8") as handle:
        versions = {row["item"]: row["version"] for row in csv.DictReader(handle)}
    return {
        "times": times,
        "median_s": {part: statistics.median(t) for part, t in times.items()},
        **bc.compare_with_r(Path(f"{prefix}_estimates.csv"), ours_n),
        "versions": versions,
    }


def rule_medians(jobs_per_run: list[dict]) -> dict[str, dict]:
    """Per rule, the median over runs of :func:`rule_totals` (jobs, wall, CPU, max_rss)."""
    totals = [bc.rule_totals(jobs) for jobs in jobs_per_run]
    return {
        rule: {
            key: statistics.median(t[rule][key] for t in totals if t[rule][key] is not None)
            if any(t[rule][key] is not None for t in totals)
            else None
            for key in ("jobs", "wall_s", "cpu_s", "max_rss_mib")
        }
        for rule in totals[0]
    }


def fmt_runs(values: list[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def goal_row(goal: str, measured: str, value: float, target: float, unit: str = " x") -> list:
    at_least = goal.startswith("primary")
    met = value >= target if at_least else value <= target
    bound = f"{'>=' if at_least else '<='} {target:g}{unit}"
    return [goal, measured, bound, "met" if met else "**missed**"]


def goals(data: dict) -> list[list]:
    runs, fl, r, mine = data["pipeline"], data["floor"], data["r"], data["ours"]
    floor_s = fl["imports_s"] + fl["snakemake_noop_s"]
    full = median_of(runs[str(DEFAULT_N)]["full"], "wall_s")
    noop = median_of(runs[str(DEFAULT_N)]["noop"], "wall_s")
    rows = [
        goal_row("full default run from clean / floor",
                 f"{full:.2f} s / {floor_s:.2f} s = **{full / floor_s:.2f} x**",
                 full / floor_s, GOALS["full_vs_floor"]),
        goal_row("no-op rerun / Snakemake's own no-op",
                 f"{noop:.2f} s / {fl['snakemake_noop_s']:.2f} s = "
                 f"**{noop / fl['snakemake_noop_s']:.2f} x**",
                 noop / fl["snakemake_noop_s"], GOALS["noop_vs_snakemake"]),
    ]  # fmt: skip
    if "1000000" not in runs:
        return rows
    big = runs["1000000"]
    wall, peak = median_of(big["full"], "wall_s"), median_of(big["full"], "peak_mib") / 1024
    rows += [
        goal_row("1,000,000 respondents end to end (wall)", f"**{wall:.1f} s**",
                 wall, GOALS["million_wall_s"], " s"),
        goal_row("1,000,000 respondents: peak memory (all processes)",
                 f"**{peak:.2f} GiB** (largest job {big['largest_job_rss_mib'] / 1024:.2f} GiB)",
                 peak, GOALS["million_peak_gib"], " GiB"),
    ]  # fmt: skip
    if "100000" in runs:  # from the same run as the 1M figures
        per_100k = data.get("kept_100k_wall_s", median_of(runs["100000"]["full"], "wall_s"))
        per_100k /= 100_000
        ratio = wall / 1_000_000 / per_100k
        measured = f"{wall:.1f} vs {per_100k * 1e6:.1f} us = **{ratio:.2f} x**"
        rows.append(goal_row("cost per respondent, 1M vs 100k (wall)", measured, ratio, 1.0))
    if "1000000" in r:
        ratio = r["1000000"]["median_s"]["svyolr"] / mine["1000000"]["python_svyolr_s"]
        measured = f"**{ratio:.1f} x** (max abs diff of estimates "
        measured += f"{r['1000000']['max_abs_diff_estimate']:.1e})"
        goal = "primary model + design variance at 1M: R svyolr / ours"
        rows.append(goal_row(goal, measured, ratio, GOALS["model_speedup_vs_r"]))
        rows[-1][2] += ", equal estimates"
    if "1000000" in data.get("kept", {}):
        rows[2:] = [[f"{row[0]} (kept, not re-run)", *row[1:]] for row in rows[2:]]
    return rows


def jobs_section(data: dict) -> list[str]:
    runs = data["pipeline"]
    sizes = [k for k in sorted(runs, key=int) if runs[k].get("jobs")]
    rules = {k: rule_medians(runs[k]["jobs"]) for k in sizes}
    order = sorted(rules[sizes[-1]], key=lambda rule: -rules[sizes[-1]][rule]["wall_s"])

    def cell(value, digits):
        return "" if value is None else f"{value:.{digits}f}"

    rows = [[rule, f"{rules[sizes[-1]][rule]['jobs']:g}"] for rule in order]
    for row, rule in zip(rows, order, strict=True):
        for k in sizes:
            v = rules[k].get(rule, {})
            row += [
                cell(v.get("wall_s"), 2),
                cell(v.get("cpu_s"), 2),
                cell(v.get("max_rss_mib"), 0),
            ]
    rows.append(["**sum of jobs**", ""])
    for k in sizes:
        rows[-1] += [f"{sum(v['wall_s'] for v in rules[k].values()):.2f}",
                     f"{sum(v['cpu_s'] for v in rules[k].values()):.2f}", ""]  # fmt: skip
    header = ["rule", "jobs"]
    for k in sizes:
        header += [f"{int(k):,}: wall (s)", "CPU (s)", "max_rss (MiB)"]
    lines = ["", "## Jobs (Snakemake's benchmark files, median over the runs from clean)", ""]
    lines += ["Per rule: wall and CPU summed over its jobs, the largest job's max_rss.", ""]
    lines += bc.markdown_table(header, rows)
    if len(sizes) > 1:
        pairs = list(zip(sizes, sizes[1:], strict=False))
        lines += ["", "Growth with n (a rule's wall at n / at the previous n):", ""]
        growth = [
            [rule]
            + [f"{rules[b][rule]['wall_s'] / rules[a][rule]['wall_s']:.1f}" for a, b in pairs]
            for rule in order
            if all(rules[a].get(rule, {}).get("wall_s") for a, _ in pairs)
        ]
        header = ["rule"] + [f"{int(a):,} -> {int(b):,}" for a, b in pairs]
        lines += bc.markdown_table(header, growth)
    return lines


def r_section(data: dict) -> list[str]:
    r, mine = data["r"], data["ours"]
    if not r:
        return ["Rscript with the survey package is not installed here: comparison skipped."]
    lines = [
        "The pipeline's complete-case model frame and raked weights, written to CSV and",
        "read by `benchmarks/survey_timing.R` (CSV reading not timed): `rake()` of a",
        "weight-1 design to the country x age and country x gender margins of our",
        "weights; `svydesign(ids=~1, strata=~country, weights=~weight)` + `svyolr(...)`;",
        "`svychisq(~age_group + ict_freq, statistic = 'F')` per country and pooled.",
        f"R: up to {R_REPEATS} runs per part, no further run once one took > "
        f"{R_STOP_AFTER_S:g} s. Ours: `rake_weights`, `fit_ordinal` and `rao_scott_tests`",
        "on the same files in the benchmark's process (median of the repeats).",
        "",
    ]
    rows = []
    for k in sorted(r, key=int):
        parts = {p: (r[k]["median_s"][p], mine[k][f"python_{p}_s"]) for p in ("rake", "svyolr")}
        parts["svychisq"] = (r[k]["median_s"]["svychisq"], mine[k]["python_svychisq_s"])
        for part, (theirs, ours_s) in parts.items():
            rows.append([f"{int(k):,}", part, f"{theirs:.2f}", fmt_runs(r[k]["times"][part]),
                         f"{ours_s:.3f}", f"{theirs / ours_s:.1f}"])  # fmt: skip
        total_r, total = (sum(v) for v in zip(*parts.values(), strict=True))
        rows.append([f"{int(k):,}", "**all three**", f"{total_r:.2f}", "", f"{total:.3f}",
                     f"**{total_r / total:.1f}**"])  # fmt: skip
    lines += bc.markdown_table(
        ["n", "part", "R median (s)", "R runs (s)", "ours (s)", "R / ours"], rows
    )
    lines += ["", "svyolr vs ours (12 coefficients, 4 thresholds):", ""]
    rows = [
        [f"{int(k):,}", f"{r[k]['max_abs_diff_estimate']:.1e}", f"{r[k]['max_rel_diff_se']:.1e}"]
        for k in sorted(r, key=int)
    ]
    lines += bc.markdown_table(["n", "max abs diff of estimates", "max rel diff of SEs"], rows)
    return lines + [
        "",
        "svyolr optimises with `optim` (BFGS) and stops earlier than our Newton fit",
        "(max |score| / sum(w) < 1e-10); the differences are of that order.",
    ]


def write_results(data: dict) -> None:
    fl, runs = data["floor"], data["pipeline"]
    floor_s = fl["imports_s"] + fl["snakemake_noop_s"]
    kept = data.get("kept", {})
    lines = ["# Benchmark results", "", "Written by", "", f"    {data['command']}", ""]
    lines += [f"on {data['date']} (repeats: {data['repeats']}; {data['elapsed_min']:.1f} min)."]
    lines += [f"Machine load (`/proc/loadavg`) before: `{data['load_before']}`; after:"]
    lines += [f"`{data['load_after']}`. Medians over repeated runs; every pipeline run is"]
    lines += ["`snakemake --cores 4` in a temporary copy of the project."]
    lines += [
        f"n = {int(k):,} was not re-run: its figures are kept from {label}."
        for k, label in kept.items()
    ]
    lines += ["", "## Goals", ""]
    goal_rows = goals(data)
    lines += bc.markdown_table(["goal", "measured", "target", "verdict"], goal_rows)
    lines += [
        "", "## Floor", "",
        f"- one Python process importing pandas, statsmodels.api and matplotlib: "
        f"{fl['imports_s']:.2f} s (runs {fmt_runs(fl['imports_runs'])})",
        f"- Snakemake's own no-op on a trivial one-rule workflow: {fl['snakemake_noop_s']:.2f} s "
        f"(runs {fmt_runs(fl['snakemake_noop_runs'])})",
        f"- floor = {floor_s:.2f} s",
    ]  # fmt: skip
    full_default = median_of(runs[str(DEFAULT_N)]["full"], "wall_s")
    if "job_structure" in data:
        js, je = data["job_structure"], data["job_structure_empty"]
        lines += [
            f"- for comparison, the real pipeline ({js['jobs']} jobs) with every rule script cut "
            f"to its own imports, computing nothing: {js['wall_s']:.2f} s = "
            f"{js['wall_s'] / floor_s:.2f} x the floor (runs {fmt_runs(js['runs'])}); "
            f"the full default run is {full_default / js['wall_s']:.2f} x that",
            f"- the same with empty scripts (no imports): {je['wall_s']:.2f} s = "
            f"{je['wall_s'] / floor_s:.2f} x the floor (runs {fmt_runs(je['runs'])})",
        ]
    lines += ["", "## Whole pipeline (`snakemake --cores 4`)", ""]
    rows = []
    for k in sorted(runs, key=int):
        res, wall = runs[k], median_of(runs[k]["full"], "wall_s")
        rows.append([
            f"{int(k):,}" + (" (kept)" if k in kept else ""), f"{wall:.2f}",
            fmt_runs([x["wall_s"] for x in res["full"]]), f"{median_of(res['full'], 'cpu_s'):.2f}",
            f"{median_of(res['full'], 'peak_mib'):.0f}",
            f"{res['largest_job']} {res['largest_job_rss_mib']:.0f}",
            f"{wall / int(k) * 1e6:.1f}", f"{median_of(res['noop'], 'wall_s'):.2f}",
        ])  # fmt: skip
    header = ["n", "from clean: wall median (s)", "runs (s)", "CPU (s)"]
    header += ["peak RSS, all processes (MiB)", "largest job max_rss (MiB)"]
    lines += bc.markdown_table(header + ["wall per respondent (us)", "no-op rerun (s)"], rows)
    lines += jobs_section(data)
    lines += ["", "## R `survey` on the same data", "", *r_section(data)]
    lines += ["", "## Misses, reasons and next steps", ""]
    missed = [row for row in goal_rows if row[3] != "met"]
    lines += [f"- **{row[0]}**: {row[1]} against {row[2]}." for row in missed] or ["(none)"]
    if missed and data.get("notes"):
        lines += ["", *data["notes"]]
    rows = [list(row) for row in data["machine"]]
    if data["r"]:
        versions = next(iter(data["r"].values()))["versions"]
        rows += [["R", versions["R"]], ["R survey", versions["survey"]]]
    lines += ["", "## Machine and versions", "", *bc.markdown_table(["item", "value"], rows)]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


def without_paths(data):
    """``data`` without this run's temporary folders (keys ``project``, ``r_csv``)."""
    if isinstance(data, dict):
        return {k: without_paths(v) for k, v in data.items() if k not in ("project", "r_csv")}
    return [without_paths(v) for v in data] if isinstance(data, list) else data


def keep_previous(data: dict, previous: dict, label: str) -> None:
    """Carry the sizes not run this time over from ``previous`` (a results.json), labelled."""
    old_ours = {**previous.get("stages", {}), **previous.get("ours", {})}  # "stages": old layout
    for k, run in previous.get("pipeline", {}).items():
        if k in data["pipeline"]:
            continue
        data["pipeline"][k] = run
        data["kept"][k] = previous.get("kept", {}).get(k, label)
        if k in old_ours:
            data["ours"][k] = {key: v for key, v in old_ours[k].items() if key != "times"}
        if k in previous.get("r", {}):
            data["r"][k] = previous["r"][k]
        if k == "1000000" and "100000" in previous["pipeline"] and "100000" not in data["kept"]:
            data["kept_100k_wall_s"] = median_of(previous["pipeline"]["100000"]["full"], "wall_s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[DEFAULT_N, 100_000, 1_000_000])
    parser.add_argument("--repeats-1m", type=int, default=2, help="runs at 1,000,000 (slow)")
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--json", type=Path, default=JSON_OUT, help="the measurements")
    parser.add_argument("--notes", type=Path, help="markdown lines for the misses section")
    parser.add_argument("--kept-label", default="an earlier run", help="for sizes not re-run")
    parser.add_argument("--from-json", action="store_true", help="only rewrite the notes")
    args = parser.parse_args()
    notes = args.notes.read_text(encoding="utf-8").splitlines() if args.notes else None
    previous = json.loads(args.json.read_text(encoding="utf-8")) if args.json.exists() else {}
    if args.from_json:  # new notes, same measurements
        previous["notes"] = notes or previous.get("notes")
        args.json.write_text(json.dumps(previous, indent=1), encoding="utf-8")
        write_results(previous)
        return
    started = time.perf_counter()
    use_r = not args.no_r and bc.r_available()
    data = {
        "command": shlex.join(["python", "benchmarks/run_benchmarks.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": Path("/proc/loadavg").read_text().strip(),
        "repeats": args.repeats,
        "machine": bc.machine_rows(PACKAGES),
        "r_available": use_r,
        "pipeline": {}, "ours": {}, "r": {}, "kept": {},
    }  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="socialwork_bench_") as name:
        tmp = Path(name)
        print("floor and job structure ...", flush=True)
        data["floor"] = floor(max(args.repeats, 5), tmp)
        data["job_structure"] = job_structure(max(args.repeats, 3), tmp)
        data["job_structure_empty"] = job_structure(max(args.repeats, 3), tmp, imports=False)
        for n in args.sizes:
            print(f"n={n:,}: pipeline ...", flush=True)
            k = str(n)
            data["pipeline"][k] = pipeline(n, args.repeats_1m if n >= 1e6 else args.repeats, tmp)
            project = Path(data["pipeline"][k]["project"])
            data["ours"][k] = ours(project, args.repeats)
            if use_r:
                print(f"n={n:,}: R ...", flush=True)
                data["r"][k] = run_r(data["ours"][k])
            shutil.rmtree(project, ignore_errors=True)
    data["load_after"] = Path("/proc/loadavg").read_text().strip()
    data["elapsed_min"] = (time.perf_counter() - started) / 60
    keep_previous(data, previous, args.kept_label)
    data["notes"] = notes
    args.json.write_text(json.dumps(without_paths(data), indent=1), encoding="utf-8")
    write_results(data)
    print(f"written {OUT} and {args.json}", flush=True)


if __name__ == "__main__":
    main()
