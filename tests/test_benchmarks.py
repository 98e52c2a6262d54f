"""The benchmark's reading of Snakemake's benchmark files and its tables, on a fake folder.

No pipeline run: ``benchmarks/run_benchmarks.py`` itself runs the pipeline (not a test).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _load(name: str):
    """A benchmarks/ script as a module (bench_common first: run_benchmarks imports it)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


common = _load("bench_common")
run_benchmarks = _load("run_benchmarks")


def _tsv(folder: Path, job: str, wall: str, rss: str, cpu: str) -> None:
    path = folder / f"{job}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{wall}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")


def _fake_run(folder: Path, scale: float) -> dict:
    _tsv(folder, "clean_responses", f"{1.5 * scale}", f"{150 * scale}", f"{1.2 * scale}")
    _tsv(folder, "fit_sensitivity_model/a", f"{2.0 * scale}", "200", f"{1.8 * scale}")
    _tsv(folder, "fit_sensitivity_model/b", f"{1.0 * scale}", "300", f"{0.9 * scale}")
    _tsv(folder, "write_manifest", "0.2", "NA", "-")
    return common.job_benchmarks(folder)


def test_job_files_are_read_per_job_and_summed_per_rule(tmp_path):
    jobs = _fake_run(tmp_path, 1.0)
    assert jobs["fit_sensitivity_model/b"] == {"wall_s": 1.0, "cpu_s": 0.9, "max_rss_mib": 300.0}
    assert jobs["write_manifest"] == {"wall_s": 0.2, "cpu_s": None, "max_rss_mib": None}
    rules = common.rule_totals(jobs)
    assert rules["fit_sensitivity_model"] == {
        "jobs": 2,
        "wall_s": 3.0,
        "cpu_s": pytest.approx(2.7),
        "max_rss_mib": 300.0,
    }
    assert rules["write_manifest"]["max_rss_mib"] is None
    assert common.largest_job(jobs) == ("fit_sensitivity_model/b", 300.0)


def test_rule_medians_take_the_median_over_runs(tmp_path):
    runs = [_fake_run(tmp_path / f"run{i}", scale) for i, scale in enumerate((1.0, 3.0, 2.0))]
    medians = run_benchmarks.rule_medians(runs)
    assert medians["clean_responses"]["wall_s"] == pytest.approx(3.0)
    assert medians["clean_responses"]["max_rss_mib"] == pytest.approx(300.0)
    assert medians["write_manifest"]["max_rss_mib"] is None  # NA in every run


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads Linux's /proc")
def test_tree_rss_counts_the_children():
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(5)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"  # the child is running, not exec-ing
        own = common.tree_rss(child.pid)
        assert own > 0
        assert common.tree_rss(os.getpid()) > own
    finally:
        child.kill()
        child.wait()


def _data(tmp_path: Path) -> dict:
    run = {"wall_s": 8.0, "cpu_s": 11.0, "peak_mib": 800.0}
    big = {"wall_s": 40.0, "cpu_s": 60.0, "peak_mib": 1800.0}
    pipeline = {
        "4354": {"full": [run], "noop": [dict(run, wall_s=1.3)]},
        "100000": {"full": [dict(run, wall_s=10.0)], "noop": [dict(run, wall_s=1.3)]},
    }
    for k, scale in (("4354", 1.0), ("100000", 2.0)):
        pipeline[k]["jobs"] = [_fake_run(tmp_path / k, scale)]
        pipeline[k]["largest_job"], pipeline[k]["largest_job_rss_mib"] = "clean_responses", 300.0
    previous = {"pipeline": {"1000000": {"full": [big], "noop": [dict(big, wall_s=1.3)]}}}
    previous["pipeline"]["1000000"] |= {"largest_job": "clean_responses.tsv"}
    previous["pipeline"]["1000000"] |= {"largest_job_rss_mib": 1200.0}
    previous["stages"] = {"1000000": {"python_svyolr_s": 1.0, "times": {}}}
    data = {
        "command": "python benchmarks/run_benchmarks.py",
        "date": "2026-12-02",
        "load_before": "0.1",
        "load_after": "0.2",
        "elapsed_min": 1.0,
        "repeats": 1,
        "machine": [["CPU", "test"]],
        "floor": {"imports_s": 1.5, "imports_runs": [1.5]}
        | {"snakemake_noop_s": 1.0, "snakemake_noop_runs": [1.0]},
        "pipeline": pipeline,
        "ours": {},
        "r": {},
        "kept": {},
    }
    run_benchmarks.keep_previous(data, previous, "2026-11-25")
    return data


def test_results_tables_from_fake_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(run_benchmarks, "OUT", tmp_path / "RESULTS.md")
    data = _data(tmp_path)
    assert data["ours"]["1000000"] == {"python_svyolr_s": 1.0}
    run_benchmarks.write_results(data)
    text = (tmp_path / "RESULTS.md").read_text()
    # 8.0 s / (1.5 + 1.0) s = 3.2 x the floor: missed
    assert "| full default run from clean / floor | 8.00 s / 2.50 s = **3.20 x** |" in text
    assert "n = 1,000,000 was not re-run: its figures are kept from 2026-11-25." in text
    kept_goal = "| 1,000,000 respondents end to end (wall) (kept, not re-run) | **40.0 s** |"
    assert kept_goal in text
    # 40 us vs 100 us per respondent
    assert "40.0 vs 100.0 us = **0.40 x**" in text
    # per rule at 4,354 then 100,000: wall, CPU, max_rss; sorted by wall at 100,000
    assert "| fit_sensitivity_model | 2 | 3.00 | 2.70 | 300 | 6.00 | 5.40 | 300 |" in text
    assert "| clean_responses | 2.0 |" in text  # growth: 3.0 s / 1.5 s
    assert "| **sum of jobs** |  | 4.70 | 3.90 |  | 9.20 | 7.80 |  |" in text
    assert "| 1,000,000 (kept) | 40.00 |" in text
