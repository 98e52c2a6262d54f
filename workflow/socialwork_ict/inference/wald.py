"""Design-based Wald tests of sets of coefficients and of a linear trend over age groups.

Stage: inference (``tests.csv``, rows ``wald_age_group_x_country`` and
``wald_age_group_x_country_chisq``). The estimates and their design-based
(sandwich, linearisation) covariance come from the survey-weighted models in
:mod:`socialwork_ict.models`; this module only does the test arithmetic.

Method: Wald (1943) test of ``H0: L beta = r`` with the design-based
covariance V (Lumley 2010, *Complex Surveys*, §5.2; Korn & Graubard 1990),
as R ``survey::regTermTest(model, ~term, method = "Wald")``:

- ``chisq = (L b - r)' (L V L')^-1 (L b - r)``, q = rank of L (rows);
- chi-square form (``df = Inf``): p from chi-square(q);
- F form: ``F = chisq / q`` with denominator df ``df_den`` (for svyolr /
  svyglm the model's residual df, design df minus the number of
  coefficients), p from F(q, df_den).

The linear solve uses ``numpy.linalg.solve`` (no explicit inverse).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import AGE_GROUPS
from socialwork_ict.inference import distributions
from socialwork_ict.names import POOLED

WALD_F_METHOD = "Wald F = chisq/df_num; df_den = svyolr df.residual = n - n_strata - n_coef"
WALD_CHISQ_METHOD = "Wald chi-square: regTermTest(df=Inf)"


def wald_test(
    estimate: np.ndarray,
    vcov: np.ndarray,
    contrast: np.ndarray | None = None,
    null: np.ndarray | None = None,
    df_den: float = np.inf,
) -> dict[str, float]:
    """Design-based Wald test of ``contrast @ estimate == null``, as R ``regTermTest``.

    ``estimate``: (p,) coefficients; ``vcov``: (p, p) their design-based
    covariance; ``contrast``: (q, p) matrix L (default identity: all
    ``estimate`` jointly zero); ``null``: (q,) r (default 0); ``df_den``:
    denominator df of the F form (``np.inf`` = chi-square form).

    Returns ``{"chisq", "statistic", "df_num", "df_den", "p_value"}`` where
    ``statistic`` is ``chisq / q`` (F) for finite ``df_den`` and ``chisq``
    itself for ``df_den = inf`` (R ``regTermTest(..., df = Inf)``).
    """
    b = np.asarray(estimate, dtype=float).ravel()
    v = np.asarray(vcov, dtype=float)
    if v.shape != (b.size, b.size):
        raise ValueError(f"vcov has shape {v.shape}, expected {(b.size, b.size)}")
    L = np.eye(b.size) if contrast is None else np.atleast_2d(np.asarray(contrast, dtype=float))
    if L.shape[1] != b.size:
        raise ValueError(f"contrast has {L.shape[1]} columns, expected {b.size}")
    r = np.zeros(L.shape[0]) if null is None else np.asarray(null, dtype=float).ravel()
    diff = L @ b - r
    chisq = float(diff @ np.linalg.solve(L @ v @ L.T, diff))
    q = L.shape[0]
    df_den = float(df_den)
    if np.isfinite(df_den):
        statistic = chisq / q
        p_value = float(distributions.f_sf(statistic, q, df_den))
    else:
        statistic = chisq
        p_value = float(distributions.chi2_sf(chisq, q))
    return {
        "chisq": chisq,
        "statistic": float(statistic),
        "df_num": float(q),
        "df_den": df_den,
        "p_value": p_value,
    }


def wald_test_terms(
    estimates: pd.Series,
    vcov: pd.DataFrame,
    terms: Sequence[str],
    df_den: float = np.inf,
) -> dict[str, float]:
    """Joint Wald test that the named ``terms`` are all zero (R ``regTermTest(m, ~term)``).

    ``estimates``: coefficients indexed by term name; ``vcov``: their
    covariance with the same names on both axes (extra terms, e.g.
    thresholds, are ignored). Example: the 12 ``age_group[...]:country[...]``
    terms of the interaction model with ``df_den`` = its residual df.
    """
    terms = list(terms)
    missing = [t for t in terms if t not in estimates.index or t not in vcov.index]
    if missing:
        raise KeyError(f"terms not in the model: {missing}")
    b = estimates.loc[terms].to_numpy(dtype=float)
    v = vcov.loc[terms, terms].to_numpy(dtype=float)
    return wald_test(b, v, df_den=df_den)


def age_trend_contrast(
    scores: Sequence[float] | None = None, age_groups: Sequence[str] = AGE_GROUPS
) -> np.ndarray:
    """Weights of the linear-trend contrast over ordered age groups (reference first).

    With treatment coding the reference group's (``<30``) effect is 0 and the
    model has one coefficient per other group, ``beta_1 .. beta_{k-1}``. With
    scores s_0 .. s_{k-1} (default equally spaced 0, 1, ..., k-1) and
    centred scores c_j = s_j - mean(s), the linear component of the group
    effects is the least-squares slope of the effects (0, beta_1, ...) on
    the scores: ``slope = sum_j c_j beta_j / sum_j c_j^2`` (the reference term
    drops out because its effect is 0). Returns the (k - 1,) weights
    ``c_j / sum c^2`` for j = 1 .. k - 1, in ``age_groups`` order.
    """
    k = len(age_groups)
    s = np.arange(k, dtype=float) if scores is None else np.asarray(scores, dtype=float)
    if s.size != k:
        raise ValueError(f"{s.size} scores for {k} age groups")
    c = s - s.mean()
    return (c / np.sum(c**2))[1:]


def age_trend_test(
    estimates: pd.Series,
    vcov: pd.DataFrame,
    df_den: float = np.inf,
    scores: Sequence[float] | None = None,
    variable: str = "age_group",
    age_groups: Sequence[str] = AGE_GROUPS,
) -> dict[str, float]:
    """Wald test of a linear trend of the outcome's log-odds over ordered age groups.

    A 1-df Wald test of ``H0: slope = 0`` where ``slope`` is the linear
    contrast of :func:`age_trend_contrast` applied to the model's age
    coefficients ``{variable}[30-39]`` ... ``{variable}[60+]`` (log-odds per
    one age-group step with the default equally spaced scores; per score
    unit otherwise). It tests the linear *component* of the age effect: a
    non-linear (e.g. inverted-U) pattern can be strong and the trend null.
    Design-based covariance from the model; F form with ``df_den`` (the
    model's residual df) or chi-square form with ``df_den = inf``.

    Returns the :func:`wald_test` dict plus ``estimate`` (the slope) and
    ``std_error`` (sqrt(l' V l)).
    """
    terms = [f"{variable}[{group}]" for group in age_groups[1:]]
    weights = age_trend_contrast(scores, age_groups)
    b = estimates.loc[terms].to_numpy(dtype=float)
    v = vcov.loc[terms, terms].to_numpy(dtype=float)
    result = wald_test(b, v, contrast=weights[None, :], df_den=df_den)
    result["estimate"] = float(weights @ b)
    result["std_error"] = float(np.sqrt(weights @ v @ weights))
    return result


def wald_test_rows(
    name: str, result: dict[str, float], country: str = POOLED, chisq_name: str | None = None
) -> pd.DataFrame:
    """``tests.csv`` rows for a Wald test: the F form as ``name`` and the chi-square
    form as ``chisq_name`` (default ``name + "_chisq"``), with ``df_den`` Inf there.

    ``result`` is a :func:`wald_test` result of the F form (finite df_den).
    Columns: test, country, statistic, df_num, df_den, p_value, method.
    """
    q = result["df_num"]
    chisq = result["chisq"]
    return pd.DataFrame(
        [
            {
                "test": name,
                "country": country,
                "statistic": chisq / q,
                "df_num": q,
                "df_den": result["df_den"],
                "p_value": float(distributions.f_sf(chisq / q, q, result["df_den"])),
                "method": WALD_F_METHOD,
            },
            {
                "test": chisq_name or f"{name}_chisq",
                "country": country,
                "statistic": chisq,
                "df_num": q,
                "df_den": np.inf,
                "p_value": float(distributions.chi2_sf(chisq, q)),
                "method": WALD_CHISQ_METHOD,
            },
        ]
    )
