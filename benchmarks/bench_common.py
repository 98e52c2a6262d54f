"""Helpers shared by the benchmark scripts (machine description, R, the model frame).

Imported as ``from bench_common import ...`` by ``benchmarks/*.py`` (run as
scripts from the repository root, so ``benchmarks/`` is on ``sys.path``).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
#: the model's factors, in the order R's model frame uses them
FACTORS = ("age_group", "country", "gender", "sector")


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
