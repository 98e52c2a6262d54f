"""``snakemake verify``: recheck a finished run's published claims and file hashes.

Two checks, each returning its problem lines and a one-line summary of what
it checked (add one to :data:`CHECKS` to extend ``verify``):

- the published figures and claims (the configured claims file, so a copy
  given with ``--config published=copy.yaml`` is used), recomputed from the
  run's results as they are on disk (:func:`socialwork_ict.report.claims.compare_run`,
  the same computation as rule compare_published): every claim outside its
  tolerance is named;
- the manifest: every output, input or config file whose sha256 differs from
  ``results/manifest.tsv`` is named (:func:`socialwork_ict.manifest.manifest_problems`).

The summaries are printed and logged whether the checks pass or fail, the
last line saying which; a failure exits with status 1.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Mapping
from typing import Any

from socialwork_ict.manifest import manifest_problems
from socialwork_ict.report.claims import compare_run
from socialwork_ict.report.published import MATCH, MISMATCH, NOT_REPRODUCIBLE, mismatches

log = logging.getLogger("socialwork_ict.verify")

#: the claim statuses, in the order the summary names them
STATUSES = (MATCH, MISMATCH, NOT_REPRODUCIBLE)


def published_claims(run: Mapping[str, Any]) -> tuple[list[str], str]:
    """Every published claim that the run's results do not reproduce; the tally."""
    results = run["results"]
    comparison = compare_run(
        published=run["published"],
        weighted=results["weighted"],
        model=results["model"],
        tests=results["tests"],
        sensitivity=results["sensitivity"],
        # a value withheld by disclosure control is not printed in a mismatch line either
        withheld=run["withheld"],
        variance=run["variance"],
        weighting=run["weighting"],
        seed=run["seed"],
        targets=run["targets"],
        any_use=results.get("any_use"),
    )
    counts = comparison["status"].value_counts()
    tally = ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)
    summary = f"published claims ({run['published']}): {len(comparison)} checked: {tally}"
    return mismatches(comparison), summary


def manifest_hashes(run: Mapping[str, Any]) -> tuple[list[str], str]:
    """Every file whose bytes differ from results/manifest.tsv; the tally."""
    manifest_file = run["results"]["manifest"]
    with open(manifest_file, encoding="utf-8", newline="") as handle:
        manifest = list(csv.DictReader(handle, delimiter="\t"))
    problems = manifest_problems(manifest, raw_input=run["raw"])
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


def verify_run(run: Mapping[str, Any], log_file: str) -> None:
    """Run every check on ``run`` (keys: ``published``, ``targets``, ``results``
    (the rule's VERIFIED_RESULTS), ``withheld``, ``raw``, ``variance``,
    ``weighting``, ``seed``); print and log each problem and summary; exit 1
    naming ``log_file`` when a check fails."""
    results = [check(run) for check in CHECKS]
    problems = [line for check_problems, _summary in results for line in check_problems]
    for line in problems:
        log.error("%s", line)
    for _problems, summary in results:
        _say(f"verify: {summary}")
    if problems:
        _say(f"verify: FAILED: {len(problems)} problem(s), named above and in {log_file}")
        raise SystemExit(1)
    _say(f"verify: passed: all {len(CHECKS)} checks")


def _say(line: str) -> None:
    """A summary line on the console (stdout) and in the rule's log."""
    print(line, flush=True)
    log.info("%s", line)
