"""Rule test_age_association: tests.csv and the proportional-odds check."""

import pandas as pd

from socialwork_ict.models.age_tests import age_association_tests
from socialwork_ict.models.model_frame import MODEL_VARIABLES, complete_cases
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    frame, _ = complete_cases(
        pd.read_parquet(snakemake.input.weighted, columns=[*MODEL_VARIABLES, "weight"])
    )
    tests = age_association_tests(
        frame, fit_ordinal(frame), countries=tuple(snakemake.params.countries)
    )
    write_table(tests.table, snakemake.output.tests)
    po = tests.proportional_odds
    write_table(po.coefficients, snakemake.output.po_check)
    write_table(tests.interaction_fit.coef_table(), snakemake.output.interaction)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
