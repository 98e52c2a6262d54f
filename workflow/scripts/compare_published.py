"""Rule compare_published: published_vs_reproduced.csv, one row per published claim
(socialwork_ict.report.claims.compare_run)."""

import logging

from socialwork_ict.report.claims import compare_run
from socialwork_ict.rule_io import run_rule, write_table

log = logging.getLogger("socialwork_ict.compare_published")


def main(snakemake):
    files = snakemake.input
    comparison = compare_run(
        **{key: files[key] for key in ("published", "weighted", "model", "tests", "sensitivity")},
        withheld=files.withheld,
        any_use=files.any_use,
        targets=files.targets,
        **{key: snakemake.params[key] for key in ("variance", "weighting", "seed")},
    )
    for row in comparison.itertuples(index=False):
        log.info("%s: %s (published %s, reproduced %s)", row.id, row.status, row.published,
                 row.reproduced)  # fmt: skip
    write_table(comparison, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
