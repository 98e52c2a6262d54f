"""The ``imputation`` config block (data contract v2 §3) with its defaults.

::

    imputation:
      method: none | chained | supplied   # none: complete cases only (v1)
      m: 20                               # imputations (chained); supplied: len(files)
      seed: null                          # chained: null = the config's seed
      iterations: 5                       # chained: sweeps over the variables (mice's maxit)
      variables: null                     # chained: null = every imputable variable
      files: [PATHS]                      # supplied: one completed CSV per imputation
"""

from __future__ import annotations

from collections.abc import Sequence

from socialwork_ict.errors import InputError

METHODS = ("none", "chained", "supplied")
#: the layouts of the imputation jobs (config imputation_jobs; :mod:`.batches`)
JOBS = ("batched", "per_imputation")
DEFAULT_SETTINGS = {
    "method": "none",
    "m": 20,
    "seed": None,
    "iterations": 5,
    "variables": None,
    "files": [],
}


def imputation_settings(config: dict) -> dict:
    """The ``imputation`` block of a config with the defaults filled in and checked."""
    settings = {**DEFAULT_SETTINGS, **(config.get("imputation") or {})}
    method = settings["method"]
    if method not in METHODS:
        raise InputError(f"imputation.method {method!r} unknown (one of {', '.join(METHODS)})")
    if method == "supplied":
        files = list(settings["files"] or [])
        if len(files) < 2:
            raise InputError(
                "imputation.method 'supplied' needs at least two completed files in "
                f"imputation.files (got {len(files)})"
            )
        settings["files"] = files
        settings["m"] = len(files)
    elif method == "chained" and int(settings["m"]) < 2:
        raise InputError(f"imputation.m must be at least 2 (got {settings['m']})")
    if settings["seed"] is None:
        settings["seed"] = config.get("seed", 0)
    return settings


def imputation_numbers(settings: dict) -> list[int]:
    """The imputations 1..m (:mod:`.batches` splits them into jobs), none for ``method: none``."""
    if settings["method"] == "none":
        return []
    return list(range(1, int(settings["m"]) + 1))


def imputation_batches(numbers: Sequence[int], jobs: str, batches: int) -> dict[str, list[int]]:
    """The jobs (``{batch}`` wildcard values) -> their imputations, in order.

    ``per_imputation``: one job per imputation, named by its number.
    ``batched``: the imputations in ``batches`` contiguous runs (fewer when
    m is smaller; the first runs one longer when m is not a multiple),
    named ``first-last`` (a run of one: its number). Empty without imputations.
    """
    if jobs not in JOBS:
        raise InputError(f"imputation_jobs {jobs!r} unknown (one of {', '.join(JOBS)})")
    numbers = list(numbers)
    if not numbers:
        return {}
    count = len(numbers) if jobs == "per_imputation" else max(1, min(int(batches), len(numbers)))
    size, extra = divmod(len(numbers), count)
    runs, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        runs.append(numbers[start:end])
        start = end
    return {(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"): run for run in runs}
