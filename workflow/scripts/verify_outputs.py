"""Rule verify: fail, naming each problem on its own line, when a check fails.

Two checks, each a function returning its problem lines and a one-line
summary of what it checked (add one to ``CHECKS`` to extend ``snakemake
verify``); the summaries are printed (and logged) whether the checks pass or
fail, the last line saying which:

- the published figures and claims (``config["published"]``, so a copy given
  with ``--config published=copy.yaml`` is used), recomputed from this run's
  results: every claim outside its tolerance is named;
- the manifest: every output, input or config file whose sha256 differs from
  ``results/manifest.tsv`` is named.

The results (``params.results``, the rule's VERIFIED_RESULTS) are read as they
are on disk (never rebuilt by ``verify``).
"""

import csv
import logging
from pathlib import Path

import pandas as pd
import yaml

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.manifest import manifest_problems
from socialwork_ict.report.published import (
    MATCH,
    MISMATCH,
    NOT_REPRODUCIBLE,
    compare_published,
    mismatches,
)
from socialwork_ict.rule_io import run_rule

log = logging.getLogger("socialwork_ict.verify")


def published_claims(snakemake) -> tuple[list[str], str]:
    """Every published claim that this run's results do not reproduce; the tally."""
    with open(snakemake.input.published, encoding="utf-8") as handle:
        published = yaml.safe_load(handle)
    params = snakemake.params
    results, withheld = params.results, params.withheld
    weighted = pd.read_parquet(results["weighted"])
    # the same variance design as rule compare_published (the "ubiquitous" intervals)
    design = rule_design(
        weighted, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    comparison = compare_published(
        weighted,
        pd.read_csv(results["model"]),
        pd.read_csv(results["tests"]),
        pd.read_csv(results["sensitivity"]),
        published,
        # a value withheld by disclosure control is not printed in a mismatch line either
        withheld=pd.read_csv(withheld) if Path(withheld).exists() else None,
        design=design,
    )
    counts = comparison["status"].value_counts()
    tally = ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)
    summary = f"published claims ({snakemake.input.published}): {len(comparison)} checked: {tally}"
    return mismatches(comparison), summary


def manifest_hashes(snakemake) -> tuple[list[str], str]:
    """Every file whose bytes differ from results/manifest.tsv; the tally."""
    manifest_file = snakemake.params.results["manifest"]
    with open(manifest_file, encoding="utf-8", newline="") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    problems = manifest_problems(manifest, raw_input=snakemake.params.raw)
    roles = ", ".join(
        f"{sum(row['role'] == role for row in manifest)} {role}"
        for role in sorted({row["role"] for row in manifest})
    )
    summary = (
        f"manifest ({manifest_file}): {len(manifest)} files ({roles}) hashed (sha256): "
        f"{len(manifest) - len(problems)} as recorded, {len(problems)} differing or missing"
    )
    return problems, summary


CHECKS = (published_claims, manifest_hashes)
#: the claim statuses, in the order the summary names them
STATUSES = (MATCH, MISMATCH, NOT_REPRODUCIBLE)


def main(snakemake):
    results = [check(snakemake) for check in CHECKS]
    problems = [line for check_problems, _summary in results for line in check_problems]
    for line in problems:
        log.error("%s", line)
    for _problems, summary in results:
        say(f"verify: {summary}")
    if problems:
        say(f"verify: FAILED: {len(problems)} problem(s), named above and in {snakemake.log[0]}")
        raise SystemExit(1)
    say(f"verify: passed: all {len(CHECKS)} checks")


def say(line: str) -> None:
    """A summary line on the console (stdout) and in the rule's log."""
    print(line, flush=True)
    log.info("%s", line)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
