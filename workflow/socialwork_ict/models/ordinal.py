"""Survey-weighted proportional-odds (cumulative logit) model, as R's ``svyolr``.

Model (MASS::polr / survey::svyolr parameterisation; Venables & Ripley 2002,
*MASS*, §7.3; McCullagh 1980)::

    logit P(y <= k | x) = theta_k - x'beta,   k = 1..K-1,   theta_1 < ... < theta_{K-1}

so a positive ``beta`` means a *higher* (more frequent) response. ``x`` is
the treatment-coded design of :mod:`socialwork_ict.models.design_matrix`
(no intercept: the thresholds take its place).

Estimation: the pseudo-maximum-likelihood estimator of Binder (1983) and
Lumley (2010, *Complex Surveys*, §6.3 / ``svyolr``): maximise the weighted
log-likelihood ``sum_i w_i log P(y_i | x_i)``. Sampling weights are *not*
frequency weights: the point estimate is invariant to rescaling the weights
(they are normalised to mean 1 internally), and the variance is design-based,
never computed from ``sum(w)`` "observations". Newton-Raphson with the
analytic score and Hessian, thresholds parameterised directly (not as
log-increments) and kept strictly increasing by step halving; start values
``beta = 0`` and ``theta_k`` = the weighted marginal cumulative logits (the
maximum at ``beta = 0``). The weighted log-likelihood is concave in
``(beta, theta)`` for the logistic link (Pratt 1981), so a halving Newton step
converges from there; convergence = max |score| / sum(w) below ``tol``
(1e-10 by default); on the oracle fixture the estimates agree with R to 2e-8
(absolute) and the standard errors to 6e-9 (relative).

Variance (Binder 1983; Lumley's ``svyolr``): the sandwich ``A^-1 B A^-1`` with
``A`` = minus the Hessian of the weighted log-likelihood at the estimate and
``B`` = R's ``svyrecvar`` (:func:`socialwork_ict.inference.design.stratified_variance`)
of the per-respondent weighted scores ``w_i d log P_i / d(beta, theta)``
(strata = country, one-stage, no fpc). The checks, the fit and the sandwich
run on the model's distinct (x, y, stratum) cells with their summed weights
(:func:`~socialwork_ict.models.fitting.model_cells`: the same sums with as
many rows as cells). ``df_residual`` = design df (PSUs with
a positive weight minus strata, ``survey::degf``) minus the number of
``beta`` coefficients (thresholds not counted), as ``svyolr``'s
``df.residual``.

Edge cases, never a silent estimate:

* an empty response category (no positive-weight respondent, e.g. nobody with
  ict_freq 5 in a subset) has no finite threshold (the MLE of
  ``theta_{4|5}`` is +infinity, and an empty middle category makes two
  thresholds equal). The empty categories are *collapsed* away: the model is
  fitted on the observed categories, thresholds are named by the adjacent
  observed categories (``threshold 3|4`` the last one when 5 is empty,
  ``threshold 2|4`` when 3 is empty), and a ``warnings`` entry says so;
  fewer than two observed categories is an :class:`InputError`;
* separation: a 0/1 design column whose positive-weight respondents all lie
  in the lowest or all in the highest observed category has an infinite MLE
  (the likelihood increases monotonically in that coefficient): an
  :class:`InputError` naming the term. Coefficients beyond +-10 (odds ratio
  above 22,000) after convergence, an ill-conditioned information matrix or
  non-convergence within ``max_iter`` are ``warnings`` entries
  (``converged`` is False for the latter);
* linearly dependent design columns (e.g. an empty interaction reference
  cell) are an :class:`InputError` naming the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, special

from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import design_df
from socialwork_ict.models.columns import as_columns
from socialwork_ict.models.design_matrix import (
    DEFAULT_FACTORS,
    DesignSpec,
    apply_design,
    apply_grouped_design,
    grouped_design,
    grouped_distinct_rows,
)
from socialwork_ict.models.fitting import (
    REFIT_MAX_ITER,
    check_rank,
    halving_step,
    large_coefficients_warning,
    model_cells,
    newton_refit,
    newton_to_deviance,
    replicate_cell_totals,
    sandwich,
    validate_inputs,
    wald_table,
    warn_failed_refits,
)

RESPONSE_CATEGORIES = (1, 2, 3, 4, 5)


@dataclass
class OrdinalFit:
    """A fitted survey-weighted proportional-odds model.

    ``params``: terms (in design order) then ``threshold j|k``; ``vcov`` the
    design-based sandwich variance; ``bread`` = ``A^-1`` on the internal
    (mean-1) weight scale, used for influence values.
    """

    params: pd.Series
    vcov: pd.DataFrame
    df_residual: int
    converged: bool
    iterations: int
    warnings: list[str]
    loglik: float
    n: int
    sum_weights: float
    categories: tuple[int, ...]
    design: DesignSpec
    response: str
    weight: str
    strata: str
    bread: np.ndarray = field(repr=False)
    max_gradient: float = 0.0

    @property
    def terms(self) -> list[str]:
        """Non-threshold coefficient names."""
        return list(self.design.columns)

    @property
    def threshold_names(self) -> list[str]:
        return list(self.params.index[len(self.design.columns) :])

    @property
    def std_errors(self) -> pd.Series:
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.params.index)

    def coef_table(self, level: float = 0.95) -> pd.DataFrame:
        """Contract ``model_ordinal.csv`` table: Wald CI of the odds ratio with
        the normal quantile and two-sided normal p-values (as the oracle)."""
        return wald_table(self.params, self.std_errors, level=level, df=None)


def fit_ordinal(
    frame: pd.DataFrame,
    *,
    response: str = "ict_freq",
    terms: Sequence[str] = DEFAULT_FACTORS,
    weight: str = "weight",
    strata: str = "country",
    interaction: Sequence[str] | None = None,
    age_per_10: bool = False,
    categories: Sequence[int] = RESPONSE_CATEGORIES,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> OrdinalFit:
    """Fit ``logit P(response <= k) = theta_k - x'beta`` with survey weights.

    ``frame``: complete cases of the analysis file (labelled factors, integer
    ``response`` codes in ``categories``, positive or zero ``weight``; zero
    weight = outside a domain, kept for the design variance as R's
    ``subset()``). ``strata``: the stratum column (country).
    """
    warnings: list[str] = []
    y_codes, w, strata_values = validate_inputs(frame, response, weight, strata, categories)
    cats = tuple(int(c) for c in categories)
    wsum_by_cat = np.array([w[y_codes == c].sum() for c in cats])
    observed = tuple(c for c, s in zip(cats, wsum_by_cat, strict=True) if s > 0)
    if len(observed) < 2:
        raise InputError(
            "fewer than two observed response categories: no ordinal model",
            column=response,
            values=list(observed),
        )
    empty = [c for c in cats if c not in observed]
    if empty:
        warnings.append(
            f"response categories {empty} have no respondents: collapsed, "
            f"thresholds fitted between the observed categories {list(observed)}"
        )
    # index 0..K-1 over observed categories (zero-weight rows in an empty
    # category map to the nearest lower observed one; they contribute nothing)
    y = np.clip(np.searchsorted(np.asarray(observed), y_codes, side="right") - 1, 0, None)
    n_cat = len(observed)

    # one design row per group of the rows' factors, age and stratum: the same cells
    groups, x, spec = grouped_design(frame, terms, strata, interaction=interaction,
                                     age_per_10=age_per_10, weights=w)  # fmt: skip
    for label in spec.dropped:
        warnings.append(f"no respondents for {label}: no column (level dropped)")
    wn = w / w.mean()  # weights on a mean-1 scale: estimates and variance are scale-free
    # the checks, the fit and the sandwich on the (x, y, stratum) cells (model_cells)
    mc = model_cells(x, y, wn, strata_values, groups=groups)
    check_rank(mc.x, mc.weights, spec.columns)
    _check_separation(mc.x, mc.y, mc.positive, spec.columns, n_cat, observed)

    p = x.shape[1]
    cum = np.cumsum(np.bincount(y, weights=wn, minlength=n_cat))[:-1] / wn.sum()
    onehot = np.zeros((mc.y.size, n_cat))
    onehot[np.arange(mc.y.size), mc.y] = 1.0
    evaluate = _evaluator(mc.x, mc.y, mc.weights, onehot)

    params = np.concatenate([np.zeros(p), special.logit(cum)])
    loglik, grad, info = evaluate(params)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - kept after the loop
        if np.max(np.abs(grad)) / wn.sum() < tol:
            converged = True
            iterations -= 1
            break
        step = np.linalg.solve(info, grad)
        taken = halving_step(params, step, loglik, evaluate, _ordered(p))
        if taken is None:
            warnings.append("Newton step halving failed: the fit did not converge")
            break
        params, (loglik, grad, info), _ = taken
    else:
        iterations = max_iter
    max_gradient = float(np.max(np.abs(grad)) / wn.sum())
    if not converged:
        converged = max_gradient < tol
    if not converged:
        warnings.append(
            f"did not converge in {max_iter} Newton iterations "
            f"(max |score|/sum(w) = {max_gradient:.3g})"
        )

    cond = np.linalg.cond(info)
    if not np.isfinite(cond) or cond > 1e12:
        warnings.append(f"ill-conditioned information matrix (condition number {cond:.3g})")
    bread = np.linalg.inv(info)
    scores = _score_matrix(params[:p], params[p:], mc.x, mc.y, np.ones(mc.y.size))
    vcov = sandwich(bread, scores, mc)
    warnings.extend(large_coefficients_warning(spec.columns, params[:p]))
    names = list(spec.columns) + threshold_labels(observed)
    return OrdinalFit(
        params=pd.Series(params, index=names, name="estimate"),
        vcov=pd.DataFrame(vcov, index=names, columns=names),
        df_residual=design_df(strata_values[w > 0]) - p,
        converged=bool(converged),
        iterations=int(iterations),
        warnings=warnings,
        loglik=float(loglik * w.mean()),
        n=int(len(y)),
        sum_weights=float(w.sum()),
        categories=observed,
        design=spec,
        response=response,
        weight=weight,
        strata=strata,
        bread=bread,
        max_gradient=max_gradient,
    )


def coefficient_deff(fit: OrdinalFit) -> pd.Series:
    """Design effect of every coefficient: design variance over the SRS variance.

    ``deff_j = vcov_jj / (A^-1)_jj``, with ``A^-1`` (``fit.bread``) the
    inverse information of the weighted log-likelihood with the weights
    scaled to sum to n: the variance the same estimate would be given under
    simple random sampling with replacement of n respondents and a correct
    model (Kish & Frankel 1974, *JRSS B* 36:1; the misspecification effect
    of Skinner, Holt & Smith 1989, *Analysis of Complex Surveys*, §2.3; Stata
    ``estat effects``). It measures what stratification, weighting and
    calibration do to the variance (near 1 for equal weights, one stratum and
    a correct model).
    """
    base = np.diag(fit.bread)
    return pd.Series(np.diag(fit.vcov.to_numpy()) / base, index=fit.params.index, name="deff")


def proportional_odds_ml(
    x: np.ndarray,
    y: np.ndarray,
    n_cat: int,
    *,
    ridge: float = 0.0,
    start: np.ndarray | None = None,
    observed: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray]:
    """Unweighted maximum likelihood of the model above on a plain design matrix.

    ``x``: (n, p) without intercept, an array or
    :class:`~socialwork_ict.models.columns.ModelColumns`; ``y``: category
    indices 0..n_cat-1, each observed; ``observed``: the rows fitted on (a
    boolean mask; the others count with weight 0, so no rows are copied;
    default all). Returns ``(beta, theta)`` concatenated and the (observed)
    information matrix: the approximate posterior ``N(estimate,
    information^-1)`` that proper imputation draws from (Rubin 1987 §5.4;
    :mod:`socialwork_ict.imputation.chained`). Halving Newton-Raphson from
    ``start`` (when its thresholds increase) or from zero slopes and the
    marginal cumulative logits, stopped by the relative deviance change
    ``tol`` (:func:`~socialwork_ict.models.fitting.newton_to_deviance`; the
    relative tolerance of ``MASS::polr``'s optimiser, which
    ``mice.impute.polr`` calls, is 1.5e-8); the information is that of the
    last Newton step. ``ridge``: a penalty ``ridge |beta|^2 / 2`` on the
    slopes (not the thresholds), which keeps the estimate finite under
    separation (a sparse level of a predictor).
    """
    x = as_columns(x)
    w = np.ones(len(y)) if observed is None else np.asarray(observed, dtype=float)
    onehot = np.zeros((len(y), n_cat))
    onehot[np.arange(len(y)), y] = w
    cum = np.cumsum(np.bincount(y, weights=w, minlength=n_cat))[:-1] / w.sum()
    params = np.concatenate([np.zeros(x.shape[1]), special.logit(cum)])
    p = x.shape[1]
    if start is not None and start.shape == params.shape and np.all(np.diff(start[p:]) > 0):
        params = start.copy()  # e.g. the previous estimate: the same maximum, fewer steps
    penalty = np.concatenate([np.full(p, ridge), np.zeros(n_cat - 1)])

    def evaluate(params: np.ndarray) -> tuple:
        cells = _cells(params[:p], params[p:], x, y)
        return float(w @ cells[-1]) - 0.5 * penalty @ params**2, cells

    def derivatives(params: np.ndarray, cells) -> tuple:
        state = _evaluate(params[:p], params[p:], x, y, w, onehot, hessian=True, cells=cells)
        return state["grad"] - penalty * params, -state["hess"] + np.diag(penalty)

    return newton_to_deviance(params, evaluate, derivatives, tol=tol, max_iter=max_iter,
                              admissible=_ordered(p))  # fmt: skip


def threshold_labels(categories: Sequence[int]) -> list[str]:
    """``threshold 1|2`` ... between consecutive observed categories."""
    return [f"threshold {a}|{b}" for a, b in zip(categories[:-1], categories[1:], strict=True)]


def ordinal_influence(fit: OrdinalFit, frame: pd.DataFrame) -> np.ndarray:
    """Per-respondent influence values of the estimate (n x P, mean-1 weight scale).

    ``A^-1 w_i dlogP_i/dtheta``: the linearisation of ``theta_hat - theta``
    (Binder 1983), so that ``stratified_variance(influence, strata)`` is the
    model's ``vcov``. ``frame`` must be the data the model was fitted on.
    """
    y_codes, w, _ = validate_inputs(
        frame, fit.response, fit.weight, fit.strata, RESPONSE_CATEGORIES + fit.categories
    )
    y = np.clip(np.searchsorted(np.asarray(fit.categories), y_codes, side="right") - 1, 0, None)
    x = apply_design(frame, fit.design)
    p = x.shape[1]
    est = fit.params.to_numpy()
    scores = _score_matrix(est[:p], est[p:], x, y, w / w.mean())
    return scores @ fit.bread


# ---------------------------------------------------------------------------
# likelihood pieces


def _cells(beta, theta, x, y):
    """a = theta_y - eta, b = theta_{y-1} - eta and the stable derivative ratios.

    P = F(a) - F(b) = F(a) F(-b) (1 - exp(b - a)) (no cancellation);
    Da = f(a)/P = F(-a) / (F(-b) d), Db = f(b)/P = F(b) / (F(a) d), d = 1 - e^(b-a).
    ``x``: an array or :class:`~socialwork_ict.models.columns.ModelColumns`.
    """
    eta = as_columns(x).dot(beta)
    cut = np.concatenate(([-np.inf], theta, [np.inf]))
    a = cut[y + 1] - eta
    b = cut[y] - eta
    with np.errstate(invalid="ignore"):
        d = -np.expm1(b - a)
    fa, fna = special.expit(a), special.expit(-a)
    fb, fnb = special.expit(b), special.expit(-b)
    log_p = special.log_expit(a) + special.log_expit(-b) + np.log(d)
    da = fna / (fnb * d)
    db = fb / (fa * d)
    return a, b, fa, fb, da, db, log_p


def _evaluate(beta, theta, x, y, w, onehot, *, hessian: bool, cells=None) -> dict:
    """Log-likelihood, score and (``hessian``) Hessian at ``(beta, theta)``; ``cells``:
    :func:`_cells` at that point when already computed."""
    x = as_columns(x)
    _, _, fa, fb, da, db, log_p = _cells(beta, theta, x, y) if cells is None else cells
    n_cat = onehot.shape[1]
    out = {"loglik": float(w @ log_p)}
    wa, wb = w * da, w * db
    g_beta = -x.tdot(wa - wb)
    sa = np.bincount(y, weights=wa, minlength=n_cat)
    sb = np.bincount(y, weights=wb, minlength=n_cat)
    g_theta = sa[:-1] - sb[1:]
    out["grad"] = np.concatenate([g_beta, g_theta])
    if hessian:
        laa = da * (1.0 - 2.0 * fa - da)
        lbb = -db * (1.0 - 2.0 * fb + db)
        lab = da * db
        # log P is concave in eta (Pratt 1981): x' diag(-w l'') x by symmetric updates
        h_bb = -x.gram(-(w * (laa + lbb + 2.0 * lab)))
        # (K, p) sums by category, as x' (onehot c): an n x K temporary, not n x p
        ga = x.tdot(onehot * (w * (laa + lab))[:, None]).T
        gb = x.tdot(onehot * (w * (lbb + lab))[:, None]).T
        h_bt = -(ga[:-1] + gb[1:]).T  # (p, K-1)
        saa = np.bincount(y, weights=w * laa, minlength=n_cat)
        sbb = np.bincount(y, weights=w * lbb, minlength=n_cat)
        sab = np.bincount(y, weights=w * lab, minlength=n_cat)
        h_tt = np.diag(saa[:-1] + sbb[1:])
        k = np.arange(1, n_cat - 1)
        h_tt[k, k - 1] = sab[k]
        h_tt[k - 1, k] = sab[k]
        out["hess"] = np.block([[h_bb, h_bt], [h_bt.T, h_tt]])
    return out


def _evaluator(x, y, w, onehot):
    """``evaluate(params) -> (loglik, score, information)`` at ``params = (beta, theta)``."""
    p = x.shape[1]

    def evaluate(params: np.ndarray) -> tuple:
        state = _evaluate(params[:p], params[p:], x, y, w, onehot, hessian=True)
        return state["loglik"], state["grad"], -state["hess"]

    return evaluate


def _ordered(p: int):
    """``admissible(params)``: the thresholds ``params[p:]`` strictly increasing."""

    def admissible(params: np.ndarray) -> bool:
        return bool(np.all(np.diff(params[p:]) > 0))

    return admissible


def _score_matrix(beta, theta, x, y, w) -> np.ndarray:
    """Per-respondent weighted scores w_i dlogP_i/d(beta, theta), n x (p + K-1)."""
    _, _, _, _, da, db, _ = _cells(beta, theta, x, y)
    n, p = x.shape
    n_thr = len(theta)
    scores = np.zeros((n, p + n_thr))
    scores[:, :p] = x * (-(w * (da - db)))[:, None]
    rows = np.arange(n)
    upper = y < n_thr
    scores[rows[upper], p + y[upper]] += w[upper] * da[upper]
    lower = y > 0
    scores[rows[lower], p + y[lower] - 1] -= w[lower] * db[lower]
    return scores


def _check_separation(x, y, counts, columns, n_cat, observed) -> None:
    """Separation by a 0/1 column: all its positive-weight respondents in the lowest
    or all in the highest category. ``x``, ``y``: rows (respondents or cells);
    ``counts``: each row's positive-weight respondents."""
    for j, name in enumerate(columns):
        col = x[:, j]
        if not np.all((col == 0) | (col == 1)):
            continue
        inside = (counts > 0) & (col == 1)
        ys = y[inside]
        if ys.size == 0:
            continue
        for extreme, where in ((0, "lowest"), (n_cat - 1, "highest")):
            if np.all(ys == extreme):
                raise InputError(
                    f"separation: all {int(counts[inside].sum())} respondents with {name} "
                    f"are in the {where} "
                    f"response category ({observed[extreme]}), so its coefficient is "
                    "infinite",
                    column=name,
                    hint="collapse levels or drop the term",
                )


# ---------------------------------------------------------------------------
# variance on a design (calibrated linearisation, replicates; R's domain rule)


def ordinal_replicate_estimates(
    fit: OrdinalFit, frame: pd.DataFrame, design, rows: np.ndarray
) -> np.ndarray:
    """(R, P) estimates refitted with every replicate's weights of a replicate design
    (one job's share when ``design`` is a ``ReplicateDesign.subset`` block);
    ``frame``, ``rows`` as :func:`ordinal_design_vcov`."""
    rows = np.asarray(rows)
    refit = ordinal_batch_refitter(fit, frame)
    totals = replicate_cell_totals(design, rows, refit.cells, refit.n_cells)
    thetas = refit.on_cells(totals)
    warn_failed_refits(refit.failures, "the proportional-odds model")
    return thetas


def ordinal_design_vcov(
    fit: OrdinalFit, frame: pd.DataFrame, design, rows: np.ndarray, thetas=None
) -> tuple[pd.DataFrame, int]:
    """Covariance of ``fit.params`` and the residual df on a design of all respondents.

    ``frame``: the complete cases the model was fitted on, whose weights are
    ``design.weights[rows]``; ``rows``: their positions among the design's
    respondents. The other respondents are a domain outside the model (zero
    influence, still counted in n_h: R's ``svyolr`` with its default
    ``na.action`` on the whole design). Linearisation: the influence values
    of :func:`ordinal_influence`, placed at ``rows``. Replicates: the model
    refitted with every replicate's weights (Newton-Raphson from the
    full-sample estimate to max |step| < 1e-12, the exact estimator). df:
    ``design.df(rows)`` (linearisation) or ``design.df()`` (replicates, R
    ``degf`` of the replicate design) minus the coefficients. ``thetas``: the
    (R, P) replicate estimates already computed (:func:`ordinal_replicate_estimates`
    in the jobs of a fan-out), used instead of refitting.
    """
    rows = np.asarray(rows)
    names = list(fit.params.index)

    def influence() -> np.ndarray:
        z = np.zeros((design.n, len(names)))
        z[rows] = ordinal_influence(fit, frame)
        return z

    if thetas is None and design.method != "linearization":
        thetas = ordinal_replicate_estimates(fit, frame, design, rows)
    if thetas is not None:
        vcov = design.vcov(None, None, fit.params.to_numpy(), thetas=np.asarray(thetas))
    else:
        vcov = design.vcov(influence)
    vcov = (vcov + vcov.T) / 2.0
    mask = np.zeros(design.n, dtype=bool)
    mask[rows] = True
    degf = design.df(mask) if design.method == "linearization" else design.df()
    return pd.DataFrame(vcov, index=names, columns=names), degf - len(fit.terms)


def _refitter(fit: OrdinalFit, frame: pd.DataFrame, failures: list | None = None):
    """``refit(weights) -> estimates``: the proportional-odds fit with other weights
    (``failures``: the list its failed refits are appended to; default a new one)."""
    y_codes = pd.to_numeric(frame[fit.response]).to_numpy(dtype=np.int64)
    y = np.clip(np.searchsorted(np.asarray(fit.categories), y_codes, side="right") - 1, 0, None)
    x = apply_design(frame, fit.design)
    p = x.shape[1]
    n_cat = len(fit.categories)
    onehot = np.zeros((len(y), n_cat))
    onehot[np.arange(len(y)), y] = 1.0
    start = fit.params.to_numpy()
    failures = [] if failures is None else failures

    def refit(weights: np.ndarray) -> np.ndarray:
        evaluate = _evaluator(x, y, weights / weights.mean(), onehot)
        return newton_refit(start, evaluate, failures, _ordered(p))

    refit.failures = failures  # one entry per refit that did not converge
    return refit


#: rows per chunk when the batched refit accumulates Hessians (bounds its temporaries)
REFIT_CHUNK_ROWS = 16_384
#: a Newton step this small is the batched refit's last (the error left is ~step^2)
REFIT_LAST_STEP = 1e-7


def ordinal_batch_refitter(fit: OrdinalFit, frame: pd.DataFrame):
    """``refit(W) -> (b, P) estimates`` for an (n, b) matrix of replicate weights.

    Newton-Raphson for all b columns at once on the distinct (x, y) cells
    of the model (each cell's replicate weights summed: the same
    log-likelihood, score and Hessian, with as many rows as cells; the same estimator as
    :func:`_refitter`: full steps from the full-sample estimate; a column stops
    after taking a step below 1e-7, which leaves an error of order 1e-14 by
    quadratic convergence); the score and Hessian of every column come from a
    few matrix products (Hessians accumulated over row chunks). A column
    whose full Newton step does not increase its log-likelihood (or breaks
    the threshold order) is refitted alone with :func:`_refitter`'s step
    halving.
    """
    y_codes = pd.to_numeric(frame[fit.response]).to_numpy(dtype=np.int64)
    y_rows = np.clip(
        np.searchsorted(np.asarray(fit.categories), y_codes, side="right") - 1, 0, None
    )
    # the likelihood sees a respondent only through its (x, y) cell: sum the
    # replicate weights per distinct cell and work on the cells
    groups, x_groups = apply_grouped_design(frame, fit.design)
    cells, first = grouped_distinct_rows(x_groups, groups, y_rows)
    x = x_groups[groups[first]]
    y = y_rows[first]
    n_rows = y_rows.size
    collapse = sparse.csr_matrix(
        (np.ones(n_rows), (cells, np.arange(n_rows))), shape=(first.size, n_rows)
    )
    n, p = x.shape
    n_cat = len(fit.categories)
    q = n_cat - 1
    onehot = np.zeros((n, n_cat))
    onehot[np.arange(n), y] = 1.0
    start = fit.params.to_numpy()
    failures: list[int] = []
    single_refit = None

    def single(weights: np.ndarray) -> np.ndarray:
        # _refitter on the rows (its design matrix built once, when first needed)
        nonlocal single_refit
        if single_refit is None:
            single_refit = _refitter(fit, frame, failures)
        return single_refit(weights)

    def evaluate(beta, theta, w):
        """Log-likelihoods (b,), scores (b, P) and Hessians (b, P, P) of every column."""
        b = w.shape[1]
        inf = np.full((b, 1), np.inf)
        cut = np.hstack([-inf, theta, inf])  # (b, K + 1)
        eta = x @ beta.T  # (n, b)
        a = cut[:, y + 1].T - eta
        bb = cut[:, y].T - eta
        with np.errstate(invalid="ignore"):
            d = -np.expm1(bb - a)
        # F(a) = 1 / (1 + e^-a), F(b) = e^b / (1 + e^b) from two exponentials
        # (a > -700, b < 700 keep them finite; beyond, F is 0 or 1 to double precision)
        ea = np.exp(-np.maximum(a, -700.0))
        eb = np.exp(np.minimum(bb, 700.0))
        fa = 1.0 / (1.0 + ea)
        fna = ea * fa
        fnb = 1.0 / (1.0 + eb)
        fb = eb * fnb
        ll = np.sum(w * (np.log(d) - np.log1p(ea) - np.log1p(eb)), axis=0)
        da = fna / (fnb * d)
        db = fb / (fa * d)
        wa, wb = w * da, w * db
        g_beta = -(x.T @ (wa - wb))  # (p, b)
        sa, sb = onehot.T @ wa, onehot.T @ wb  # (K, b)
        grad = np.vstack([g_beta, sa[:-1] - sb[1:]]).T  # (b, P)
        laa = da * (1.0 - 2.0 * fa - da)
        lbb = -db * (1.0 - 2.0 * fb + db)
        lab = da * db
        c_bb = w * (laa + lbb + 2.0 * lab)
        c_a = w * (laa + lab)
        c_b = w * (lbb + lab)
        h_bb = np.zeros((p * p, b))
        g_a = np.zeros((n_cat * p, b))
        g_b = np.zeros((n_cat * p, b))
        for lo in range(0, n, REFIT_CHUNK_ROWS):
            hi = min(lo + REFIT_CHUNK_ROWS, n)
            xc = x[lo:hi]
            xx = (xc[:, :, None] * xc[:, None, :]).reshape(hi - lo, p * p)
            ox = (onehot[lo:hi, :, None] * xc[:, None, :]).reshape(hi - lo, n_cat * p)
            h_bb += xx.T @ c_bb[lo:hi]
            g_a += ox.T @ c_a[lo:hi]
            g_b += ox.T @ c_b[lo:hi]
        g_a = g_a.reshape(n_cat, p, b)
        g_b = g_b.reshape(n_cat, p, b)
        h_bt = -(g_a[:-1] + g_b[1:])  # (q, p, b)
        saa, sbb, sab = onehot.T @ (w * laa), onehot.T @ (w * lbb), onehot.T @ (w * lab)
        hess = np.zeros((b, p + q, p + q))
        hess[:, :p, :p] = h_bb.T.reshape(b, p, p)
        hess[:, :p, p:] = np.transpose(h_bt, (2, 1, 0))
        hess[:, p:, :p] = np.transpose(h_bt, (2, 0, 1))
        k = np.arange(q)
        hess[:, p + k, p + k] = (saa[:-1] + sbb[1:]).T
        k = np.arange(1, q)
        hess[:, p + k, p + k - 1] = sab[k].T
        hess[:, p + k - 1, p + k] = sab[k].T
        return ll, grad, hess

    def refit(weights: np.ndarray) -> np.ndarray:
        w_all = collapse @ (weights / weights.mean(axis=0))  # (cells, b)
        return solve(w_all, lambda j: single(weights[:, j]))

    def on_cells(totals: np.ndarray) -> np.ndarray:
        # the same fits from the (cells, b) weights already summed per cell
        w_all = totals / (totals.sum(axis=0) / n_rows)

        def alone(j: int) -> np.ndarray:
            evaluate_one = _evaluator(x, y, w_all[:, j], onehot)
            return newton_refit(start, evaluate_one, failures, _ordered(p))

        return solve(w_all, alone)

    def solve(w_all: np.ndarray, refit_alone) -> np.ndarray:
        b = w_all.shape[1]
        out = np.tile(start, (b, 1))
        active = np.arange(b)
        ll, grad, hess = evaluate(out[:, :p], out[:, p:], w_all)
        alone: list[int] = []
        for _ in range(REFIT_MAX_ITER):
            step = np.linalg.solve(-hess, grad[:, :, None])[:, :, 0]
            trial = out[active] + step
            # a step below 1e-7 leaves an error of order step^2: take it and stop
            last = np.max(np.abs(step), axis=1) < REFIT_LAST_STEP
            out[active[last]] = trial[last]
            active, trial = active[~last], trial[~last]
            ll, grad, hess = ll[~last], grad[~last], hess[~last]
            if active.size == 0:
                break
            ok_order = np.all(np.diff(trial[:, p:], axis=1) > 0, axis=1)
            t_ll, t_grad, t_hess = evaluate(trial[:, :p], trial[:, p:], w_all[:, active])
            ok = ok_order & np.isfinite(t_ll) & (t_ll >= ll - 1e-12 * np.abs(ll))
            alone.extend(active[~ok].tolist())
            out[active[ok]] = trial[ok]
            active = active[ok]
            if active.size == 0:
                break
            ll, grad, hess = t_ll[ok], t_grad[ok], t_hess[ok]
        else:
            failures.extend([1] * active.size)
        for j in alone:
            out[j] = refit_alone(j)
        return out

    refit.failures = failures
    refit.cells, refit.n_cells, refit.on_cells = cells, first.size, on_cells
    return refit
