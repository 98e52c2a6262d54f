"""Rule tabulate_sample: Table 1 and Table 2."""

import pandas as pd

from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.rule_io import run_rule, write_table
from socialwork_ict.tables import table1_sample


def main(snakemake):
    frame = pd.read_parquet(snakemake.input.weighted)
    countries = tuple(snakemake.params.countries)
    write_table(table1_sample(frame, countries=countries), snakemake.output.table1)
    write_table(table2_freq_by_age(frame, countries=countries), snakemake.output.table2)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
