"""The primary model of rule ``fit_ordinal_model``: fit, design-based variance,
predictions and the model record.

The survey-weighted proportional-odds model of ``ict_freq`` on age group,
country, gender and sector (:func:`~socialwork_ict.models.ordinal.fit_ordinal`;
Binder 1983 pseudo-ML, Lumley 2010 ``svyolr``) on the complete cases, its
variance under the run's design with every eligible respondent in the design
(item non-response as domains, R's rule;
:func:`~socialwork_ict.models.ordinal.ordinal_design_vcov`), the coefficient
design effects, and the standardised predictions by age group
(:func:`~socialwork_ict.models.predict.standardised_predictions`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from socialwork_ict.inference.variance import design_description
from socialwork_ict.models.model_frame import complete_case_rows, complete_cases
from socialwork_ict.models.ordinal import coefficient_deff, fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.predict import standardised_predictions

log = logging.getLogger("socialwork_ict.fit_ordinal_model")

#: the primary model, as the model record names it
MODEL_FORMULA = "ict_freq ~ age_group + country + gender + sector (proportional odds, logit)"


@dataclass(frozen=True)
class PrimaryModel:
    """The tables of the primary model: ``coefficients`` (with ``deff``), ``vcov``
    (one row per term), ``predicted`` and the ``info`` record (model_info.json)."""

    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    predicted: pd.DataFrame
    info: dict


def fit_primary_model(
    everyone: pd.DataFrame, design, thetas: np.ndarray | None = None
) -> PrimaryModel:
    """The primary model of ``everyone`` (every eligible respondent) under ``design``.

    ``thetas``: the replicate estimates when the replicate refits ran as
    separate jobs (rule fit_replicate_block), else None (refitted here)."""
    frame, n_left_out = complete_cases(everyone)
    rows = complete_case_rows(everyone)
    fit = fit_ordinal(frame)
    vcov, df_residual = ordinal_design_vcov(fit, frame, design, rows, thetas=thetas)
    fit = replace(fit, vcov=vcov, df_residual=df_residual)
    variance = (
        f"{design_description(design)}, strata = country, every eligible respondent in the "
        "design (item non-response as domains, R's rule)"
    )
    log.info("%d complete cases, %d left out; converged=%s after %d iterations",
             fit.n, n_left_out, fit.converged, fit.iterations)  # fmt: skip
    for warning in fit.warnings:
        log.warning("model warning: %s", warning)
    coefficients = fit.coef_table()
    coefficients["deff"] = coefficient_deff(fit).to_numpy()
    return PrimaryModel(
        coefficients=coefficients,
        vcov=fit.vcov.rename_axis("term").reset_index(),
        predicted=standardised_predictions(fit, frame, design=design, rows=rows),
        info={
            "model": MODEL_FORMULA,
            "variance": variance,
            "n_complete_cases": int(fit.n),
            "n_left_out_missing": n_left_out,
            "df_residual": int(fit.df_residual),
            "converged": bool(fit.converged),
            "iterations": int(fit.iterations),
            "max_gradient": float(fit.max_gradient),
            "warnings": list(fit.warnings),
        },
    )


def save_vcov(vcov: pd.DataFrame, path) -> None:
    """The primary model's covariance (:attr:`PrimaryModel.vcov`) in float64 exactly
    (``.npy``, no pickle): rule test_age_association reads it instead of computing
    the design covariance again (the CSV keeps 15 significant digits)."""
    values = vcov.drop(columns="term").to_numpy(dtype=float)
    with open(path, "wb") as handle:
        np.save(handle, values, allow_pickle=False)


def with_stored_vcov(fit, vcov_path, info_path):
    """``fit`` (the primary model refitted on the same complete cases) with the design
    covariance and residual df that rule fit_ordinal_model stored (:func:`save_vcov`,
    ``df_residual`` of model_info.json): the same estimator on the same weights, so
    the Wald tests use the fit's covariance without a second pass over the replicates."""
    import json

    values = np.load(vcov_path, allow_pickle=False)
    names = list(fit.params.index)
    if values.shape != (len(names), len(names)):
        raise ValueError(
            f"{vcov_path}: a {values.shape} covariance for {len(names)} coefficients "
            "(rule fit_ordinal_model's outputs are out of date)"
        )
    with open(info_path, encoding="utf-8") as handle:
        df_residual = int(json.load(handle)["df_residual"])
    vcov = pd.DataFrame(values, index=names, columns=names)
    return replace(fit, vcov=vcov, df_residual=df_residual)
