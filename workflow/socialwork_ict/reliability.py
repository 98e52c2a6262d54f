"""Reliability flags of weighted proportions (not disclosure control).

Stage: tables (the ``flag`` column of ``table1_sample.csv`` and
``table2_freq_by_age.csv``; data contract v2). A proportion that is safe to
publish but imprecise is shown with a flag, never suppressed.

Rules: the NCHS Data Presentation Standards for Proportions (Parker et al.
2017, *Vital and Health Statistics* 2(175), National Center for Health
Statistics), applied to the table's own estimate, standard error, 95 % CI and
design degrees of freedom:

1. effective sample size ``n_eff = p (1 - p) / SE^2`` (at most ``n``) below
   30: ``"n_eff < 30"``;
2. absolute CI width of 30 percentage points or more: ``"CI width >= 30"``;
3. otherwise, an absolute CI width above 5 points and a relative CI width
   (width / p) above 130 %: ``"relative CI width > 130 %"``;
4. design degrees of freedom below 8: ``"df < 8"`` (NCHS: "review").

The standards use the Korn-Graubard interval; the table's interval is the
logit interval with t quantiles on the design df (as R ``svyciprop(method =
"logit")``), so the width criteria are applied to that interval (documented
approximation). An estimate of 0 or 100 % with no interval gets ``n_eff``
from ``n``. Several reasons are joined with ``"; "``; empty = reliable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialwork_ict.names import POOLED

__all__ = ["MIN_DF", "MIN_N_EFFECTIVE", "reliability_flags", "table1_flags"]

MIN_N_EFFECTIVE = 30
MAX_ABSOLUTE_WIDTH = 30.0  # percentage points
MIN_ABSOLUTE_WIDTH_FOR_RELATIVE = 5.0
MAX_RELATIVE_WIDTH = 1.30
MIN_DF = 8


def reliability_flags(
    pct: np.ndarray,
    se: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
    df: np.ndarray,
    n: np.ndarray,
) -> np.ndarray:
    """The NCHS (2017) flag of each proportion (percent scale, 0-100); '' where reliable.

    Rows whose estimate is missing (e.g. suppressed by disclosure control)
    get ''.
    """
    pct, se, low, high, df, n = (
        np.asarray(a, dtype=float) for a in (pct, se, ci_low, ci_high, df, n)
    )
    p = pct / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(se > 0, p * (1 - p) / (se / 100.0) ** 2, n)
    n_eff = np.minimum(n_eff, n)
    width = high - low
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(pct > 0, width / pct, np.inf)
    flags = []
    for i in range(pct.size):
        if np.isnan(pct[i]):
            flags.append("")
            continue
        reasons = []
        if n_eff[i] < MIN_N_EFFECTIVE:
            reasons.append(f"n_eff < {MIN_N_EFFECTIVE}")
        if np.isfinite(width[i]) and width[i] >= MAX_ABSOLUTE_WIDTH:
            reasons.append(f"CI width >= {MAX_ABSOLUTE_WIDTH:g}")
        elif (
            np.isfinite(width[i])
            and width[i] > MIN_ABSOLUTE_WIDTH_FOR_RELATIVE
            and relative[i] > MAX_RELATIVE_WIDTH
        ):
            reasons.append(f"relative CI width > {MAX_RELATIVE_WIDTH:.0%}".replace("%", " %"))
        if np.isfinite(df[i]) and df[i] < MIN_DF:
            reasons.append(f"df < {MIN_DF}")
        flags.append("; ".join(reasons))
    return np.array(flags, dtype=object)


def table1_flags(table1: pd.DataFrame, pooled: str = POOLED) -> np.ndarray:
    """The NCHS (2017) flag of each weighted percentage of Table 1 (unsuppressed rows).

    Table 1 carries the weighted percentage and its design effect ``deff``
    (R ``svymean(deff = "replace")``) over all ``n`` respondents of the
    country; the standard error is ``sqrt(deff p (1 - p) / (n - 1))`` (the
    inverse of :func:`~socialwork_ict.inference.proportions.proportion_deff`),
    the interval the logit interval of Table 2 (R ``svyciprop(method =
    "logit")``) on the design df, respondents minus strata (``n - 1`` in a
    country, ``n`` minus the number of countries pooled). A margin the raking
    fixes (deff 0) has no sampling variance and is not flagged for it.
    """
    from socialwork_ict.inference.proportions import logit_ci

    n_cell = pd.to_numeric(table1["n"], errors="coerce")
    n_base = n_cell.groupby([table1["country"], table1["variable"]]).transform("sum")
    strata = table1.loc[table1["country"] != pooled, "country"].nunique()
    df = np.where(table1["country"] == pooled, n_base - strata, n_base - 1).astype(float)
    p = table1["pct_weighted"].to_numpy(dtype=float) / 100.0
    deff = table1["deff"].to_numpy(dtype=float)
    n = n_base.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(deff * p * (1.0 - p) / np.where(n > 1, n - 1.0, np.nan))
    low, high = logit_ci(p, se, df)
    return reliability_flags(100.0 * p, 100.0 * se, 100.0 * low, 100.0 * high, df, n)
