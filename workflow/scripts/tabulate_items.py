"""Rule tabulate_items: Table 3 of the analysis plan (unsuppressed) and any-use by breakdown."""

import logging

from socialwork_ict.disclosure import settings_from_config
from socialwork_ict.items import (
    any_use_by_breakdown,
    no_discussion_estimate,
    plan_inputs,
    plan_summary,
    table3_items,
)
from socialwork_ict.rule_io import run_rule, write_json, write_table

log = logging.getLogger("socialwork_ict.tabulate_items")


def main(snakemake):
    params = snakemake.params
    inp = snakemake.input
    frame, sections, design = plan_inputs(
        inp.weighted, inp.codebook, inp.targets, plan=params.plan, variance=params.variance,
        weighting=params.weighting, seed=params.seed,
    )  # fmt: skip
    table3, absent = table3_items(frame, sections, design, params.countries)
    for entry in absent:
        log.warning(
            "analysis plan: item %s not in this export (%s: %s): no Table 3 rows",
            entry["item"], entry["reason"], ", ".join(entry["columns"]),
        )  # fmt: skip
    log.info("table3: %d rows, %d items", len(table3), table3["item"].nunique())
    write_table(table3, snakemake.output.table3)
    disclosure = settings_from_config(params.disclosure)
    write_table(any_use_by_breakdown(frame, design, disclosure), snakemake.output.any_use)
    summary = plan_summary(sections, absent)
    summary["no_discussion"] = no_discussion_estimate(frame, design)
    write_json(summary, snakemake.output.plan)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
