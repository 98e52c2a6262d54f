"""Rule verify: fail, naming each problem on its own line, when a check fails.

Two checks, each a function returning problem lines (add one to ``CHECKS`` to
extend ``snakemake verify``):

- the published figures and claims (``config["published"]``, so a copy given
  with ``--config published=copy.yaml`` is used), recomputed from this run's
  results: every claim outside its tolerance is named;
- the manifest: every output, input or config file whose sha256 differs from
  ``results/manifest.tsv`` is named.

The results are read as they are on disk (never rebuilt by ``verify``).
"""

import csv
import logging
from pathlib import Path

import pandas as pd
import yaml

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.manifest import manifest_problems
from socialwork_ict.report.published import compare_published, mismatches
from socialwork_ict.rule_io import run_rule

log = logging.getLogger("socialwork_ict.verify")

RESULTS = {
    "weighted": "results/weights/weighted_responses.parquet",
    "model": "results/tables/model_ordinal.csv",
    "tests": "results/tables/tests.csv",
    "sensitivity": "results/tables/sensitivity.csv",
    "manifest": "results/manifest.tsv",
    "withheld": "results/disclosure/withheld_claims.csv",
}


def published_claims(snakemake) -> list[str]:
    """Every published claim that this run's results do not reproduce."""
    with open(snakemake.input.published, encoding="utf-8") as handle:
        published = yaml.safe_load(handle)
    weighted = pd.read_parquet(RESULTS["weighted"])
    params = snakemake.params
    # the same variance design as rule compare_published (the "ubiquitous" intervals)
    design = rule_design(
        weighted, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    comparison = compare_published(
        weighted,
        pd.read_csv(RESULTS["model"]),
        pd.read_csv(RESULTS["tests"]),
        pd.read_csv(RESULTS["sensitivity"]),
        published,
        # a value withheld by disclosure control is not printed in a mismatch line either
        withheld=pd.read_csv(RESULTS["withheld"]) if Path(RESULTS["withheld"]).exists() else None,
        design=design,
    )
    return mismatches(comparison)


def manifest_hashes(snakemake) -> list[str]:
    """Every file whose bytes differ from results/manifest.tsv."""
    with open(RESULTS["manifest"], encoding="utf-8", newline="") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    return manifest_problems(manifest, raw_input=snakemake.params.raw)


CHECKS = (published_claims, manifest_hashes)


def main(snakemake):
    problems = [line for check in CHECKS for line in check(snakemake)]
    for line in problems:
        log.error("%s", line)
    if problems:
        raise SystemExit(1)
    log.info("verify: all %d check(s) passed", len(CHECKS))


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
