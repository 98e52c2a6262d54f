"""Rule rake_weights: raked weights, weighting diagnostics and achieved margins."""

import logging

import pandas as pd

from socialwork_ict.rule_io import run_rule, write_parquet, write_table
from socialwork_ict.weighting.raking import rake_configured

log = logging.getLogger("socialwork_ict.rake_weights")


def main(snakemake):
    analysis = pd.read_parquet(snakemake.input.analysis)
    result, trimmed = rake_configured(analysis, snakemake.input.targets, snakemake.params.weighting)
    for row in result.diagnostics.itertuples():
        log.info(
            "%s: n=%d, %s after %d sweeps, weights %.3f-%.3f, Kish deff %.3f, n_eff %.1f, "
            "%d outside the targets, %d trimmed",
            row.country, row.n, "converged" if row.converged else "NOT converged",
            row.iterations, row.min_weight, row.max_weight, row.deff_kish, row.n_effective,
            row.n_outside_targets, row.n_trimmed,
        )  # fmt: skip
    weights = analysis[["respondent_id", "country"]].assign(
        weight=result.weights, weight_trimmed=trimmed.weights
    )
    write_table(weights, snakemake.output.weights)
    write_table(result.diagnostics, snakemake.output.diagnostics)
    write_table(result.margins, snakemake.output.margins)
    write_parquet(
        analysis.assign(weight=result.weights, weight_trimmed=trimmed.weights),
        snakemake.output.weighted,
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
