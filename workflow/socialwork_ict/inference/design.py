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

from collections.abc import Callable

import numpy as np
import pandas as pd

#: rows per block in :func:`stratified_variance` (bounds its temporaries to
#: a few block-sized arrays instead of several full n x p copies)
BLOCK_ROWS = 65_536


def stratified_variance(
    influence: np.ndarray | Callable[[int, int], np.ndarray],
    strata: np.ndarray,
    *,
    block_rows: int = BLOCK_ROWS,
) -> np.ndarray:
    """Covariance matrix of a total estimated by sum(influence), as svyrecvar.

    ``influence``: (n,) or (n, p) per-respondent influence values (already
    multiplied by the weights where the estimator calls for it), or a
    callable ``rows(start, stop)`` returning the (stop - start, p) block of
    rows ``start:stop`` of such a matrix, so that a wide influence matrix
    (e.g. several models' columns side by side) is never built whole.
    ``strata``: (n,) stratum label of each respondent.
    Returns a (p, p) matrix (1 x 1 for a vector input).

    Computed in row blocks, in the centred form: a first pass sums each
    stratum's influence values, a second accumulates the cross-products of
    the values centred at their stratum means and scaled by
    ``sqrt(n_h / (n_h - 1))``.
    """
    codes, _ = stratum_codes(strata)
    n = len(codes)
    n_strata = codes.max() + 1 if codes.size else 0
    counts = np.bincount(codes, minlength=n_strata).astype(float)
    if np.any(counts < 2):
        raise ValueError("every stratum needs at least two respondents for a variance")
    rows = _row_blocks(influence)
    starts = range(0, n, block_rows)
    sums = None
    for start in starts:
        stop = min(start + block_rows, n)
        z, c = rows(start, stop), codes[start:stop]
        block = group_sums(c, z, n_strata)
        sums = block if sums is None else sums + block
    if sums is None:  # no respondents
        sums = np.zeros((n_strata, rows(0, 0).shape[1]))
    means = sums / counts[:, None]
    scale = np.sqrt(counts / (counts - 1.0))
    out = np.zeros((means.shape[1], means.shape[1]))
    for start in starts:
        stop = min(start + block_rows, n)
        z, c = rows(start, stop), codes[start:stop]
        scaled = (z - means[c]) * scale[c][:, None]
        out += scaled.T @ scaled
    return out


def _row_blocks(influence) -> Callable[[int, int], np.ndarray]:
    """``rows(start, stop)`` -> a 2-D float block, for an array or a callable."""
    if callable(influence):
        return lambda start, stop: np.asarray(influence(start, stop), dtype=float)
    z = np.asarray(influence, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    return lambda start, stop: z[start:stop]


def design_df(strata: np.ndarray) -> int:
    """Design degrees of freedom: PSUs (respondents) minus strata (survey::degf)."""
    _, n_strata = stratum_codes(strata)
    return int(len(strata) - n_strata)


def stratum_codes(strata: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes 0..H-1 of the strata (any labels: text, categorical, integers),
    in the labels' sorted order."""
    strata = np.asarray(strata)
    if np.issubdtype(strata.dtype, np.integer):
        if strata.size and strata.min() >= 0 and np.all(np.bincount(strata) > 0):
            return strata.astype(np.intp, copy=False), int(strata.max()) + 1  # already 0..H-1
        uniques, codes = np.unique(strata, return_inverse=True)
        return codes.astype(np.intp), len(uniques)
    codes, uniques = pd.factorize(strata, sort=True)  # no Series: no string inference
    return codes.astype(np.intp), len(uniques)


def group_sums(codes: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """(G, p) sums of the rows of ``values`` (n, p) per group ``codes`` (n,) in 0..G-1.

    One sparse indicator product (each group's rows added in row order, as
    ``np.bincount`` column by column, in one pass over ``values``)."""
    from scipy import sparse

    n = codes.size
    indicator = sparse.csr_matrix((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))
    return np.asarray(indicator @ values)


def stratified_variance_of_cells(
    values: np.ndarray,
    weight_sums: np.ndarray,
    weight_squares: np.ndarray,
    cell_strata: np.ndarray,
    stratum_counts: np.ndarray,
) -> np.ndarray:
    """:func:`stratified_variance` of respondent rows ``w_i a_c(i)`` from their cells.

    Respondents in cell c (within one stratum, ``cell_strata[c]``) have the
    influence ``w_i a_c``: with ``values`` the (C, p) ``a_c``, ``weight_sums``
    and ``weight_squares`` the cells' sums of ``w`` and ``w^2``, and
    ``stratum_counts`` the respondents per stratum (n_h, all of them),
    ``V = sum_h n_h / (n_h - 1) (sum_{c in h} W2_c a_c a_c' - S_h S_h' / n_h)``
    with ``S_h = sum_{c in h} W_c a_c``: the same covariance in O(C p^2).
    """
    a = np.asarray(values, dtype=float)
    n_strata = len(stratum_counts)
    sums = group_sums(cell_strata, a * weight_sums[:, None], n_strata)
    squares = []
    for h in range(n_strata):
        ah, w2 = a[cell_strata == h], weight_squares[cell_strata == h]
        squares.append(ah.T @ (ah * w2[:, None]))
    return variance_from_stratum_moments(squares, sums, stratum_counts)


def variance_from_stratum_moments(squares, sums: np.ndarray, counts) -> np.ndarray:
    """``sum_h n_h / (n_h - 1) (Q_h - S_h S_h' / n_h)``: the with-replacement
    stratified variance (svyrecvar) from each stratum's sum of cross-products
    ``Q_h`` (``squares[h]``, p x p), sum ``S_h`` (``sums[h]``) and size ``n_h``."""
    counts = np.asarray(counts, dtype=float)
    if np.any(counts < 2):
        raise ValueError("every stratum needs at least two respondents for a variance")
    out = np.zeros((sums.shape[1], sums.shape[1]))
    for h in range(counts.size):
        out += counts[h] / (counts[h] - 1.0) * (squares[h] - np.outer(sums[h], sums[h]) / counts[h])
    return out
