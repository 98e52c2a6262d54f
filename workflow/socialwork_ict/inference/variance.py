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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.inference.calibration import RakingCalibration
from socialwork_ict.inference.design import stratified_variance

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
        return stratified_variance(z, self.strata)

    def df(self, rows: np.ndarray | None = None) -> int:
        """Respondents in ``rows`` (boolean mask; default all) minus strata among them."""
        strata = self.strata if rows is None else self.strata[np.asarray(rows, dtype=bool)]
        return int(strata.size - pd.unique(strata).size)


def design_description(design) -> str:
    """One line naming the variance method, for ``method`` columns and the report."""
    if design.method == "linearization":
        kind = "calibrated" if design.calibration is not None else "fixed weights"
        return f"Taylor linearisation ({kind})"
    kind = "re-raked" if design.calibrated else "fixed weights"
    return f"{design.method}, {design.n_replicates} replicates ({kind})"
