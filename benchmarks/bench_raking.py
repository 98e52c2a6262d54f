"""Benchmark: rake_weights on 1,000,000 synthetic respondents in 4 countries.

Run from the repository root::

    python benchmarks/bench_raking.py

Builds a seeded synthetic analysis frame (labelled categoricals, as the
cleaning stage writes them; about 1 % gender "another gender" and 0.5 %
missing age group, handled by the default ``rake_available`` rule), times
``rake_weights`` (median of 3 runs after one warm-up) and writes the result
to ``benchmarks/raking.md``. The goal is <= 2 s.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_common import cpu_model

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES, FACTOR_LEVELS
from socialwork_ict.weighting import rake_weights

N = 1_000_000
SEED = 20240611
REPEATS = 3
OUT = Path(__file__).with_name("raking.md")

TARGETS = {
    "CA": {"age_group": [0.16, 0.27, 0.23, 0.20, 0.14], "woman": 0.86},
    "US": {"age_group": [0.14, 0.25, 0.22, 0.21, 0.18], "woman": 0.83},
    "IL": {"age_group": [0.18, 0.30, 0.24, 0.17, 0.11], "woman": 0.90},
    "UK": {"age_group": [0.12, 0.24, 0.25, 0.23, 0.16], "woman": 0.82},
}


def synthetic_frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    country = rng.choice(4, n, p=[0.45, 0.30, 0.15, 0.10])
    age = rng.choice(5, n, p=[0.12, 0.28, 0.27, 0.21, 0.12]).astype(float)
    age[rng.random(n) < 0.005] = np.nan
    gender = rng.choice(3, n, p=[0.88, 0.11, 0.01])
    return pd.DataFrame(
        {
            "country": pd.Categorical.from_codes(country, categories=list(COUNTRIES)),
            "age_group": pd.Categorical.from_codes(
                np.nan_to_num(age, nan=-1).astype(int), categories=list(AGE_GROUPS), ordered=True
            ),
            "gender": pd.Categorical.from_codes(gender, categories=list(FACTOR_LEVELS["gender"])),
        }
    )


def targets() -> dict:
    return {
        country: {
            "source": "benchmark shares (illustrative)",
            "age_group": dict(zip(AGE_GROUPS, spec["age_group"], strict=True)),
            "gender": {"woman": spec["woman"], "man": 1 - spec["woman"]},
        }
        for country, spec in TARGETS.items()
    }


def main() -> None:
    frame = synthetic_frame(N, SEED)
    tg = targets()
    result = rake_weights(frame, tg)  # warm-up
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = rake_weights(frame, tg)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    diag = result.diagnostics
    lines = [
        "# Benchmark: `rake_weights` on 1,000,000 respondents",
        "",
        "Written by `python benchmarks/bench_raking.py` (seeded synthetic frame,",
        f"seed {SEED}; 4 countries; age_group x gender; ~1 % another gender and",
        '~0.5 % missing age group under `outside_rule="rake_available"`;',
        "epsilon 1e-12, max_iter 200). Goal: <= 2 s.",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| respondents | {N:,} |",
        f"| median of {REPEATS} runs (s) | {median:.3f} |",
        f"| all runs (s) | {', '.join(f'{t:.3f}' for t in times)} |",
        f"| CPU | {cpu_model()} |",
        f"| cores available | {os.cpu_count()} |",
        f"| Python | {platform.python_version()} |",
        f"| numpy | {np.__version__} |",
        f"| pandas | {pd.__version__} |",
        f"| platform | {platform.platform()} |",
        "",
        "Raking sweeps and outside-target respondents per country:",
        "",
        "| country | n | iterations | n_outside_targets | deff_kish |",
        "|---|---|---|---|---|",
    ]
    for row in diag.itertuples():
        lines.append(
            f"| {row.country} | {row.n:,} | {row.iterations} | {row.n_outside_targets:,} "
            f"| {row.deff_kish:.4f} |"
        )
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"median {median:.3f} s over {REPEATS} runs; written {OUT}")


if __name__ == "__main__":
    main()
