"""Rule impute_responses: the job's completed datasets by chained equations (one long file)."""

import logging

import pandas as pd

from socialwork_ict.blas import single_thread
from socialwork_ict.imputation.batches import impute_batch
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.impute_responses")


def main(snakemake):
    single_thread()  # the jobs run in parallel: no oversubscribed BLAS threads
    settings = snakemake.params
    weighted = pd.read_parquet(snakemake.input.weighted)
    completed = impute_batch(
        weighted,
        settings.imputations,
        seed=int(settings.seed),
        iterations=int(settings.iterations),
        variables=settings.variables,
    )
    log.info("imputations %s: %d respondents completed each", settings.imputations, len(weighted))
    write_table(completed, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
