"""One variance interface for every estimate: linearisation (fixed or calibrated) or replicates.

Stage: inference. Config (data contract v2 §3)::

    variance:
      method: linearization | bootstrap | jackknife
      calibration: fixed | calibrated
      replicates: 500              # bootstrap only
      replicate_factors: null      # or a CSV: respondent_id + one column per replicate

A *design* covers every eligible respondent (R's domain rule: n_h is the
whole country's count; an estimate's influence is zero for respondents
outside its domain or with a missing value, Lumley 2010, *Complex Surveys*,
§2.2). An estimator hands the design two things and gets its covariance:

- ``influence``: a callable returning the (n, p) influence (linearisation)
  values of the estimate at the full-sample weights, zero outside its
  sample;
- ``replicate``: a callable taking an (n, b) block of replicate analysis
  weights and returning the (b, p) estimates recomputed with them.

:class:`LinearizationDesign` uses only the first: R's ``svyrecvar``
(:func:`~socialwork_ict.inference.design.stratified_variance`), after
replacing the influence values by their calibration residuals when the
design carries the raking (:mod:`~socialwork_ict.inference.calibration`; R
``calibrate(..., calfun = "raking")``). :class:`~socialwork_ict.inference.
replicates.ReplicateDesign` uses only the second (R ``svrVar``). ``df(rows)``
gives the design degrees of freedom of the respondents ``rows`` (R
``degf``): PSUs minus strata for linearisation, rank - 1 of the replicate
weights for replicate designs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from socialwork_ict.errors import InputError
from socialwork_ict.inference.calibration import RakingCalibration
from socialwork_ict.inference.design import (
    group_sums,
    stratified_variance,
    stratum_codes,
    variance_from_stratum_moments,
)

log = logging.getLogger(__name__)

METHODS = ("linearization", "bootstrap", "jackknife")
CALIBRATIONS = ("fixed", "calibrated")

Influence = Callable[[], np.ndarray]
Replicate = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class LinearizationDesign:
    """Taylor linearisation on ``svydesign(ids = ~1, strata = ~strata, weights = ~weights)``.

    ``calibration``: the raking as a calibration (calibration-aware
    linearisation), or None (the weights are fixed sampling weights).
    """

    strata: np.ndarray
    weights: np.ndarray
    calibration: RakingCalibration | None = None

    method = "linearization"

    @property
    def n(self) -> int:
        return int(self.weights.size)

    def vcov(
        self,
        influence: Influence,
        replicate: Replicate | None = None,
        full: np.ndarray | None = None,
    ) -> np.ndarray:
        """(p, p) covariance of the estimate with these influence values
        (``replicate`` and ``full`` are for replicate designs and unused here)."""
        z = np.asarray(influence(), dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if self.calibration is not None:
            z = self.calibration.residuals(z, self.weights)
        return stratified_variance(z, self._strata_codes)

    def vcov_rows(self, z_rows: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """:meth:`vcov` of an estimate whose influence values are ``z_rows`` (m, p) on
        the respondents ``rows`` (m indices) and zero elsewhere (a domain estimate).

        The same covariance without the (n, p) matrix: with ``e_i`` the
        (calibration residual of the) influence, ``V = sum_h n_h / (n_h - 1)
        (sum_{i in h} e_i e_i' - S_h S_h' / n_h)``, ``S_h = sum_{i in h} e_i``.
        Fixed weights: ``e`` is zero outside ``rows``. Calibrated: ``e_i = z_i -
        g_i f_c(i)`` with ``f`` the cells' fitted values of
        :meth:`~socialwork_ict.inference.calibration.RakingCalibration.residuals`,
        so outside ``rows`` only the cells' sums of ``g`` and ``g^2`` enter
        (the cells lie within strata). Cost O(m p^2 + C p^2) instead of O(n p^2).
        """
        z = np.asarray(z_rows, dtype=float)
        z = z[:, None] if z.ndim == 1 else z
        rows = np.asarray(rows, dtype=np.intp)
        codes = self._strata_codes
        n_strata = int(codes.max()) + 1 if codes.size else 0
        at = codes[rows]
        sums = group_sums(at, z, n_strata)
        squares = [z[at == h].T @ z[at == h] for h in range(n_strata)]
        cal = self.calibration
        if cal is not None:
            g = self.weights
            if np.any(g <= 0):
                raise ValueError("calibration residuals need positive weights")
            cells = cal.cells[rows]
            fitted = cal.cell_fit(group_sums(cells, z / g[rows, None], cal.n_cells))
            cross = group_sums(cells, z * g[rows, None], cal.n_cells)  # sum g_i z_i per cell
            g1 = np.bincount(cal.cells, weights=g, minlength=cal.n_cells)
            g2 = np.bincount(cal.cells, weights=g * g, minlength=cal.n_cells)
            stratum = self._cell_strata
            sums = sums - group_sums(stratum, g1[:, None] * fitted, n_strata)
            for h in range(n_strata):
                f, a = fitted[stratum == h], cross[stratum == h]
                squares[h] = squares[h] - a.T @ f - f.T @ a + f.T @ (f * g2[stratum == h, None])
        return variance_from_stratum_moments(squares, sums, np.bincount(codes, minlength=n_strata))

    @cached_property
    def _cell_strata(self) -> np.ndarray:
        """(C,) the stratum code of each calibration cell (cells lie within strata)."""
        cal = self.calibration
        stratum = np.full(cal.n_cells, -1, dtype=np.intp)
        stratum[cal.cells] = self._strata_codes
        if not np.array_equal(stratum[cal.cells], self._strata_codes):
            raise ValueError("the calibration cells must lie within strata")
        return np.where(stratum < 0, 0, stratum)

    @cached_property
    def _strata_codes(self) -> np.ndarray:
        """The strata as integer codes in their labels' sorted order (factorised once)."""
        codes, _ = stratum_codes(self.strata)
        return codes

    def df(self, rows: np.ndarray | None = None) -> int:
        """Respondents in ``rows`` (boolean mask; default all) minus strata among them."""
        strata = self.strata if rows is None else self.strata[np.asarray(rows, dtype=bool)]
        return int(strata.size - pd.unique(strata).size)


def design_description(design) -> str:
    """One line naming the variance method, for ``method`` columns and the report."""
    if design.method == "linearization":
        cal = design.calibration
        if cal is None:
            return "Taylor linearisation (fixed weights)"
        if not np.any(cal.approximate):
            return "Taylor linearisation (calibrated: residuals from the raking cells)"
        where = ", ".join(np.asarray(cal.countries)[cal.approximate])
        return (
            "Taylor linearisation (calibrated: residuals from the raking cells; respondents "
            f"outside the targets in {where}: the margins they meet)"
        )
    kind = "re-raked" if design.calibrated else "fixed weights"
    return f"{design.method}, {design.n_replicates} replicates ({kind})"


#: the config's ``variance`` block when it is absent: calibration-aware linearisation
#: (see :func:`rule_design` for why)
DEFAULT_SETTINGS = {
    "method": "linearization",
    "calibration": "calibrated",
    "replicates": 500,
    "replicate_factors": None,
}


def variance_settings(config: dict) -> dict:
    """The ``variance`` block of a config with the defaults filled in."""
    return {**DEFAULT_SETTINGS, **(config.get("variance") or {})}


def design_from_config(
    frame: pd.DataFrame,
    settings: dict,
    *,
    weighting: dict,
    targets: dict | None,
    seed: int,
    targets_source: str = "targets",
    weight: str = "weight",
):
    """The design of ``variance`` settings over every respondent of ``frame``.

    ``frame``: the weighted analysis file (all eligible respondents, columns
    respondent_id, country, the raking variables and ``weight``);
    ``weighting``: the config's ``weighting`` block (the calibration repeats
    its raking); ``seed``: the config's seed (bootstrap draws).
    ``calibration: calibrated`` needs ``weighting.method: rake`` (the
    calibration of post-stratification and of unweighted data is not built)
    and, for replicates, no trimming (replicates are not re-trimmed).
    """
    method, calibration = settings["method"], settings["calibration"]
    if method not in METHODS:
        raise InputError(f"variance.method {method!r} unknown (one of {', '.join(METHODS)})")
    if calibration not in CALIBRATIONS:
        raise InputError(
            f"variance.calibration {calibration!r} unknown (one of {', '.join(CALIBRATIONS)})"
        )
    strata = frame["country"].astype(str).to_numpy()
    weights = frame[weight].to_numpy(dtype=float)
    cal = None
    if calibration == "calibrated":
        if weighting["method"] != "rake":
            raise InputError(
                "variance.calibration 'calibrated' needs weighting.method 'rake' "
                f"(got {weighting['method']!r}); use calibration 'fixed'"
            )
        if weighting.get("trim_cap") is not None:
            if method != "linearization":
                raise InputError(
                    "variance.calibration 'calibrated' with replicates re-rakes every "
                    "replicate but does not re-trim it; set weighting.trim_cap null or "
                    "variance.calibration 'fixed'"
                )
            log.warning(
                "calibrated linearisation with trimmed weights: the trimming is not part of "
                "the linearisation (capped weights are treated as raked)"
            )
        from socialwork_ict.inference.calibration import raking_calibration

        cal = raking_calibration(
            frame,
            targets,
            variables=tuple(weighting["variables"]),
            outside_rule=weighting["outside_rule"],
            targets_source=targets_source,
        )
        if np.any(cal.approximate):
            log.info(
                "calibrated linearisation under outside_rule rake_available with respondents "
                "outside the targets in %s: their weights are not a calibration to fixed totals, "
                "so the linearisation uses the margins they meet (an approximation); "
                "outside_rule not_raked is exact",
                ", ".join(np.asarray(cal.countries)[cal.approximate]),
            )
    if method == "linearization":
        return LinearizationDesign(strata, weights, cal)
    from socialwork_ict.inference.replicates import make_replicate_design

    return make_replicate_design(
        method,
        strata,
        weights,
        calibration=cal,
        replicates=int(settings["replicates"]),
        seed=int(seed),
        factors_path=settings.get("replicate_factors"),
        respondent_ids=frame["respondent_id"],
    )


def rule_design(
    frame: pd.DataFrame, variance: dict | None, weighting: dict, seed: int, targets_path
):
    """The design a rule script uses: :func:`design_from_config` over every respondent of
    ``frame``, with the targets read from ``targets_path`` when the design is calibrated.

    Every setting keeps all eligible respondents in the design (R's domain
    rule: a model's or a proportion's respondents with a missing value have
    zero influence and still count in n_h). The default is calibration-aware
    linearisation: the weights are raked, so the variance that treats them
    as fixed sampling weights ignores the information in the population
    margins (Deville & Särndal 1992; Lumley 2010, *Complex Surveys*, §7.4;
    Valliant, Dever & Kreuter 2018, *Practical Tools for Designing and
    Weighting Survey Samples*, §13.5); ``calibration: fixed`` is R's
    ``svydesign(weights = ~weight)`` (the v1 variance). With
    ``weighting.method: none`` (equal weights, nothing calibrated)
    ``calibrated`` is ``fixed``.
    """
    settings = {**DEFAULT_SETTINGS, **(variance or {})}
    if weighting["method"] == "none" and settings["calibration"] == "calibrated":
        # equal weights: there is no calibration to carry, fixed is exact
        log.info("variance: weighting.method none, so calibration 'calibrated' is 'fixed'")
        settings["calibration"] = "fixed"
    targets = None
    if settings["calibration"] == "calibrated" and weighting["method"] == "rake":
        from pathlib import Path

        from socialwork_ict.weighting import load_targets

        targets = load_targets(targets_path)
        source = Path(targets_path).name
    else:
        source = "targets"
    design = design_from_config(
        frame, settings, weighting=weighting, targets=targets, seed=seed, targets_source=source
    )
    log.info("variance: %s", design_description(design))
    return design
