"""Weighting stage: diagnostics of survey weights, per country.

Per country (contract §4, ``weighting_diagnostics.csv``):

- ``n``: respondents; ``sum_weights``;
- ``deff_kish = n * sum(w^2) / sum(w)^2``: Kish's (1965, *Survey Sampling*,
  §11.7; Kish 1992, *J. Official Statistics* 8:183) design effect due to
  unequal weighting, ``1 + CV^2`` of the weights (population-variance CV);
- ``n_effective = sum(w)^2 / sum(w^2) = n / deff_kish``: Kish's effective
  sample size;
- ``min_weight``, ``max_weight`` and the same divided by the mean weight;
- from the raking: ``converged``, ``iterations`` (IPF sweeps, counted as R
  ``survey::rake``), ``n_outside_targets``, ``n_trimmed``, ``trim_rounds``,
  ``method``, ``outside_rule``.

The margins table (one row per country x variable x category) compares the
sample with the targets: ``n`` (unweighted respondents), ``sample_share``
(unweighted), ``weighted_share`` and ``target_share``. For a category listed
in the targets (``in_targets`` True) the shares are among the respondents
whose value of that variable is a listed category, the base the targets
refer to, so after raking ``weighted_share == target_share``. For a value the
targets do not list (e.g. ``another gender``, or ``(missing)``),
``in_targets`` is False, the shares are of all the country's respondents and
``target_share`` is empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialwork_ict.codes import FACTOR_LEVELS

DIAGNOSTIC_COLUMNS = (
    "country",
    "n",
    "sum_weights",
    "deff_kish",
    "n_effective",
    "min_weight",
    "max_weight",
    "converged",
    "iterations",
    "min_weight_over_mean",
    "max_weight_over_mean",
    "n_outside_targets",
    "n_trimmed",
    "trim_rounds",
    "method",
    "outside_rule",
)

MARGIN_COLUMNS = (
    "country",
    "variable",
    "category",
    "in_targets",
    "n",
    "sample_share",
    "weighted_share",
    "target_share",
)

MISSING_LABEL = "(missing)"


def weight_summary(weights: np.ndarray) -> dict:
    """Size, Kish design effect, effective n and range of one set of weights.

    ``deff_kish = n sum(w^2) / (sum w)^2`` and ``n_effective = (sum w)^2 /
    sum(w^2)`` (Kish 1965, 1992), as in the R oracle's
    ``weighting_diagnostics.csv``.
    """
    w = np.asarray(weights, dtype=float)
    n = int(w.size)
    total = float(w.sum())
    sum_sq = float(np.dot(w, w))
    mean = total / n if n else np.nan
    return {
        "n": n,
        "sum_weights": total,
        "deff_kish": n * sum_sq / total**2 if n else np.nan,
        "n_effective": total**2 / sum_sq if n else np.nan,
        "min_weight": float(w.min()) if n else np.nan,
        "max_weight": float(w.max()) if n else np.nan,
        "min_weight_over_mean": float(w.min()) / mean if n else np.nan,
        "max_weight_over_mean": float(w.max()) / mean if n else np.nan,
    }


def weight_diagnostics(weights: pd.Series, country: pd.Series) -> pd.DataFrame:
    """Per-country :func:`weight_summary` of any weights (e.g. R's, for a check).

    Countries appear in order of first appearance (in category order for a
    categorical ``country``); columns are the summary's, without the raking
    columns.
    """
    country = country.reindex(weights.index)
    if isinstance(country.dtype, pd.CategoricalDtype):
        order = [c for c in country.cat.categories if (country == c).any()]
    else:
        order = list(pd.unique(country))
    w = weights.to_numpy(dtype=float)
    values = country.to_numpy()
    rows = [{"country": c, **weight_summary(w[values == c])} for c in order]
    return pd.DataFrame(rows)


def margin_rows(
    country: str,
    variable: str,
    listed: tuple[str, ...],
    codes: np.ndarray,
    weights: np.ndarray,
    target: dict[str, float] | None,
    outside_labels: np.ndarray,
) -> list[dict]:
    """Rows of the margins table for one country and variable.

    ``codes``: per respondent, the index of its category in ``listed``, or
    ``len(listed)`` if outside the targets; ``outside_labels``: for the
    outside respondents (in the same order as ``codes == len(listed)``), their
    category label or ``None`` for a missing value.
    """
    n_listed = len(listed)
    counts = np.bincount(codes, minlength=n_listed + 1).astype(float)
    wsum = np.bincount(codes, weights=weights, minlength=n_listed + 1)
    base_n, base_w = counts[:n_listed].sum(), wsum[:n_listed].sum()
    rows = []
    for k, label in enumerate(listed):
        rows.append(
            {
                "country": country,
                "variable": variable,
                "category": label,
                "in_targets": True,
                "n": int(counts[k]),
                "sample_share": counts[k] / base_n if base_n else np.nan,
                "weighted_share": wsum[k] / base_w if base_w else np.nan,
                "target_share": target.get(label, np.nan) if target is not None else np.nan,
            }
        )
    # Every category outside the targets gets a row, also when nobody is in it:
    # an absent row would reveal a zero that a disclosure-protected table hides.
    outside = codes == n_listed
    all_n, all_w = float(codes.size), float(weights.sum())
    labels = pd.Series(outside_labels, dtype=object).fillna(MISSING_LABEL)
    out_w = pd.Series(weights[outside]).groupby(labels.to_numpy(), sort=False).sum()
    out_n = labels.value_counts(sort=False)
    possible = [c for c in FACTOR_LEVELS.get(variable, ()) if c not in listed] + [MISSING_LABEL]
    possible += [c for c in out_n.index if c not in possible]
    for label in possible:
        rows.append(
            {
                "country": country,
                "variable": variable,
                "category": label,
                "in_targets": False,
                "n": int(out_n.get(label, 0)),
                "sample_share": out_n.get(label, 0) / all_n if all_n else np.nan,
                "weighted_share": out_w.get(label, 0.0) / all_w if all_w else np.nan,
                "target_share": np.nan,
            }
        )
    return rows
