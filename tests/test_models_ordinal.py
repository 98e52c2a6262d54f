"""Survey-weighted proportional-odds model against R's svyolr (oracle fixture)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES, SECTOR_LABELS, as_factor
from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import stratified_variance
from socialwork_ict.models.ordinal import fit_ordinal, ordinal_influence
from socialwork_ict.models.proportional_odds import proportional_odds_check

INTERACTION = ("age_group", "country")


@pytest.fixture(scope="module")
def main_fit(oracle_weighted_frame):
    return fit_ordinal(oracle_weighted_frame)


@pytest.fixture(scope="module")
def interaction_fit(oracle_weighted_frame):
    return fit_ordinal(oracle_weighted_frame, interaction=INTERACTION)


def _compare(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(table["term"]) == list(expected["term"])
    np.testing.assert_allclose(table["estimate"], expected["estimate"], rtol=0, atol=1e-6)
    for col in ("std_error", "odds_ratio", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(table[col], expected[col], rtol=1e-6, atol=0, err_msg=col)


def test_main_model_matches_svyolr(main_fit, oracle_expected):
    assert main_fit.converged and main_fit.max_gradient < 1e-10
    assert main_fit.df_residual == 2000 - 4 - 11
    _compare(main_fit.coef_table(), oracle_expected["model_ordinal"])


def test_vcov_matches_svyolr(main_fit, oracle_expected):
    expected = oracle_expected["model_ordinal_vcov"].set_index("term")
    ours = main_fit.vcov.loc[expected.index, expected.columns].to_numpy()
    np.testing.assert_allclose(ours, expected.to_numpy(), rtol=1e-6, atol=1e-12)


def test_interaction_model_matches_svyolr(interaction_fit, oracle_expected):
    assert interaction_fit.converged
    assert interaction_fit.df_residual == 2000 - 4 - 23
    _compare(interaction_fit.coef_table(), oracle_expected["model_ordinal_interaction"])


def test_interaction_wald_test_matches_regtermtest(interaction_fit, oracle_expected):
    terms = [t for t in interaction_fit.params.index if ":" in t]
    assert len(terms) == 12
    b = interaction_fit.params[terms].to_numpy()
    v = interaction_fit.vcov.loc[terms, terms].to_numpy()
    chisq = float(b @ np.linalg.solve(v, b))
    tests = oracle_expected["tests"].set_index("test")
    row_chi = tests.loc["wald_age_group_x_country_chisq"]
    row_f = tests.loc["wald_age_group_x_country"]
    assert chisq == pytest.approx(24.0089600527958, rel=1e-6)
    assert chisq == pytest.approx(row_chi["statistic"], rel=1e-6)
    assert stats.chi2.sf(chisq, 12) == pytest.approx(row_chi["p_value"], rel=1e-6)
    f_stat, df_den = chisq / 12, interaction_fit.df_residual
    assert df_den == row_f["df_den"] == 1973
    assert f_stat == pytest.approx(row_f["statistic"], rel=1e-6)
    assert stats.f.sf(f_stat, 12, df_den) == pytest.approx(row_f["p_value"], rel=1e-6)


def test_weight_scale_does_not_matter(oracle_weighted_frame, main_fit):
    scaled = fit_ordinal(oracle_weighted_frame.assign(weight=oracle_weighted_frame.weight * 1e3))
    np.testing.assert_allclose(scaled.params, main_fit.params, atol=1e-10)
    np.testing.assert_allclose(scaled.vcov, main_fit.vcov, rtol=1e-8, atol=1e-14)


def test_influence_reproduces_vcov(oracle_weighted_frame, main_fit):
    influence = ordinal_influence(main_fit, oracle_weighted_frame)
    v = stratified_variance(influence, oracle_weighted_frame["country"].to_numpy())
    np.testing.assert_allclose(v, main_fit.vcov.to_numpy(), rtol=1e-10, atol=1e-16)


def test_unweighted_point_estimates_match_statsmodels_orderedmodel(oracle_weighted_frame):
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame = oracle_weighted_frame.assign(weight=1.0)
    ours = fit_ordinal(frame)
    from socialwork_ict.models.design_matrix import design_matrix

    x = design_matrix(frame)
    model = OrderedModel(frame["ict_freq"].to_numpy(), x, distr="logit")
    with warnings.catch_warnings():  # BFGS may flag precision loss at gtol 1e-10
        warnings.simplefilter("ignore")
        res = model.fit(method="bfgs", maxiter=5000, disp=False, gtol=1e-10)
    p = x.shape[1]
    params = np.asarray(res.params)
    thresholds = np.cumsum(np.concatenate([[params[p]], np.exp(params[p + 1 :])]))
    np.testing.assert_allclose(ours.params.to_numpy()[:p], params[:p], atol=1e-6)
    np.testing.assert_allclose(ours.params.to_numpy()[p:], thresholds, atol=1e-6)
    assert ours.loglik >= res.llf - 1e-9  # ours is at least as high a maximum


def _simulate(rng, n, beta, theta):
    frame = pd.DataFrame(
        {
            "country": as_factor(
                pd.Series(rng.choice(COUNTRIES, n, p=[0.4, 0.3, 0.2, 0.1])), "country"
            ),
            "age_group": as_factor(pd.Series(rng.choice(AGE_GROUPS, n)), "age_group"),
            "gender": as_factor(pd.Series(rng.choice(["woman", "man"], n, p=[0.8, 0.2])), "gender"),
            "sector": as_factor(pd.Series(rng.choice(list(SECTOR_LABELS.values()), n)), "sector"),
        }
    )
    from socialwork_ict.models.design_matrix import build_design

    x, _ = build_design(frame)
    latent = x @ beta + rng.logistic(size=n)
    frame["ict_freq"] = 1 + np.searchsorted(theta, latent)
    frame["weight"] = rng.uniform(0.3, 3.0, n)  # non-informative unequal weights
    return frame


def test_simulated_true_coefficients_inside_95_ci():
    """Seeded: data from a known PO model; CIs cover the truth at ~95 %."""
    rng = np.random.default_rng(20240611)
    beta = np.array([0.5, 0.7, 0.8, 0.6, 0.1, -0.2, 0.25, -0.15, 0.1, 0.6, -0.05])
    theta = np.array([-0.5, 0.7, 2.0, 3.3])
    truth = np.concatenate([beta, theta])
    covered = []
    for _ in range(40):
        fit = fit_ordinal(_simulate(rng, 1500, beta, theta))
        assert fit.converged
        assert fit.warnings == [
            "no respondents for gender[another gender]: no column (level dropped)"
        ]
        table = fit.coef_table()
        est, se = table["estimate"].to_numpy(), table["std_error"].to_numpy()
        covered.append(np.abs(est - truth) <= 1.959964 * se)
    covered = np.array(covered)
    assert 0.92 <= covered.mean() <= 0.98  # 600 intervals
    assert covered.mean(axis=0).min() >= 0.8  # every parameter
    # one large sample: every truth inside its 95 % CI
    fit = fit_ordinal(_simulate(rng, 50_000, beta, theta))
    table = fit.coef_table()
    inside = (table["ci_low"] <= np.exp(truth)) & (np.exp(truth) <= table["ci_high"])
    assert inside.all()


# ---------------------------------------------------------------------------
# edge cases


def test_empty_top_category_collapsed_with_warning(oracle_weighted_frame):
    frame = oracle_weighted_frame.assign(ict_freq=oracle_weighted_frame.ict_freq.clip(upper=4))
    fit = fit_ordinal(frame)
    assert fit.threshold_names == ["threshold 1|2", "threshold 2|3", "threshold 3|4"]
    assert any("[5]" in w and "collapsed" in w for w in fit.warnings)
    assert fit.converged and np.isfinite(fit.vcov.to_numpy()).all()


def test_empty_middle_category_named_by_neighbours(oracle_weighted_frame):
    y = oracle_weighted_frame.ict_freq.replace({3: 2})
    fit = fit_ordinal(oracle_weighted_frame.assign(ict_freq=y))
    assert fit.threshold_names == ["threshold 1|2", "threshold 2|4", "threshold 4|5"]
    assert any("collapsed" in w for w in fit.warnings)


def test_single_category_is_input_error(oracle_weighted_frame):
    with pytest.raises(InputError, match="fewer than two"):
        fit_ordinal(oracle_weighted_frame.assign(ict_freq=3))


def test_separation_is_input_error(oracle_weighted_frame):
    frame = oracle_weighted_frame.copy()
    frame.loc[frame["sector"] == "other", "ict_freq"] = 5
    with pytest.raises(InputError, match=r"separation.*sector\[other\]"):
        fit_ordinal(frame)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [("ict_freq", np.nan, "response"), ("ict_freq", 7, "response"), ("weight", -1.0, "weights")],
)
def test_bad_input_is_input_error(oracle_weighted_frame, column, value, match):
    frame = oracle_weighted_frame.astype({"ict_freq": float}).copy()
    frame.loc[5, column] = value
    with pytest.raises(InputError, match=match):
        fit_ordinal(frame)


def test_non_convergence_is_reported(oracle_weighted_frame):
    fit = fit_ordinal(oracle_weighted_frame, max_iter=1)
    assert not fit.converged
    assert any("did not converge" in w for w in fit.warnings)


def test_collinear_design_is_input_error(oracle_weighted_frame):
    # no <30 respondent in UK: country[UK] = sum of the UK interaction columns
    frame = oracle_weighted_frame[
        ~((oracle_weighted_frame.country == "UK") & (oracle_weighted_frame.age_group == "<30"))
    ]
    with pytest.raises(InputError, match="linear combination"):
        fit_ordinal(frame, interaction=INTERACTION)


def test_zero_weight_domain_equals_subset_fit(oracle_weighted_frame):
    """Zero weights outside a domain = R's subset(): same estimate and variance."""
    frame = oracle_weighted_frame
    inside = (frame["country"] == "CA").to_numpy()
    domain = fit_ordinal(frame.assign(weight=np.where(inside, frame.weight, 0.0)))
    subset = fit_ordinal(frame[inside])
    np.testing.assert_allclose(domain.params, subset.params, atol=1e-10)
    np.testing.assert_allclose(domain.vcov, subset.vcov, rtol=1e-8, atol=1e-14)
    assert domain.df_residual == subset.df_residual == 900 - 1 - 8


# ---------------------------------------------------------------------------
# proportional-odds check


def test_po_check_on_oracle(oracle_weighted_frame, oracle_expected, main_fit):
    check = proportional_odds_check(oracle_weighted_frame)
    # the cut ict_freq > 1 is R's svyglm any-use model
    first = check.coefficients[check.coefficients["cut"] == "ict_freq>1"].set_index("term")
    r = oracle_expected["model_logistic_any_use"].set_index("term")
    np.testing.assert_allclose(first["estimate"], r.loc[first.index, "estimate"], atol=1e-6)
    np.testing.assert_allclose(first["std_error"], r.loc[first.index, "std_error"], rtol=1e-6)
    joint = check.tests.iloc[0]
    assert joint["test"] == "proportional_odds[age_group]"
    assert joint["df_num"] == 4 * 3 and joint["df_den"] == 1985
    assert joint["statistic"] == pytest.approx(joint["chisq"] / 12)
    assert "not rejected" in check.verdict  # data generated from a PO model
    spread = check.spread.set_index("term")
    assert (spread["spread"] >= 0).all()
    np.testing.assert_allclose(spread["po_estimate"], main_fit.params[spread.index])


def test_po_check_detects_non_proportional_odds():
    rng = np.random.default_rng(7)
    n = 6000
    frame = _simulate(rng, n, np.zeros(11), np.array([-0.5, 0.7, 2.0, 3.3]))
    old = (frame["age_group"] == "60+").to_numpy()
    # older respondents: more "never" AND more "very often" (violates PO)
    u = rng.uniform(size=n)
    frame.loc[old & (u < 0.3), "ict_freq"] = 1
    frame.loc[old & (u > 0.7), "ict_freq"] = 5
    check = proportional_odds_check(frame)
    assert "rejected at" in check.verdict and "not rejected" not in check.verdict
    assert check.tests.set_index("test").loc["proportional_odds[age_group[60+]]", "p_value"] < 1e-6


def test_threshold_model_probabilities_are_consistent(main_fit):
    """logit P(y <= k) = theta_k - x'beta at the reference: expit(theta) increasing."""
    theta = main_fit.params[main_fit.threshold_names].to_numpy()
    assert np.all(np.diff(special.expit(theta)) > 0)


def test_coefficient_deff_is_near_one_under_srs_and_a_correct_model():
    """Equal weights, one stratum, data from the model: design variance = SRS variance
    up to sampling noise of the variance estimate (a few % at n = 6,000)."""
    from socialwork_ict.models.ordinal import coefficient_deff

    rng = np.random.default_rng(11)
    n = 6000
    age = rng.choice(["<30", "30-39", "40-49", "50-59", "60+"], size=n)
    country = np.full(n, "CA")
    gender = rng.choice(["woman", "man"], size=n)
    sector = rng.choice(["public", "non-profit"], size=n)
    eta = 0.5 * (age != "<30") + 0.3 * (gender == "man")
    cuts = np.array([-1.0, 0.0, 1.0, 2.0])
    u = rng.logistic(size=n)
    y = 1 + np.searchsorted(cuts, eta + u)
    frame = pd.DataFrame(
        {
            "ict_freq": y,
            "age_group": pd.Categorical(age, categories=["<30", "30-39", "40-49", "50-59", "60+"]),
            "country": pd.Categorical(country, categories=["CA", "US", "IL", "UK"]),
            "gender": pd.Categorical(gender, categories=["woman", "man", "another gender"]),
            "sector": pd.Categorical(
                sector, categories=["public", "non-profit", "private practice", "other"]
            ),
            "weight": 1.0,
        }
    )
    fit = fit_ordinal(frame)
    deff = coefficient_deff(fit)
    assert list(deff.index) == list(fit.params.index)
    assert np.all(np.abs(deff - 1.0) < 0.15), deff
    # weights that vary at random inflate the variance: Kish's 1 + cv^2 for the mean
    weighted = fit_ordinal(frame.assign(weight=rng.choice([0.5, 2.0], size=n)))
    assert np.median(coefficient_deff(weighted)) > 1.1
