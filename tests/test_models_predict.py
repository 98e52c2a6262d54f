"""Marginally standardised predictions and their design-based delta-method SEs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.models.design_matrix import apply_design
from socialwork_ict.models.logistic import fit_logistic
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.models.predict import (
    _model_pieces,
    standardised_contrast,
    standardised_predictions,
)

AGES = ["<30", "30-39", "40-49", "50-59", "60+"]


@pytest.fixture(scope="module")
def ordinal_fit(oracle_weighted_frame):
    return fit_ordinal(oracle_weighted_frame)


@pytest.fixture(scope="module")
def ordinal_predictions(ordinal_fit, oracle_weighted_frame):
    return standardised_predictions(ordinal_fit, oracle_weighted_frame)


def _table2_never(oracle_expected) -> pd.DataFrame:
    t2 = oracle_expected["table2_freq_by_age"]
    return t2[t2["ict_freq"] == 1].set_index(["country", "age_group"])


def test_saturated_logistic_reproduces_r_domain_proportions(oracle_weighted_frame, oracle_expected):
    """A saturated model's standardised prediction is the domain proportion, and
    its linearised SE R's svymean SE of that domain (table 2): checks the
    influence (parameter + averaging) part of the delta method exactly."""
    never = _table2_never(oracle_expected)
    cells = fit_logistic(
        oracle_weighted_frame, terms=("age_group", "country"), interaction=("age_group", "country")
    )
    by_country = standardised_predictions(cells, oracle_weighted_frame)
    by_country = by_country[by_country["country"] != "ALL"].set_index(["country", "age_group"])
    ages_only = fit_logistic(oracle_weighted_frame, terms=("age_group",))
    pooled = standardised_predictions(ages_only, oracle_weighted_frame)
    pooled = pooled[pooled["country"] == "ALL"].set_index(["country", "age_group"])
    for pred in (by_country, pooled):
        r = never.loc[pred.index]
        np.testing.assert_allclose(pred["estimate"], 1 - r["pct_weighted"] / 100, atol=1e-10)
        np.testing.assert_allclose(pred["std_error"], r["se_weighted"] / 100, rtol=1e-8)
        assert (pred["outcome"] == "ict_freq>=2").all()


def test_layout_and_coherence(ordinal_predictions, ordinal_fit, oracle_weighted_frame):
    pred = ordinal_predictions
    assert list(pred.columns) == [
        "country", "age_group", "outcome", "estimate", "std_error", "ci_low", "ci_high", "n",
    ]  # fmt: skip
    assert list(pd.unique(pred["country"])) == ["CA", "US", "IL", "UK", "ALL"]
    assert len(pred) == 5 * 5 * 6
    assert pred.set_index("country")["n"].groupby(level=0).first().to_dict() == {
        "CA": 900, "US": 600, "IL": 300, "UK": 200, "ALL": 2000,
    }  # fmt: skip
    cats = pred[~pred["outcome"].str.contains(">=")]
    sums = cats.groupby(["country", "age_group"])["estimate"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)
    wide = pred.pivot_table(index=["country", "age_group"], columns="outcome", values="estimate")
    np.testing.assert_allclose(wide["ict_freq>=4"], wide["ict_freq=4"] + wide["ict_freq=5"])
    assert ((pred["ci_low"] < pred["estimate"]) & (pred["estimate"] < pred["ci_high"])).all()
    # brute force: everyone set to 60+, weighted mean of P(y >= 4) in IL
    frame = oracle_weighted_frame.assign(age_group="60+")
    x = apply_design(frame, ordinal_fit.design)
    p = x.shape[1]
    est = ordinal_fit.params.to_numpy()
    cum3 = 1 / (1 + np.exp(-(est[p + 2] - x @ est[:p])))
    il = (frame["country"] == "IL").to_numpy()
    w = frame["weight"].to_numpy()
    want = np.sum(w[il] * (1 - cum3[il])) / w[il].sum()
    got = pred.query("country == 'IL' and age_group == '60+' and outcome == 'ict_freq>=4'")
    assert got["estimate"].item() == pytest.approx(want, rel=1e-12)


def test_analytic_gradient_matches_finite_differences(ordinal_fit, oracle_weighted_frame):
    x = apply_design(oracle_weighted_frame.assign(age_group="40-49"), ordinal_fit.design)
    w = oracle_weighted_frame["weight"].to_numpy()
    probs, names, gradient = _model_pieces(ordinal_fit, x, 4)
    analytic = gradient(w) / w.sum()
    h = 1e-6
    for j in range(len(ordinal_fit.params)):
        shifted = []
        for sign in (1, -1):
            params = ordinal_fit.params.copy()
            params.iloc[j] += sign * h
            moved = dataclasses.replace(ordinal_fit, params=params)
            shifted.append(w @ _model_pieces(moved, x, 4)[0] / w.sum())
        numeric = (shifted[0] - shifted[1]) / (2 * h)
        np.testing.assert_allclose(analytic[j], numeric, atol=1e-8)


def test_se_includes_parameter_uncertainty(ordinal_predictions, ordinal_fit, oracle_weighted_frame):
    """The SE is at least of the order of the parameter-only delta method g'Vg."""
    x = apply_design(oracle_weighted_frame.assign(age_group="<30"), ordinal_fit.design)
    w = oracle_weighted_frame["weight"].to_numpy()
    _, names, gradient = _model_pieces(ordinal_fit, x, 4)
    g = gradient(w) / w.sum()
    param_only = np.sqrt(np.diag(g.T @ ordinal_fit.vcov.to_numpy() @ g))
    rows = ordinal_predictions.query("country == 'ALL' and age_group == '<30'")
    ratio = rows["std_error"].to_numpy() / param_only
    assert np.all((ratio > 0.95) & (ratio < 1.05))  # ~1.001 here: averaging adds little


def test_replicate_ses_match_refitting_every_replicate_by_hand(ordinal_fit, oracle_weighted_frame):
    """Replicate SEs (bootstrap, fixed weights) equal the brute-force estimator:
    refit the model with each replicate's weights, predict every respondent,
    average per domain, then R's svrVar (the cells-and-summed-weights shortcut
    of the implementation must give the same numbers)."""
    from socialwork_ict.inference.replicates import make_replicate_design, replicate_variance

    frame = oracle_weighted_frame
    strata = frame["country"].astype(str).to_numpy()
    design = make_replicate_design(
        "bootstrap", strata, frame["weight"].to_numpy(), replicates=12, seed=3
    )
    pred = standardised_predictions(
        ordinal_fit, frame, design=design, rows=np.arange(len(frame))
    ).query("outcome == 'ict_freq>=4'")
    weights = design.replicate_rows(np.arange(len(frame)))
    estimates = []
    for r in range(weights.shape[1]):
        refit = fit_ordinal(frame.assign(weight=weights[:, r]))
        moved = dataclasses.replace(ordinal_fit, params=refit.params)
        row = []
        for age in AGES:
            x = apply_design(frame.assign(age_group=age), ordinal_fit.design)
            probs, names, _ = _model_pieces(moved, x, 4)
            p = probs[:, names.index("ict_freq>=4")]
            for country in ["CA", "US", "IL", "UK", "ALL"]:
                inside = (strata == country) if country != "ALL" else np.ones(len(frame), bool)
                w = weights[:, r] * inside
                row.append(w @ p / w.sum())
        estimates.append(row)
    f = design.factors
    full = pred.set_index(["age_group", "country"]).loc[
        [(a, c) for a in AGES for c in ["CA", "US", "IL", "UK", "ALL"]]
    ]
    variance = replicate_variance(
        np.array(estimates), full["estimate"].to_numpy(), f.scale, f.rscales, f.mse
    )
    np.testing.assert_allclose(full["std_error"], np.sqrt(np.diag(variance)), rtol=1e-8)
    # the published contrast (older groups' mean minus <30, pooled) on the same replicates
    coefficients = {"<30": -1.0, **{age: 0.25 for age in AGES[1:]}}
    pooled = [AGES.index(a) * 5 + 4 for a in AGES]  # the ALL column of each age group
    by_replicate = np.array(estimates)[:, pooled] @ np.array(list(coefficients.values()))
    contrast = standardised_contrast(
        ordinal_fit, frame, coefficients, design=design, rows=np.arange(len(frame))
    )
    expected = replicate_variance(
        by_replicate, np.array([contrast["estimate"]]), f.scale, f.rscales, f.mse
    )
    np.testing.assert_allclose(contrast["std_error"], np.sqrt(expected[0, 0]), rtol=1e-8)
