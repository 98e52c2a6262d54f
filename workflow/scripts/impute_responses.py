"""Rule impute_responses: one completed dataset by chained equations."""

import os

# one BLAS thread: the m imputations are parallel jobs, and the imputation models'
# small matrix products slow down by an order of magnitude when threads oversubscribe
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import logging  # noqa: E402

import pandas as pd  # noqa: E402

from socialwork_ict.imputation.chained import impute_chained  # noqa: E402
from socialwork_ict.rule_io import run_rule, write_table  # noqa: E402

log = logging.getLogger("socialwork_ict.impute_responses")


def main(snakemake):
    settings = snakemake.params.imputation
    weighted = pd.read_parquet(snakemake.input.weighted)
    number = int(snakemake.wildcards.imputation)
    completed = impute_chained(
        weighted,
        seed=int(settings["seed"]),
        imputation=number,
        iterations=int(settings["iterations"]),
        variables=settings["variables"],
    )
    log.info("imputation %d: %d respondents completed", number, len(completed))
    write_table(completed, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
