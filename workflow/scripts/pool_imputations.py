"""Rule pool_imputations: Rubin's rules, D1/D2 and logit pooling over the m analyses."""

import logging

import pandas as pd

from socialwork_ict.imputation.batches import ANALYSIS_KEYS, pool_batches
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.pool_imputations")


def main(snakemake):
    inp = snakemake.input
    pooled = pool_batches(
        {key: list(inp[key]) for key in ANALYSIS_KEYS}, list(inp.completed),
        long=snakemake.params.long, weighted=pd.read_parquet(inp.weighted),
    )  # fmt: skip
    log.info("%d imputations (%s) pooled", pooled["m"], snakemake.params.method)
    for name in ("ordinal", "tests", "table2", "counts", "sensitivity"):
        write_table(pooled[name], snakemake.output[name])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
