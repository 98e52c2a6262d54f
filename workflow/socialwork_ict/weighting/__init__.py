"""Weighting stage: population targets, raking, trimming, weighting diagnostics.

- ``targets``      reading and validating the targets YAML (contract §2)
- ``raking``       ``rake_weights``: raking / post-stratification within country,
                   R ``survey::rake`` stopping rule, outside-category rule, trimming
- ``diagnostics``  Kish design effect, effective n, weight range, margins table
"""

from socialwork_ict.weighting.diagnostics import weight_diagnostics, weight_summary
from socialwork_ict.weighting.raking import WeightingResult, rake_weights
from socialwork_ict.weighting.targets import load_targets, validate_targets

__all__ = [
    "WeightingResult",
    "load_targets",
    "rake_weights",
    "validate_targets",
    "weight_diagnostics",
    "weight_summary",
]
