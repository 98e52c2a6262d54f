"""Weighting stage: population targets, raking, trimming, weighting diagnostics.

- ``targets``      reading and validating the targets YAML (contract §2)
- ``raking``       ``rake_weights``: raking / post-stratification within country,
                   R ``survey::rake`` stopping rule, outside-category rule, trimming
- ``diagnostics``  Kish design effect, effective n, weight range, margins table

Names are imported from their module on first use, so that the Snakefile's
start-up check of the targets (``weighting.targets``, no pandas) does not pay
for importing pandas.
"""

import importlib

#: public name -> the module that defines it
_EXPORTS = {
    "WeightingResult": "raking",
    "rake_weights": "raking",
    "load_targets": "targets",
    "validate_targets": "targets",
    "weight_diagnostics": "diagnostics",
    "weight_summary": "diagnostics",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f"socialwork_ict.weighting.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
