"""Rule analyse_imputation: the per-imputation model, tests and Table 2 of one completed file."""

import os

# one BLAS thread: the m analyses are parallel jobs (OpenBLAS threads oversubscribe)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

from socialwork_ict.imputation.analysis import analyse_completed  # noqa: E402
from socialwork_ict.imputation.supplied import read_completed  # noqa: E402
from socialwork_ict.inference.variance import rule_design  # noqa: E402
from socialwork_ict.models.model_frame import MODEL_VARIABLES  # noqa: E402
from socialwork_ict.rule_io import run_rule, write_table  # noqa: E402


def main(snakemake):
    everyone = pd.read_parquet(
        snakemake.input.weighted, columns=["respondent_id", *MODEL_VARIABLES, "age", "weight"]
    )
    params = snakemake.params
    # the complete-case analysis' design (raking cells as observed) over the same rows
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    frame = read_completed(snakemake.input.completed, everyone)
    result = analyse_completed(frame, design=design, countries=tuple(params.countries))
    for name in ("ordinal", "interaction", "tests", "table2"):
        write_table(result[name], snakemake.output[name])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
