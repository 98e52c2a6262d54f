"""Rule compare_published: published_vs_reproduced.csv (one row per published claim)."""

import logging

import pandas as pd
import yaml

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.report.published import compare_published
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.compare_published")


def main(snakemake):
    with open(snakemake.input.published, encoding="utf-8") as handle:
        published = yaml.safe_load(handle)
    weighted = pd.read_parquet(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        weighted, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    comparison = compare_published(
        weighted,
        pd.read_csv(snakemake.input.model),
        pd.read_csv(snakemake.input.tests),
        pd.read_csv(snakemake.input.sensitivity),
        published,
        withheld=pd.read_csv(snakemake.input.withheld),
        design=design,
    )
    for row in comparison.itertuples(index=False):
        log.info("%s: %s (published %s, reproduced %s)", row.id, row.status, row.published,
                 row.reproduced)  # fmt: skip
    write_table(comparison, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
