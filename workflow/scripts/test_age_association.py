"""Rule test_age_association: tests.csv and the proportional-odds check."""

from dataclasses import replace

import pandas as pd

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.models.age_tests import age_association_tests
from socialwork_ict.models.model_frame import (
    complete_case_rows,
    complete_cases,
    read_model_respondents,
)
from socialwork_ict.models.ordinal import fit_ordinal, ordinal_design_vcov
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    everyone = read_model_respondents(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    frame, _ = complete_cases(everyone)
    rows = complete_case_rows(everyone)
    primary = fit_ordinal(frame)
    vcov, df_residual = ordinal_design_vcov(primary, frame, design, rows)
    primary = replace(primary, vcov=vcov, df_residual=df_residual)
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
