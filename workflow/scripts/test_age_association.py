"""Rule test_age_association: tests.csv and the proportional-odds check."""

import pandas as pd

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.models.age_tests import age_association_tests
from socialwork_ict.models.model_frame import (
    complete_case_rows,
    complete_cases,
    read_model_respondents,
)
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.models.primary import with_stored_vcov
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    everyone = read_model_respondents(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    frame, _ = complete_cases(everyone)
    rows = complete_case_rows(everyone)
    # the primary fit with the design covariance rule fit_ordinal_model computed
    primary = with_stored_vcov(fit_ordinal(frame), snakemake.input.vcov, snakemake.input.model_info)
    tests = age_association_tests(
        frame,
        primary,
        countries=tuple(params.countries),
        design=design,
        rows=rows,
        everyone=everyone,
    )
    # the analysis plan's tests (rule test_items) follow the age tests
    item_tests = pd.read_csv(snakemake.input.item_tests, keep_default_na=False, na_values=[""])
    table = tests.table if item_tests.empty else pd.concat([tests.table, item_tests])
    write_table(table, snakemake.output.tests)
    po = tests.proportional_odds
    write_table(po.coefficients, snakemake.output.po_check)
    write_table(tests.interaction_fit.coef_table(), snakemake.output.interaction)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
