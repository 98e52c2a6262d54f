"""Multiple-imputation inference: Rubin's rules, D1 and D2 tests, logit pooling of proportions.

Stage: inference (``imputation.method: supplied | chained``, data contract v2
§3). Each of the m completed datasets is analysed with the same design,
weights and variance path as the complete-case analysis; this module only
combines the m results. Formulas (Rubin 1987, *Multiple Imputation for
Nonresponse in Surveys*, §3.1; Little & Rubin 2019, §10.2; as R
``mitools::MIcombine`` and ``mice::pool``), for estimates ``Q_l`` with
design-based covariances ``U_l``, l = 1..m:

- ``Qbar = mean Q_l``, ``Ubar = mean U_l``,
  ``B = sum (Q_l - Qbar)(Q_l - Qbar)' / (m - 1)``,
  ``T = Ubar + (1 + 1/m) B`` (total variance), ``std_error = sqrt(diag T)``;
- relative increase in variance ``r = (1 + 1/m) B_jj / Ubar_jj`` per term;
- ``df_rubin = (m - 1)(1 + 1/r)^2`` (Rubin 1987, large complete-data df);
- ``df_barnard_rubin``: the small-sample df of Barnard & Rubin (1999,
  *Biometrika* 86:948) in ``mitools::MIcombine``'s form with ``df.complete
  = nu_com`` (the complete-data analysis' residual df):
  ``dfobs = (nu + 1)/(nu + 3) nu Ubar/(Ubar + B)``,
  ``df = 1/(1/dfobs + 1/df_rubin)``. mitools uses ``Ubar/(Ubar + B)`` where
  the paper has ``1 - lambda = Ubar/T``; ``df_barnard_rubin_textbook`` is the
  paper's (and ``mice::pool``'s) ``lambda = (1 + 1/m) B/T``,
  ``df_old = (m - 1)/lambda^2``, ``df_obs = (nu + 1)/(nu + 3) nu (1 - lambda)``,
  ``df = df_old df_obs/(df_old + df_obs)``. Intervals and p-values use
  ``df_barnard_rubin`` (the MIcombine value, which R's survey users get);
- fraction of missing information ``fmi = (r + 2/(df + 3))/(r + 1)`` with
  each df (Rubin 1987, eq. 3.1.10; MIcombine's ``missinfo``).

A term with ``B = 0`` (nothing imputed moves it) has r = 0, ``df_rubin``
infinite, ``df_barnard_rubin = dfobs`` and fmi 0 (``df_rubin``) or
``2/(df + 3)``.

Multi-parameter tests:

- **D1** (Li, Raghunathan & Rubin 1991, *JASA* 86:1065; Schafer 1997 §4.3.3)
  for H0: the k coefficients are 0 (the overall age effect):
  ``r1 = (1 + 1/m) tr(B Ubar^-1)/k``, ``D1 = Qbar' Ubar^-1 Qbar/(k (1 + r1))``,
  ``t = k (m - 1)``, ``df_den = 4 + (t - 4)(1 + (1 - 2/t)/r1)^2`` for t > 4,
  else ``t (1 + 1/k)(1 + 1/r1)^2/2``; p from F(k, df_den);
- **D2** (Li, Meng, Raghunathan & Rubin 1991, *Statistica Sinica* 1:65;
  Schafer 1997 §4.3.4) from the m chi-square statistics ``d_l`` on k df
  alone (for the Rao-Scott tests: ``d_l = df_num x F`` of the first-order
  correction, ``X2 / mean(generalised design effects)``):
  ``r2 = (1 + 1/m) var(sqrt(d_l))`` (sample variance),
  ``D2 = (mean(d_l)/k - (m + 1)/(m - 1) r2)/(1 + r2)``,
  ``df_den = k^(-3/m) (m - 1)(1 + 1/r2)^2``; p from F(k, df_den) at
  ``max(D2, 0)``.

Proportions (Table 2) are pooled on the logit scale (transform, pool,
back-transform: van Buuren 2018, *Flexible Imputation of Missing Data*,
§5.2; Marshall et al. 2009, *BMC Med. Res. Methodol.* 9:57): per imputation
``logit(p_l)`` with the delta-method variance ``se_l^2 / (p_l (1 - p_l))^2``;
Rubin's rules on those with the cell's design df as ``nu_com``; the pooled
proportion is ``expit(Qbar)`` and its interval
``expit(Qbar -/+ t(df_barnard_rubin) sqrt(T))`` (the logit interval of
R ``svyciprop(method = "logit")`` per imputation). A cell with p_l = 0 or 1
in some imputation has no logit: its pooled estimate is the mean of the p_l
and its interval is empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from socialwork_ict.inference import distributions

POOLED_COLUMNS = (
    "term",
    "estimate",
    "std_error",
    "within_var",
    "between_var",
    "riv",
    "df_rubin",
    "fmi_rubin",
    "df_barnard_rubin",
    "fmi_barnard_rubin",
    "df_barnard_rubin_textbook",
    "fmi_barnard_rubin_textbook",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "df_complete",
)
D1_METHOD = "D1 Li Raghunathan Rubin 1991: Qbar' Ubar^-1 Qbar / (k (1 + r1))"
D2_METHOD = "D2 Li Meng Raghunathan Rubin 1991 on d_l = df_num x Rao-Scott F (first-order)"


@dataclass(frozen=True)
class Pooled:
    """Rubin's rules over m analyses of p parameters.

    ``qbar`` (p,), ``ubar`` and ``between`` (p, p), ``total`` = ``ubar +
    (1 + 1/m) between``; per-term ``riv`` and the three df / fmi pairs.
    """

    names: tuple[str, ...]
    m: int
    qbar: np.ndarray
    ubar: np.ndarray
    between: np.ndarray
    df_complete: float

    @property
    def total(self) -> np.ndarray:
        return self.ubar + (1.0 + 1.0 / self.m) * self.between

    @property
    def std_error(self) -> np.ndarray:
        return np.sqrt(np.diag(self.total))

    @property
    def riv(self) -> np.ndarray:
        """Relative increase in variance due to non-response, ``(1 + 1/m) B_jj / Ubar_jj``."""
        return (1.0 + 1.0 / self.m) * np.diag(self.between) / np.diag(self.ubar)

    @property
    def df_rubin(self) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return (self.m - 1) * (1.0 + 1.0 / self.riv) ** 2

    @property
    def df_barnard_rubin(self) -> np.ndarray:
        """MIcombine's df with ``df.complete = nu_com`` (``df_rubin`` when nu_com is Inf)."""
        nu = self.df_complete
        if not np.isfinite(nu):
            return self.df_rubin
        u, b = np.diag(self.ubar), np.diag(self.between)
        dfobs = (nu + 1.0) / (nu + 3.0) * nu * u / (u + b)
        with np.errstate(divide="ignore"):
            return 1.0 / (1.0 / dfobs + 1.0 / self.df_rubin)

    @property
    def df_barnard_rubin_textbook(self) -> np.ndarray:
        """Barnard & Rubin (1999) as ``mice::pool``: ``lambda = (1 + 1/m) B / T``."""
        nu = self.df_complete
        lam = (1.0 + 1.0 / self.m) * np.diag(self.between) / np.diag(self.total)
        with np.errstate(divide="ignore"):
            df_old = (self.m - 1) / lam**2
        if not np.isfinite(nu):
            return df_old
        df_obs = (nu + 1.0) / (nu + 3.0) * nu * (1.0 - lam)
        with np.errstate(invalid="ignore"):
            df = df_old * df_obs / (df_old + df_obs)
        return np.where(np.isinf(df_old), df_obs, df)

    def fmi(self, df: np.ndarray) -> np.ndarray:
        """Fraction of missing information ``(r + 2/(df + 3)) / (r + 1)`` for a df."""
        r = self.riv
        return (r + 2.0 / (df + 3.0)) / (r + 1.0)

    def table(self, level: float = 0.95) -> pd.DataFrame:
        """One row per term (:data:`POOLED_COLUMNS`): pooled estimate (log odds), SE,
        components, the df and fmi, and the odds ratio with its t(df_barnard_rubin)
        interval and two-sided p-value."""
        est, se = self.qbar, self.std_error
        df = self.df_barnard_rubin
        q = distributions.t_ppf(0.5 + level / 2.0, df)
        table = pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": est,
                "std_error": se,
                "within_var": np.diag(self.ubar),
                "between_var": np.diag(self.between),
                "riv": self.riv,
                "df_rubin": self.df_rubin,
                "fmi_rubin": self.fmi(self.df_rubin),
                "df_barnard_rubin": df,
                "fmi_barnard_rubin": self.fmi(df),
                "df_barnard_rubin_textbook": self.df_barnard_rubin_textbook,
                "fmi_barnard_rubin_textbook": self.fmi(self.df_barnard_rubin_textbook),
                "odds_ratio": np.exp(est),
                "ci_low": np.exp(est - q * se),
                "ci_high": np.exp(est + q * se),
                "p_value": 2.0 * distributions.t_sf(np.abs(est / se), df),
                "df_complete": self.df_complete,
            }
        )
        return table[list(POOLED_COLUMNS)]

    def subset(self, names: Sequence[str]) -> Pooled:
        """The pooled results of some terms only (their blocks of Ubar and B)."""
        index = [self.names.index(name) for name in names]
        block = np.ix_(index, index)
        return Pooled(
            tuple(names),
            self.m,
            self.qbar[index],
            self.ubar[block],
            self.between[block],
            self.df_complete,
        )


def rubin_pool(
    estimates: np.ndarray,
    variances: np.ndarray,
    names: Sequence[str],
    df_complete: float = np.inf,
) -> Pooled:
    """Rubin's rules for ``estimates`` (m, p) with covariances ``variances`` (m, p, p).

    ``df_complete``: the complete-data df (the model's residual df, the
    design df of a proportion); ``np.inf`` for the large-sample df only.
    Needs m >= 2.
    """
    q = np.asarray(estimates, dtype=float)
    u = np.asarray(variances, dtype=float)
    if q.ndim != 2 or u.shape != (q.shape[0], q.shape[1], q.shape[1]):
        raise ValueError(f"estimates {q.shape} and variances {u.shape} do not match (m, p, p)")
    m = q.shape[0]
    if m < 2:
        raise ValueError("Rubin's rules need at least two imputations")
    qbar = q.mean(axis=0)
    dev = q - qbar
    between = dev.T @ dev / (m - 1)
    return Pooled(tuple(names), m, qbar, u.mean(axis=0), between, float(df_complete))


def d1_test(pooled: Pooled, terms: Sequence[str] | None = None) -> dict[str, float]:
    """D1 Wald test that ``terms`` (default all of ``pooled``) are jointly 0.

    Li, Raghunathan & Rubin (1991); formulas in the module docstring. Returns
    ``{"statistic", "df_num", "df_den", "p_value", "riv"}`` (riv = r1).
    """
    sub = pooled if terms is None else pooled.subset(terms)
    k, m = len(sub.names), sub.m
    ubar_inv_b = np.linalg.solve(sub.ubar, sub.between)
    r1 = (1.0 + 1.0 / m) * np.trace(ubar_inv_b) / k
    statistic = float(sub.qbar @ np.linalg.solve(sub.ubar, sub.qbar) / (k * (1.0 + r1)))
    t = k * (m - 1)
    if t > 4:
        df_den = 4.0 + (t - 4.0) * (1.0 + (1.0 - 2.0 / t) / r1) ** 2
    else:
        df_den = t * (1.0 + 1.0 / k) * (1.0 + 1.0 / r1) ** 2 / 2.0
    return {
        "statistic": statistic,
        "df_num": float(k),
        "df_den": float(df_den),
        "p_value": float(distributions.f_sf(statistic, k, df_den)),
        "riv": float(r1),
    }


def d2_test(chisq: Sequence[float], k: float) -> dict[str, float]:
    """D2 test from the m chi-square statistics ``chisq`` on ``k`` df each.

    Li, Meng, Raghunathan & Rubin (1991); formulas in the module docstring.
    Returns ``{"statistic", "df_num", "df_den", "p_value", "riv"}`` (riv = r2);
    the p-value is F(k, df_den)'s upper tail at ``max(D2, 0)``.
    """
    d = np.asarray(chisq, dtype=float)
    m = d.size
    if m < 2:
        raise ValueError("D2 needs at least two imputations")
    r2 = (1.0 + 1.0 / m) * np.var(np.sqrt(d), ddof=1)
    statistic = (d.mean() / k - (m + 1.0) / (m - 1.0) * r2) / (1.0 + r2)
    with np.errstate(divide="ignore"):
        df_den = k ** (-3.0 / m) * (m - 1) * (1.0 + 1.0 / r2) ** 2
    return {
        "statistic": float(statistic),
        "df_num": float(k),
        "df_den": float(df_den),
        "p_value": float(distributions.f_sf(max(statistic, 0.0), k, df_den)),
        "riv": float(r2),
    }


def pool_proportions(
    proportions: np.ndarray,
    std_errors: np.ndarray,
    df_complete: np.ndarray,
    level: float = 0.95,
) -> pd.DataFrame:
    """Pool m estimates of each of c proportions on the logit scale.

    ``proportions``, ``std_errors``: (m, c) on the 0-1 scale; ``df_complete``
    (c,): each cell's design df. Returns per cell ``estimate`` (expit of the
    pooled logit, or the mean where some p_l is 0 or 1), ``ci_low``,
    ``ci_high`` (empty there), ``std_error`` (delta method back from the
    logit scale, ``p (1 - p) sqrt(T)``), ``df`` (Barnard-Rubin, MIcombine
    form), ``fmi`` and ``riv``.
    """
    p = np.asarray(proportions, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    nu = np.broadcast_to(np.asarray(df_complete, dtype=float), p.shape[1:])
    m = p.shape[0]
    inside = np.all((p > 0) & (p < 1) & np.isfinite(se), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = special.logit(p)
        u = (se / (p * (1.0 - p))) ** 2
        qbar = q.mean(axis=0)
        ubar = u.mean(axis=0)
        b = q.var(axis=0, ddof=1) if m > 1 else np.zeros_like(qbar)
        total = ubar + (1.0 + 1.0 / m) * b
        r = (1.0 + 1.0 / m) * b / ubar
        df_rubin = (m - 1) * (1.0 + 1.0 / r) ** 2
        dfobs = (nu + 1.0) / (nu + 3.0) * nu * ubar / (ubar + b)
        df = 1.0 / (1.0 / dfobs + 1.0 / df_rubin)
        fmi = (r + 2.0 / (df + 3.0)) / (r + 1.0)
        tq = distributions.t_ppf(0.5 + level / 2.0, df)
        estimate = special.expit(qbar)
        low = special.expit(qbar - tq * np.sqrt(total))
        high = special.expit(qbar + tq * np.sqrt(total))
        pooled_se = estimate * (1.0 - estimate) * np.sqrt(total)
    out = pd.DataFrame(
        {
            "estimate": np.where(inside, estimate, p.mean(axis=0)),
            "std_error": np.where(inside, pooled_se, np.nan),
            "ci_low": np.where(inside, low, np.nan),
            "ci_high": np.where(inside, high, np.nan),
            "df": np.where(inside, df, np.nan),
            "fmi": np.where(inside, fmi, np.nan),
            "riv": np.where(inside, r, np.nan),
        }
    )
    return out
