"""Rule fit_sensitivity_model: a batch of specifications' rows of sensitivity.csv."""

import pandas as pd

from socialwork_ict.models.model_frame import MODEL_VARIABLES, complete_case_rows, complete_cases
from socialwork_ict.models.sensitivity import sensitivity_designs, sensitivity_table
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    # the model variables, both weights and age (the age-per-10-years specification)
    columns = ["respondent_id", *MODEL_VARIABLES, "weight", "weight_trimmed", "age"]
    everyone = pd.read_parquet(snakemake.input.weighted, columns=columns)
    frame, _ = complete_cases(everyone)
    params = snakemake.params
    designs = sensitivity_designs(
        everyone,
        list(params.specifications),
        variance=params.variance,
        weighting=params.weighting,
        seed=params.seed,
        targets_path=snakemake.input.targets,
    )
    table = sensitivity_table(
        frame,
        countries=tuple(params.countries),
        only=list(params.specifications),
        designs=designs,
        rows=complete_case_rows(everyone),
    )
    write_table(table, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
