"""Weighted proportions in domains, their linearised standard errors and logit CIs.

Stage: inference (table 2, ``table2_freq_by_age.csv``).

Method (Lumley 2010, *Complex Surveys*, §2.2-2.3; R ``survey`` 4.1.1):

- the proportion of category k in domain d is the ratio
  ``p = sum_{i in d} w_i 1[x_i = k] / sum_{i in d} w_i`` (R
  ``svymean(~factor(x), subset(design, d))``);
- its variance is the linearisation variance of the ratio: influence values
  ``z_i = w_i (1[x_i = k] - p) / sum_{i in d} w_i`` for respondents in the
  domain and **zero outside it**, fed to
  :func:`~socialwork_ict.inference.design.stratified_variance` (R ``svyrecvar``)
  over *all* respondents of the strata, so that n_h is the whole stratum's
  count (domain estimation, not a conditional analysis);
- the design degrees of freedom of the domain are respondents in the domain
  minus strata represented in the domain (R ``degf(subset(design, d))``);
- the 95 % interval is computed on the logit scale,
  ``expit(logit(p) -/+ qt(0.975, df) * se / (p (1 - p)))``, as R
  ``svyciprop(method = "logit")``; it is missing (NaN) when p is 0 or 1
  (an empty cell, or a cell holding the whole domain), as in the R oracle.

Respondents with a missing item value inside a domain are left out of the
proportion's numerator *and* denominator (R ``na.rm = TRUE``: they become
zero-influence rows, still counted in n_h); they still count in the domain's
``df`` (R computes ``degf`` on the domain before removing missing values).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES
from socialwork_ict.inference import distributions
from socialwork_ict.inference.design import stratified_variance
from socialwork_ict.names import POOLED as ALL

#: a design effect below this is round-off of a zero variance (a raking margin)
DEFF_ZERO = 1e-12
ICT_FREQ_CODES = (1, 2, 3, 4, 5)

TABLE2_COLUMNS = (
    "country",
    "age_group",
    "ict_freq",
    "n",
    "pct_weighted",
    "ci_low",
    "ci_high",
    "se_weighted",
    "deff",
    "df",
)


def domain_proportions(
    values: np.ndarray,
    weights: np.ndarray,
    strata: np.ndarray,
    domain: np.ndarray | None = None,
    categories: Sequence[float] = ICT_FREQ_CODES,
) -> pd.DataFrame:
    """Weighted proportions of ``categories`` of ``values`` within a domain, with SEs.

    Linearisation (Taylor) variance of a ratio estimator with domain
    estimation, as R ``svymean(~factor(x), subset(design, domain))`` on
    ``svydesign(ids = ~1, strata = ~strata, weights = ~weights)``.

    ``values``: (n,) numeric codes, NaN = missing. ``weights``: (n,) sampling
    weights. ``strata``: (n,) stratum labels of *all* respondents of the
    design (not only the domain's). ``domain``: (n,) boolean membership
    (default: everybody).

    Returns one row per category with columns ``category``, ``n``
    (unweighted respondents in the domain with that value), ``proportion``,
    ``se`` and ``df`` (respondents in the domain minus strata in the domain).
    An empty domain gives NaN proportions and SEs and ``df`` 0.
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    strata = np.asarray(strata)
    dom = np.ones(x.shape, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    cats = np.asarray(categories, dtype=float)

    valid = dom & ~np.isnan(x)
    indicator = x[:, None] == cats[None, :]  # (n, K); NaN never equals a code
    w_dom = np.where(valid, w, 0.0)
    total = w_dom.sum()
    counts = indicator[valid].sum(axis=0).astype(np.int64)
    df = int(dom.sum() - pd.unique(strata[dom]).size)

    if total > 0:
        proportion = (w_dom @ indicator) / total
        influence = w_dom[:, None] * (indicator - proportion[None, :]) / total
        variance = np.diag(stratified_variance(influence, strata))
        se = np.sqrt(np.clip(variance, 0.0, None))
    else:
        proportion = np.full(cats.shape, np.nan)
        se = np.full(cats.shape, np.nan)
    return pd.DataFrame(
        {"category": cats, "n": counts, "proportion": proportion, "se": se, "df": df}
    )


def proportion_deff(proportion, variance, n_answered) -> np.ndarray:
    """Design effect of a weighted proportion, as R ``svymean(..., deff = "replace")``.

    ``deff = V / V_srs``: the design variance ``variance`` of the proportion
    p (0-1 scale) over the variance under simple random sampling with
    replacement of the same ``n_answered`` respondents (those of the domain
    with an answer), ``V_srs = [n / (n - 1) sum w (y - p)^2 / sum w] / n =
    p (1 - p) / (n - 1)`` for a 0/1 indicator y (Kish 1965, *Survey
    Sampling*, §8.2; Lumley 2010, *Complex Surveys*, §2.4; data contract v2
    §4: R's ``deff = TRUE`` without-replacement version is undefined when the
    weights sum to the sample size). NaN where p is 0 or 1 or n < 2; below
    :data:`DEFF_ZERO` (round-off of a proportion the calibration fixes) 0.
    Element-wise on arrays; also for Table 3's proportions.
    """
    p = np.asarray(proportion, dtype=float)
    v = np.asarray(variance, dtype=float)
    n = np.asarray(n_answered, dtype=float)
    ok = (p > 0) & (p < 1) & (n >= 2)
    v_srs = np.where(ok, p * (1.0 - p) / np.where(n >= 2, n - 1.0, 1.0), 1.0)
    deff = np.where(ok, v / v_srs, np.nan)
    # a proportion the calibration fixes (a raking margin) has no variance:
    # its round-off (~1e-29) is written as 0
    return np.where(np.abs(deff) < DEFF_ZERO, 0.0, deff)


#: a domain mean of a variable with at most this many distinct values takes its
#: replicate estimates from the replicate totals per value (domain_mean)
CELL_LEVELS = 64


def cell_variances(
    design, numerators, denominators, *, cell_domain=None, chunk: int = 16
) -> np.ndarray:
    """Design variances of M ratios ``p_m = (N w)_m / (D w)_m`` on any design.

    ``numerators``, ``denominators``: (M, n) sparse 0/1 matrices over the
    design's respondents (a cell's members with the category, and its
    domain's members); w the design's weights. ``cell_domain``: (M,) row of
    ``denominators`` (then (D, n), one row per domain) of each cell, so that
    cells sharing a domain share its row. Linearisation: the ratio's
    influence values ``w_i (N_mi - p_m D_mi) / (D w)_m`` (Lumley 2010, §2.3),
    ``chunk`` cells at a time, on their domains' respondents only
    (:meth:`~socialwork_ict.inference.variance.LinearizationDesign.vcov_rows`);
    replicates: every replicate's ratios from two sparse products per block
    of replicate weights. Returns (M,) variances (NaN where a domain has no
    weight).
    """
    from scipy import sparse

    num = sparse.csr_matrix(numerators, dtype=float)
    den = sparse.csr_matrix(denominators, dtype=float)
    domain = np.arange(num.shape[0]) if cell_domain is None else np.asarray(cell_domain)
    w = np.asarray(design.weights, dtype=float)
    totals = (den @ w)[domain]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (num @ w) / totals
    out = np.full(p.size, np.nan)
    ok = totals > 0
    if design.method != "linearization":
        rows = np.flatnonzero(ok)
        n_sub, d_of = num[rows], domain[rows]

        def replicate(block: np.ndarray) -> np.ndarray:
            return ((n_sub @ block) / (den @ block)[d_of]).T

        out[rows] = np.diag(design.vcov(None, replicate, p[rows]))
        return out
    for start in range(0, p.size, chunk):
        rows = np.arange(start, min(start + chunk, p.size))
        rows = rows[ok[rows]]
        if rows.size == 0:
            continue
        n_t, d_t = num[rows].T.tocsr(), den[domain[rows]].T.tocsr()
        # the influence on the respondents these cells and their domains hold, zero elsewhere
        inside = np.flatnonzero(d_t.getnnz(axis=1) + n_t.getnnz(axis=1) > 0)
        z = n_t[inside].toarray() - d_t[inside].toarray() * p[rows][None, :]
        z *= w[inside, None] / totals[rows][None, :]
        out[rows] = np.diag(design.vcov_rows(z, inside))
    return out


def _with_deff(table: pd.DataFrame) -> pd.DataFrame:
    """Table 2 with ``deff`` of every cell (:func:`proportion_deff`; n = the domain's
    respondents with an answer, the sum of ``n`` over its codes)."""
    answered = table.groupby(["country", "age_group"], sort=False)["n"].transform("sum")
    table["deff"] = proportion_deff(
        table["pct_weighted"] / 100.0, (table["se_weighted"] / 100.0) ** 2, answered
    )
    return table


def logit_ci(
    proportion: np.ndarray, se: np.ndarray, df: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Logit-scale confidence interval of a proportion, as R ``svyciprop(method = "logit")``.

    ``expit(logit(p) -/+ qt((1 + level) / 2, df) * se / (p (1 - p)))`` (the
    delta-method SE of logit(p)). NaN where p is 0 or 1, or df < 1 (no
    interval on the logit scale exists there; R's oracle leaves it empty).
    """
    p = np.asarray(proportion, dtype=float)
    se = np.asarray(se, dtype=float)
    df = np.asarray(df, dtype=float)
    ok = (p > 0) & (p < 1) & (df >= 1)
    p_safe = np.where(ok, p, 0.5)
    quantile = distributions.t_ppf(0.5 + level / 2.0, np.where(ok, df, 1.0))
    half = quantile * se / (p_safe * (1.0 - p_safe))
    centre = special.logit(p_safe)
    low = np.where(ok, special.expit(centre - half), np.nan)
    high = np.where(ok, special.expit(centre + half), np.nan)
    return low, high


def table2_freq_by_age(
    frame: pd.DataFrame,
    weight: str = "weight",
    country: str = "country",
    age_group: str = "age_group",
    item: str = "ict_freq",
    countries: Sequence[str] = COUNTRIES,
    age_groups: Sequence[str] = AGE_GROUPS,
    codes: Sequence[int] = ICT_FREQ_CODES,
    design=None,
) -> pd.DataFrame:
    """Table 2: weighted distribution of ``ict_freq`` within country x age group.

    For each country (its own respondents, one stratum) and for ``ALL`` (all
    respondents, strata = country, the raked weights as they are, so each
    country keeps its sample share) and each age group, the domain
    proportions of codes 1-5 with linearised SEs and logit CIs (see the
    module docstring), as R
    ``svymean(~factor(ict_freq), subset(design, age_group == a))`` and
    ``svyciprop(method = "logit")``.

    Columns: country, age_group, ict_freq (integer code), n, pct_weighted,
    ci_low, ci_high, se_weighted (all on the 0-100 scale), deff
    (:func:`proportion_deff`), df. Every
    country x age group x code row is present; an empty cell has n = 0,
    pct_weighted = 0, se_weighted = 0 and empty (NaN) CI bounds. Rows are in
    the order countries, then ALL; age groups; codes.

    ``design``: a design of :mod:`~socialwork_ict.inference.variance` over
    the rows of ``frame`` (its weights replace ``weight``): the SEs come from
    it, ``df`` is ``design.df(domain)``, and the CI is
    ``expit(logit(p) -/+ qt(0.975, df) sqrt(V_logit))`` with V_logit the
    design variance of logit(p) (linearisation: ``se / (p (1 - p))``, as
    above; replicates: from the replicate logits, R ``svyciprop(method =
    "logit")`` on a replicate design), empty when p, or any replicate's p,
    is 0 or 1.
    """
    if design is not None:
        table = _table2_with_design(
            frame, design, country, age_group, item, countries, age_groups, codes
        )
        return _with_deff(table)[list(TABLE2_COLUMNS)]
    country_labels = frame[country].astype("string").to_numpy(dtype=object, na_value=None)
    age_codes = pd.Categorical(frame[age_group].astype("string"), categories=list(age_groups)).codes
    values = pd.to_numeric(frame[item], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    weights = frame[weight].to_numpy(dtype=float)

    # fixed-width text: design.stratified_variance's astype(str) is then a cheap copy
    stratum_codes = country_labels.astype(str)
    blocks = [(label, country_labels == label) for label in countries]
    blocks.append((ALL, np.isin(country_labels, list(countries))))
    pieces = []
    for label, rows in blocks:
        sub_values, sub_weights = values[rows], weights[rows]
        sub_strata, sub_age = stratum_codes[rows], age_codes[rows]
        for i, group in enumerate(age_groups):
            est = domain_proportions(
                sub_values, sub_weights, sub_strata, domain=sub_age == i, categories=codes
            )
            low, high = logit_ci(est["proportion"], est["se"], est["df"])
            pieces.append(
                pd.DataFrame(
                    {
                        "country": label,
                        "age_group": group,
                        "ict_freq": np.asarray(codes, dtype=np.int64),
                        "n": est["n"].to_numpy(),
                        "pct_weighted": 100.0 * est["proportion"].to_numpy(),
                        "ci_low": 100.0 * low,
                        "ci_high": 100.0 * high,
                        "se_weighted": 100.0 * est["se"].to_numpy(),
                        "df": est["df"].to_numpy(),
                    }
                )
            )
    return _with_deff(pd.concat(pieces, ignore_index=True))[list(TABLE2_COLUMNS)]


def domain_mean(values: np.ndarray, design, domain: np.ndarray | None = None) -> dict:
    """Weighted mean of ``values`` in a domain with its design-based SE and design effect.

    R ``svymean(~y, subset(design, domain), na.rm = TRUE, deff = "replace")``
    on any design of :mod:`~socialwork_ict.inference.variance` (all
    respondents; ``values`` NaN = missing, left out of the mean, zero
    influence). ``deff = V / V_srs`` with the with-replacement SRS variance
    of the same n, ``V_srs = [n / (n - 1) sum w (y - mean)^2 / sum w] / n``
    over the n respondents with an answer (full-sample weights), ``deft =
    sqrt(deff)``. Replicate designs: the mean under every replicate's
    weights; for a variable with at most :data:`CELL_LEVELS` distinct values
    from the replicate totals per value. Returns ``{"n", "mean", "se",
    "deff", "deft"}``.
    """
    y = np.asarray(values, dtype=float)
    w = np.asarray(design.weights, dtype=float)
    dom = np.ones(y.shape, dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    valid = dom & ~np.isnan(y)
    n = int(valid.sum())
    if n == 0:
        return {"n": 0, "mean": np.nan, "se": np.nan, "deff": np.nan, "deft": np.nan}
    yv, wv = y[valid], w[valid]
    total = wv.sum()
    mean = float(wv @ yv / total)

    def replicate(block: np.ndarray) -> np.ndarray:
        wr = block[valid]
        return (yv @ wr / wr.sum(axis=0))[:, None]

    levels = pd.unique(yv) if design.method != "linearization" else None
    if design.method == "linearization":  # influence w (y - mean) / W on the domain's rows
        variance = float(design.vcov_rows(wv * (yv - mean) / total, np.flatnonzero(valid))[0, 0])
    elif levels.size <= CELL_LEVELS:
        # few distinct values (an indicator): the replicate means from the replicate
        # totals per value, sum_k y_k T_kr / sum_k T_kr (ReplicateDesign.cell_totals)
        code = np.full(y.size, -1, dtype=np.intp)
        code[valid] = pd.Index(levels).get_indexer(yv)
        totals = design.cell_totals(code, levels.size)
        thetas = (levels @ totals / totals.sum(axis=0))[:, None]
        variance = float(design.vcov(None, None, np.array([mean]), thetas=thetas)[0, 0])
    else:
        variance = float(design.vcov(None, replicate, np.array([mean]))[0, 0])
    v_srs = (n / (n - 1.0)) * float(wv @ (yv - mean) ** 2) / total / n if n > 1 else np.nan
    deff = variance / v_srs if v_srs > 0 else np.nan
    return {
        "n": n,
        "mean": mean,
        "se": float(np.sqrt(max(variance, 0.0))),
        "deff": deff,
        "deft": float(np.sqrt(deff)) if np.isfinite(deff) else np.nan,
    }


def category_proportions(values: np.ndarray, design, domains, categories) -> list[dict]:
    """Proportions of ``categories`` of ``values`` in each of ``domains`` on ``design``.

    The computation of Table 2's cells (:func:`table2_freq_by_age` with a
    design), for any item: per domain (an (n,) mask over the design's
    respondents) the weighted proportions among respondents with an answer
    (NaN = missing, zero influence), their design SEs and the logit CI on the
    domain's design df (R ``svymean(~factor(x), subset(design, domain),
    na.rm = TRUE)`` and ``svyciprop(method = "logit")``). Returns per domain
    ``{"n", "proportion", "se", "ci_low", "ci_high", "df"}`` (arrays over
    the categories; ``df`` a number).
    """
    x = np.asarray(values, dtype=float)
    weights = np.asarray(design.weights, dtype=float)
    cats = np.asarray(categories, dtype=float)
    if design.method != "linearization":
        return _replicate_proportions(x, weights, list(domains), cats, design)
    return [_design_proportions(x, weights, d, cats, design) for d in domains]


def _table2_with_design(frame, design, country, age_group, item, countries, age_groups, codes):
    """:func:`table2_freq_by_age` on a design (every row of ``frame`` in the design)."""
    country_labels = frame[country].astype("string").to_numpy(dtype=object, na_value=None)
    age_codes = pd.Categorical(frame[age_group].astype("string"), categories=list(age_groups)).codes
    values = pd.to_numeric(frame[item], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    weights = np.asarray(design.weights, dtype=float)
    cats = np.asarray(codes, dtype=float)
    blocks = [(label, country_labels == label) for label in countries]
    blocks.append((ALL, np.isin(country_labels, list(countries))))
    domains = [
        (label, group, rows & (age_codes == i))
        for label, rows in blocks
        for i, group in enumerate(age_groups)
    ]
    if design.method != "linearization":
        estimates = _replicate_proportions(
            values, weights, [d for _, _, d in domains], cats, design
        )
    else:
        estimates = [_design_proportions(values, weights, d, cats, design) for _, _, d in domains]
    pieces = []
    for (label, group, _), est in zip(domains, estimates, strict=True):
        pieces.append(
            pd.DataFrame(
                {
                    "country": label,
                    "age_group": group,
                    "ict_freq": np.asarray(codes, dtype=np.int64),
                    "n": est["n"],
                    "pct_weighted": 100.0 * est["proportion"],
                    "ci_low": 100.0 * est["ci_low"],
                    "ci_high": 100.0 * est["ci_high"],
                    "se_weighted": 100.0 * est["se"],
                    "df": est["df"],
                }
            )
        )
    return pd.concat(pieces, ignore_index=True)


def _design_proportions(values, weights, domain, cats, design, level=0.95) -> dict:
    """Proportions of ``cats`` in ``domain``, SEs and logit CIs on ``design``."""
    valid = domain & ~np.isnan(values)
    indicator = (values[valid, None] == cats[None, :]).astype(float)
    w = weights[valid]
    total = w.sum()
    k = cats.size
    df = design.df(domain)
    counts = indicator.sum(axis=0).astype(np.int64)
    nan = np.full(k, np.nan)
    if total <= 0:
        return {"n": counts, "proportion": nan, "se": nan, "ci_low": nan, "ci_high": nan, "df": df}
    p = (w @ indicator) / total
    inner = (p > 0) & (p < 1)
    odds_scale = np.where(inner, p * (1.0 - p), 1.0)

    replicate_inner = np.ones(k, dtype=bool)
    full = np.concatenate([p, special.logit(np.where(inner, p, 0.5))])
    if design.method == "linearization":
        # influence of p and of logit(p) on the domain's respondents, zero elsewhere
        base = w[:, None] * (indicator - p[None, :]) / total
        z_rows = np.hstack([base, base / odds_scale[None, :]])
        v = np.diag(design.vcov_rows(z_rows, np.flatnonzero(valid)))
    else:
        # replicate proportions from the replicate totals of the category cells
        code = np.full(weights.size, -1, dtype=np.intp)
        code[valid] = np.argmax(indicator, axis=1)
        code[np.flatnonzero(valid)[indicator.sum(axis=1) == 0]] = k  # answered, no listed code
        totals = design.cell_totals(code, k + 1)
        pr = (totals[:k] / totals.sum(axis=0)).T  # (R, k)
        ok_r = (pr > 0) & (pr < 1)
        replicate_inner[:] = ok_r.all(axis=0)
        logit = special.logit(np.where(ok_r, pr, 0.5))
        v = np.diag(design.vcov(None, None, full, thetas=np.hstack([pr, logit])))
    se = np.sqrt(np.clip(v[:k], 0.0, None))
    se_logit = np.sqrt(np.clip(v[k:], 0.0, None))
    ok = inner & replicate_inner & (df >= 1)
    quantile = distributions.t_ppf(0.5 + level / 2.0, max(df, 1))
    centre = special.logit(np.where(ok, p, 0.5))
    low = np.where(ok, special.expit(centre - quantile * se_logit), np.nan)
    high = np.where(ok, special.expit(centre + quantile * se_logit), np.nan)
    return {"n": counts, "proportion": p, "se": se, "ci_low": low, "ci_high": high, "df": df}


def _replicate_proportions(values, weights, domains, cats, design, level=0.95) -> list[dict]:
    """:func:`_design_proportions` of every domain in one pass over the replicate weights.

    The respondents with an answer are split into cells (category, or none
    of ``cats``) x atom of the domains (:func:`~socialwork_ict.inference.
    replicates.domain_atoms`: respondents in the same domains); each domain's
    weighted counts of each category and its weighted total are sums of
    these cells, and their replicate totals come from one pass over the
    replicates (:meth:`ReplicateDesign.cell_totals`).
    """
    from socialwork_ict.inference.replicates import domain_atoms

    k = cats.size
    d_count = len(domains)
    answered = ~np.isnan(values)
    atom, member = domain_atoms([domain & answered for domain in domains])
    a = member.shape[0]
    hit = values[:, None] == cats[None, :]
    category = np.where(hit.any(axis=1), np.argmax(hit, axis=1), k)
    code = np.where(atom >= 0, category * a + atom, -1)
    inside = code >= 0
    n_cells = (k + 1) * a
    to_domains = member.astype(float)  # (A, D)

    def by_domain(cell_sums: np.ndarray) -> np.ndarray:
        """(D * (K + 1), b) domain sums of each category and the total from (cells, b)."""
        per = cell_sums.reshape(k + 1, a, -1)
        cat_sums = np.einsum("kab,ad->dkb", per, to_domains)  # (D, K + 1, b)
        return np.concatenate([cat_sums[:, :k], cat_sums.sum(axis=1, keepdims=True)], axis=1)

    def proportions(sums: np.ndarray) -> np.ndarray:
        sums = sums.reshape(d_count, k + 1, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return sums[:, :k] / sums[:, k:]  # (D, K, b)

    # full sample: each domain's weighted counts and total summed over its respondents
    # in order (as its rows of the indicator matrix A w)
    full_sums = np.zeros((d_count, k + 1, 1))
    for d, domain in enumerate(domains):
        rows = domain & answered
        w = weights[rows]
        full_sums[d, :k, 0] = np.bincount(category[rows], weights=w, minlength=k + 1)[:k]
        full_sums[d, k, 0] = np.cumsum(w)[-1] if w.size else 0.0
    full = proportions(full_sums)[:, :, 0]  # (D, K)
    inner = (full > 0) & (full < 1)
    cell_counts = np.bincount(code[inside], minlength=n_cells).reshape(k + 1, a)
    domain_counts = cell_counts[:k] @ member.astype(np.int64)  # (K, D), exact
    # every replicate's proportions from the replicate totals of the cells (the
    # respondents in no cell summed into one more, dropped: no gather of their counts)
    totals = design.cell_totals(np.where(inside, code, n_cells), n_cells + 1)[:n_cells]
    pr = proportions(by_domain(totals))  # (D, K, R)
    ok_r = (pr > 0) & (pr < 1)
    replicate_inner = ok_r.all(axis=2)
    logit_r = special.logit(np.where(ok_r, pr, 0.5))
    thetas = np.concatenate([pr.reshape(-1, pr.shape[2]), logit_r.reshape(-1, pr.shape[2])]).T

    full_logit = special.logit(np.where(inner, full, 0.5))
    centre = np.concatenate([full.ravel(), full_logit.ravel()])
    v = np.diag(design.vcov(None, None, centre, thetas=thetas))
    se = np.sqrt(np.clip(v[: full.size], 0.0, None)).reshape(full.shape)
    se_logit = np.sqrt(np.clip(v[full.size :], 0.0, None)).reshape(full.shape)
    out = []
    answered_in = np.bincount(atom[atom >= 0], minlength=a) @ member.astype(np.int64)  # (D,)
    for d, domain in enumerate(domains):
        counts = domain_counts[:, d]
        df = design.df(domain)
        if answered_in[d] == 0 or full_sums[d, k, 0] <= 0:
            nan = np.full(k, np.nan)
            out.append({"n": counts, "proportion": nan, "se": nan, "ci_low": nan,
                        "ci_high": nan, "df": df})  # fmt: skip
            continue
        ok = inner[d] & replicate_inner[d] & (df >= 1)
        quantile = distributions.t_ppf(0.5 + level / 2.0, max(df, 1))
        c = special.logit(np.where(ok, full[d], 0.5))
        out.append(
            {
                "n": counts,
                "proportion": full[d],
                "se": se[d],
                "ci_low": np.where(ok, special.expit(c - quantile * se_logit[d]), np.nan),
                "ci_high": np.where(ok, special.expit(c + quantile * se_logit[d]), np.nan),
                "df": df,
            }
        )
    return out
