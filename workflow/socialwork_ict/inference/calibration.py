"""Calibration-aware linearisation of raked weights, and re-raking from given start weights.

Stage: inference (every standard error under ``variance.calibration: calibrated``,
and the re-raked replicate weights of :mod:`socialwork_ict.inference.replicates`).

Raked weights are calibration weights: within each country the raking solves
``sum_i w_i x_i = T`` for 0/1 calibration variables x (category indicators of
the raking variables) and known totals T, with the multiplicative (raking)
distance from the start weights w0 = 1 (Deville & Särndal 1992, *JASA*
87:376; Deville, Särndal & Sautory 1993, *JASA* 88:1013). An estimator's
linearisation must then use the residuals of its influence values from the
calibration variables, not the influence values themselves (Deville &
Särndal 1992, §3; Lumley 2010, *Complex Surveys*, §7.4). As R
``calibrate(design, ~ 0 + X, population = T, calfun = "raking")`` followed by
``svyrecvar``, the influence matrix z (n x p) is replaced by::

    e = g * (I - P) (z / g),   P = X (X'X)^-1 X'   (unweighted: w0 = 1)

g the calibration factors (= the weights here, since w0 = 1). P needs only
the distinct calibration *cells* (country x category of every raking
variable), so ``e`` costs O(n p): cell sums of z / g, a small least-squares
solve, one lookup. Residuals are nonzero for every respondent of a cell,
including those outside an estimate's domain or with missing values (R keeps
all rows of a calibrated design).

The calibration variables X per country, by ``weighting.outside_rule``:

- ``not_raked``: among the raked respondents, the indicators of every
  category of the first raking variable and of all but the first listed
  category of each further variable; plus the indicator of the not-raked
  respondents (total n - m). This is exactly the oracle's 28 columns (for
  four countries) up to a change of basis, which P does not see;
- ``impute``, and ``rake_available`` in a country where nobody is outside the
  targets: the same indicators over all respondents (ordinary raking; under
  ``impute`` on the imputed categories);
- ``rake_available`` in a country with respondents outside the targets: the
  moment conditions the weights satisfy, ``1`` (total n) and, per variable,
  ``(1[v = c] - share_c) 1[v listed]`` for all but the first listed c (total
  0). These weights are not a calibration to fixed totals (the fixed point
  depends on the start), so this is the linearisation of those conditions, a
  GREG-type approximation that R cannot express; it reduces to the exact rule
  when nobody is outside.

Trimming is not part of X (the linearisation treats capped weights as raked).

Re-raking (:meth:`RakingCalibration.rerake`) repeats the raking of
:mod:`socialwork_ict.weighting.raking` from any start weights (a replicate's
factors): the same IPF steps on the cell table with the same rule, to
full-sample totals (share x m per raked country, n - m for the not-raked;
under ``rake_available`` share x current listed weight, then the country
total n), for many start vectors at once. IPF converges to the unique raking
solution, which is what R's ``calibrate(calfun = "raking")`` solves by Newton
steps; each start vector is swept until no cell factor changes by more than
1e-14 relative (at most 20,000 sweeps: a replicate that leaves a raking
category with very few respondents converges slowly, as IPF does near the
edge of feasibility).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.codes import FACTOR_LEVELS
from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import group_sums

RERAKE_TOL = 1e-14
RERAKE_MAX_SWEEPS = 20_000


@dataclass(frozen=True)
class RakingCalibration:
    """The raking of a design as a calibration on distinct cells.

    ``cells``: (n,) cell code of each respondent; ``x``: (C, q) calibration
    variables of each cell; ``cell_country``: (C,) country index;
    ``cell_levels``: per raking variable, (C,) global level index
    (``len(levels)`` = missing); ``listed``: per variable, (H, L + 1) bool,
    level listed in that country's targets; ``shares``: per variable,
    (H, L + 1) target share (0 where unlisted); ``not_raked``: (C,) bool;
    ``country_n``, ``country_m``: (H,) respondents and raked respondents;
    ``rule``: the outside rule; ``countries``: the H country labels;
    ``variables``: the raking variables; ``approximate``: (H,) bool, the
    country's X is the ``rake_available`` moment-condition approximation.
    """

    cells: np.ndarray
    x: np.ndarray
    cell_country: np.ndarray
    cell_levels: tuple[np.ndarray, ...]
    listed: tuple[np.ndarray, ...]
    shares: tuple[np.ndarray, ...]
    not_raked: np.ndarray
    country_n: np.ndarray
    country_m: np.ndarray
    rule: str
    countries: tuple[str, ...]
    variables: tuple[str, ...]
    approximate: np.ndarray

    @property
    def n_cells(self) -> int:
        return int(self.x.shape[0])

    def cell_counts(self) -> np.ndarray:
        return np.bincount(self.cells, minlength=self.n_cells).astype(float)

    def residuals(self, influence: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Calibration residuals ``g (I - P)(z / g)`` of an (n,) or (n, p) influence matrix.

        ``weights``: (n,) the calibrated weights (g up to a constant factor,
        which cancels). Returns an array of the influence's shape.
        """
        z = np.asarray(influence, dtype=float)
        vector = z.ndim == 1
        z2 = z[:, None] if vector else z
        g = np.asarray(weights, dtype=float)
        if np.any(g <= 0):
            raise ValueError("calibration residuals need positive weights")
        u = z2 / g[:, None]
        fitted = self.cell_fit(group_sums(self.cells, u, self.n_cells))
        e = (u - fitted[self.cells]) * g[:, None]
        return e[:, 0] if vector else e

    def cell_fit(self, cell_sums: np.ndarray) -> np.ndarray:
        """(C, p) fitted values of the least-squares projection of ``u`` on the
        calibration variables, from the cells' sums of ``u`` (C, p): constant
        within a cell, so the cell sums are all it needs."""
        gram = self.x.T @ (self.x * self.cell_counts()[:, None])
        coef, *_ = np.linalg.lstsq(gram, self.x.T @ cell_sums, rcond=None)
        return self.x @ coef

    def rerake(self, masses: np.ndarray) -> np.ndarray:
        """Cell factors that re-rake start weights to the full-sample totals.

        ``masses``: (C,) or (C, R) sums of the start weights per cell (one
        column per start vector, e.g. per replicate). Returns factors of the
        same shape: respondent i's re-raked weight is its start weight times
        the factor of its cell. See the module docstring for the rule.
        """
        m0 = np.asarray(masses, dtype=float)
        vector = m0.ndim == 1
        mass = (m0[:, None] if vector else m0).copy()
        start = mass.copy()
        n_countries = self.country_n.size
        raked = ~self.not_raked
        for var, (levels, listed, shares) in enumerate(
            zip(self.cell_levels, self.listed, self.shares, strict=True)
        ):
            n_groups = n_countries * listed.shape[1]
            key = self.cell_country * listed.shape[1] + levels
            present = np.bincount(key[raked], weights=None, minlength=n_groups) > 0
            need = shares.ravel() > 0
            if np.any(need & ~present):
                bad = np.flatnonzero(need & ~present)[0]
                raise InputError(
                    f"country {self.countries[bad // listed.shape[1]]!r}: no respondent in a "
                    "raking category with a positive target share",
                    column=self.variables[var],
                )
        steps = []  # per raking variable: its cells' group and the group-sum matrix
        for levels, listed in zip(self.cell_levels, self.listed, strict=True):
            width = listed.shape[1]
            key = self.cell_country * width + levels
            in_step = raked & listed.ravel()[key]
            group = np.where(in_step, key, n_countries * width)  # last = not scaled
            steps.append((group, _group_sum_matrix(group, n_countries * width + 1)))
        active = np.arange(mass.shape[1])  # columns not yet converged
        for _sweep in range(RERAKE_MAX_SWEEPS):
            sub = mass[:, active]
            before = sub.copy()
            for (group, onehot), listed, shares in zip(
                steps, self.listed, self.shares, strict=True
            ):
                width = listed.shape[1]
                totals = onehot @ sub  # (groups + 1, R)
                totals = totals[:-1].reshape(n_countries, width, -1)
                fixed = np.broadcast_to(self._raked_total()[:, None], totals[:, 0].shape)
                # rake_available with outsiders: the current listed weight per country
                base = np.where(self.approximate[:, None], totals.sum(axis=1), fixed)
                need = shares[:, :, None] * base[:, None, :]
                if np.any((totals <= 0) & (need > 0)):
                    raise InputError(
                        "re-raking impossible: a start vector (replicate) leaves a raking "
                        "category with a positive target share empty"
                    )
                with np.errstate(divide="ignore", invalid="ignore"):
                    factor = np.where(totals > 0, need / totals, 1.0)
                factor = np.vstack(
                    [factor.reshape(n_countries * width, -1), np.ones((1, sub.shape[1]))]
                )
                sub *= factor[group]
            mass[:, active] = sub
            change = np.max(np.abs(sub - before) / np.maximum(before, 1e-300), axis=0)
            active = active[change > RERAKE_TOL]
            if active.size == 0:
                break
        else:
            raise InputError(
                f"re-raking did not converge within {RERAKE_MAX_SWEEPS} sweeps "
                "(a replicate leaves a raking category almost empty)"
            )
        mass = self._final_scaling(mass)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(start > 0, mass / start, 1.0)
        return factor[:, 0] if vector else factor

    def can_rerake(self, masses: np.ndarray) -> bool:
        """Whether start weights with these (C,) or (C, R) cell masses can be re-raked:
        every raking category with a positive target share, and every country's
        not-raked respondents, keep some weight."""
        mass = np.asarray(masses, dtype=float)
        mass = mass[:, None] if mass.ndim == 1 else mass
        n_countries = self.country_n.size
        raked = ~self.not_raked
        for levels, listed, shares in zip(self.cell_levels, self.listed, self.shares, strict=True):
            width = listed.shape[1]
            key = self.cell_country * width + levels
            in_step = raked & listed.ravel()[key]
            group = np.where(in_step, key, n_countries * width)
            totals = _group_sum_matrix(group, n_countries * width + 1) @ mass
            need = shares.ravel() > 0
            if np.any(totals[:-1][need] <= 0):
                return False
        if self.rule == "not_raked":
            sums = (
                _group_sum_matrix(
                    np.where(self.not_raked, self.cell_country, n_countries), n_countries + 1
                )
                @ mass
            )
            has = (self.country_n - self.country_m) > 0
            if np.any(sums[:-1][has] <= 0):
                return False
        return True

    def _raked_total(self) -> np.ndarray:
        """Fixed base of the target totals: m per country (n when nobody is left out)."""
        return self.country_m.astype(float)

    def _final_scaling(self, mass: np.ndarray) -> np.ndarray:
        """Not-raked cells to n - m per country (not_raked); else country total to n."""
        h = self.country_n.size
        if self.rule == "not_raked":
            nr = self.not_raked
            sums = np.zeros((h, mass.shape[1]))
            np.add.at(sums, self.cell_country[nr], mass[nr])
            target = (self.country_n - self.country_m).astype(float)[:, None]
            if np.any((sums <= 0) & (target > 0)):
                raise InputError(
                    "re-raking impossible: a start vector (replicate) has no not-raked "
                    "respondent in a country that has some"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(sums > 0, target / sums, 1.0)
            out = mass.copy()
            out[nr] *= scale[self.cell_country[nr]]
            return out
        sums = np.zeros((h, mass.shape[1]))
        np.add.at(sums, self.cell_country, mass)
        scale = self.country_n.astype(float)[:, None] / sums
        return mass * scale[self.cell_country]


def _group_sum_matrix(group: np.ndarray, n_groups: int) -> np.ndarray:
    """(n_groups, C) 0/1 matrix summing cells into groups."""
    out = np.zeros((n_groups, group.size))
    out[group, np.arange(group.size)] = 1.0
    return out


def raking_calibration(
    frame: pd.DataFrame,
    targets: Mapping,
    *,
    variables: Sequence[str] = ("age_group", "gender"),
    outside_rule: str = "rake_available",
    targets_source: str = "targets",
) -> RakingCalibration:
    """The calibration that :func:`~socialwork_ict.weighting.rake_weights` performs on ``frame``.

    Same arguments as ``rake_weights`` (method ``rake``; trimming is not part
    of the calibration). Cells are country x level of every raking variable
    (missing a level of its own); under ``impute`` the imputed levels.
    """
    from socialwork_ict.weighting.raking import (
        _apply_outside_rule,
        _country_codes,
        _CountrySpec,
        _level_codes,
    )
    from socialwork_ict.weighting.targets import margin_shares, validate_targets

    variables = tuple(variables)
    country_codes, countries = _country_codes(frame["country"])
    validated = validate_targets(
        targets, source=targets_source, variables=variables, countries_in_data=countries
    )
    n_levels = [len(FACTOR_LEVELS[v]) for v in variables]
    level_codes = [_level_codes(frame[v], v) for v in variables]
    h = len(countries)
    listed = [np.zeros((h, m + 1), dtype=bool) for m in n_levels]
    shares = [np.zeros((h, m + 1)) for m in n_levels]
    used_codes = [codes.copy() for codes in level_codes]
    outside_rows = np.zeros(len(frame), dtype=bool)
    for k, country in enumerate(countries):
        block = validated[country]
        rows = np.flatnonzero(country_codes == k)
        for i, var in enumerate(variables):
            share = margin_shares(block, var)
            for j, label in enumerate(FACTOR_LEVELS[var]):
                if label in share:
                    listed[i][k, j] = True
                    shares[i][k, j] = share[label]
        for i in range(len(variables)):
            outside_rows[rows] |= ~listed[i][k, level_codes[i][rows]]
        if outside_rule == "impute":
            spec = _CountrySpec.build(country, block, variables, "rake", targets_source)
            local = [spec.local_codes(i, level_codes[i][rows]) for i in range(len(variables))]
            local = _apply_outside_rule(spec, local, "impute", targets_source)
            for i, var in enumerate(variables):
                lut = [FACTOR_LEVELS[var].index(label) for label in spec.listed[i]]
                used_codes[i][rows] = np.asarray(lut)[local[i]]
            outside_rows[rows] = False
    not_raked_rows = outside_rows if outside_rule == "not_raked" else np.zeros_like(outside_rows)

    key = country_codes.astype(np.int64)
    for codes, m in zip(used_codes, n_levels, strict=True):
        key = key * (m + 1) + codes
    key = key * 2 + not_raked_rows
    uniq, cells = np.unique(key, return_inverse=True)
    not_raked = (uniq % 2).astype(bool)
    rest = uniq // 2
    cell_levels = []
    for m in reversed(n_levels):
        cell_levels.append(rest % (m + 1))
        rest = rest // (m + 1)
    cell_levels = cell_levels[::-1]
    cell_country = rest
    country_n = np.bincount(country_codes, minlength=h)
    country_m = np.bincount(country_codes[~not_raked_rows], minlength=h)
    outside_any = np.bincount(country_codes[outside_rows], minlength=h) > 0

    columns = []
    for k in range(h):
        in_country = cell_country == k
        approx = outside_rule == "rake_available" and outside_any[k]
        if approx:
            columns.append(in_country.astype(float))
        for i in range(len(variables)):
            levels = np.flatnonzero(listed[i][k])
            is_listed = listed[i][k, cell_levels[i]] & in_country
            first = 0 if (i == 0 and not approx) else 1
            for j in levels[first:]:
                hit = in_country & ~not_raked & (cell_levels[i] == j)
                if approx:
                    columns.append(hit - shares[i][k, j] * is_listed)
                else:
                    columns.append(hit.astype(float))
        if outside_rule == "not_raked":
            columns.append((in_country & not_raked).astype(float))
    x = np.column_stack(columns)
    x = x[:, np.any(x != 0, axis=0)]
    return RakingCalibration(
        cells=cells.astype(np.intp),
        x=x,
        cell_country=cell_country.astype(np.intp),
        cell_levels=tuple(c.astype(np.intp) for c in cell_levels),
        listed=tuple(listed),
        shares=tuple(shares),
        not_raked=not_raked,
        country_n=country_n,
        country_m=country_m,
        rule=outside_rule,
        countries=tuple(countries),
        variables=variables,
        approximate=(outside_rule == "rake_available") & outside_any,
    )
