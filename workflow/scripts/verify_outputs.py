"""Rule verify: fail, naming each problem on its own line, when a check fails.

Checks are functions of the rule's named inputs returning problem lines; add
one to ``CHECKS`` (e.g. a manifest check) to extend ``snakemake verify``.
"""

import logging

import pandas as pd

from socialwork_ict.report.published import mismatches
from socialwork_ict.rule_io import run_rule

log = logging.getLogger("socialwork_ict.verify")


def published_claims(inputs) -> list[str]:
    """Every published claim with status mismatch."""
    return mismatches(pd.read_csv(inputs.comparison))


CHECKS = (published_claims,)


def main(snakemake):
    problems = [line for check in CHECKS for line in check(snakemake.input)]
    for line in problems:
        log.error("%s", line)
    if problems:
        raise SystemExit(1)
    log.info("verify: all %d check(s) passed", len(CHECKS))


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
