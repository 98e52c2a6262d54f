"""Descriptive tables: Table 1 (sample characteristics) and Table 2 (ict_freq by age).

Stage: tables (``table1_sample.csv``, ``table2_freq_by_age.csv``; data
contract §4). Pure functions: a cleaned, weighted analysis frame in, a
DataFrame out. Table 2 lives in :mod:`socialwork_ict.inference.proportions`
(it needs design-based SEs) and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import (
    COUNTRIES,
    FACTOR_LEVELS,
    GENDER_LABELS,
    ICT_FREQ_LABELS,
    MISSING_CODE,
    SECTOR_LABELS,
    WORKPLACE_POLICY_LABELS,
    YES_NO_ITEMS,
    YES_NO_LABELS,
)
from socialwork_ict.errors import InputError
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.names import POOLED as ALL

__all__ = [
    "ALL",
    "MISSING",
    "SKIPPED",
    "TABLE1_COLUMNS",
    "TABLE1_VARIABLES",
    "YES_NO_ITEMS",
    "table1_sample",
    "table2_freq_by_age",
]

MISSING = "missing"
SKIPPED = "not asked (skip logic)"

TABLE1_VARIABLES = ("age_group", "gender", "sector", "ict_freq", "workplace_policy", *YES_NO_ITEMS)
TABLE1_COLUMNS = ("country", "variable", "category", "n", "pct_unweighted", "pct_weighted")

#: variable -> (category labels in table order, integer code -> label or None)
_CATEGORIES: dict[str, tuple[tuple[str, ...], Mapping[int, str] | None]] = {
    "age_group": (FACTOR_LEVELS["age_group"], None),
    "gender": (FACTOR_LEVELS["gender"], GENDER_LABELS),
    "sector": (FACTOR_LEVELS["sector"], SECTOR_LABELS),
    "ict_freq": (tuple(ICT_FREQ_LABELS.values()), ICT_FREQ_LABELS),
    "workplace_policy": (tuple(WORKPLACE_POLICY_LABELS.values()), WORKPLACE_POLICY_LABELS),
    **{item: (tuple(YES_NO_LABELS.values()), YES_NO_LABELS) for item in YES_NO_ITEMS},
}
#: items asked only of ICT users (ict_freq >= 2): blank where ict_freq == 1 is skip logic
_SKIP_IF_NEVER = ("contact_after_hours",)


def table1_sample(
    frame: pd.DataFrame,
    weight: str | None = "weight",
    country: str = "country",
    countries: Sequence[str] = COUNTRIES,
    variables: Sequence[str] = TABLE1_VARIABLES,
    design=None,
) -> pd.DataFrame:
    """Table 1: sample characteristics by country and pooled (``ALL``).

    ``design``: a design of :mod:`~socialwork_ict.inference.variance` over
    the rows of ``frame`` (its weights are ``frame[weight]``): adds ``deff``,
    the design effect of ``pct_weighted`` (design variance over the SRS
    with-replacement variance of the country's n respondents, as R
    ``svymean(~factor(x), deff = "replace")``;
    :func:`~socialwork_ict.inference.proportions.proportion_deff`).

    One row per country x variable x category with the unweighted count
    ``n``, the unweighted percentage and the weighted percentage (sum of the
    survey weights in the category over the sum in the country, x 100; the
    pooled ``ALL`` rows use the weights as they are, which sum to each
    country's sample size, so each country keeps its sample share).
    ``weight=None`` gives equal weights (pct_weighted = pct_unweighted).

    Categories are the codebook labels in code order (``ict_freq`` never ...
    very often, yes/no items yes, no; factors in contract order, e.g. gender
    ``another gender`` shown with n = 0 when absent), then for
    ``contact_after_hours`` the category ``not asked (skip logic)`` (blank
    where ict_freq == 1, data contract §1), then ``missing`` (blank, NA or
    -99: item non-response). Every category row is present, with n = 0 when
    empty, so the table's shape does not depend on the data.

    Percentages are over **all** respondents of the country, missing and
    skipped included, so they sum to 100 per country x variable; a reader
    wanting percentages among respondents who answered can drop the
    ``missing`` row and renormalise.

    Integer-coded items may be numpy ints, floats with NaN or pandas
    nullable ``Int64``; factors may be labelled (categorical / text) or
    integer-coded. A value outside the codebook raises :class:`InputError`.
    """
    labels = frame[country].astype("string").to_numpy(dtype=object, na_value=None)
    country_index = np.full(len(frame), -1, dtype=np.int64)
    for i, label in enumerate(countries):
        country_index[labels == label] = i
    in_scope = country_index >= 0
    if weight is None:
        weights = np.ones(len(frame))
    else:
        weights = frame[weight].to_numpy(dtype=float)
        if np.isnan(weights[in_scope]).any():
            raise InputError("missing survey weights", column=weight)
    country_index, weights = country_index[in_scope], weights[in_scope]
    scoped = frame.loc[in_scope]
    n_countries = len(countries)
    n_total = np.bincount(country_index, minlength=n_countries).astype(float)
    w_total = np.bincount(country_index, weights=weights, minlength=n_countries)

    never_used = None
    pieces = []
    cells = []  # per variable: (flat country x category index of every in-scope row, k)
    for variable in variables:
        categories, code_labels = _CATEGORIES[variable]
        index = _category_index(scoped[variable], categories, code_labels, variable)
        names = list(categories)
        if variable in _SKIP_IF_NEVER:
            if never_used is None:
                freq = _category_index(scoped["ict_freq"], *_CATEGORIES["ict_freq"][:2], "ict_freq")
                never_used = freq == 0
            index[(index < 0) & never_used] = len(names)
            names.append(SKIPPED)
        index[index < 0] = len(names)
        names.append(MISSING)
        k = len(names)
        flat = country_index * k + index
        cells.append((flat, k))
        counts = np.bincount(flat, minlength=n_countries * k).reshape(n_countries, k)
        sums = np.bincount(flat, weights=weights, minlength=n_countries * k).reshape(n_countries, k)
        counts = np.vstack([counts, counts.sum(axis=0)])
        sums = np.vstack([sums, sums.sum(axis=0)])
        n_denominator = np.append(n_total, n_total.sum())[:, None]
        w_denominator = np.append(w_total, w_total.sum())[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            pct_unweighted = 100.0 * counts / n_denominator
            pct_weighted = 100.0 * sums / w_denominator
        pieces.append(
            pd.DataFrame(
                {
                    "country": np.repeat([*countries, ALL], k),
                    "variable": variable,
                    "category": np.tile(names, n_countries + 1),
                    "n": counts.ravel().astype(np.int64),
                    "pct_unweighted": pct_unweighted.ravel(),
                    "pct_weighted": pct_weighted.ravel(),
                }
            )
        )
    table = pd.concat(pieces, ignore_index=True)
    if design is not None:
        table["deff"] = _table1_deff(table, cells, country_index, in_scope, n_countries, design)
    # rows: countries then ALL, variables in order, categories in order
    order = {label: i for i, label in enumerate([*countries, ALL])}
    table = table.sort_values("country", key=lambda s: s.map(order), kind="stable")
    columns = [*TABLE1_COLUMNS, "deff"] if design is not None else list(TABLE1_COLUMNS)
    return table.reset_index(drop=True)[columns]


def _table1_deff(table, cells, country_index, in_scope, n_countries, design) -> np.ndarray:
    """``deff`` of every Table 1 row (in the unsorted row order of ``table``)."""
    from scipy import sparse

    from socialwork_ict.inference.proportions import cell_variances, proportion_deff

    n = in_scope.size
    positions = np.flatnonzero(in_scope)
    if design.method != "linearization":
        variance, n_domain = _table1_replicate_variances(cells, country_index, positions, n,
                                                         n_countries, design)  # fmt: skip
        return proportion_deff(table["pct_weighted"].to_numpy() / 100.0, variance, n_domain)
    # domains: the countries, then ALL
    domains = sparse.csr_matrix(
        (np.ones(2 * positions.size), (np.concatenate([country_index, np.full(positions.size,
         n_countries)]), np.concatenate([positions, positions]))), shape=(n_countries + 1, n),
    )  # fmt: skip
    num_rows, num_cols, cell_domain = [], [], []
    offset = 0
    for flat, k in cells:
        # countries' cells, then ALL's (row offset + n_countries * k + category)
        num_rows += [offset + flat, offset + n_countries * k + flat % k]
        num_cols += [positions, positions]
        cell_domain.append(np.repeat(np.arange(n_countries + 1), k))
        offset += (n_countries + 1) * k
    numerators = sparse.csr_matrix(
        (np.ones(sum(r.size for r in num_rows)), (np.concatenate(num_rows),
         np.concatenate(num_cols))), shape=(offset, n))  # fmt: skip
    cell_domain = np.concatenate(cell_domain)
    variance = cell_variances(design, numerators, domains, cell_domain=cell_domain)
    n_domain = np.asarray(domains.sum(axis=1)).ravel()[cell_domain]
    return proportion_deff(table["pct_weighted"].to_numpy() / 100.0, variance, n_domain)


def _table1_replicate_variances(cells, country_index, positions, n, n_countries, design):
    """Replicate variances of the Table 1 percentages (rows as :func:`_table1_deff`'s
    cells) and their domains' respondents, from the replicate totals of each
    variable's country x category cells and of the countries
    (:meth:`~socialwork_ict.inference.replicates.ReplicateDesign.cell_totals`, one
    pass over the replicates per variable; ``ALL``'s totals are the countries'
    sums), as ``cell_variances`` on a replicate design."""
    w = np.asarray(design.weights, dtype=float)[positions]
    code = np.full(n, -1, dtype=np.intp)
    code[positions] = country_index
    n_domain = np.bincount(country_index, minlength=n_countries).astype(float)
    n_domain = np.append(n_domain, n_domain.sum())
    den_full = np.bincount(country_index, weights=w, minlength=n_countries)
    den_full = np.append(den_full, den_full.sum())
    den_r = design.cell_totals(code, n_countries)
    den_r = np.vstack([den_r, den_r.sum(axis=0)])
    num_full, num_r, domain = [], [], []
    for flat, k in cells:
        code[positions] = flat
        full = np.bincount(flat, weights=w, minlength=n_countries * k)
        totals = design.cell_totals(code, n_countries * k)
        num_full += [full, full.reshape(n_countries, k).sum(axis=0)]
        num_r += [totals, totals.reshape(n_countries, k, -1).sum(axis=0)]
        domain += [np.repeat(np.arange(n_countries), k), np.full(k, n_countries)]
    domain = np.concatenate(domain)
    totals = den_full[domain]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.concatenate(num_full) / totals
    out = np.full(p.size, np.nan)
    rows = np.flatnonzero(totals > 0)
    thetas = np.vstack(num_r)[rows] / den_r[domain[rows]]
    out[rows] = np.diag(design.vcov(None, None, p[rows], thetas=thetas.T))
    return out, n_domain[domain]


def _category_index(
    values: pd.Series,
    categories: Sequence[str],
    code_labels: Mapping[int, str] | None,
    name: str,
) -> np.ndarray:
    """Position of each value in ``categories`` (labels or integer codes); -1 if missing."""
    series = values
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.cat.categories.dtype)
    if code_labels is not None and pd.api.types.is_numeric_dtype(series.dtype):
        numeric = pd.to_numeric(series, errors="coerce").astype("Float64")
        numeric = numeric.mask(numeric == MISSING_CODE)
        mapping = {float(code): label for code, label in code_labels.items()}
        text = numeric.map(mapping, na_action="ignore").astype("string")
        unknown = numeric.notna() & text.isna()
        shown = numeric[unknown]
    else:
        text = series.astype("string")
        text = text.mask(text.isin(["", str(MISSING_CODE)]))
        unknown = text.notna() & ~text.isin(list(categories))
        shown = text[unknown]
    if unknown.any():
        raise InputError(
            "values outside the codebook",
            column=name,
            values=pd.unique(shown.to_numpy(dtype=object)),
            n_rows=int(unknown.sum()),
        )
    # the distinct values' positions, then every row's (as pd.Categorical(text, categories))
    codes, uniques = pd.factorize(text)
    if len(uniques) == 0:
        return np.full(len(text), -1, dtype=np.int64)
    position = pd.Index(list(categories), dtype=object).get_indexer(uniques.astype(object))
    return np.where(codes >= 0, position[codes], -1).astype(np.int64)
