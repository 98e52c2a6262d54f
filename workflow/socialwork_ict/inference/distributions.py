"""Normal, Student t, F and chi-square tails and quantiles from ``scipy.special``.

These are the functions ``scipy.stats`` itself evaluates (``norm``: ``ndtr`` /
``ndtri``; ``t``: ``stdtr`` / ``stdtrit``; ``f.sf``: ``fdtrc``; ``chi2.sf``:
``chdtrc``), so the numbers are bit-identical; only the import of
``scipy.stats`` (paid by every rule that needs a p-value; its time is in
benchmarks/RESULTS.md) is avoided. Outside
the support (a statistic <= 0) the survival functions return 1, as
``scipy.stats`` does.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def norm_ppf(q):
    """``scipy.stats.norm.ppf(q)``."""
    return special.ndtri(q)


def norm_sf(x):
    """``scipy.stats.norm.sf(x)``."""
    return special.ndtr(-np.asarray(x, dtype=float))


def t_ppf(q, df):
    """``scipy.stats.t.ppf(q, df)``."""
    return special.stdtrit(df, q)


def t_sf(x, df):
    """``scipy.stats.t.sf(x, df)``."""
    return special.stdtr(df, -np.asarray(x, dtype=float))


def f_sf(x, dfn, dfd):
    """``scipy.stats.f.sf(x, dfn, dfd)`` (1 for x <= 0)."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= 0, 1.0, special.fdtrc(dfn, dfd, np.maximum(x, 0.0)))[()]


def chi2_sf(x, df):
    """``scipy.stats.chi2.sf(x, df)`` (1 for x <= 0)."""
    x = np.asarray(x, dtype=float)
    return np.where(x <= 0, 1.0, special.chdtrc(df, np.maximum(x, 0.0)))[()]
