"""Rule fit_sensitivity_model: a batch of specifications' rows of sensitivity.csv."""

import pandas as pd

from socialwork_ict.models.model_frame import complete_cases
from socialwork_ict.models.sensitivity import sensitivity_table
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    frame, _ = complete_cases(pd.read_parquet(snakemake.input.weighted))
    table = sensitivity_table(
        frame,
        countries=tuple(snakemake.params.countries),
        only=list(snakemake.params.specifications),
    )
    write_table(table, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
