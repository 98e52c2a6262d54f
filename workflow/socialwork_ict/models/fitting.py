"""Fitting machinery shared by the survey-weighted models: input and rank checks,
Newton-Raphson with step halving, the sandwich variance and the Wald table.

Estimation (Binder 1983; Lumley 2010, *Complex Surveys*, §5.2 and §6.3): the
pseudo-maximum-likelihood estimate maximises the weighted log-likelihood
``sum_i w_i log f(y_i | x_i)``. :func:`halving_step` takes one Newton step
``solve(A, score)`` (``A`` = minus the Hessian, the information) and halves it
until the log-likelihood does not decrease (up to a relative 1e-12) and the
trial point is admissible; the log-likelihoods of the ordinal and logistic
models are concave, so the halving Newton step converges wherever the MLE is
finite. :func:`newton_refit` iterates it from an earlier estimate to
max |step| < ``REFIT_TOL`` (replicate refits).

Variance: the sandwich ``A^-1 B A^-1`` with ``B`` = R's ``svyrecvar``
(:func:`~socialwork_ict.inference.design.stratified_variance`) of the
per-respondent weighted scores (:func:`sandwich`), from the model's
(x, y, stratum) cells (:func:`model_cells`).

:func:`wald_table`: Wald confidence intervals of the odds ratios and two-sided
p-values, normal (``svyolr``) or Student t (``summary.svyglm`` with an
estimated dispersion).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.errors import InputError
from socialwork_ict.inference import distributions
from socialwork_ict.inference.design import stratified_variance_of_cells, stratum_codes
from socialwork_ict.models.design_matrix import distinct_rows, grouped_distinct_rows

#: |coefficient| above this after convergence (odds ratio > 22,000): a quasi-separation warning
LARGE_COEFFICIENT = 10.0
COEF_COLUMNS = ["term", "estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value"]
#: a replicate refit stops after a step below this
REFIT_TOL = 1e-12
#: Newton steps a replicate refit may take
REFIT_MAX_ITER = 100
#: halvings of one Newton step before the step counts as failed
MAX_HALVINGS = 60

#: ``evaluate(params) -> (loglik, score, information)``
Evaluate = Callable[[np.ndarray], tuple]


def halving_step(
    params: np.ndarray,
    step: np.ndarray,
    loglik: float,
    evaluate: Evaluate,
    admissible: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, tuple, float] | None:
    """``(trial, evaluate(trial), scale)`` for the first ``scale`` in 1, 1/2, 1/4, ...
    whose ``trial = params + scale * step`` is admissible and has a finite
    log-likelihood not below ``loglik - 1e-12 |loglik|``; None after
    ``MAX_HALVINGS`` halvings."""
    scale = 1.0
    for _ in range(MAX_HALVINGS):
        trial = params + scale * step
        if admissible is None or admissible(trial):
            pieces = evaluate(trial)
            if np.isfinite(pieces[0]) and pieces[0] >= loglik - 1e-12 * abs(loglik):
                return trial, pieces, scale
        scale /= 2.0
    return None


def newton_to_deviance(
    params: np.ndarray,
    evaluate: Callable[[np.ndarray], tuple],
    derivatives: Callable[[np.ndarray, object], tuple],
    *,
    tol: float,
    max_iter: int,
    as_params: Callable[[np.ndarray], np.ndarray] = lambda step: step,
    admissible: Callable[[np.ndarray], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Newton-Raphson with step halving to R ``glm.fit``'s stopping rule: the estimate
    and the information of the last Newton step.

    ``evaluate(params) -> (loglik, state)``: the (penalised) log-likelihood and
    what ``derivatives(params, state) -> (score, information)`` needs (flat
    score and its information), so the linear predictor is computed once per
    point; ``as_params`` shapes a flat step like ``params``. Steps are halved
    by :func:`halving_step`. Stops when the deviance ``D = -2 loglik`` changed
    by less than ``tol (|D| + 0.1)`` (``glm.control(epsilon)``). The
    information returned is the one the last step was solved with, at the
    iterate before the estimate: as ``glm.fit``, whose final weighted QR (and
    so ``summary.glm``'s ``cov.unscaled``, which ``mice.impute.logreg`` draws
    from) uses the weights of the previous iterate. That saves one
    information evaluation per fit."""
    value, state = evaluate(params)
    info = None
    for _ in range(max_iter):
        grad, info = derivatives(params, state)
        step = as_params(np.linalg.solve(info, grad))
        taken = halving_step(params, step, value, evaluate, admissible)
        if taken is None:
            break
        trial, (t_value, t_state), _ = taken
        converged = 2.0 * abs(t_value - value) < tol * (2.0 * abs(t_value) + 0.1)
        params, value, state = trial, t_value, t_state
        if converged:
            break
    if info is None:  # max_iter = 0
        info = derivatives(params, state)[1]
    return params, info


def newton_refit(
    start: np.ndarray,
    evaluate: Evaluate,
    failures: list,
    admissible: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray:
    """The estimate with other weights: halving Newton steps from ``start`` until a step
    is below ``REFIT_TOL`` (at most ``REFIT_MAX_ITER``); appends to ``failures``
    when the refit did not converge or its information matrix is singular (a
    replicate that drops every respondent of a level); the last iterate is kept
    and :func:`warn_failed_refits` says how many."""
    params = start.copy()
    loglik, grad, info = evaluate(params)
    for _ in range(REFIT_MAX_ITER):
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:  # a replicate without a level's respondents
            failures.append(1)
            break
        taken = halving_step(params, step, loglik, evaluate, admissible)
        if taken is None:
            failures.append(1)
            break
        params, (loglik, grad, info), scale = taken
        if np.max(np.abs(scale * step)) < REFIT_TOL:
            break
    else:
        failures.append(1)
    return params


@dataclass(frozen=True)
class ModelCells:
    """A model's respondents grouped by their (x, y, stratum) cell.

    The weighted likelihood, its score and information, and the scores'
    stratified variance see a respondent only through its cell, so a model
    is fitted on the C cells with their summed weights (the same sums with
    as many rows as cells). ``cells``: (n,) each respondent's cell; ``x``,
    ``y``: (C, p), (C,) the cells' design rows and outcomes; ``weights``,
    ``squares``: (C,) sums of the mean-1 weights and of their squares;
    ``positive``: (C,) respondents with a positive weight; ``strata``: (C,)
    stratum code; ``stratum_counts``: (H,) respondents per stratum (all).
    """

    cells: np.ndarray
    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray
    squares: np.ndarray
    positive: np.ndarray
    strata: np.ndarray
    stratum_counts: np.ndarray


def model_cells(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    strata: np.ndarray,
    groups: np.ndarray | None = None,
) -> ModelCells:
    """:class:`ModelCells` of design rows ``x``, outcomes ``y`` (integer codes), mean-1
    weights ``w`` and stratum labels ``strata`` (one row per respondent).

    ``groups``: optionally (n,) groups of the respondents with one design row
    and stratum each (:func:`~socialwork_ict.models.design_matrix.grouped_design`);
    ``x`` is then the (G, p) design rows of the groups. The cells are the same
    (:func:`~socialwork_ict.models.design_matrix.grouped_distinct_rows`).
    """
    codes, n_strata = stratum_codes(strata)
    if groups is None:
        cells, first = distinct_rows(np.column_stack([x, y, codes]))
        rows_x = x[first]
    else:
        cells, first = grouped_distinct_rows(x, groups, y, codes)
        rows_x = x[groups[first]]
    k = first.size
    return ModelCells(
        cells=cells,
        x=rows_x,
        y=y[first],
        weights=np.bincount(cells, weights=w, minlength=k),
        squares=np.bincount(cells, weights=w * w, minlength=k),
        positive=np.bincount(cells, weights=w > 0, minlength=k),
        strata=codes[first],
        stratum_counts=np.bincount(codes, minlength=n_strata),
    )


def sandwich(bread: np.ndarray, scores: np.ndarray, cells: ModelCells) -> np.ndarray:
    """``A^-1 B A^-1`` (symmetrised), ``B`` = the stratified variance (``svyrecvar``) of
    the respondents' scores ``w_i s_c(i)``, from the cells' unit-weight scores ``s_c``
    (C, P) (:func:`~socialwork_ict.inference.design.stratified_variance_of_cells`)."""
    meat = stratified_variance_of_cells(
        scores, cells.weights, cells.squares, cells.strata, cells.stratum_counts
    )
    vcov = bread @ meat @ bread
    return (vcov + vcov.T) / 2.0


def large_coefficients_warning(names: Sequence[str], estimates: np.ndarray) -> list[str]:
    """A warning naming the coefficients beyond ``LARGE_COEFFICIENT`` (none: empty list)."""
    large = [name for name, b in zip(names, estimates, strict=True) if abs(b) > LARGE_COEFFICIENT]
    if not large:
        return []
    return [
        f"very large coefficients (|estimate| > {LARGE_COEFFICIENT:g}) for {large}: "
        "possible quasi-separation"
    ]


def wald_table(
    params: pd.Series, std_errors: pd.Series, *, level: float = 0.95, df: float | None = None
) -> pd.DataFrame:
    """term, estimate, std_error, odds_ratio, ci_low, ci_high, p_value.

    ``df=None``: normal quantile and p (svyolr table); a number: Student t with
    ``df`` degrees of freedom (``summary.svyglm`` with an estimated dispersion).
    """
    est = params.to_numpy(dtype=float)
    se = std_errors.to_numpy(dtype=float)
    z = est / se
    if df is None or not np.isfinite(df):
        q = distributions.norm_ppf(0.5 + level / 2.0)
        p = 2.0 * distributions.norm_sf(np.abs(z))
    else:
        q = distributions.t_ppf(0.5 + level / 2.0, df)
        p = 2.0 * distributions.t_sf(np.abs(z), df)
    return pd.DataFrame(
        {
            "term": list(params.index),
            "estimate": est,
            "std_error": se,
            "odds_ratio": np.exp(est),
            "ci_low": np.exp(est - q * se),
            "ci_high": np.exp(est + q * se),
            "p_value": p,
        }
    )


def validate_inputs(frame, response, weight, strata, categories):
    """``(response codes, weights, strata)`` or an InputError: columns present,
    responses in ``categories``, weights finite, non-negative and not all zero,
    no missing stratum."""
    for col in (response, weight, strata):
        if col not in frame.columns:
            raise InputError("column missing from the analysis data", column=col)
    y = pd.to_numeric(frame[response], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isin(y, np.asarray(categories, dtype=float))
    if bad.any():
        raise InputError(
            "missing or out-of-range response (models use complete cases; drop them first)",
            column=response,
            values=list(pd.unique(frame[response][bad].astype(object))),
            n_rows=int(bad.sum()),
            hint=f"codes are {', '.join(str(c) for c in sorted(set(categories)))}",
        )
    w = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
    badw = ~np.isfinite(w) | (w < 0)
    if badw.any():
        raise InputError(
            "weights must be finite and non-negative",
            column=weight,
            values=list(w[badw][:5]),
            n_rows=int(badw.sum()),
        )
    if not (w > 0).any():
        raise InputError("no respondent has a positive weight", column=weight)
    s = frame[strata]
    if s.isna().any():
        raise InputError("missing stratum", column=strata, n_rows=int(s.isna().sum()))
    return y.astype(np.int64), w, s.astype(str).to_numpy()


def check_rank(x: np.ndarray, w: np.ndarray, columns: Sequence[str]) -> None:
    """Each column (after a constant) must add a direction: else InputError."""
    z = np.column_stack([np.ones(len(w)), x])
    gram = z.T @ (z * w[:, None])
    kept: list[int] = [0]
    for j in range(1, z.shape[1]):
        sub = gram[np.ix_(kept, kept)]
        proj = gram[kept, j]
        coef = np.linalg.solve(sub, proj)
        resid = gram[j, j] - proj @ coef
        if resid <= 1e-10 * max(gram[j, j], 1e-300):
            raise InputError(
                "design column is a linear combination of the thresholds and earlier "
                "columns (collinear design, e.g. an empty interaction cell)",
                column=columns[j - 1],
            )
        kept.append(j)


def replicate_cell_totals(design, rows, cells: np.ndarray, n_cells: int) -> np.ndarray:
    """(n_cells, R) replicate weights of a model's respondents summed per model cell.

    ``rows``: the model's respondents among the design's, ``cells`` their
    (x, y) cell; everyone else is in no cell (a domain outside the model).
    One pass over the replicates
    (:meth:`~socialwork_ict.inference.replicates.ReplicateDesign.cell_totals`);
    a refit on the cells is the refit on the rows, as the cells are exact.
    """
    code = np.full(design.n, -1, dtype=np.intp)
    code[np.asarray(rows)] = cells
    return design.cell_totals(code, n_cells)


def warn_failed_refits(failures: list, model: str) -> None:
    """WARNING when replicate refits did not converge (e.g. separation in a replicate)."""
    if failures:
        logging.getLogger(__name__).warning(
            "%d replicate refit(s) of %s did not converge within %d Newton steps "
            "(separation or an empty category in a replicate): its replicate variance is "
            "unreliable",
            len(failures),
            model,
            REFIT_MAX_ITER,
        )
