"""Memory estimates of the rules (``resources: mem_mb``).

Every job that holds respondent-level data declares an estimate of its peak
memory, so Snakemake never runs jobs together whose estimates exceed the
budget given with ``--resources mem_mb=N`` (the default profile gives 2048;
a cluster profile requests it per job). An estimate is one Python process
with pandas/pyarrow/matplotlib loaded plus a multiple of the size of the
file the job reads. Each multiple is the largest per-job ``max_rss`` of a
1,000,000-respondent run (Snakemake's ``benchmark:`` files) divided by the
size of that job's input, rounded up; the measurements are in
benchmarks/RESULTS.md. Snakemake caps an estimate above the budget to it
(the job then runs alone).

Pandas-free: the Snakefile imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

#: MB of a Python job with pandas/pyarrow/matplotlib loaded (the largest max_rss
#: of the default run, rounded up)
PROCESS_MB = 250
#: MB per MB of the raw export (text held as typed columns while checked; an
#: irregular CSV, read by the slow path, needs the most)
RAW_FILE_FACTOR = 24
#: MB per MB of the analysis parquet (models: design matrix, scores, influences;
#: test_age_association needs the most)
ANALYSIS_FILE_FACTOR = 102
#: MB per MB of a published CSV table read whole (weights.csv for the figures)
TABLE_FILE_FACTOR = 4
#: MB per synthetic respondent generated
SYNTHETIC_MB_PER_RESPONDENT = 0.0008


def memory_mb(input_key: str, factor: float) -> Callable[[object, Mapping], int]:
    """mem_mb of a job: PROCESS_MB + ``factor`` x size (MB) of ``input[input_key]``.

    Returns the callable Snakemake evaluates once the input exists (before
    that it shows "TBD")."""

    def estimate(wildcards, input) -> int:
        size_mb = Path(input[input_key]).stat().st_size / 2**20
        return int(PROCESS_MB + factor * size_mb)

    return estimate


def synthetic_memory_mb(n_eligible: Mapping[str, int]) -> int:
    """mem_mb of generating the synthetic raw export of ``n_eligible`` respondents
    per country."""
    return int(PROCESS_MB + SYNTHETIC_MB_PER_RESPONDENT * sum(n_eligible.values()))
