"""Imputation by chained equations (``imputation.method: chained``), one imputation per call.

Method: fully conditional specification / sequential regression
multivariate imputation (Raghunathan, Lepkowski, Van Hoewyk & Solenberger
2001, *Surv. Methodol.* 27:85; van Buuren & Groothuis-Oudshoorn 2011,
*J. Stat. Softw.* 45(3), R ``mice``). Missing cells start as random draws
from the variable's observed values; then ``iterations`` sweeps, in which
each variable with item non-response is imputed in turn from a model fitted
on its observed values given the current values of every other variable.
Each imputation model is *proper* (Rubin 1987, *Multiple Imputation for
Nonresponse in Surveys*, §5.4; van Buuren 2018, *Flexible Imputation of
Missing Data*, §3.2): its parameters are drawn from their (approximate)
posterior before the values are drawn, so that the between-imputation
variance carries the parameter uncertainty. Models by kind (:data:`KINDS`):

- ``range`` (age, years_practice: integers in a range): Bayesian linear
  regression (``sigma*^2 = RSS / chi2(n - p)``, ``beta* ~ N(beta_hat,
  sigma*^2 (X'X)^-1)``; Rubin 1987 Example 5.1, ``mice.impute.norm``) with
  predictive mean matching (type-1 matching: observed rows predicted with
  ``beta_hat``, missing rows with ``beta*``; each missing value is the
  observed value of one of the 5 nearest donors at random; Little 1988,
  *J. Bus. Econ. Stat.* 6:287; ``mice.impute.pmm``), so imputations stay
  integers inside the observed range;
- ``binary`` (the yes/no items): logistic regression (the two-class case of the
  multinomial logit below, with its two-class algebra);
- ``nominal`` (gender, sector, workplace_policy): multinomial logistic
  regression (first observed level the reference; ``mice.impute.polyreg``);
- ``ordinal`` (ict_freq): proportional-odds model
  (:func:`~socialwork_ict.models.ordinal.proportional_odds_ml`;
  ``mice.impute.polr``).

The generalised linear models are fitted by Newton-Raphson with a small
ridge penalty on the slopes (``RIDGE`` x n: finite estimates under
separation, the role of mice's augmentation, White, Daniel & Royston 2010,
*Comput. Stat. Data Anal.* 54:2267), stopped by R ``glm.fit``'s relative
deviance rule (:func:`~socialwork_ict.models.fitting.newton_to_deviance`),
and their parameters are drawn from ``N(estimate, information^-1)`` (the
large-sample posterior, as ``mice.impute.logreg``; the information of the
last Newton step, as ``glm.fit``'s final QR). Each fit starts from the
model's estimate in the previous sweep; a first fit on many rows starts from
the estimate on a systematic subsample (:func:`_subsample_start`). The
estimate is the same maximum whatever the start.

Computation: every predictor lives in one Fortran-ordered matrix
(:class:`PredictorMatrix`), rewritten column by column as variables are
imputed; a model's predictors are views of it
(:class:`~socialwork_ict.models.columns.ModelColumns`), and the fits run on
every row with the rows whose value is missing weighted 0, so no n x p copy
is made per model.

Predictors of every model: the design variables (country dummies and the
log of the survey weight: Reiter, Raghunathan & Kinney 2006, *Surv.
Methodol.* 32:143, who show that leaving them out biases design-based
analyses of the imputed data) and every other variable of :data:`KINDS`
that is complete or imputed (numeric for ``range`` and ``ordinal``,
dummies for ``nominal``). Skip logic: a blank of ``contact_after_hours``
where the filter question says it was not asked (``ict_freq`` = 1,
observed or imputed) is never imputed; the item is imputed only for
respondents with (observed or imputed) ``ict_freq >= 2``, from a model of
the respondents asked, and it predicts no other variable (as the fixture's
R ``mice`` run). Seeded: imputation ``l`` draws from
``numpy.random.default_rng([seed, l])``, so each imputation is its own
deterministic job.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from socialwork_ict.codes import (
    GENDER_LABELS,
    RAW_COLUMNS,
    SECTOR_LABELS,
    YES_NO_ITEMS,
)
from socialwork_ict.errors import InputError
from socialwork_ict.models.columns import ModelColumns, as_columns
from socialwork_ict.models.fitting import newton_to_deviance
from socialwork_ict.models.ordinal import proportional_odds_ml

#: imputable raw variables and the kind of their imputation model, in imputation order
KINDS: dict[str, str] = {
    "age": "range",
    "years_practice": "range",
    "gender": "nominal",
    "sector": "nominal",
    "ict_freq": "ordinal",
    **{item: "binary" for item in YES_NO_ITEMS},
    "workplace_policy": "nominal",
}
#: items asked only when a filter question reaches a minimum (data contract §1)
GATES: dict[str, tuple[str, int]] = {"contact_after_hours": ("ict_freq", 2)}
#: ridge penalty of the generalised linear imputation models, per respondent
RIDGE = 1e-4
#: relative deviance change at which the logit fits stop (R ``glm.control(epsilon)``)
DEVIANCE_TOL = 1e-8
#: rows of the subsample whose estimate starts a model's first fit on many rows
START_ROWS = 20_000
#: donors of predictive mean matching
DONORS = 5
#: labelled factors of the analysis file mapped back to their raw codes
LABELLED = {"gender": GENDER_LABELS, "sector": SECTOR_LABELS}


def raw_codes(weighted: pd.DataFrame) -> pd.DataFrame:
    """The imputable variables of the weighted analysis file as float raw codes (NaN missing)."""
    out = pd.DataFrame(index=weighted.index)
    for column in KINDS:
        if column not in weighted.columns:
            continue
        values = weighted[column]
        if column in LABELLED:
            codes = {label: code for code, label in LABELLED[column].items()}
            values = values.astype(object).map(codes)
        out[column] = pd.to_numeric(values, errors="coerce").astype(float)
    return out


def impute_chained(
    weighted: pd.DataFrame,
    *,
    seed: int,
    imputation: int,
    iterations: int = 5,
    variables: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One completed dataset of the weighted analysis file (raw canonical columns, codes).

    ``weighted``: the eligible respondents (respondent_id, country, weight,
    the raw variables, ``<item>_skipped`` flags). ``variables``: the ones to
    impute (default every variable of :data:`KINDS` in the file); a variable
    with missing values that is not imputed is no predictor. Returns the
    columns of :data:`~socialwork_ict.codes.RAW_COLUMNS` present in
    ``weighted`` (integer codes, empty where still missing: skip logic).
    """
    rng = np.random.default_rng([int(seed), int(imputation)])
    data = raw_codes(weighted)
    wanted = list(data.columns) if variables is None else list(variables)
    unknown = [v for v in wanted if v not in data.columns]
    if unknown:
        raise InputError("imputation.variables not imputable", values=unknown,
                         hint=f"imputable: {', '.join(KINDS)}")  # fmt: skip
    skipped = {
        item: weighted[f"{item}_skipped"].to_numpy(dtype=bool)
        if f"{item}_skipped" in weighted.columns
        else np.zeros(len(weighted), dtype=bool)
        for item in GATES
    }
    none = np.zeros(len(weighted), dtype=bool)
    missing = {v: data[v].isna().to_numpy() & ~skipped.get(v, none) for v in data.columns}
    targets = [v for v in data.columns if v in wanted and missing[v].any()]
    predictors = [
        v for v in data.columns if v not in GATES and (v in targets or not missing[v].any())
    ]
    values = {v: data[v].to_numpy(dtype=float).copy() for v in data.columns}
    for v in targets:  # start: random draws from the observed values
        observed = values[v][~np.isnan(values[v])]
        if observed.size == 0:
            raise InputError("no observed values to impute from", column=v)
        values[v][missing[v]] = rng.choice(observed, size=int(missing[v].sum()))
    matrix = PredictorMatrix(_design_columns(weighted), values, predictors)
    starts: dict = {}  # each model's last estimate: the next sweep's Newton start
    for _ in range(int(iterations)):
        for v in targets:
            rows_mis = missing[v].copy()
            rows_obs = ~np.isnan(data[v].to_numpy())
            if v in GATES:
                gate, minimum = GATES[v]
                asked = values[gate] >= minimum
                rows_mis &= asked
                values[v][missing[v] & ~asked] = np.nan  # not asked: a skip, never imputed
            if not rows_mis.any():
                continue
            values[v][rows_mis] = _draw(
                KINDS[v], matrix.without(v), data[v].to_numpy(), rows_obs, rows_mis,
                rng, starts, v,
            )  # fmt: skip
            matrix.update(v, values[v])
    out = pd.DataFrame({"respondent_id": weighted["respondent_id"].astype(str).to_numpy()})
    for column in RAW_COLUMNS[1:]:
        if column in values:
            out[column] = pd.array(np.round(values[column]), dtype="Int64")
        elif column in weighted.columns:
            source = weighted[column]
            out[column] = (
                source.astype(str).to_numpy()
                if column == "country"
                else pd.array(pd.to_numeric(source, errors="coerce"), dtype="Int64")
            )
    return out


def _design_columns(weighted: pd.DataFrame) -> np.ndarray:
    """Country dummies (first country the reference) and the log weight, standardised
    (left out when every weight is equal)."""
    country = weighted["country"].astype(str)
    levels = sorted(pd.unique(country))
    dummies = [(country == level).to_numpy(dtype=float) for level in levels[1:]]
    logw = np.log(weighted["weight"].to_numpy(dtype=float))
    spread = logw.std()
    columns = [*dummies, *([(logw - logw.mean()) / spread] if spread > 0 else [])]
    return np.column_stack(columns) if columns else np.zeros((len(weighted), 0))


class PredictorMatrix:
    """The predictors of every imputation model in one Fortran-ordered n x P matrix.

    Columns: the intercept, the design columns and each predictor variable's
    coded columns (:meth:`coded`), in the order of ``names``. When a variable
    is imputed its columns are rewritten in place (:meth:`update`); the model
    of variable ``v`` uses the columns left and right of ``v``'s own
    (:meth:`without`, two views): every other predictor, in the same order,
    with no n x p copy per model."""

    def __init__(self, design: np.ndarray, values: dict, names: Sequence[str]):
        n = design.shape[0]
        # a nominal predictor's levels: its observed ones (imputed values are drawn from them)
        self.levels = {v: np.unique(values[v]) for v in names if KINDS[v] == "nominal"}
        blocks = [np.ones((n, 1)), design, *(self.coded(v, values[v]) for v in names)]
        widths = np.cumsum([0, *(block.shape[1] for block in blocks)])
        self.matrix = np.empty((n, int(widths[-1])), order="F")
        for block, left, right in zip(blocks, widths[:-1], widths[1:], strict=True):
            self.matrix[:, left:right] = block
        self.span = {v: slice(int(widths[i + 2]), int(widths[i + 3])) for i, v in enumerate(names)}

    def coded(self, name: str, v: np.ndarray) -> np.ndarray:
        """A predictor's columns: level dummies (first level the reference) for a nominal
        variable, else the standardised values (none when constant: it carries nothing)."""
        if name in self.levels:
            return (v[:, None] == self.levels[name][None, 1:]).astype(float)
        spread = v.std()
        if spread > 0:
            return ((v - v.mean()) / spread)[:, None]
        return np.zeros((v.size, 0))

    def update(self, name: str, v: np.ndarray) -> None:
        """Rewrite ``name``'s columns from its new values (nothing if it predicts nothing)."""
        if name in self.span:
            self.matrix[:, self.span[name]] = self.coded(name, v)

    def without(self, name: str) -> ModelColumns:
        """The predictor matrix of ``name``'s model: every column but ``name``'s own."""
        span = self.span.get(name)
        if span is None:
            return ModelColumns([self.matrix])
        return ModelColumns([self.matrix[:, : span.start], self.matrix[:, span.stop :]])


def _draw(kind, x, y, observed, missing, rng, starts, name) -> np.ndarray:
    """Imputed values for the ``missing`` rows from a model of ``y`` on the ``observed`` rows.

    ``x``: the model's predictors (:class:`ModelColumns`, every row); ``y``:
    the variable's values (NaN where missing); ``observed``, ``missing``:
    boolean masks. ``starts[name]``: the model's estimate in the previous
    sweep, where the Newton-Raphson starts (the same maximum, fewer steps);
    updated here."""
    y_obs = y[observed]
    x_mis = x.rows(np.flatnonzero(missing))
    if kind == "range":
        return _pmm(x, y, observed, x_mis, rng)
    levels = np.unique(y_obs)
    if levels.size == 1:
        return np.full(x_mis.shape[0], levels[0])
    codes = np.zeros(len(y), dtype=np.intp)  # class indices, 0 on the rows not fitted on
    codes[observed] = np.searchsorted(levels, y_obs)
    if kind == "ordinal":

        def fit(x_fit, y_fit, rows, start):
            ridge = RIDGE * (len(y_fit) if rows is None else int(rows.sum()))
            return proportional_odds_ml(x_fit.without_first(), y_fit, levels.size, ridge=ridge,
                                        start=start, observed=rows)  # fmt: skip

    else:  # binary and nominal: (multinomial) logistic regression
        model = _logistic_ml if levels.size == 2 else _multinomial_ml

        def fit(x_fit, y_fit, rows, start):
            return model(x_fit, y_fit, levels.size, start=start, observed=rows)

    start = starts.get(name)
    if start is None:
        start = _subsample_start(fit, x, codes, observed)
    params, info = fit(x, codes, observed, start)
    starts[name] = params
    drawn = _posterior_draw(params.ravel(), info, rng).reshape(params.shape)
    if kind == "ordinal":
        p = x.shape[1] - 1
        beta, theta = drawn[:p], np.sort(drawn[p:])
        cum = special.expit(theta[None, :] - (x_mis[:, 1:] @ beta)[:, None])
        probs = np.diff(np.hstack([np.zeros((len(x_mis), 1)), cum, np.ones((len(x_mis), 1))]))
    else:
        probs = _softmax(x_mis @ drawn)
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random(len(x_mis))[:, None]
    index = np.minimum((u > cumulative).sum(axis=1), levels.size - 1)
    return levels[index]


def _subsample_start(fit, x, codes, observed) -> np.ndarray | None:
    """The first sweep's Newton start when a model has many rows: its estimate on a
    systematic 1-in-k subsample of the observed rows (about :data:`START_ROWS`
    rows), from which Newton-Raphson on every row needs fewer (full-size)
    steps to the same maximum than from zero. None (start from zero) below
    ``5 x START_ROWS`` observed rows, or when the subsample lacks a category
    of the observed rows (a rare level: its intercept would have no finite
    estimate). No random numbers are drawn."""
    rows = np.flatnonzero(observed)
    if rows.size < 5 * START_ROWS:
        return None
    sample = rows[:: rows.size // START_ROWS]
    if np.unique(codes[sample]).size < np.unique(codes[rows]).size:
        return None
    return fit(as_columns(x.rows(sample)), codes[sample], None, None)[0]


def _posterior_draw(params: np.ndarray, info: np.ndarray, rng) -> np.ndarray:
    """One draw from ``N(params, info^-1)``."""
    chol = np.linalg.cholesky(info)  # info = L L', so L'^-1 z ~ N(0, info^-1)
    z = rng.standard_normal(params.size)
    return params + np.linalg.solve(chol.T, z)


def _softmax(eta: np.ndarray) -> np.ndarray:
    """(n, K) class probabilities from the (n, K-1) linear predictors of classes 1..K-1,
    the reference class's linear predictor 0."""
    top = np.maximum(eta.max(axis=1), 0.0)[:, None]  # the largest of the K predictors
    probs = np.empty((eta.shape[0], eta.shape[1] + 1))
    np.exp(-top, out=probs[:, :1])
    np.exp(eta - top, out=probs[:, 1:])
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


def _observed_weights(observed, n: int) -> np.ndarray:
    """1 for the rows a model is fitted on, 0 for the others (all rows when None)."""
    return np.ones(n) if observed is None else np.asarray(observed, dtype=float)


def _multinomial_ml(x, y, n_cat, start=None, observed=None, max_iter: int = 50,
                    tol: float = DEVIANCE_TOL):  # fmt: skip
    """Ridge-penalised multinomial logit (reference class 0): (p, K-1) estimate, information.

    ``x``: the predictors (an array or :class:`ModelColumns`); ``y``: class
    indices; ``observed``: the rows fitted on (a boolean mask; the others
    count with weight 0, so no rows are copied). Newton-Raphson from
    ``start`` (when its shape fits) or 0
    (:func:`~socialwork_ict.models.fitting.newton_to_deviance`)."""
    x = as_columns(x)
    n, p = x.shape
    k = n_cat - 1
    m = _observed_weights(observed, n)
    penalty = np.tile(np.r_[0.0, np.full(p - 1, RIDGE * m.sum())], k)  # no penalty on intercepts
    target = np.zeros((n, n_cat))
    target[np.arange(n), y] = m
    fitted_rows = np.flatnonzero(m)
    beta = start.copy() if start is not None and start.shape == (p, k) else np.zeros((p, k))

    def evaluate(beta):
        probs = _softmax(x.dot(beta))
        value = float(np.log(probs[fitted_rows, y[fitted_rows]]).sum())
        return value - 0.5 * penalty @ beta.T.ravel() ** 2, probs

    def derivatives(beta, probs):
        fitted = probs[:, 1:] * m[:, None]
        grad = x.tdot(target[:, 1:] - fitted).T.ravel() - penalty * beta.T.ravel()
        return grad, _multinomial_information(x, fitted) + np.diag(penalty)

    beta, info = newton_to_deviance(beta, evaluate, derivatives, tol=tol, max_iter=max_iter,
                                    as_params=lambda step: step.reshape(k, p).T)  # fmt: skip
    # parameters ordered class by class: (K-1, p) flattened; returned as (p, K-1)
    return beta, _reorder_info(info, p, k)


def _multinomial_information(x, probs: np.ndarray) -> np.ndarray:
    """The multinomial logit's information (class-major): blocks X' diag(pr_a (d_ab - pr_b)) X.

    ``probs``: (n, K-1) probabilities of the non-reference classes (0 on rows
    not fitted on). Two products: with ``Z = [X pr_1 ... X pr_k]``, info =
    ``blockdiag(X' Z) - Z'Z``, summed over row blocks (Z's rows stay in the cache)."""
    x = as_columns(x)
    p, k = x.shape[1], probs.shape[1]
    info = np.zeros((k * p, k * p))
    diagonal = np.zeros((p, k * p))
    for rows, xb in x.blocks():
        z = (probs[rows, :, None] * xb[:, None, :]).reshape(-1, k * p)
        info -= z.T @ z
        diagonal += xb.T @ z
    for a in range(k):
        info[a * p : (a + 1) * p, a * p : (a + 1) * p] += diagonal[:, a * p : (a + 1) * p]
    return info


def _logistic_ml(x, y, n_cat=2, start=None, observed=None, max_iter: int = 50,
                 tol: float = DEVIANCE_TOL):  # fmt: skip
    """:func:`_multinomial_ml` with two classes: the ridge-penalised logit of ``y`` in {0, 1}.

    The same likelihood, penalty, rows and Newton-Raphson, with the two-class
    algebra (``p = expit(x b)``, information ``X' diag(p (1 - p)) X``).
    Returns the estimate as a (p, 1) array and its information."""
    x = as_columns(x)
    n, p = x.shape
    m = _observed_weights(observed, n)
    penalty = np.r_[0.0, np.full(p - 1, RIDGE * m.sum())]  # no penalty on the intercept
    y = np.asarray(y, dtype=float) * m
    beta = start[:, 0].copy() if start is not None and start.shape == (p, 1) else np.zeros(p)

    def evaluate(beta):
        eta = x.dot(beta)
        value = float(y @ eta - m @ np.logaddexp(0.0, eta)) - 0.5 * penalty @ beta**2
        return value, eta

    def derivatives(beta, eta):
        mu = special.expit(eta)
        info = x.gram(m * mu * (1.0 - mu))
        return x.tdot(y - m * mu) - penalty * beta, info + np.diag(penalty)

    beta, info = newton_to_deviance(beta, evaluate, derivatives, tol=tol, max_iter=max_iter)
    return beta[:, None], info


def _reorder_info(info: np.ndarray, p: int, k: int) -> np.ndarray:
    """Information of ``beta.ravel()`` ((p, K-1) row-major) from the class-major one."""
    order = np.arange(p * k).reshape(k, p).T.ravel()
    return info[np.ix_(order, order)]


def _pmm(x, y, observed, x_mis, rng) -> np.ndarray:
    """Bayesian linear regression draw + predictive mean matching (type 1, DONORS donors).

    ``x``: the predictors (:class:`ModelColumns`, every row); the regression
    is on the ``observed`` rows of ``y`` (the others weighted 0)."""
    m = observed.astype(float)
    y_obs = y[observed]
    n, p = int(observed.sum()), x.shape[1]
    gram = x.gram(m)
    xtx = gram + 1e-5 * np.diag(np.diag(gram))  # mice's ridge 1e-5
    beta_hat = np.linalg.solve(xtx, x.tdot(np.where(observed, y, 0.0)))
    fitted = x.dot(beta_hat)[observed]
    resid = y_obs - fitted
    df = max(n - p, 1)
    sigma2 = float(resid @ resid) / rng.chisquare(df)
    chol = np.linalg.cholesky(np.linalg.inv(xtx))
    beta_star = beta_hat + np.sqrt(sigma2) * (chol @ rng.standard_normal(p))
    order = np.argsort(fitted, kind="stable")
    sorted_fit = fitted[order]
    target = x_mis @ beta_star
    pos = np.searchsorted(sorted_fit, target)
    offsets = np.arange(-DONORS, DONORS)
    candidates = np.clip(pos[:, None] + offsets[None, :], 0, n - 1)
    distance = np.abs(sorted_fit[candidates] - target[:, None])
    nearest = np.argsort(distance, axis=1, kind="stable")[:, : min(DONORS, n)]
    pick = nearest[np.arange(len(target)), rng.integers(0, nearest.shape[1], len(target))]
    return y_obs[order[candidates[np.arange(len(target)), pick]]]
