"""Helpers shared by the benchmark scripts (project copies, measured runs, Snakemake's
benchmark files, machine description, R, the model frame).

Imported as ``from bench_common import ...`` by ``benchmarks/*.py`` (run as
scripts from the repository root, so ``benchmarks/`` is on ``sys.path``).
"""

from __future__ import annotations

import csv
import importlib.util
import os
import platform
import resource
import shutil
import subprocess
import threading
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
#: the model's factors, in the order R's model frame uses them
FACTORS = ("age_group", "country", "gender", "sector")
PAGE = os.sysconf("SC_PAGE_SIZE")


def copy_project(destination: Path) -> Path:
    """The tests' copy of the project (``tests/workflow_runner.copy_project``).

    Loaded from its file, so ``tests/`` is not put on ``sys.path``.
    """
    spec = importlib.util.spec_from_file_location(
        "workflow_runner", ROOT / "tests" / "workflow_runner.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.copy_project(destination)


def clean(project: Path) -> None:
    """Remove a project copy's outputs, logs and Snakemake state (a run from clean)."""
    for part in ("results", "reports", "logs", ".snakemake"):
        shutil.rmtree(project / part, ignore_errors=True)


def tree_rss(root: int) -> int:
    """Summed resident memory (bytes) of process ``root`` and all its descendants.

    Walks ``/proc/PID/task/TID/children`` from ``root`` (Linux), so that only the
    tree's own processes are read; a process that ends meanwhile counts 0.
    """
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:  # fields after the command name: state, ppid, ..., rss (field 24, in pages)
            total += int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[21])
            for task in os.scandir(f"/proc/{pid}/task"):
                todo += map(int, Path(task.path, "children").read_text().split())
        except OSError:
            continue
    return total * PAGE


def measure(command: list[str], cwd: Path, *, every_s: float = 0.02) -> dict:
    """Wall time, CPU time (user + system of all descendants) and peak summed RSS of a run.

    The RSS of the process tree is sampled every ``every_s`` seconds. Stops with the
    output's tail if the command fails.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(every_s)

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


def _number(text: str | None) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):  # "NA" or "-": too short for Snakemake to sample
        return None


def job_benchmarks(folder: Path) -> dict[str, dict]:
    """Snakemake's ``benchmark:`` files under ``folder``, one entry per job.

    Key: the file's path relative to ``folder`` without ``.tsv``
    (``fit_sensitivity_model/all``); value: ``wall_s`` (column ``s``), ``cpu_s``
    (``cpu_time``) and ``max_rss_mib`` (``max_rss``, MB as Snakemake's psutil
    sampling reports it) of the file's last row; ``None`` where Snakemake wrote NA.
    """
    jobs = {}
    for tsv in sorted(folder.rglob("*.tsv")):
        with open(tsv, encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        if rows:
            row = rows[-1]
            jobs[tsv.relative_to(folder).with_suffix("").as_posix()] = {
                "wall_s": _number(row.get("s")),
                "cpu_s": _number(row.get("cpu_time")),
                "max_rss_mib": _number(row.get("max_rss")),
            }
    return jobs


def rule_totals(jobs: dict[str, dict]) -> dict[str, dict]:
    """Per rule (the job key's first part): number of jobs, summed wall and CPU, largest RSS."""
    rules: dict[str, dict] = {}
    for job, values in jobs.items():
        total = rules.setdefault(
            job.split("/")[0], {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0, "max_rss_mib": None}
        )
        total["jobs"] += 1
        total["wall_s"] += values["wall_s"] or 0.0
        total["cpu_s"] += values["cpu_s"] or 0.0
        if values["max_rss_mib"] is not None:
            total["max_rss_mib"] = max(total["max_rss_mib"] or 0.0, values["max_rss_mib"])
    return rules


def largest_job(jobs: dict[str, dict]) -> tuple[str, float]:
    """The job with the largest ``max_rss_mib`` (``("", 0.0)`` if none was sampled)."""
    sampled = [(v["max_rss_mib"], job) for job, v in jobs.items() if v["max_rss_mib"] is not None]
    rss, job = max(sampled, default=(0.0, ""))
    return job, rss


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def machine_rows(packages: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(item, value) rows: CPU, cores, memory, platform, Python and package versions."""
    rows = [
        ("CPU", cpu_model()),
        ("cores available", str(cores())),
        ("memory", memory_total()),
        ("platform", platform.platform()),
        ("Python", platform.python_version()),
    ]
    return rows + [(name, version(name)) for name in packages]


def r_available() -> bool:
    """Rscript is on PATH and ``library(survey)`` loads."""
    if shutil.which("Rscript") is None:
        return False
    proc = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages(library(survey))"],
        capture_output=True,
        check=False,
    )
    return proc.returncode == 0


def write_r_frame(frame, path: Path, extra: dict | None = None) -> None:
    """Model frame for R: factors as 1-based level codes (1 = reference level)."""
    import pandas as pd

    out = pd.DataFrame({"ict_freq": frame["ict_freq"].astype(int)})
    for name in FACTORS:
        out[name] = frame[name].cat.codes.astype(int) + 1
    out["weight"] = frame["weight"].astype(float)
    for name, values in (extra or {}).items():
        out[name] = values
    out.to_csv(path, index=False, float_format="%.17g")


def r_term_names(frame, terms: list[str], thresholds: list[str]) -> dict:
    """Our term name -> svyolr's name (``age_group2``, ``1|2``)."""
    from socialwork_ict.models.design_matrix import term_name

    mapping = {}
    for name in FACTORS:
        for code, level in enumerate(frame[name].cat.categories, start=1):
            mapping[term_name(name, level)] = f"{name}{code}"
    out = {t: mapping[t] for t in terms}
    out.update({t: t.removeprefix("threshold ") for t in thresholds})
    return out


def compare_with_r(estimates_csv: Path, ours: dict) -> dict:
    """Max abs difference of estimates and max relative difference of SEs vs R's svyolr."""
    import numpy as np
    import pandas as pd

    est = pd.read_csv(estimates_csv).set_index("term")
    names = ours["r_names"]
    r_est = np.array([est.loc[names[t], "estimate"] for t in names])
    r_se = np.array([est.loc[names[t], "std_error"] for t in names])
    our_est = np.array([ours["estimates"][t] for t in names])
    our_se = np.array([ours["std_errors"][t] for t in names])
    return {
        "max_abs_diff_estimate": float(np.max(np.abs(r_est - our_est))),
        "max_rel_diff_se": float(np.max(np.abs(r_se / our_se - 1.0))),
    }


def markdown_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines
