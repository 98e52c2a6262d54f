"""Information loss of a run's disclosure control, per published table.

Run from the repository root on one or more results folders::

    python benchmarks/disclosure_loss.py results [OTHER_RESULTS ...]

Compares each published table (``results/tables``) with its unsuppressed
copy (``results/internal_unsuppressed``): cells hidden, hidden cells by true
count (1 to k - 1: threshold; 0 or >= k: hidden to protect others), the
respondents in those, and cells labelled ``<k`` that hold k or more. Works on
outputs of the old rule (every hidden cell labelled ``<k``) and the new one
(``<k`` and ``x``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

TABLES = {
    "table1_sample": ["country", "variable", "category"],
    "table2_freq_by_age": ["country", "age_group", "ict_freq"],
    "weighting_margins": ["country", "variable", "category"],
}


def loss(results: Path, k: int = 5) -> pd.DataFrame:
    rows = {}
    for name, keys in TABLES.items():
        published = pd.read_csv(
            results / "tables" / f"{name}.csv", keep_default_na=False, dtype={"n": str}
        )
        internal = pd.read_csv(
            results / "internal_unsuppressed" / f"{name}.csv", keep_default_na=False
        )
        merged = published.merge(internal[[*keys, "n"]], on=keys, suffixes=("_shown", ""))
        n = merged["n"].astype(int)
        hidden = ~merged["n_shown"].str.fullmatch(r"\d+")
        threshold = hidden & (n >= 1) & (n < k)
        protect = hidden & ~threshold
        rows[name] = {
            "cells": len(merged),
            "hidden": int(hidden.sum()),
            "threshold (1 <= n < k)": int(threshold.sum()),
            "hidden zeros": int((hidden & (n == 0)).sum()),
            "secondary (hidden, not 1..k-1)": int(protect.sum()),
            "respondents in secondary": int(n[protect].sum()),
            "'<k' label on n >= k": int((merged["n_shown"].str.startswith("<") & (n >= k)).sum()),
        }
    return pd.DataFrame(rows).T


if __name__ == "__main__":
    for folder in sys.argv[1:] or ["results"]:
        print(folder)
        print(loss(Path(folder)).to_string())
        print()
