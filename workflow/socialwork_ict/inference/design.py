"""Design-based (Taylor linearization) variance of a stratified one-stage design.

The analysis design is R's ``svydesign(ids = ~1, strata = ~country,
weights = ~weight)``: every respondent is its own PSU, strata are countries,
no finite-population correction. For influence (linearization) values
``z_hi`` of respondent i in stratum h the variance is R's ``svyrecvar``::

    V = sum_h n_h / (n_h - 1) * sum_{i in h} (z_hi - zbar_h)(z_hi - zbar_h)'

with no (1 - f_h) factor and no (n - 1)/(n - p) small-sample factor.
For a domain estimate, z is zero outside the domain and n_h stays the whole
stratum's count (Lumley 2010, *Complex Surveys*, §2.2 and appendix C).
A stratum with a single PSU contributes nothing (R's
``options(survey.lonely.psu = "remove")``-like behaviour is not needed here:
every country has many respondents; such a stratum raises ValueError).

Design degrees of freedom (``survey::degf``): number of PSUs minus number of
strata.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def stratified_variance(influence: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Covariance matrix of a total estimated by sum(influence), as svyrecvar.

    ``influence``: (n,) or (n, p) per-respondent influence values (already
    multiplied by the weights where the estimator calls for it).
    ``strata``: (n,) stratum label of each respondent.
    Returns a (p, p) matrix (1 x 1 for a vector input).
    """
    z = np.asarray(influence, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    codes, _ = _stratum_codes(strata)
    n_strata = codes.max() + 1 if codes.size else 0
    counts = np.bincount(codes, minlength=n_strata).astype(float)
    if np.any(counts < 2):
        raise ValueError("every stratum needs at least two respondents for a variance")
    sums = np.column_stack(
        [np.bincount(codes, weights=z[:, j], minlength=n_strata) for j in range(z.shape[1])]
    )
    centred = z - (sums / counts[:, None])[codes]
    scale = np.sqrt((counts / (counts - 1.0))[codes])[:, None]
    scaled = centred * scale
    return scaled.T @ scaled


def design_df(strata: np.ndarray) -> int:
    """Design degrees of freedom: PSUs (respondents) minus strata (survey::degf)."""
    _, n_strata = _stratum_codes(strata)
    return int(len(strata) - n_strata)


def _stratum_codes(strata: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..H-1 of the strata (any labels: text, categorical, integers)."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(strata)), sort=True)
    return codes.astype(np.intp), len(uniques)
