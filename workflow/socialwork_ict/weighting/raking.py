"""Weighting stage: raking (iterative proportional fitting) within each country.

Method
------
Within each country separately, start from weight 1 for every respondent and
calibrate to the population margins of the weighting variables by raking
(Deming & Stephan 1940; Deville & Särndal 1992, *JASA* 87:376, raking ratio
= calibration with the multiplicative distance; Deville, Särndal & Sautory
1993, *JASA* 88:1013): in one *sweep*, post-stratify on each variable in turn
(``variables`` order; weights of respondents in category c are multiplied by
``T_c / current weighted total of c``). Population totals are ``T_c =
share_c x n`` with the shares renormalised to sum to 1 and n the country's
respondent count, as the R oracle (``tests/fixtures/oracle_small/README.md``);
for respondents outside the targets see ``outside_rule`` below.

Stopping rule: exactly R ``survey::rake`` (Lumley, survey 4.1, ``rake()``):
before the first sweep and after each sweep, the weighted joint table of the
weighting variables is computed; raking stops after the first sweep whose
table differs from the previous one by less than ``epsilon x sum of the
starting weights`` in every cell (strictly less, R's ``delta < epsilon``).
``iterations`` is the number of sweeps done including that last one, i.e. the
smallest ``maxit`` with which R's ``rake()`` converges. No convergence within
``max_iter`` sweeps raises :class:`InputError` naming the country. Finally
weights are multiplied by ``n_country / sum(weights)`` so that each country
keeps its sample size in pooled estimates (contract §2; a no-op at
convergence, except after trimming with respondents outside the targets).

The raking solution is unique (it minimises the Kullback-Leibler distance to
the starting weights subject to the margins; Ireland & Kullback 1968), so any
correct IPF agrees with R to rounding (tested: 1e-14 on the oracle fixture,
same sweep counts).

Computation: respondents with the same categories (and the same trimming
status) always share one weight, so IPF runs on the table of distinct cells
(``np.bincount`` over integer cell codes) and the cell weights are expanded
to respondents once; no per-respondent Python loop.

Respondents outside the targets (``outside_rule``)
--------------------------------------------------
A respondent is *outside* for a variable if their value is missing or a
category the country's targets do not list (gender ``another gender`` when
only woman/man are listed). Nobody is ever dropped. ``n_outside_targets`` in
the diagnostics counts respondents outside for at least one variable.

``"rake_available"`` (default)
    A respondent is adjusted only by the margins they have (the ANES
    treatment of missing raking variables: DeBell & Krosnick 2009, *Computing
    weights for American National Election Study survey data*, ANES technical
    report nes012427; Pasek's R ``anesrake``). In the step for variable v,
    respondents outside for v keep their weight; the respondents in listed
    categories are post-stratified to totals ``T_c = share_c x W_v``, where
    ``W_v`` is their current combined weight, i.e. the target totals are the
    population shares scaled to the share of weight in listed categories.
    The step therefore redistributes weight among the listed categories of v
    without changing their combined weight, nor anyone else's; the sum of the
    weights stays n, and at convergence the weighted distribution of every
    variable *among respondents with a listed category* equals the targets.
    Outsiders' weights move only through the other variables' steps (a
    respondent with gender ``another gender`` and age 40-49 gets the 40-49
    age factors and no gender factor). The joint table of the stopping rule
    includes the outside categories as cells of their own. With nobody
    outside, this is ordinary raking (``W_v = n``). The fixed point reached
    depends on the start (weights 1) and the variable order, both fixed, so
    the result is deterministic; its outsiders' share of the weight is not a
    calibration target. Post-stratification treats the listed joint cells
    the same way (respondents outside for any variable keep weight 1).
``"impute"``
    Each outside value is replaced, for weighting only (the frame is not
    changed), by the country's modal listed category of that variable
    (unweighted respondent counts; ties go to the first category in the
    codebook order). Deterministic, but it biases the imputed category's
    profile; prefer ``rake_available`` unless few respondents are affected.
``"not_raked"``
    Respondents outside for any variable are left out of the raking: the
    others (m of the country's n) are raked alone to totals ``share x m``
    (trimmed when trimming is on), and the n - m outsiders keep weight 1,
    the country's mean weight, so the weights still sum to n. This is a
    calibration to fixed totals that R expresses exactly
    (``calibrate(..., calfun = "raking")`` with an indicator of the
    not-raked respondents among the calibration variables;
    ``tests/fixtures/oracle_calibration/README.md``). Nobody is dropped.
``"error"``
    Raise :class:`InputError` (R's oracle behaviour).

A listed category with a positive share and no respondents raises
InputError (country, variable, category), as does a zero share for a
category that has respondents (they would get weight 0, i.e. be dropped).

Trimming (``trim_cap``)
-----------------------
``None`` (no trimming) or a number >= 5, the cap relative to the country's
mean weight (contract §2: no cap below 5). Trim-and-rerake (Potter 1990,
*Proc. ASA SRMS*; Izrael, Battaglia & Frankel 2009, *SAS Global Forum*
paper 247): after raking, every weight above ``cap x mean`` is set to the
cap and held fixed; the other respondents are raked again to the margins
minus the fixed respondents' contribution; repeat until no weight exceeds
the cap (``max_trim_rounds`` rounds, else InputError). Margins stay exact;
capped respondents sit at the cap (to 1e-9 relative; when every weighting
variable has respondents outside its targets, under ``rake_available`` the
weight sum is not pinned at n while trimming, and extra rounds adjust the
capped value until it rescales to the cap). ``n_trimmed`` counts the capped
respondents, ``trim_rounds`` the raking rounds, ``iterations`` the sweeps
summed over rounds.

Methods
-------
``"rake"`` (above); ``"poststratify"`` (one post-stratification on the joint
cells of the weighting variables, Holt & Smith 1979, *JRSS A* 142:33; needs
the ``joint`` table of :mod:`~socialwork_ict.weighting.targets`;
``iterations`` = 1); ``"none"`` (every weight 1, ``iterations`` = 0; targets
optional, used only for the margins report).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from socialwork_ict.codes import COUNTRIES, FACTOR_LEVELS
from socialwork_ict.errors import InputError
from socialwork_ict.weighting.diagnostics import (
    DIAGNOSTIC_COLUMNS,
    MARGIN_COLUMNS,
    margin_rows,
    weight_summary,
)
from socialwork_ict.weighting.targets import (
    JOINT_KEY,
    SHARE_KEY,
    load_targets,
    margin_shares,
    validate_targets,
)

METHODS = ("rake", "poststratify", "none")
OUTSIDE_RULES = ("rake_available", "impute", "not_raked", "error")
MIN_TRIM_CAP = 5.0
_CAP_TOLERANCE = 1e-9  # relative slack when checking weights against the cap


@dataclass(frozen=True)
class WeightingResult:
    """Output of :func:`rake_weights`.

    ``weights``: float Series named ``weight``, aligned to the frame's index;
    ``diagnostics``: one row per country (columns ``DIAGNOSTIC_COLUMNS``);
    ``margins``: one row per country x variable x category (``MARGIN_COLUMNS``).
    """

    weights: pd.Series
    diagnostics: pd.DataFrame
    margins: pd.DataFrame


def rake_configured(
    frame: pd.DataFrame, targets_path: str | Path, weighting: Mapping
) -> tuple[WeightingResult, WeightingResult]:
    """The weights of the config's ``weighting`` settings and their sensitivity
    variant: :func:`rake_weights` with ``trim_cap`` and with
    ``sensitivity_trim_cap``, both to the targets of ``targets_path``."""
    targets_path = Path(targets_path)
    options = dict(
        variables=tuple(weighting["variables"]),
        method=weighting["method"],
        epsilon=float(weighting["epsilon"]),
        max_iter=int(weighting["max_iter"]),
        outside_rule=weighting["outside_rule"],
        targets_source=targets_path.name,
    )
    targets = load_targets(targets_path)
    result = rake_weights(frame, targets, trim_cap=weighting["trim_cap"], **options)
    trimmed = rake_weights(frame, targets, trim_cap=weighting["sensitivity_trim_cap"], **options)
    return result, trimmed


def rake_weights(
    frame: pd.DataFrame,
    targets: Mapping | None,
    *,
    variables: Sequence[str] = ("age_group", "gender"),
    method: str = "rake",
    epsilon: float = 1e-12,
    max_iter: int = 200,
    outside_rule: str = "rake_available",
    trim_cap: float | None = None,
    max_trim_rounds: int = 50,
    targets_source: str = "targets",
) -> WeightingResult:
    """Raked (or post-stratified) weights within each country.

    ``frame`` has a ``country`` column and the ``variables`` columns
    (labelled categoricals or strings with the codebook labels; missing =
    NaN). ``targets`` is the targets mapping (raw or validated; validated
    here with ``targets_source`` as the file name in messages). See the
    module docstring for the method, the stopping rule (R ``survey::rake``),
    ``outside_rule`` and ``trim_cap``. Returns a :class:`WeightingResult`.
    """
    variables = tuple(variables)
    _check_options(method, outside_rule, trim_cap, epsilon, max_iter, max_trim_rounds, variables)
    for column in ("country", *variables):
        if column not in frame.columns:
            raise InputError("column missing from the analysis frame", column=column)

    country_codes, countries = _country_codes(frame["country"])
    global_codes = {var: _level_codes(frame[var], var) for var in variables}

    validated = None
    if targets is not None or method != "none":
        if targets is None:
            raise InputError(f"method {method!r} needs population targets")
        validated = validate_targets(
            targets,
            source=targets_source,
            variables=variables,
            countries_in_data=countries,
            require_joint=method == "poststratify",
        )

    weights = np.empty(len(frame), dtype=float)
    diag_rows, margin_table_rows = [], []
    for k, country in enumerate(countries):
        rows = np.flatnonzero(country_codes == k)
        block = validated[country] if validated is not None else None
        spec = _CountrySpec.build(country, block, variables, method, targets_source)
        local = [spec.local_codes(i, global_codes[v][rows]) for i, v in enumerate(variables)]
        outside_any = np.logical_or.reduce([c == spec.n_listed[i] for i, c in enumerate(local)])
        n_outside = int(np.count_nonzero(outside_any))
        if method != "none":
            local = _apply_outside_rule(spec, local, outside_rule, targets_source)
        if method == "none":
            w = np.ones(rows.size)
            info = {"converged": True, "iterations": 0, "n_trimmed": 0, "trim_rounds": 0}
        elif outside_rule == "not_raked":
            w = np.ones(rows.size)
            inside = ~outside_any
            w[inside], info = _weight_country(
                spec,
                [codes[inside] for codes in local],
                method,
                epsilon,
                max_iter,
                trim_cap,
                max_trim_rounds,
                targets_source,
            )
        else:
            w, info = _weight_country(
                spec, local, method, epsilon, max_iter, trim_cap, max_trim_rounds, targets_source
            )
        weights[rows] = w
        diag_rows.append(
            {
                "country": country,
                **weight_summary(w),
                **info,
                "n_outside_targets": n_outside,
                "method": method,
                "outside_rule": outside_rule,
            }
        )
        for i, var in enumerate(variables):
            out_mask = local[i] == spec.n_listed[i]
            gcodes = global_codes[var][rows][out_mask]
            labels = np.asarray(FACTOR_LEVELS[var] + (None,), dtype=object)[gcodes]
            margin_table_rows += margin_rows(
                country, var, spec.listed[i], local[i], w, spec.shares[i], labels
            )

    diagnostics = pd.DataFrame(diag_rows, columns=list(DIAGNOSTIC_COLUMNS))
    margins = pd.DataFrame(margin_table_rows, columns=list(MARGIN_COLUMNS))
    return WeightingResult(
        weights=pd.Series(weights, index=frame.index, name="weight"),
        diagnostics=diagnostics,
        margins=margins,
    )


# ---------------------------------------------------------------------------
# input handling


def _check_options(method, outside_rule, trim_cap, epsilon, max_iter, max_rounds, variables):
    if method not in METHODS:
        raise InputError(f"weighting method {method!r} unknown (one of {', '.join(METHODS)})")
    if outside_rule not in OUTSIDE_RULES:
        raise InputError(
            f"outside_rule {outside_rule!r} unknown (one of {', '.join(OUTSIDE_RULES)})"
        )
    if trim_cap is not None:
        if isinstance(trim_cap, bool) or not isinstance(trim_cap, (int, float)):
            raise InputError(f"trim_cap {trim_cap!r} must be a number >= {MIN_TRIM_CAP:g}")
        if not trim_cap >= MIN_TRIM_CAP:
            raise InputError(
                f"trim_cap {trim_cap!r} is below {MIN_TRIM_CAP:g} times the mean weight "
                "(contract §2)"
            )
    if not (epsilon > 0 and np.isfinite(epsilon)):
        raise InputError(f"raking epsilon {epsilon!r} must be a positive number")
    if int(max_iter) < 1 or int(max_rounds) < 1:
        raise InputError("max_iter and max_trim_rounds must be at least 1")
    if not variables or len(set(variables)) != len(variables):
        raise InputError(f"weighting variables {variables!r} must be distinct and non-empty")


def _country_codes(country: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer code per row and the countries present (contract order first)."""
    if country.isna().any():
        n_missing = int(country.isna().sum())
        raise InputError(
            "missing country in the analysis frame", column="country", n_rows=n_missing
        )
    cat = country.astype(str) if not isinstance(country.dtype, pd.CategoricalDtype) else country
    cat = pd.Categorical(cat)
    present = np.bincount(cat.codes, minlength=len(cat.categories)) > 0
    names = [str(c) for c, p in zip(cat.categories, present, strict=True) if p]
    rank = {c: i for i, c in enumerate(COUNTRIES)}
    order = sorted(names, key=lambda c: (rank.get(c, len(COUNTRIES)), c))
    remap = np.full(len(cat.categories), -1, dtype=np.int64)
    for new, name in enumerate(order):
        remap[[str(c) for c in cat.categories].index(name)] = new
    return remap[cat.codes], order


def _level_codes(values: pd.Series, var: str) -> np.ndarray:
    """Index of each value in the codebook levels; len(levels) for missing."""
    levels = list(FACTOR_LEVELS[var])
    known = values.isin(levels).to_numpy()
    unknown = ~known & values.notna().to_numpy()
    if unknown.any():
        bad = pd.unique(values[unknown].astype(str))
        raise InputError(
            f"values outside the codebook labels ({', '.join(levels)})",
            column=var,
            values=bad,
            n_rows=int(unknown.sum()),
        )
    codes = pd.Categorical(values.where(known), categories=levels).codes.astype(np.int64)
    codes[codes < 0] = len(levels)
    return codes


@dataclass
class _CountrySpec:
    """One country's listed categories and target shares per variable."""

    country: str
    variables: tuple[str, ...]
    listed: list[tuple[str, ...]]
    shares: list[dict[str, float] | None]
    luts: list[np.ndarray]
    joint: list[dict] | None

    @property
    def n_listed(self) -> list[int]:
        return [len(labels) for labels in self.listed]

    @classmethod
    def build(cls, country, block, variables, method, source) -> _CountrySpec:
        listed, shares, luts = [], [], []
        for var in variables:
            levels = FACTOR_LEVELS[var]
            if block is None:
                share = None
                labels = tuple(levels)
            else:
                share = margin_shares(block, var)
                labels = tuple(label for label in levels if label in share)
            lut = np.full(len(levels) + 1, len(labels), dtype=np.int64)
            for j, label in enumerate(labels):
                lut[levels.index(label)] = j
            listed.append(labels)
            shares.append(share)
            luts.append(lut)
        joint = block.get(JOINT_KEY) if block is not None and method == "poststratify" else None
        return cls(country, variables, listed, shares, luts, joint)

    def local_codes(self, i: int, global_codes: np.ndarray) -> np.ndarray:
        """Index among the listed categories; n_listed[i] for outside."""
        return self.luts[i][global_codes]


def _apply_outside_rule(spec, local, rule, source):
    if rule in ("rake_available", "not_raked"):
        return local
    out = []
    for i, codes in enumerate(local):
        n_listed = spec.n_listed[i]
        outside = codes == n_listed
        if not outside.any():
            out.append(codes)
            continue
        var = spec.variables[i]
        if rule == "error":
            raise InputError(
                f"country {spec.country!r}, variable {var!r}: respondents outside the "
                f"targets' categories ({', '.join(spec.listed[i])}) and outside_rule is 'error'",
                file=source,
                n_rows=int(outside.sum()),
            )
        counts = np.bincount(codes[~outside], minlength=n_listed)
        if counts.sum() == 0:
            raise InputError(
                f"country {spec.country!r}, variable {var!r}: no respondent in a listed "
                "category to impute from",
                file=source,
            )
        codes = codes.copy()
        codes[outside] = int(np.argmax(counts))  # first modal category
        out.append(codes)
    return out


# ---------------------------------------------------------------------------
# the computation on distinct cells


class _Infeasible(Exception):
    """The trimmed weights cannot meet a margin (raised inside a round)."""


@dataclass
class _Cells:
    """Distinct (cell, fixed) groups of one country's respondents."""

    count: np.ndarray  # respondents per group
    cats: list[np.ndarray]  # per variable: local category code of each group
    joint: np.ndarray  # joint-cell code of each group (for the R stopping table)
    n_joint: int
    fixed: np.ndarray  # bool: group held at the trimming cap
    member: np.ndarray  # per respondent: its group

    @classmethod
    def build(cls, local: list[np.ndarray], n_listed: list[int], fixed_rows: np.ndarray):
        dims = [m + 1 for m in n_listed]
        joint = np.zeros(local[0].size, dtype=np.int64)
        for codes, d in zip(local, dims, strict=True):
            joint = joint * d + codes
        n_joint = int(np.prod(dims))
        key = joint * 2 + fixed_rows.astype(np.int64)
        count = np.bincount(key, minlength=2 * n_joint)
        groups = np.flatnonzero(count)
        lookup = np.full(2 * n_joint, -1, dtype=np.int64)
        lookup[groups] = np.arange(groups.size)
        gjoint = groups // 2
        cats = list(np.unravel_index(gjoint, dims))
        return cls(
            count=count[groups].astype(float),
            cats=[c.astype(np.int64) for c in cats],
            joint=gjoint,
            n_joint=n_joint,
            fixed=(groups % 2).astype(bool),
            member=lookup[key],
        )

    def table(self, unit: np.ndarray) -> np.ndarray:
        return np.bincount(self.joint, weights=self.count * unit, minlength=self.n_joint)


def _weight_country(spec, local, method, epsilon, max_iter, trim_cap, max_rounds, source):
    n = local[0].size
    country = spec.country
    totals = _margin_totals(spec, local, source) if method == "rake" else None
    cell_totals = _joint_totals(spec, local, source) if method == "poststratify" else None

    fixed_rows = np.zeros(n, dtype=bool)
    fixed_value = float(trim_cap) if trim_cap is not None else np.nan
    iterations = 0
    rounds = 0
    for _ in range(max_rounds):
        rounds += 1
        cells = _Cells.build(local, spec.n_listed, fixed_rows)
        unit = np.where(cells.fixed, fixed_value, 1.0)
        try:
            if method == "rake":
                unit, sweeps = _ipf(cells, unit, totals, epsilon, max_iter)
                if sweeps is None:
                    raise InputError(
                        f"country {country!r}: raking did not converge within {max_iter} "
                        f"sweeps (epsilon {epsilon:g}); check the targets against the sample",
                        file=source,
                    )
            else:
                unit, sweeps = _poststratify(cells, unit, cell_totals, spec.n_listed), 1
        except _Infeasible as exc:
            raise InputError(
                f"country {country!r}: trimming at {trim_cap:g} x mean weight cannot meet "
                f"the targets ({exc}); raise trim_cap",
                file=source,
            ) from None
        iterations += sweeps
        raw = unit[cells.member]
        weights = raw * n / raw.sum()
        if trim_cap is None:
            break
        over = (~fixed_rows) & (weights > trim_cap * (1 + _CAP_TOLERANCE))
        # capped respondents must sit at the cap after the final rescaling; the
        # rescaling factor is 1 unless every variable has respondents outside
        # its targets (rake_available), so this usually holds at once
        at_cap = abs(fixed_value * n / raw.sum() - trim_cap) <= _CAP_TOLERANCE * trim_cap
        if not over.any() and (at_cap or not fixed_rows.any()):
            break
        fixed_rows |= over
        fixed_value = trim_cap * raw.sum() / n  # raw value whose rescaled weight is the cap
    else:
        raise InputError(
            f"country {country!r}: trimming at {trim_cap:g} x mean weight did not settle "
            f"within {max_rounds} rounds",
            file=source,
        )
    info = {
        "converged": True,
        "iterations": iterations,
        "n_trimmed": int(fixed_rows.sum()),
        "trim_rounds": rounds,
    }
    return weights, info


class _Target(NamedTuple):
    """Shares of the listed categories and the total they apply to.

    ``total`` is a fixed number (share x respondents in listed categories)
    when nobody is outside the targets, else None: the current weight of the
    respondents in listed categories (the outside rule ``rake_available``).
    Without outsiders both are the same number; the fixed total keeps the
    arithmetic identical to R's ``share x n`` population margins.
    """

    share: np.ndarray
    total: float | None


def _margin_totals(spec, local, source) -> list[_Target]:
    """Per weighting variable, the shares of its listed categories."""
    totals = []
    for i, codes in enumerate(local):
        n_listed = spec.n_listed[i]
        counts = np.bincount(codes, minlength=n_listed + 1)
        share = np.array([spec.shares[i][label] for label in spec.listed[i]])
        _check_cells(spec, source, spec.variables[i], spec.listed[i], counts[:n_listed], share)
        fixed_total = float(counts[:n_listed].sum()) if counts[n_listed] == 0 else None
        totals.append(_Target(share, fixed_total))
    return totals


def _joint_totals(spec, local, source) -> _Target:
    """Shares of every joint cell (cells with an outside category: share 0, never scaled)."""
    dims = [m + 1 for m in spec.n_listed]
    n_joint = int(np.prod(dims))
    joint = np.zeros(local[0].size, dtype=np.int64)
    for codes, d in zip(local, dims, strict=True):
        joint = joint * d + codes
    counts = np.bincount(joint, minlength=n_joint)
    share = np.full(n_joint, np.nan)
    labels = np.empty(n_joint, dtype=object)
    for cell in spec.joint:
        idx = 0
        for i, var in enumerate(spec.variables):
            idx = idx * dims[i] + spec.listed[i].index(cell[var])
        share[idx] = cell[SHARE_KEY]
        labels[idx] = "|".join(cell[var] for var in spec.variables)
    listed = ~np.isnan(share)
    _check_cells(
        spec, source, "x".join(spec.variables), labels[listed], counts[listed], share[listed]
    )
    outside = counts[~listed].sum()
    return _Target(np.nan_to_num(share), float(counts[listed].sum()) if outside == 0 else None)


def _check_cells(spec, source, var, labels, counts, share) -> None:
    for label, count, s in zip(labels, counts, share, strict=True):
        where = f"country {spec.country!r}, variable {var!r}, category {label!r}"
        if count == 0 and s > 0:
            raise InputError(
                f"{where}: target share {s:.6g} but no respondent in the category", file=source
            )
        if count > 0 and s == 0:
            raise InputError(
                f"{where}: target share 0 but {count} respondents (they would get weight 0)",
                file=source,
            )


def _ipf(cells: _Cells, unit, totals, epsilon, max_iter):
    """Raking sweeps with R survey::rake's stopping rule.

    Returns the converged per-group unit weights and the number of sweeps,
    or (unit, None) without convergence.
    """
    unit = unit.copy()
    threshold = epsilon * float(np.dot(cells.count, unit))  # epsilon x sum of start weights
    old = cells.table(unit)
    for sweep in range(1, max_iter + 1):
        for cats, target in zip(cells.cats, totals, strict=True):
            _scale_step(cells, unit, cats, target)
        new = cells.table(unit)
        if np.max(np.abs(old - new)) < threshold:
            return unit, sweep
        old = new
    return unit, None


def _scale_step(cells: _Cells, unit, cats, target: _Target) -> None:
    """Post-stratify the free groups of listed categories to their targets (in place).

    Groups with ``cats >= len(target.share)`` (outside the targets) are left
    unchanged; the listed categories' totals are ``share x target.total``, or
    ``share x`` their current combined weight when ``target.total`` is None.
    Groups held at the trimming cap count towards the totals but are not scaled.
    """
    n_cat = target.share.size
    mass = cells.count * unit
    listed = cats < n_cat
    free = (~cells.fixed) & listed
    free_total = np.bincount(cats[free], weights=mass[free], minlength=n_cat)
    base = target.total if target.total is not None else float(mass[listed].sum())
    need = target.share * base
    if cells.fixed.any():
        fixed = cells.fixed & listed
        need = need - np.bincount(cats[fixed], weights=mass[fixed], minlength=n_cat)
        if np.any(need < 0) or np.any((free_total == 0) & (need > 0)):
            raise _Infeasible("capped weights alone exceed a target total")
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(free_total > 0, need / free_total, 1.0)
    unit[free] *= factor[cats[free]]


def _poststratify(cells: _Cells, unit, cell_totals, n_listed):
    """One post-stratification on the joint cells; outside cells unchanged."""
    unit = unit.copy()
    listed = np.ones(cells.joint.size, dtype=bool)
    for cats, m in zip(cells.cats, n_listed, strict=True):
        listed &= cats < m
    cats = np.where(listed, cells.joint, cells.n_joint)  # outside cells: left alone
    _scale_step(cells, unit, cats, cell_totals)
    return unit
