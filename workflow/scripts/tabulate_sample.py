"""Rule tabulate_sample: Tables 1-3, the margins and diagnostics, disclosure-protected
(socialwork_ict.tabulate.tabulate_sample)."""

import pandas as pd
import yaml

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.rule_io import run_rule, write_table
from socialwork_ict.tabulate import tabulate_sample


def _csv(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def main(snakemake):
    frame = pd.read_parquet(snakemake.input.weighted)
    with open(snakemake.input.published, encoding="utf-8") as handle:
        claims = (yaml.safe_load(handle) or {}).get("claims") or []
    params = snakemake.params
    design = rule_design(
        frame, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    tables = tabulate_sample(
        frame,
        margins=_csv(snakemake.input.margins),
        diagnostics=_csv(snakemake.input.diagnostics),
        claims=claims,
        countries=params.countries,
        design=design,
        disclosure=params.disclosure,
        table3=_csv(snakemake.input.table3),
    )
    for name in ("table1_internal", "table2_internal", "table1", "table2", "table3", "margins",
                 "diagnostics", "withheld", "audit"):  # fmt: skip
        write_table(getattr(tables, name), snakemake.output[name])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
