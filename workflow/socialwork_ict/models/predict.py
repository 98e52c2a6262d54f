"""Marginally standardised predicted probabilities with design-based delta-method CIs.

For a fitted model (proportional odds or logistic), a factor (``age_group``)
and a level ``a``: set every respondent's factor to ``a`` (all other
covariates as observed), predict each respondent's probabilities, and average
them with the survey weights over a domain (one country, or ALL)::

    P_a(d) = sum_{i in d} w_i p(x_i^(a); theta_hat) / sum_{i in d} w_i

("marginal standardisation", predictive margins; Graubard & Korn 1999,
*Biometrics* 55:652; Muller & MacLehose 2014, *Int J Epidemiol* 43:962).
Outcomes of an ordinal fit: each response category (``ict_freq=1`` ...
``ict_freq=5``) and ``ict_freq>=4`` (often or very often; ``at_least``); of a
logistic fit, ``P(y = 1)`` (named ``ict_freq>=2`` etc.). Estimates are
proportions (0-1).

Standard errors: linearisation of the ratio of weighted totals *including*
the estimated parameters (Graubard & Korn 1999; Binder 1983): the influence
value of respondent i is ::

    z_i = 1{i in d} w_i (p_i^(a) - P_a(d)) / W_d  +  g' IF_i,
    g = dP_a(d)/dtheta (analytic),  IF_i = A^-1 w_i U_i (the model's influence)

and the variance is R's ``svyrecvar`` of ``z``
(:func:`~socialwork_ict.inference.design.stratified_variance`, strata =
country). The first part is the sampling variability of the covariate mix over
which predictions are averaged, the second the parameter uncertainty (its
variance alone is ``g' V g`` with ``V`` the sandwich vcov); their covariance is
included. The CI is a Wald interval on the logit scale,
``expit(logit(P) -/+ z_q se / (P (1 - P)))`` with the normal quantile (the
same transformation as ``svyciprop(method = "logit")``), so it stays in (0, 1).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import sparse, special

from socialwork_ict.codes import FACTOR_LEVELS
from socialwork_ict.errors import InputError
from socialwork_ict.inference import distributions
from socialwork_ict.inference.design import stratified_variance
from socialwork_ict.models.design_matrix import apply_design, distinct_rows, term_name
from socialwork_ict.models.fitting import replicate_cell_totals, warn_failed_refits
from socialwork_ict.models.logistic import LogisticFit, logistic_influence, logistic_refitter
from socialwork_ict.models.ordinal import OrdinalFit, ordinal_batch_refitter, ordinal_influence
from socialwork_ict.names import POOLED


def standardised_predictions(
    fit: OrdinalFit | LogisticFit,
    frame: pd.DataFrame,
    *,
    factor: str = "age_group",
    by: str = "country",
    at_least: int = 4,
    level: float = 0.95,
    design=None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Standardised predictions by ``factor`` level within each ``by`` domain and ALL.

    ``frame``: the data the model was fitted on (same rows, weights, strata).
    Returns one row per domain x level x outcome with columns ``by`` (domain
    label, ``ALL`` for the pooled rows), ``factor`` (level), ``outcome``,
    ``estimate``, ``std_error``, ``ci_low``, ``ci_high``, ``n`` (respondents
    in the domain).

    ``design``, ``rows``: a design of :mod:`~socialwork_ict.inference.variance`
    over all respondents and the positions of ``frame``'s rows in it (R's
    domain rule). Linearisation: the influence values above, placed at
    ``rows`` (calibration residuals when calibrated); replicates: the model
    refitted and the predictions recomputed with every replicate's weights.
    """
    if factor not in fit.design.factors:
        raise InputError("the model has no such factor", column=factor)
    if design is not None and design.method != "linearization":
        return _replicate_predictions(fit, frame, design, rows, factor, by, at_least, level)
    design_rows = rows  # (the name ``rows`` is reused below for the output rows)
    if isinstance(fit, OrdinalFit):
        influence = ordinal_influence(fit, frame)
    elif isinstance(fit, LogisticFit):
        influence = logistic_influence(fit, frame)
    else:
        raise TypeError(f"not a fitted model: {type(fit).__name__}")
    w = pd.to_numeric(frame[fit.weight]).to_numpy(dtype=float)
    strata = frame[fit.strata].astype(str).to_numpy()
    domains = _domains(frame, by)
    levels = [
        lev
        for j, lev in enumerate(FACTOR_LEVELS[factor])
        if j == 0 or term_name(factor, lev) in fit.design.columns
    ]
    q = distributions.norm_ppf(0.5 + level / 2.0)
    rows = []
    for lev in levels:
        level_code = FACTOR_LEVELS[factor].index(lev)
        counterfactual = frame.assign(
            **{
                factor: pd.Categorical.from_codes(
                    np.full(len(frame), level_code), categories=FACTOR_LEVELS[factor]
                )
            }
        )
        x = apply_design(counterfactual, fit.design)
        probs, names, gradient = _model_pieces(fit, x, at_least)
        parts = []  # per domain: weights, total, estimate (O,), gradient (P, O)
        for _, mask in domains:
            wd = w * mask
            total = wd.sum()
            parts.append((wd, total, (wd @ probs) / total, gradient(wd) / total))
        estimates = [est for _, _, est, _ in parts]

        def z_rows(start, stop, probs=probs, parts=parts):
            """Rows start:stop of the influence values z of all domains' estimates."""
            inf, pr = influence[start:stop], probs[start:stop]
            return np.hstack(
                [
                    (wd[start:stop, None] * (pr - est)) / total + inf @ grad
                    for wd, total, est, grad in parts
                ]
            )

        if design is None:
            se = np.sqrt(np.diag(stratified_variance(z_rows, strata)))
        else:
            z = z_rows(0, len(frame))
            full = np.zeros((design.n, z.shape[1]))
            full[design_rows] = z
            se = np.sqrt(np.diag(design.vcov(lambda full=full: full)))
        k = 0
        for (label, mask), est in zip(domains, estimates, strict=True):
            for o, name in enumerate(names):
                p, s = est[o], se[k]
                k += 1
                half = q * s / (p * (1.0 - p)) if 0.0 < p < 1.0 else np.nan
                rows.append(
                    {
                        by: label,
                        factor: lev,
                        "outcome": name,
                        "estimate": p,
                        "std_error": s,
                        "ci_low": special.expit(special.logit(p) - half),
                        "ci_high": special.expit(special.logit(p) + half),
                        "n": int(mask.sum()),
                    }
                )
    out = pd.DataFrame(rows)
    order = {label: j for j, (label, _) in enumerate(domains)}
    out["_d"] = out[by].map(order)
    out = out.sort_values(["_d"], kind="stable").drop(columns="_d").reset_index(drop=True)
    return out


def _replicate_predictions(fit, frame, design, rows, factor, by, at_least, level):
    """:func:`standardised_predictions` with replicate-weight SEs."""
    refit = _cells_refitter(fit, frame)
    domains = _domains(frame, by)
    levels = [
        lev
        for j, lev in enumerate(FACTOR_LEVELS[factor])
        if j == 0 or term_name(factor, lev) in fit.design.columns
    ]
    xs = []
    for lev in levels:
        code = FACTOR_LEVELS[factor].index(lev)
        counterfactual = frame.assign(
            **{
                factor: pd.Categorical.from_codes(
                    np.full(len(frame), code), categories=FACTOR_LEVELS[factor]
                )
            }
        )
        xs.append(apply_design(counterfactual, fit.design))
    masks = np.column_stack([mask for _, mask in domains])  # (n, D)
    collapse, (*xs, masks), cells = _counterfactual_cells([*xs, masks])

    def estimates(params: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """(L, D, O) predictions from the cells' summed weights ``w``."""
        moved = replace(fit, params=pd.Series(params, index=fit.params.index))
        out, names = [], []
        wd = w[:, None] * masks
        for x in xs:
            probs, names, _ = _model_pieces(moved, x, at_least)
            out.append((wd.T @ probs) / wd.sum(axis=0)[:, None])  # (D, O)
        return np.stack(out), names

    w_full = pd.to_numeric(frame[fit.weight]).to_numpy(dtype=float)
    full, names = estimates(fit.params.to_numpy(), collapse @ w_full)

    thetas = _replicate_cell_estimates(
        design, rows, refit, cells, collapse.shape[0], lambda params, w: estimates(params, w)[0]
    )
    se = np.sqrt(np.diag(design.vcov(None, None, full.ravel(), thetas=thetas))).reshape(full.shape)
    warn_failed_refits(refit.failures, "the model behind the predictions")
    q = distributions.norm_ppf(0.5 + level / 2.0)
    out = []
    for d, (label, mask) in enumerate(domains):
        for li, lev in enumerate(levels):
            for o, name in enumerate(names):
                p, s = full[li, d, o], se[li, d, o]
                half = q * s / (p * (1.0 - p)) if 0.0 < p < 1.0 else np.nan
                out.append(
                    {
                        by: label,
                        factor: lev,
                        "outcome": name,
                        "estimate": p,
                        "std_error": s,
                        "ci_low": special.expit(special.logit(p) - half),
                        "ci_high": special.expit(special.logit(p) + half),
                        "n": int(mask.sum()),
                    }
                )
    return pd.DataFrame(out)


def _counterfactual_cells(matrices):
    """``(collapse, cell_matrices, cells)``: the distinct rows of the matrices side by side
    (``cells``: each respondent's).

    Replicate predictions see a respondent only through its counterfactual
    design rows (and domains): the same weighted sums come from the distinct
    cells with the weights summed per cell (``collapse @ w``, a sparse (cells,
    n) 0/1 matrix). The cells are those of each matrix's own cells, so no
    n x (L x P) matrix is built.
    """
    cells, first = distinct_rows(np.column_stack([distinct_rows(a)[0] for a in matrices]))
    collapse = sparse.csr_matrix(
        (np.ones(cells.size), (cells, np.arange(cells.size))), shape=(first.size, cells.size)
    )
    return collapse, [a[first] for a in matrices], cells


def _cells_refitter(fit, frame: pd.DataFrame):
    """The model's replicate refitter on its cells: ``.cells``, ``.n_cells`` and
    ``.on_cells(totals) -> (b, P)`` from (cells, b) replicate weight totals
    (:func:`~socialwork_ict.models.ordinal.ordinal_batch_refitter`,
    :func:`~socialwork_ict.models.logistic.logistic_refitter`) and ``.failures``."""
    if isinstance(fit, OrdinalFit):
        return ordinal_batch_refitter(fit, frame)
    one = logistic_refitter(fit)

    def on_cells(totals: np.ndarray) -> np.ndarray:
        return np.vstack([one.on_cells(totals[:, j]) for j in range(totals.shape[1])])

    on_cells.cells, on_cells.n_cells, on_cells.failures = one.cells, one.n_cells, one.failures
    on_cells.on_cells = on_cells
    return on_cells


def _replicate_cell_estimates(design, rows, refit, cells, n_cells, estimate) -> np.ndarray:
    """(R, k) replicate estimates ``estimate(theta_r, w_r)`` of every replicate r: the
    model refitted on the replicate totals of its cells (``refit``:
    :func:`_cells_refitter`) and ``w_r`` the replicate totals of the prediction
    cells ``cells`` (:func:`_counterfactual_cells`), both from one pass over
    the replicates each (:func:`~socialwork_ict.models.fitting.replicate_cell_totals`;
    the respondents ``rows`` of the design)."""
    thetas = refit.on_cells(replicate_cell_totals(design, rows, refit.cells, refit.n_cells))
    totals = replicate_cell_totals(design, rows, cells, n_cells)
    return np.vstack([np.ravel(estimate(thetas[j], totals[:, j])) for j in range(thetas.shape[0])])


def _domains(frame: pd.DataFrame, by: str) -> list[tuple[str, np.ndarray]]:
    if by not in frame.columns:
        raise InputError("column missing from the analysis data", column=by)
    values = frame[by].astype(object)
    if by in FACTOR_LEVELS:
        labels = [lev for lev in FACTOR_LEVELS[by] if (values == lev).any()]
    else:
        labels = sorted(pd.unique(values.dropna()).tolist())
    domains = [(str(lab), (values == lab).to_numpy(dtype=float)) for lab in labels]
    domains.append((POOLED, np.ones(len(frame))))
    return domains


def _model_pieces(fit, x, at_least):
    """Per-respondent probabilities (n x O), outcome names and a function
    wd -> sum_i wd_i dp_i/dtheta (P x O)."""
    est = fit.params.to_numpy()
    if isinstance(fit, LogisticFit):
        mu = special.expit(x @ est)
        name = fit.response if fit.at_least is None else f"{fit.response}>={fit.at_least}"

        def gradient(wd):
            return (x.T @ (wd * mu * (1.0 - mu)))[:, None]

        return mu[:, None], [name], gradient

    p = x.shape[1]
    beta, theta = est[:p], est[p:]
    cats = list(fit.categories)
    n_thr = len(theta)
    cum = special.expit(theta[None, :] - (x @ beta)[:, None])  # C_k = P(y <= cat_k)
    dens = cum * (1.0 - cum)
    # outcome o = c0[o] + sum_k C_k L[k, o]
    names = [f"{fit.response}={c}" for c in cats]
    lmat = np.zeros((n_thr, len(cats)))
    c0 = np.zeros(len(cats))
    for j in range(len(cats)):
        if j < n_thr:
            lmat[j, j] += 1.0
        if j > 0:
            lmat[j - 1, j] -= 1.0
        if j == n_thr:
            c0[j] = 1.0
    below = [k for k in range(n_thr) if cats[k] < at_least]
    if below and cats[-1] >= at_least:
        names.append(f"{fit.response}>={at_least}")
        col = np.zeros((n_thr, 1))
        col[below[-1], 0] = -1.0
        lmat = np.hstack([lmat, col])
        c0 = np.append(c0, 1.0)
    probs = c0[None, :] + cum @ lmat

    def gradient(wd):
        d_beta = -(x.T @ (dens * wd[:, None]))  # (p, K-1)
        d_theta = np.diag(wd @ dens)  # (K-1, K-1)
        return np.vstack([d_beta, d_theta]) @ lmat

    return probs, names, gradient


def standardised_contrast(
    fit: OrdinalFit | LogisticFit,
    frame: pd.DataFrame,
    coefficients: dict[str, float],
    *,
    factor: str = "age_group",
    at_least: int = 4,
    level: float = 0.95,
    design=None,
    rows: np.ndarray | None = None,
) -> dict[str, float]:
    """A linear contrast of standardised predictions over all respondents, with its SE.

    ``sum_a c_a P_a`` for the levels ``a`` and coefficients ``c_a`` of
    ``coefficients`` (for the published age claim: 1/4 for each older group,
    -1 for <30: the mean predicted probability of the four older groups minus
    that of the under-30s), on the outcome ``ict_freq>=at_least`` of an
    ordinal fit (often or very often) or ``P(y = 1)`` of a logistic one;
    ``P_a`` is :func:`standardised_predictions`' pooled (ALL) estimate. Its
    influence value is ``sum_a c_a z_a`` with the ``z_a`` of the module
    docstring (so the covariances between the levels' predictions, which
    share the respondents and the parameters, are included); variance as
    R's ``svyrecvar`` of it, or from ``design`` (linearisation, calibrated or
    not; replicates: the model refitted per replicate). The interval is the
    Wald interval ``estimate -/+ z_q se`` (a difference of probabilities, on
    the probability scale). Returns ``{"estimate", "std_error", "ci_low",
    "ci_high"}``.
    """
    if factor not in fit.design.factors:
        raise InputError("the model has no such factor", column=factor)
    w = pd.to_numeric(frame[fit.weight]).to_numpy(dtype=float)
    total = w.sum()
    xs, cs = [], []
    for lev, c in coefficients.items():
        code = FACTOR_LEVELS[factor].index(lev)
        counterfactual = frame.assign(
            **{
                factor: pd.Categorical.from_codes(
                    np.full(len(frame), code), categories=FACTOR_LEVELS[factor]
                )
            }
        )
        xs.append(apply_design(counterfactual, fit.design))
        cs.append(float(c))

    def outcome_index(names: list[str]) -> int:
        wanted = fit.response if isinstance(fit, LogisticFit) and fit.at_least is None else None
        wanted = wanted or (
            f"{fit.response}>={fit.at_least}"
            if isinstance(fit, LogisticFit)
            else f"{fit.response}>={at_least}"
        )
        return names.index(wanted)

    def estimate_at(moved, weights, xs=xs) -> float:
        out = 0.0
        for x, c in zip(xs, cs, strict=True):
            probs, names, _ = _model_pieces(moved, x, at_least)
            out += c * float(weights @ probs[:, outcome_index(names)]) / weights.sum()
        return out

    est = estimate_at(fit, w)
    q = distributions.norm_ppf(0.5 + level / 2.0)
    if design is not None and design.method != "linearization":
        refit = _cells_refitter(fit, frame)
        collapse, cell_xs, cells = _counterfactual_cells(xs)

        def replicate(params: np.ndarray, cell_weights: np.ndarray) -> float:
            moved = replace(fit, params=pd.Series(params, index=fit.params.index))
            return estimate_at(moved, cell_weights, xs=cell_xs)

        thetas = _replicate_cell_estimates(design, rows, refit, cells, collapse.shape[0], replicate)
        variance = float(design.vcov(None, None, np.array([est]), thetas=thetas)[0, 0])
        warn_failed_refits(refit.failures, "the model behind the contrast")
    else:
        influence = (
            ordinal_influence(fit, frame)
            if isinstance(fit, OrdinalFit)
            else logistic_influence(fit, frame)
        )
        z = np.zeros(len(frame))
        for x, c in zip(xs, cs, strict=True):
            probs, names, gradient = _model_pieces(fit, x, at_least)
            o = outcome_index(names)
            p_a = float(w @ probs[:, o]) / total
            z += c * (w * (probs[:, o] - p_a) / total + influence @ gradient(w)[:, o] / total)
        if design is None:
            strata = frame[fit.strata].astype(str).to_numpy()
            variance = float(stratified_variance(z, strata)[0, 0])
        else:
            full = np.zeros(design.n)
            full[rows] = z
            variance = float(design.vcov(lambda: full[:, None])[0, 0])
    se = float(np.sqrt(max(variance, 0.0)))
    return {"estimate": est, "std_error": se, "ci_low": est - q * se, "ci_high": est + q * se}
