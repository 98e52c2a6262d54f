"""Rule tabulate_sample: Table 1, Table 2, the margins and diagnostics, disclosure-protected."""

import logging

import numpy as np
import pandas as pd
import yaml

from socialwork_ict.disclosure import protect_published, settings_from_config
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.reliability import reliability_flags, table1_flags
from socialwork_ict.rule_io import run_rule, write_table
from socialwork_ict.tables import table1_sample

log = logging.getLogger("socialwork_ict.tabulate_sample")


def _csv(path):
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def main(snakemake):
    settings = settings_from_config(snakemake.params.disclosure)
    frame = pd.read_parquet(snakemake.input.weighted)
    with open(snakemake.input.published, encoding="utf-8") as handle:
        claims = (yaml.safe_load(handle) or {}).get("claims") or []
    countries = tuple(snakemake.params.countries)
    params = snakemake.params
    design = rule_design(
        frame, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    table1 = table1_sample(frame, countries=countries, design=design)
    table2 = table2_freq_by_age(frame, countries=countries, design=design)
    margins = _csv(snakemake.input.margins)
    diagnostics = _csv(snakemake.input.diagnostics)
    table3 = _csv(snakemake.input.table3)
    protected = protect_published(
        table1, table2, margins, diagnostics, frame, claims, settings, table3=table3
    )
    summary = protected.summary
    log.info("disclosure control (k = %d, protection level %d, %s): %d cells, %d primary, "
             "%d secondary (%d respondents; any protecting pattern needs at least %d), "
             "%d hidden linking cells, %d equations",
             settings.k, summary["protection_level"], summary["method"], summary["cells"],
             summary["primary"], summary["secondary"], summary["respondents_in_secondary"],
             summary["secondary_lower_bound"],
             summary["hidden_cells"], summary["equations"])  # fmt: skip
    for name in ("table1", "table2", "margins"):
        table = getattr(protected, name)
        log.info("%s: %d of %d cells suppressed (%d threshold, %d to protect others)",
                 name, int(table["suppressed"].sum()), len(table),
                 int(table["n"].astype(str).str.startswith("<").sum()),
                 int((table["n"] == "x").sum()))  # fmt: skip
    for row in protected.claims[protected.claims["withheld"]].itertuples():
        log.info("published_vs_reproduced: %s withheld (disclosure control)", row.id)
    write_table(table1, snakemake.output.table1_internal)
    write_table(table2, snakemake.output.table2_internal)
    flags1 = table1_flags(table1)
    published1 = protected.table1.assign(flag=np.where(protected.table1["suppressed"], "", flags1))
    log.info("table1: %d shown estimates flagged as unreliable (NCHS 2017)",
             int((published1["flag"] != "").sum()))  # fmt: skip
    write_table(published1, snakemake.output.table1)
    flags = reliability_flags(*(table2[c] for c in ("pct_weighted", "se_weighted", "ci_low",
                                                    "ci_high", "df", "n")))  # fmt: skip
    published2 = protected.table2.assign(flag=np.where(protected.table2["suppressed"], "", flags))
    log.info("table2: %d shown estimates flagged as unreliable (NCHS 2017)",
             int((published2["flag"] != "").sum()))  # fmt: skip
    write_table(published2, snakemake.output.table2)
    flags3 = reliability_flags(*(table3[c] for c in ("pct_weighted", "se", "ci_low", "ci_high",
                                                     "df", "n")))  # fmt: skip
    published3 = protected.table3.assign(flag=np.where(protected.table3["suppressed"], "", flags3))
    log.info("table3: %d of %d cells suppressed; %d shown estimates flagged as unreliable",
             int(published3["suppressed"].sum()), len(published3),
             int((published3["flag"] != "").sum()))  # fmt: skip
    write_table(published3, snakemake.output.table3)
    write_table(protected.margins, snakemake.output.margins)
    write_table(protected.diagnostics, snakemake.output.diagnostics)
    write_table(protected.claims, snakemake.output.withheld)
    write_table(protected.audit, snakemake.output.audit)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
