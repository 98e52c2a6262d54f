"""Rao-Scott design-corrected chi-square test of independence in a two-way table.

Stage: inference (``tests.csv``, rows ``rao_scott_age_group_x_ict_freq[...]``).

Rao & Scott (1984), "On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data", *Annals of Statistics*
12:46-60, second-order (Satterthwaite) correction with an F reference
distribution, exactly as R ``survey::svychisq(statistic = "F")`` (Lumley,
survey 4.1.1):

- N = respondents in the design (rows of the table's data, R ``nrow(mm)``);
- p = weighted cell proportions of the r x c table (rows of ``row``,
  columns of ``col``, levels = the values observed in the data);
- V = their design-based covariance (linearisation, R ``svyrecvar``, via
  :func:`~socialwork_ict.inference.design.stratified_variance`);
- X2 = Pearson's statistic of the weighted table rescaled to total N;
- C = the interaction contrasts: the (r - 1)(c - 1) interaction columns of
  the saturated cell model, residualised (unweighted least squares) on the
  main-effects design; D = diag(p), with D^-1 taken as 0 for an empty cell
  (R's ``ifelse(mean2 == 0, 0, 1 / mean2)``);
- ``Delta = (C' D^-1 C / N)^-1 (C' D^-1 V D^-1 C)`` (the generalised design
  effects);
- ``F = X2 / tr(Delta)``, ``d0 = tr(Delta)^2 / tr(Delta^2)``,
  ``df_num = d0``, ``df_den = d0 * nu``, nu = design df = PSUs - strata,
  p-value from F(d0, d0 * nu).

The statistic does not depend on N (X2 and Delta both scale with it) nor on
the basis chosen for C. Respondents with a missing row or column value are
excluded from p (R ``na.rm = TRUE``) but stay in the design (zero influence,
counted in n_h and in nu), as in R.

Deviation from R: a level of ``row``/``col`` with no respondent in the data is
dropped (R keeps an unused *factor* level in ``svytable`` and returns NaN);
this never happens with ``subset(design, country == ...)`` unless a country
has no respondent at all in an age group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import COUNTRIES
from socialwork_ict.inference import distributions
from socialwork_ict.inference.variance import LinearizationDesign
from socialwork_ict.names import POOLED as ALL

TESTS_COLUMNS = ("test", "country", "statistic", "df_num", "df_den", "p_value", "method")
RAO_SCOTT_METHOD = "Rao-Scott F: svychisq(~age_group+ict_freq statistic='F')"


def rao_scott_test(
    frame: pd.DataFrame,
    row: str = "age_group",
    col: str = "ict_freq",
    weight: str = "weight",
    strata: str | None = "country",
    *,
    design=None,
    block: np.ndarray | None = None,
) -> dict[str, float]:
    """Rao-Scott second-order corrected F test of independence of ``row`` and ``col``.

    Rao & Scott 1984 second-order correction, as R
    ``svychisq(~row + col, svydesign(ids = ~1, strata = ~strata,
    weights = ~weight), statistic = "F")`` (formulas in the module
    docstring). ``strata=None``: a single stratum.

    ``design``: a design of :mod:`~socialwork_ict.inference.variance` over
    the rows of ``frame`` (its weights are used, not ``weight``); V then
    comes from it (calibrated linearisation, replicates) and nu is
    ``design.df(block)``. ``block``: (n,) mask of the (sub)population tested
    (R ``subset(design, country == c)``; default all rows); rows outside it
    have zero influence.

    Returns ``{"statistic", "df_num", "df_den", "p_value", "chisq_pearson",
    "chisq_first_order", "df_first_order", "n"}``: the F statistic, d0,
    d0 * nu, its p-value, the Pearson X2 of the weighted table rescaled to N,
    the first-order corrected chi-square ``X2 / mean(eigenvalues of Delta)``
    on ``(r - 1)(c - 1)`` df (Rao & Scott 1981; what D2 pools over
    imputations), and N.
    """
    row_codes, n_rows = _level_codes(frame[row])
    col_codes, n_cols = _level_codes(frame[col])
    if n_rows < 2 or n_cols < 2:
        raise ValueError(f"{row} x {col}: the table needs at least two observed levels each")
    if design is None:
        labels = (
            np.zeros(len(frame), dtype=np.int64)
            if strata is None
            else frame[strata].astype("string").to_numpy(dtype=object, na_value="<NA>").astype(str)
        )
        design = LinearizationDesign(labels, frame[weight].to_numpy(dtype=float))
    elif np.asarray(design.weights).size != len(frame):
        raise ValueError("the design must cover the rows of frame")
    return _rao_scott(row_codes, n_rows, col_codes, n_cols, design, block)


def rao_scott_domain_tests(
    rows: pd.Series, cols: pd.Series, design, blocks: Sequence[np.ndarray]
) -> list[dict[str, float] | None]:
    """:func:`rao_scott_test` of ``rows`` x ``cols`` in each domain of ``blocks`` on ``design``.

    The same tests as ``rao_scott_test(frame, design=design, block=b)`` for
    every ``b`` (R ``svychisq(~rows + cols, subset(design, domain))``, the
    module docstring), from one set of replicate cell totals: the
    respondents are split into atoms (those in the same set of domains) and
    :meth:`~socialwork_ict.inference.replicates.ReplicateDesign.cell_totals`
    is taken once over (cell, atom); a domain's (cells, R) totals are the
    sum of its atoms' (equal to the per-domain totals up to the order of
    floating-point additions). ``rows``, ``cols``: (n,) values (NaN =
    missing) over the design's respondents; ``blocks``: (n,) masks.
    Linearisation designs have no replicate totals: one test per domain.
    Raises ValueError when the table has fewer than two observed levels of
    either variable; a domain whose test fails numerically (a singular
    ``C' D^-1 C``) is None.
    """
    row_codes, n_rows = _level_codes(rows)
    col_codes, n_cols = _level_codes(cols)
    if n_rows < 2 or n_cols < 2:
        raise ValueError(f"{rows.name} x {cols.name}: the table needs at least two observed "
                         "levels each")  # fmt: skip
    masks = [np.asarray(b, dtype=bool) for b in blocks]
    if np.asarray(design.weights).size != row_codes.size or any(
        m.size != row_codes.size for m in masks
    ):
        raise ValueError("the design and the blocks must cover the rows")
    totals = [None] * len(masks)
    if design.method != "linearization" and masks:
        from socialwork_ict.inference.replicates import domain_atoms

        valid = (row_codes >= 0) & (col_codes >= 0)
        atom, member = domain_atoms(masks)
        used = valid & (atom >= 0)
        k, a = n_rows * n_cols, member.shape[0]
        # the respondents in no cell summed into one more, dropped (no gather of their counts)
        joint = np.full(row_codes.size, k * a, dtype=np.intp)
        joint[used] = (row_codes[used] + n_rows * col_codes[used]) * a + atom[used]
        by_atom = design.cell_totals(joint, k * a + 1)[: k * a].reshape(k, a, -1)
        for d in range(len(masks)):
            totals[d] = by_atom[:, member[:, d]].sum(axis=1)
    out = []
    for m, t in zip(masks, totals, strict=True):
        try:
            out.append(_rao_scott(row_codes, n_rows, col_codes, n_cols, design, m, t))
        except np.linalg.LinAlgError:
            out.append(None)
    return out


def _rao_scott(
    row_codes: np.ndarray,
    n_rows: int,
    col_codes: np.ndarray,
    n_cols: int,
    design,
    block: np.ndarray | None,
    totals: np.ndarray | None = None,
) -> dict[str, float]:
    """The test of :func:`rao_scott_test` from the level codes (-1 = missing).

    ``totals``: the (cells, R) replicate totals of the block's cells, if
    already computed (:func:`rao_scott_domain_tests`).
    """
    weights = np.asarray(design.weights, dtype=float)
    n = weights.size
    valid = (row_codes >= 0) & (col_codes >= 0)
    if block is not None:
        valid &= np.asarray(block, dtype=bool)
        n = int(np.count_nonzero(block))
    cell = row_codes + n_rows * col_codes  # rows vary fastest, as R's interaction()
    w_valid = weights[valid]
    total = w_valid.sum()
    p = np.bincount(cell[valid], weights=w_valid, minlength=n_rows * n_cols) / total

    # Pearson X2 of the weighted table rescaled to N (R: chisq.test(svytable(Ntotal = N)))
    table = p.reshape(n_cols, n_rows).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0))
    chisq = n * np.sum((table - expected) ** 2 / expected)

    contrasts = interaction_contrasts(n_rows, n_cols)
    inv_p = np.divide(1.0, p, out=np.zeros_like(p), where=p > 0)
    scaled = inv_p[:, None] * contrasts  # D^-1 C
    # Influence of p for respondent i: w_i (e_cell(i) - p) / W, zero when missing.
    # Project it on D^-1 C first, so the variance directly gives C' D^-1 V D^-1 C.
    if design.method == "linearization":  # the influence on the valid rows, zero elsewhere
        z_valid = (w_valid / total)[:, None] * (scaled[cell[valid]] - p @ scaled)
        numerator = design.vcov_rows(z_valid, np.flatnonzero(valid))
    else:
        # (D^-1 C)' p_r = sum_k T_kr scaled[k] / sum_k T_kr, T the replicate totals per cell
        if totals is None:
            totals = design.cell_totals(np.where(valid, cell, -1), n_rows * n_cols)
        thetas = (totals.T @ scaled) / totals.sum(axis=0)[:, None]
        numerator = design.vcov(None, None, p @ scaled, thetas=thetas)
    denominator = contrasts.T @ scaled / n
    delta = np.linalg.solve(denominator, numerator)

    trace = np.trace(delta)
    d0 = trace**2 / np.sum(delta * delta.T)  # tr(Delta^2)
    nu = design.df(block)
    statistic = chisq / trace
    return {
        "statistic": float(statistic),
        "df_num": float(d0),
        "df_den": float(d0 * nu),
        "p_value": float(distributions.f_sf(statistic, d0, d0 * nu)),
        "chisq_pearson": float(chisq),
        "chisq_first_order": float(chisq * contrasts.shape[1] / trace),
        "df_first_order": int(contrasts.shape[1]),
        "n": n,
    }


def interaction_contrasts(n_rows: int, n_cols: int) -> np.ndarray:
    """Interaction contrasts C of an r x c table, as in R ``svychisq``.

    Cells in R's ``expand.grid(rows, cols)`` order (rows vary fastest). The
    (r - 1)(c - 1) interaction columns of the treatment-coded saturated model
    ``~ factor(rows) * factor(cols)``, minus their least-squares projection on
    the main-effects model ``~ factor(rows) + factor(cols)`` (R
    ``qr.resid(qr(X1), X12[, interaction columns])``).
    """
    rows = np.tile(np.arange(n_rows), n_cols)
    cols = np.repeat(np.arange(n_cols), n_rows)
    row_dummies = (rows[:, None] == np.arange(1, n_rows)[None, :]).astype(float)
    col_dummies = (cols[:, None] == np.arange(1, n_cols)[None, :]).astype(float)
    main = np.column_stack([np.ones(rows.size), row_dummies, col_dummies])
    # interaction columns, row level varying fastest (R's model.matrix order)
    interaction = (col_dummies[:, :, None] * row_dummies[:, None, :]).reshape(rows.size, -1)
    coef, *_ = np.linalg.lstsq(main, interaction, rcond=None)
    return interaction - main @ coef


def rao_scott_tests(
    frame: pd.DataFrame,
    row: str = "age_group",
    col: str = "ict_freq",
    weight: str = "weight",
    country: str = "country",
    countries: Sequence[str] = COUNTRIES,
    design=None,
) -> pd.DataFrame:
    """The ``tests.csv`` rows ``rao_scott_{row}_x_{col}[CA]`` ... ``[UK]``, ``[ALL]``.

    Per country: :func:`rao_scott_test` on that country's respondents (R
    ``subset(design, country == "CA")``: one stratum, nu = n_country - 1).
    ALL: all respondents of ``countries``, strata = country (nu = n - 4).
    Columns: test, country, statistic, df_num, df_den, p_value, method.
    ``design``: a design over the rows of ``frame`` (every respondent, R's
    domain rule); each country is then a block of it (nu = ``design.df``),
    all five from one set of replicate totals (:func:`rao_scott_domain_tests`).
    """
    labels = frame[country].astype("string")
    domains = [*countries, ALL]
    if design is not None:
        if np.asarray(design.weights).size != len(frame):
            raise ValueError("the design must cover the rows of frame")
        blocks = [
            (labels.isin(countries) if label == ALL else labels == label)
            .fillna(False)
            .to_numpy(dtype=bool)
            for label in domains
        ]
        shared = rao_scott_domain_tests(frame[row], frame[col], design, blocks)
    rows = []
    for d, label in enumerate(domains):
        if design is not None:
            result = shared[d]
            if result is None:
                raise np.linalg.LinAlgError(f"{row} x {col} [{label}]: singular C' D^-1 C")
        else:
            subset = frame[labels.isin(countries)] if label == ALL else frame[labels == label]
            result = rao_scott_test(subset, row=row, col=col, weight=weight, strata=country)
        rows.append(
            {
                "test": f"rao_scott_{row}_x_{col}[{label}]",
                "country": label,
                "statistic": result["statistic"],
                "df_num": result["df_num"],
                "df_den": result["df_den"],
                "p_value": result["p_value"],
                "method": RAO_SCOTT_METHOD.replace("age_group", row).replace("ict_freq", col),
            }
        )
    return pd.DataFrame(rows, columns=list(TESTS_COLUMNS))


def _level_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes 0..k-1 of the observed levels (sorted / category order), -1 if missing."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        observed = values.cat.remove_unused_categories()
        return observed.cat.codes.to_numpy(dtype=np.int64), len(observed.cat.categories)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), len(uniques)
