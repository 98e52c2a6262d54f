"""Treatment-coded design matrices from the analysis file's labelled factors.

Coding (R's default ``contr.treatment``, as ``model.matrix`` builds it for
``svyolr``/``svyglm``):

* each factor in ``factors`` contributes one 0/1 column per non-reference
  level, named ``variable[level]`` (data contract §4), in the level order of
  :data:`socialwork_ict.codes.FACTOR_LEVELS`; the reference is the *first*
  level there (age_group ``<30``, country ``CA``, gender ``woman``, sector
  ``public``);
* a level with no respondents (no respondent with a positive weight when
  weights are given) has no column, exactly as R's ``droplevels`` before
  ``model.matrix`` (the oracle fixture has nobody with gender 3, so there is no
  ``gender[another gender]`` column). Dropping is recorded in
  :attr:`DesignSpec.dropped`;
* an optional two-factor interaction ``("age_group", "country")`` adds the
  products of the two factors' kept columns, named
  ``age_group[30-39]:country[US]``, with the *first* factor varying fastest
  (R's ``age_group * country`` order: ``age_group[30-39]:country[US]``,
  ``age_group[40-49]:country[US]``, ..., ``age_group[60+]:country[UK]``).
  Product columns without respondents (an empty cell) are dropped as well;
* an optional continuous age term ``age_per_10y`` = age / 10 (years; the
  coefficient is the log-odds change per 10 years of age, R's ``I(age/10)``,
  not centred).

There is no intercept column unless ``intercept=True`` (the ordinal model's
thresholds play the intercept's role). Missing or unknown factor values are an
:class:`~socialwork_ict.errors.InputError`: models use complete cases only,
and the caller decides (and records) which rows to drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialwork_ict.codes import FACTOR_LEVELS
from socialwork_ict.errors import InputError

DEFAULT_FACTORS = ("age_group", "country", "gender", "sector")
AGE_PER_10_TERM = "age_per_10y"
INTERCEPT_TERM = "(Intercept)"


@dataclass(frozen=True)
class DesignSpec:
    """What :func:`build_design` decided, to rebuild the same columns on other data.

    ``columns`` are the kept column names in order; ``dropped`` the columns that
    were not built because their level or cell had no respondents.
    """

    factors: tuple[str, ...]
    interaction: tuple[str, str] | None
    age_per_10: bool
    intercept: bool
    columns: tuple[str, ...]
    dropped: tuple[str, ...] = field(default=())


def term_name(variable: str, level: str) -> str:
    """Contract term name ``variable[level]``."""
    return f"{variable}[{level}]"


def build_design(
    frame: pd.DataFrame,
    factors: Sequence[str] = DEFAULT_FACTORS,
    *,
    interaction: Sequence[str] | None = None,
    age_per_10: bool = False,
    intercept: bool = False,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, DesignSpec]:
    """Design matrix (n x p float array) and its :class:`DesignSpec`.

    ``weights``: if given, a level or interaction cell counts as present only
    when some respondent in it has a positive weight (a domain fitted with zero
    weights outside the domain drops levels absent from the domain).
    """
    factors = tuple(factors)
    inter = _check_interaction(interaction, factors)
    codes = {name: _factor_codes(frame, name) for name in factors}
    present = np.ones(len(frame), dtype=bool) if weights is None else np.asarray(weights) > 0

    columns: list[str] = []
    dropped: list[str] = []
    for name in factors:
        levels = FACTOR_LEVELS[name]
        counts = np.bincount(codes[name][present], minlength=len(levels))
        for j in range(1, len(levels)):
            target = columns if counts[j] > 0 else dropped
            target.append(term_name(name, levels[j]))
    if inter is not None:
        first, second = inter
        kept = set(columns)
        cell = codes[first][present] + len(FACTOR_LEVELS[first]) * codes[second][present]
        cell_counts = np.bincount(
            cell, minlength=len(FACTOR_LEVELS[first]) * len(FACTOR_LEVELS[second])
        )
        for j2, lev2 in enumerate(FACTOR_LEVELS[second][1:], start=1):
            for j1, lev1 in enumerate(FACTOR_LEVELS[first][1:], start=1):
                name1, name2 = term_name(first, lev1), term_name(second, lev2)
                if name1 not in kept or name2 not in kept:
                    continue
                label = f"{name1}:{name2}"
                n_cell = cell_counts[j1 + len(FACTOR_LEVELS[first]) * j2]
                (columns if n_cell > 0 else dropped).append(label)
    if age_per_10:
        columns.append(AGE_PER_10_TERM)
    if intercept:
        columns.insert(0, INTERCEPT_TERM)
    spec = DesignSpec(
        factors=factors,
        interaction=inter,
        age_per_10=age_per_10,
        intercept=intercept,
        columns=tuple(columns),
        dropped=tuple(dropped),
    )
    return _fill(frame, spec, codes), spec


def apply_design(frame: pd.DataFrame, spec: DesignSpec) -> np.ndarray:
    """The columns of ``spec`` built on (possibly counterfactual) data ``frame``.

    A respondent in a level or cell whose column was dropped when ``spec`` was
    built would silently get the reference's prediction; that is an
    :class:`InputError` instead (the model has no estimate for that level).
    """
    codes = {name: _factor_codes(frame, name) for name in spec.factors}
    for name in spec.factors:
        levels = FACTOR_LEVELS[name]
        for j in np.unique(codes[name]):
            if j > 0 and term_name(name, levels[j]) in spec.dropped:
                raise InputError(
                    f"the model has no coefficient for level {levels[j]!r} "
                    "(nobody had it when the model was fitted)",
                    column=name,
                    n_rows=int(np.sum(codes[name] == j)),
                )
    if spec.interaction is not None:
        first, second = spec.interaction
        for label in spec.dropped:
            if ":" not in label:
                continue
            left, right = label.split(":")
            lev1 = left[len(first) + 1 : -1]
            lev2 = right[len(second) + 1 : -1]
            j1 = FACTOR_LEVELS[first].index(lev1)
            j2 = FACTOR_LEVELS[second].index(lev2)
            n_cell = int(np.sum((codes[first] == j1) & (codes[second] == j2)))
            if n_cell:
                raise InputError(
                    f"the model has no coefficient for the empty cell {label}",
                    column=f"{first}:{second}",
                    n_rows=n_cell,
                )
    return _fill(frame, spec, codes)


def design_matrix(
    frame: pd.DataFrame,
    factors: Sequence[str] = DEFAULT_FACTORS,
    *,
    interaction: Sequence[str] | None = None,
    age_per_10: bool = False,
    intercept: bool = False,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """:func:`build_design` as a DataFrame with the contract's column names."""
    x, spec = build_design(
        frame,
        factors,
        interaction=interaction,
        age_per_10=age_per_10,
        intercept=intercept,
        weights=weights,
    )
    return pd.DataFrame(x, columns=list(spec.columns), index=frame.index)


def _fill(frame: pd.DataFrame, spec: DesignSpec, codes: dict[str, np.ndarray]) -> np.ndarray:
    n = len(frame)
    x = np.zeros((n, len(spec.columns)), dtype=float)
    position = {name: k for k, name in enumerate(spec.columns)}
    main: dict[str, np.ndarray] = {}
    for name in spec.factors:
        for j, level in enumerate(FACTOR_LEVELS[name][1:], start=1):
            col = term_name(name, level)
            indicator = codes[name] == j
            main[col] = indicator
            if col in position:
                x[:, position[col]] = indicator
    for col, k in position.items():
        if col == INTERCEPT_TERM:
            x[:, k] = 1.0
        elif col == AGE_PER_10_TERM:
            x[:, k] = _age(frame) / 10.0
        elif ":" in col:
            left, right = col.split(":")
            x[:, k] = main[left] & main[right]
    return x


def _factor_codes(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Integer codes 0..L-1 of a labelled factor in FACTOR_LEVELS order."""
    if name not in FACTOR_LEVELS:
        raise InputError(
            "not a model factor",
            column=name,
            hint=f"factors are {', '.join(FACTOR_LEVELS)}",
        )
    if name not in frame.columns:
        raise InputError("column missing from the analysis data", column=name)
    levels = FACTOR_LEVELS[name]
    values = frame[name]
    index = pd.Index(levels, dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        per_category = index.get_indexer(values.cat.categories.astype(object))
        raw = values.cat.codes.to_numpy()
        codes = np.where(raw >= 0, per_category[raw], -1).astype(np.int64)
    else:
        codes = index.get_indexer(values.astype(object)).astype(np.int64)
    bad = codes < 0
    if bad.any():
        shown = pd.unique(values[bad].astype(object))
        raise InputError(
            "missing or unknown factor values (models use complete cases; drop them first)",
            column=name,
            values=list(shown),
            n_rows=int(bad.sum()),
            hint=f"levels are {', '.join(levels)}",
        )
    return codes


def _age(frame: pd.DataFrame) -> np.ndarray:
    if "age" not in frame.columns:
        raise InputError("column missing from the analysis data", column="age")
    age = pd.to_numeric(frame["age"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(age).any():
        raise InputError(
            "missing or non-numeric age (models use complete cases; drop them first)",
            column="age",
            n_rows=int(np.isnan(age).sum()),
        )
    return age


def _check_interaction(
    interaction: Sequence[str] | None, factors: tuple[str, ...]
) -> tuple[str, str] | None:
    if interaction is None:
        return None
    inter = tuple(interaction)
    if len(inter) != 2 or inter[0] == inter[1] or not set(inter) <= set(factors):
        raise InputError(
            f"interaction must name two different model factors among {', '.join(factors)}",
            values=list(inter),
        )
    return inter[0], inter[1]


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of every row of ``matrix`` and the first row of every distinct cell.

    A weighted likelihood or weighted mean sees a respondent only through its
    row (design-matrix row, response, domain): summing the weights per
    distinct row gives the same sums with as many terms as cells (exact, up
    to the order of floating-point additions).
    """
    a = np.ascontiguousarray(matrix, dtype=float)
    void = a.view(np.dtype((np.void, a.dtype.itemsize * a.shape[1]))).ravel()
    if a.shape[0] == 0:
        _, first, cells = np.unique(void, return_index=True, return_inverse=True)
        return cells.ravel().astype(np.intp), first
    bits = a.view(np.uint64)
    # rows grouped by an integer hash of their bytes (pandas.factorize, no sort of the
    # float rows), checked exactly; the cells are then numbered in the byte order of
    # their rows, as np.unique over the rows' bytes numbers them
    rng = np.random.default_rng(20261202)
    mix = rng.integers(1, 2**63 - 1, size=bits.shape[1], dtype=np.int64).view(np.uint64)
    with np.errstate(over="ignore"):
        x = bits ^ (bits >> np.uint64(31))  # the exponent bits into the low ones
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= mix | np.uint64(1)
        key = x.T.sum(axis=0, dtype=np.uint64) if x.shape[1] > 1 else x[:, 0]
    codes, uniq = pd.factorize(key)
    first = np.full(len(uniq), a.shape[0], dtype=np.intp)
    np.minimum.at(first, codes, np.arange(a.shape[0]))
    if not np.array_equal(bits[first][codes], bits):
        _, first, cells = np.unique(void, return_index=True, return_inverse=True)
        return cells.ravel().astype(np.intp), first
    order = np.argsort(void[first], kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[codes].astype(np.intp), first[order]


def first_of_codes(codes: np.ndarray) -> np.ndarray:
    """The first row of each code of ``codes`` numbered in order of first appearance
    (``pandas.factorize``'s codes 0..K-1): ascending, without a sort."""
    codes = np.asarray(codes)
    if codes.size == 0:
        return np.zeros(0, dtype=np.intp)
    running = np.maximum.accumulate(codes)
    new = np.empty(codes.size, dtype=bool)
    new[0] = True
    np.greater(running[1:], running[:-1], out=new[1:])
    return np.flatnonzero(new)


def factor_groups(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(groups, first)``: each row's combination of the values of ``columns``
    numbered 0..G-1 in order of first appearance (missing: a value of its own),
    and the first row of each. Rows of one group have the same values, so the
    same design row of factors among ``columns`` (:func:`build_design`)."""
    label = np.zeros(len(frame), dtype=np.int64)
    for column in dict.fromkeys(columns):
        codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
        label = label * (len(uniques) + 1) + (codes + 1)
    groups, _ = pd.factorize(label)
    return groups.astype(np.intp), first_of_codes(groups)


def grouped_distinct_rows(
    x: np.ndarray, groups: np.ndarray, *columns: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`distinct_rows` of ``column_stack([x[groups], *columns])`` (the same cells
    and first rows) from the (G, p) rows ``x`` of the groups (:func:`factor_groups`)
    and the rows' integer-valued ``columns`` (outcome, stratum code): one integer
    key per row, the distinct rows then found among one row per key."""
    key = np.asarray(groups, dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(np.asarray(column), sort=True)
        key = key * max(len(uniques), 1) + codes
    key, _ = pd.factorize(key)
    first_key = first_of_codes(key)
    small = np.column_stack([x[groups[first_key]], *(np.asarray(c)[first_key] for c in columns)])
    merged, first_small = distinct_rows(small)
    # first_key is ascending, so a merged cell's first row is its first key's
    return merged[key].astype(np.intp), first_key[first_small]


def grouped_design(
    frame: pd.DataFrame,
    factors: Sequence[str],
    strata: str,
    *,
    interaction: Sequence[str] | None = None,
    age_per_10: bool = False,
    intercept: bool = False,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, DesignSpec]:
    """``(groups, x, spec)``: :func:`build_design` on one row per group of the rows'
    factors, age (with ``age_per_10``) and stratum (:func:`factor_groups`): ``x``
    the (G, p) design rows of the groups, ``spec`` the same as on every row (a
    level counts as present when a group with a positive weight has it). A
    missing or unknown value is the error :func:`build_design` gives on every row."""
    groups, first = factor_groups(frame, _row_columns(frame, factors, age_per_10, strata))
    present = None
    if weights is not None:
        present = np.bincount(groups, weights=np.asarray(weights) > 0, minlength=first.size)

    def build(rows: pd.DataFrame, w) -> tuple[np.ndarray, DesignSpec]:
        return build_design(rows, factors, interaction=interaction, age_per_10=age_per_10,
                            intercept=intercept, weights=w)  # fmt: skip

    x, spec = _on_first_rows(frame, first, lambda rows: build(rows, present),
                             lambda: build(frame, weights))  # fmt: skip
    return groups, x, spec


def apply_grouped_design(frame: pd.DataFrame, spec: DesignSpec) -> tuple[np.ndarray, np.ndarray]:
    """``(groups, x)``: :func:`apply_design` on one row per group of the rows' factors
    (and age) (:func:`factor_groups`), ``x`` the (G, p) design rows of the groups;
    a value without a column is the error :func:`apply_design` gives on every row."""
    groups, first = factor_groups(frame, _row_columns(frame, spec.factors, spec.age_per_10))
    x = _on_first_rows(frame, first, lambda rows: apply_design(rows, spec),
                       lambda: apply_design(frame, spec))  # fmt: skip
    return groups, x


def _row_columns(frame: pd.DataFrame, factors, age_per_10: bool, *more) -> list[str]:
    """The columns of ``frame`` a design row (and stratum) depends on; an absent one is
    left to the design's own error."""
    wanted = [*factors, *(["age"] if age_per_10 else []), *more]
    return [column for column in wanted if column in frame.columns]


def _on_first_rows(frame: pd.DataFrame, first: np.ndarray, make, make_on_every_row):
    """``make(frame.iloc[first])``; on an :class:`InputError` the error of
    ``make_on_every_row()`` (its counts and first row are the respondents')."""
    try:
        return make(frame.iloc[first])
    except InputError:
        make_on_every_row()
        raise
