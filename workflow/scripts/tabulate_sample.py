"""Rule tabulate_sample: Table 1, Table 2 and the margins, disclosure-protected."""

import logging

import pandas as pd

from socialwork_ict.disclosure import protect_tables
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.rule_io import run_rule, write_table
from socialwork_ict.tables import table1_sample

log = logging.getLogger("socialwork_ict.tabulate_sample")


def main(snakemake):
    frame = pd.read_parquet(snakemake.input.weighted)
    margins = pd.read_csv(snakemake.input.margins, keep_default_na=False, na_values=[""])
    countries = tuple(snakemake.params.countries)
    table1 = table1_sample(frame, countries=countries)
    params = snakemake.params
    design = rule_design(
        frame, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    table2 = table2_freq_by_age(frame, countries=countries, design=design)
    write_table(table1, snakemake.output.table1_internal)
    write_table(table2, snakemake.output.table2_internal)
    protected = protect_tables(table1, table2, margins, k=snakemake.params.k)
    for name, table in zip(("table 1", "table 2", "margins"), protected, strict=True):
        log.info("%s: %d of %d cells suppressed (k = %d)",
                 name, int(table["suppressed"].sum()), len(table), snakemake.params.k)  # fmt: skip
    write_table(protected[0], snakemake.output.table1)
    write_table(protected[1], snakemake.output.table2)
    write_table(protected[2], snakemake.output.margins)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
