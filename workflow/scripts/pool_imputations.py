"""Rule pool_imputations: Rubin's rules, D1/D2 and logit pooling over the m analyses."""

import logging

import pandas as pd

from socialwork_ict.imputation.analysis import imputed_counts, pool_analyses, sensitivity_rows
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.pool_imputations")


def main(snakemake):
    inp = snakemake.input
    keys = ("ordinal", "interaction", "tests", "table2")
    analyses = [
        {key: pd.read_csv(path) for key, path in zip(keys, paths, strict=True)}
        for paths in zip(*(inp[key] for key in keys), strict=True)
    ]
    pooled = pool_analyses(analyses)
    weighted = pd.read_parquet(inp.weighted)
    counts = imputed_counts(weighted, inp.completed)
    log.info("%d imputations (%s) pooled", len(analyses), snakemake.params.method)
    write_table(pooled["ordinal"], snakemake.output.ordinal)
    write_table(pooled["tests"], snakemake.output.tests)
    write_table(pooled["table2"], snakemake.output.table2)
    write_table(counts, snakemake.output.counts)
    write_table(
        sensitivity_rows(pooled["ordinal"], n=len(weighted), m=len(analyses)),
        snakemake.output.sensitivity,
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
