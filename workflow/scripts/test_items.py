"""Rule test_items: the plan's Rao-Scott tests (rows of tests.csv) and binary-item logits."""

import logging

from socialwork_ict.items import item_logits, item_tests, plan_inputs
from socialwork_ict.models.design_matrix import DEFAULT_FACTORS
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.test_items")


def main(snakemake):
    params = snakemake.params
    inp = snakemake.input
    frame, sections, design = plan_inputs(
        inp.weighted, inp.codebook, inp.targets, plan=params.plan, variance=params.variance,
        weighting=params.weighting, seed=params.seed,
    )  # fmt: skip
    tests = item_tests(frame, sections, design, params.countries)
    log.info("item tests: %d rows", len(tests))
    write_table(tests, snakemake.output.tests)
    covariates = (params.plan or {}).get("covariates") or list(DEFAULT_FACTORS)
    logits = item_logits(frame, sections, design, covariates)
    for row in logits[logits["term"] == "(not fitted)"].itertuples():
        log.warning("logit of %s not fitted: %s", row.variable, row.note)
    write_table(logits, snakemake.output.logits)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
