"""The published-claims comparison of a finished run, read from its files.

Rules ``compare_published`` (which writes ``published_vs_reproduced.csv``) and
``verify`` (which recomputes it from the files on disk) both call
:func:`compare_run`, so the two cannot read the run differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.report.published import compare_published


def compare_run(
    *,
    published: str,
    weighted: str,
    model: str,
    tests: str,
    sensitivity: str,
    withheld: str | None,
    variance: Mapping[str, Any] | None,
    weighting: Mapping[str, Any],
    seed: int,
    targets: str,
    any_use: str | None = None,
) -> pd.DataFrame:
    """:func:`~socialwork_ict.report.published.compare_published` on a finished
    run's files: the claims file, the weighted analysis file and the model,
    tests and sensitivity tables. ``withheld`` is the disclosure step's
    ``withheld_claims.csv`` (None or a missing file: nothing withheld);
    ``any_use`` is ``any_use_by_breakdown.csv``, whose withheld shares the
    ``ubiquitous`` claim does not print (None or a missing file: none). The
    ``ubiquitous`` claim's intervals use the run's variance design
    (:func:`socialwork_ict.inference.variance.rule_design`)."""
    with open(published, encoding="utf-8") as handle:
        claims = yaml.safe_load(handle)
    frame = pd.read_parquet(weighted)
    return compare_published(
        frame,
        pd.read_csv(model),
        pd.read_csv(tests),
        pd.read_csv(sensitivity),
        claims,
        withheld=pd.read_csv(withheld) if withheld and Path(withheld).exists() else None,
        design=rule_design(frame, variance, weighting, seed, targets),
        withheld_shares=_read_if_present(any_use),
    )


def _read_if_present(path: str | None) -> pd.DataFrame | None:
    if not path or not Path(path).exists():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)
