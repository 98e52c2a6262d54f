"""Rule fit_sensitivity_model: a batch of specifications' rows of sensitivity.csv."""

import pandas as pd

from socialwork_ict.models.model_frame import MODEL_VARIABLES, complete_cases
from socialwork_ict.models.sensitivity import sensitivity_table
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    # the model variables, both weights and age (the age-per-10-years specification)
    columns = [*MODEL_VARIABLES, "weight", "weight_trimmed", "age"]
    frame, _ = complete_cases(pd.read_parquet(snakemake.input.weighted, columns=columns))
    table = sensitivity_table(
        frame,
        countries=tuple(snakemake.params.countries),
        only=list(snakemake.params.specifications),
    )
    write_table(table, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
