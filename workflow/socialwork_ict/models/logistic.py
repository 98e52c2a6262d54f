"""Survey-weighted logistic regression, as R's ``svyglm(family = quasibinomial())``.

Binary outcome ``y = 1{response >= at_least}`` (``at_least = 2``: any
informal ICT use; ``at_least = 4``: often or very often), or a 0/1 column
when ``at_least=None``. Logit link, treatment-coded design with an intercept
``(Intercept)`` (:mod:`socialwork_ict.models.design_matrix`).

Point estimate: the weighted pseudo-ML estimate solving
``sum_i w_i x_i (y_i - mu_i) = 0`` (Binder 1983), computed by Newton-Raphson
(= IRLS for the canonical logit link) with step halving on the weighted
log-likelihood, weights normalised to mean 1 (the estimate is invariant to the
weights' scale), from the intercept-only maximum (``beta = 0`` but the
intercept = the weighted logit of the outcome's mean) to max |score| / sum(w)
< ``tol``. The log-likelihood is concave, so the halving Newton step converges
wherever the MLE is finite. The tests cross-check the estimates with
statsmodels ``GLM(Binomial)``. No model-based covariance is used: weights are
sampling weights, not frequency weights.

The fit, its checks and the sandwich run on the model's distinct (x, y,
stratum) cells with their summed weights (the same likelihood and scores
with as many rows as cells; the sandwich's meat from the cells' sums of w
and w^2, :func:`~socialwork_ict.inference.design.stratified_variance_of_cells`).

Variance (Lumley 2010, §5.2; ``survey:::svy.varcoef``): the sandwich
``A^-1 B A^-1`` with ``A = X' diag(w mu (1 - mu)) X`` and ``B`` = R's
``svyrecvar`` (:func:`~socialwork_ict.inference.design.stratified_variance`)
of the per-respondent scores ``w_i x_i (y_i - mu_i)``, strata = country.
``df_residual`` = design df + 1 - number of coefficients (``svyglm``'s
``df.residual``: positive-weight PSUs - strata + 1 - p). ``coef_table()``
uses Student t with ``df_residual`` for the CI and p, as
``summary.svyglm`` with the quasibinomial family (estimated dispersion).

Edge cases: a constant outcome, a 0/1 design column whose respondents all
have the same outcome (complete separation, infinite MLE) and collinear
columns are :class:`~socialwork_ict.errors.InputError`; non-convergence and
very large coefficients are ``warnings`` entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, special

from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import design_df
from socialwork_ict.models.design_matrix import (
    DEFAULT_FACTORS,
    DesignSpec,
    apply_design,
    grouped_design,
)
from socialwork_ict.models.fitting import (
    check_rank,
    halving_step,
    large_coefficients_warning,
    model_cells,
    newton_refit,
    replicate_cell_totals,
    sandwich,
    validate_inputs,
    wald_table,
    warn_failed_refits,
)


@dataclass
class LogisticFit:
    """A fitted survey-weighted logistic model (``bread`` = A^-1, mean-1 weights)."""

    params: pd.Series
    vcov: pd.DataFrame
    df_residual: int
    converged: bool
    iterations: int
    warnings: list[str]
    n: int
    sum_weights: float
    design: DesignSpec
    response: str
    at_least: int | None
    weight: str
    strata: str
    bread: np.ndarray = field(repr=False)
    max_gradient: float = 0.0
    #: (n,) each respondent's (x, y, stratum) cell, the cells' x and y (the refits' data)
    cells: tuple = field(default=(), repr=False)

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.params.index)

    def coef_table(self, level: float = 0.95, *, t_df: bool = True) -> pd.DataFrame:
        """term, estimate, std_error, odds_ratio, ci_low, ci_high, p_value, df.

        ``t_df=True``: t(df_residual) quantile and p (``summary.svyglm``,
        quasibinomial); False: normal (``df`` column then infinite).
        """
        df = float(self.df_residual) if t_df else np.inf
        table = wald_table(self.params, self.std_errors, level=level, df=df)
        table["df"] = self.df_residual if t_df else np.inf
        return table


def binary_outcome(frame: pd.DataFrame, response: str, at_least: int | None) -> np.ndarray:
    """0/1 outcome: ``response >= at_least``, or the 0/1 column itself."""
    if response not in frame.columns:
        raise InputError("column missing from the analysis data", column=response)
    values = pd.to_numeric(frame[response], errors="coerce").to_numpy(dtype=float)
    if np.isnan(values).any():
        raise InputError(
            "missing response (models use complete cases; drop them first)",
            column=response,
            n_rows=int(np.isnan(values).sum()),
        )
    if at_least is None:
        bad = ~np.isin(values, (0.0, 1.0))
        if bad.any():
            raise InputError(
                "binary outcome must be 0/1",
                column=response,
                values=list(pd.unique(values[bad])),
                n_rows=int(bad.sum()),
            )
        return values
    return (values >= at_least).astype(float)


def fit_logistic(
    frame: pd.DataFrame,
    *,
    response: str = "ict_freq",
    at_least: int | None = 2,
    terms: Sequence[str] = DEFAULT_FACTORS,
    weight: str = "weight",
    strata: str = "country",
    interaction: Sequence[str] | None = None,
    age_per_10: bool = False,
    max_iter: int = 100,
    tol: float = 1e-12,
    sandwich_vcov: bool = True,
) -> LogisticFit:
    """Fit ``logit P(y = 1) = x'beta`` (with intercept) with survey weights.

    ``sandwich_vcov=False``: no covariance (NaN), for a caller that takes it
    from a design of all respondents (:func:`logistic_design_vcov`)."""
    warnings: list[str] = []
    y = binary_outcome(frame, response, at_least)
    _, w, strata_values = validate_inputs(
        frame.assign(_one=1), "_one", weight, strata, categories=(1,)
    )
    positive = w > 0
    if np.all(y[positive] == y[positive][0]):
        raise InputError(
            f"the outcome is constant ({int(y[positive][0])}) among weighted respondents: "
            "no logistic model",
            column=response,
        )
    # one design row per group of the rows' factors, age and stratum: the same cells
    groups, x, spec = grouped_design(frame, terms, strata, interaction=interaction,
                                     age_per_10=age_per_10, intercept=True, weights=w)  # fmt: skip
    for label in spec.dropped:
        warnings.append(f"no respondents for {label}: no column (level dropped)")
    wn = w / w.mean()
    # the checks, the fit and the sandwich on the (x, y, stratum) cells (model_cells)
    mc = model_cells(x, y, wn, strata_values, groups=groups)
    check_rank(mc.x[:, 1:], mc.weights, spec.columns[1:])
    _check_separation_binary(mc.x, mc.y, mc.positive, spec.columns)

    beta = np.zeros(x.shape[1])
    beta[0] = special.logit(np.average(y, weights=wn))  # the intercept-only maximum
    evaluate = _evaluator(mc.x, mc.y, mc.weights)
    loglik, grad, info = evaluate(beta)
    converged = False
    iterations = 0
    for iterations in range(max_iter + 1):  # noqa: B007 - kept after the loop
        if np.max(np.abs(grad)) / wn.sum() < tol:
            converged = True
            break
        if iterations == max_iter:
            break
        step = np.linalg.solve(info, grad)
        taken = halving_step(beta, step, loglik, evaluate)
        if taken is None:
            warnings.append("Newton step halving failed: the fit did not converge")
            break
        beta, (loglik, grad, info), _ = taken
    max_grad = float(np.max(np.abs(grad)) / wn.sum())
    if not converged:
        warnings.append(f"did not converge (max |score|/sum(w) = {max_grad:.3g})")
    bread = np.linalg.inv(info)
    if sandwich_vcov:  # the cells' unit-weight scores x_c (y_c - mu_c)
        vcov = sandwich(bread, mc.x * (mc.y - special.expit(mc.x @ beta))[:, None], mc)
    else:
        vcov = np.full_like(bread, np.nan)
    warnings.extend(large_coefficients_warning(spec.columns[1:], beta[1:]))
    names = list(spec.columns)
    return LogisticFit(
        params=pd.Series(beta, index=names, name="estimate"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        df_residual=design_df(strata_values[positive]) + 1 - len(beta),
        converged=bool(converged),
        iterations=iterations,
        warnings=warnings,
        n=int(len(y)),
        sum_weights=float(w.sum()),
        design=spec,
        response=response,
        at_least=at_least,
        weight=weight,
        strata=strata,
        bread=bread,
        max_gradient=max_grad,
        cells=(mc.cells, mc.x, mc.y),
    )


def logistic_influence(fit: LogisticFit, frame: pd.DataFrame) -> np.ndarray:
    """Per-respondent influence values ``A^-1 w_i x_i (y_i - mu_i)`` (n x p).

    ``stratified_variance(influence, strata)`` reproduces ``fit.vcov``;
    ``frame`` must be the data the model was fitted on.
    """
    y = binary_outcome(frame, fit.response, fit.at_least)
    w = pd.to_numeric(frame[fit.weight]).to_numpy(dtype=float)
    x = apply_design(frame, fit.design)
    mu = special.expit(x @ fit.params.to_numpy())
    return (x * ((w / w.mean()) * (y - mu))[:, None]) @ fit.bread


def _evaluator(x, y, w):
    """``evaluate(beta) -> (loglik, score, information)``: the weighted log-likelihood,
    the score and the information ``X' diag(w mu (1 - mu)) X``."""

    def evaluate(beta: np.ndarray) -> tuple:
        eta = x @ beta
        mu = special.expit(eta)
        grad = x.T @ (w * (y - mu))
        info = x.T @ (x * (w * mu * (1.0 - mu))[:, None])
        loglik = float(w @ (y * special.log_expit(eta) + (1.0 - y) * special.log_expit(-eta)))
        return loglik, grad, info

    return evaluate


def _check_separation_binary(x, y, counts, columns) -> None:
    """Complete separation by a 0/1 column: all its weighted respondents with 1 have
    the same outcome. ``x``, ``y``: rows (respondents or cells), ``counts``: the
    weighted respondents of each row (counted for every column at once)."""
    indicator = np.all((x == 0) | (x == 1), axis=0) & (np.asarray(columns) != "(Intercept)")
    xi = x[:, indicator]
    with_one = counts @ xi  # weighted respondents with the column at 1
    ones = (counts * y) @ xi  # ... of whom have outcome 1
    for j, name in enumerate(np.asarray(columns)[indicator]):
        if with_one[j] > 0 and ones[j] in (0, with_one[j]):
            outcome = int(ones[j] > 0)
            raise InputError(
                f"separation: all {int(with_one[j])} respondents with {name} have outcome "
                f"{outcome}, so its coefficient is infinite",
                column=name,
                hint="collapse levels or drop the term",
            )


def logistic_design_vcov(
    fit: LogisticFit, frame: pd.DataFrame, design, rows: np.ndarray
) -> tuple[pd.DataFrame, int]:
    """Covariance of ``fit.params`` and the residual df on a design of all respondents.

    As :func:`~socialwork_ict.models.ordinal.ordinal_design_vcov` (R
    ``svyglm`` on the whole design, default ``na.action``): influence values
    of :func:`logistic_influence` at ``rows`` (linearisation) or a
    Newton-Raphson refit per replicate (replicates); df = design df + 1 -
    coefficients (``svyglm``'s ``df.residual``).
    """
    rows = np.asarray(rows)
    names = list(fit.params.index)
    start = fit.params.to_numpy()

    def influence() -> np.ndarray:
        z = np.zeros((design.n, len(names)))
        z[rows] = logistic_influence(fit, frame)
        return z

    if design.method == "linearization":
        vcov = design.vcov(influence)
    else:
        # every replicate's weights summed per (x, y) cell, then the refit on the cells
        refit = logistic_refitter(fit)
        totals = replicate_cell_totals(design, rows, refit.cells, refit.n_cells)
        thetas = np.vstack([refit.on_cells(totals[:, j]) for j in range(totals.shape[1])])
        vcov = design.vcov(None, None, start, thetas=thetas)
        warn_failed_refits(refit.failures, "the logistic model")
    vcov = (vcov + vcov.T) / 2.0
    mask = np.zeros(design.n, dtype=bool)
    mask[rows] = True
    degf = design.df(mask) if design.method == "linearization" else design.df()
    return pd.DataFrame(vcov, index=names, columns=names), degf + 1 - len(names)


def logistic_refitter(fit: LogisticFit):
    """``refit(weights) -> estimates``: the logistic fit with other weights of its
    respondents (Newton from ``fit.params`` to max |step| < 1e-12).

    Works on the fit's distinct (x, y, stratum) cells, each cell's weights
    summed (:func:`~socialwork_ict.models.design_matrix.distinct_rows`: the
    same log-likelihood, score and information, with as many rows as cells).
    """
    cells, x, y = fit.cells  # the fit's own (x, y, stratum) cells
    collapse = sparse.csr_matrix(
        (np.ones(cells.size), (cells, np.arange(cells.size))), shape=(x.shape[0], cells.size)
    )
    start = fit.params.to_numpy()

    failures: list[int] = []

    def refit(weights: np.ndarray) -> np.ndarray:
        cell_weights = collapse @ (weights / weights.mean())
        return newton_refit(start, _evaluator(x, y, cell_weights), failures)

    def on_cells(cell_totals: np.ndarray) -> np.ndarray:
        # the same fit from the weights already summed per cell (mean over the rows)
        cell_weights = cell_totals / (cell_totals.sum() / cells.size)
        return newton_refit(start, _evaluator(x, y, cell_weights), failures)

    refit.failures = failures  # one entry per refit that did not converge
    refit.cells, refit.n_cells, refit.on_cells = cells, x.shape[0], on_cells
    return refit
