"""Rule impute_responses: one completed dataset by chained equations."""

import logging

import pandas as pd

from socialwork_ict.blas import single_thread
from socialwork_ict.imputation.chained import impute_chained
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.impute_responses")


def main(snakemake):
    single_thread()  # the m jobs run in parallel: no oversubscribed BLAS threads
    settings = snakemake.params
    weighted = pd.read_parquet(snakemake.input.weighted)
    number = int(snakemake.wildcards.imputation)
    completed = impute_chained(
        weighted,
        seed=int(settings.seed),
        imputation=number,
        iterations=int(settings.iterations),
        variables=settings.variables,
    )
    log.info("imputation %d: %d respondents completed", number, len(completed))
    write_table(completed, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
