"""Rule test_items: the plan's Rao-Scott tests (rows of tests.csv) and binary-item logits."""

import logging

import pandas as pd

from socialwork_ict.codebook import load_codebook
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.items import item_logits, item_tests, load_plan
from socialwork_ict.models.design_matrix import DEFAULT_FACTORS
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.test_items")


def main(snakemake):
    params = snakemake.params
    frame = pd.read_parquet(snakemake.input.weighted)
    sections = load_plan(params.plan, load_codebook(snakemake.input.codebook))
    design = rule_design(
        frame, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    tests = item_tests(frame, sections, design, params.countries)
    log.info("item tests: %d rows", len(tests))
    write_table(tests, snakemake.output.tests)
    covariates = (params.plan or {}).get("covariates") or list(DEFAULT_FACTORS)
    logits = item_logits(frame, sections, design, covariates)
    for row in logits[logits["term"] == "(not fitted)"].itertuples():
        log.warning("logit of %s not fitted: %s", row.variable, row.note)
    write_table(logits, snakemake.output.logits)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
