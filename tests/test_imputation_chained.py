"""Chained-equations imputation: properties, and a seeded simulation of its coverage.

Properties on the wave-2 fixture's eligible respondents (item non-response,
skip logic): observed values are kept, every item non-response is filled
with a valid code, skip-logic blanks stay blank, and imputations are
deterministic given (seed, imputation).

Simulation (:func:`test_mi_intervals_cover_and_complete_cases_are_biased`):
a proportional-odds population with known coefficients, an auxiliary item
z (``ict_email``) that follows ict_freq, and ict_freq missing at random
given (z, age): among respondents aged 50+, those with z = 1 (frequent
users) skip ict_freq with probability expit(0.5) = 62 %, everyone else with
expit(-3) = 4.7 %. The complete cases then lose frequent users aged 50+,
so their age_group[60+] (and [50-59]) coefficients are biased downward;
MI with z in the imputation model is not. 60 replicates of n = 1,000, m = 5
imputations, 5 sweeps: MI's 95 % t(Barnard-Rubin) intervals must cover the
true coefficient in at least 87 % of replicates (95 % minus 3 Monte-Carlo
SEs of 2.8 %), its mean bias be within 3 Monte-Carlo SEs of 0, and the
complete cases' mean estimate agree (3 Monte-Carlo SEs) with the
probability limit the mechanism implies (the complete-case fit on one
sample of 200,000) and be biased by more than 5 Monte-Carlo SEs.
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pandas as pd
import pytest
from scipy import special

from socialwork_ict.codes import GENDER_LABELS, SECTOR_LABELS, age_group_from_age, as_factor
from socialwork_ict.imputation.chained import impute_chained
from socialwork_ict.imputation.supplied import completed_frame
from socialwork_ict.inference import distributions
from socialwork_ict.inference.pooling import rubin_pool
from socialwork_ict.models.model_frame import complete_cases
from socialwork_ict.models.ordinal import fit_ordinal


def fixture_weighted() -> pd.DataFrame:
    """The fixture's eligible respondents as the weighted analysis file (with skip flags)."""
    frame = oracle.frame()
    for column in frame.columns:
        if column not in ("respondent_id", "country", "age_group", "gender", "sector", "weight"):
            frame[column] = frame[column].astype("Int64")
    frame["contact_after_hours_skipped"] = (frame["ict_freq"] == 1).fillna(False).to_numpy(
        dtype=bool
    ) & frame["contact_after_hours"].isna().to_numpy()
    return frame


@pytest.fixture(scope="module")
def imputed():
    weighted = fixture_weighted()
    return weighted, impute_chained(weighted, seed=7, imputation=1, iterations=3)


def test_observed_values_are_kept_and_missing_ones_filled(imputed):
    weighted, completed = imputed
    assert completed["respondent_id"].tolist() == weighted["respondent_id"].tolist()
    for column in ("age", "years_practice", "ict_freq", "ict_email", "friend_request"):
        observed = weighted[column].notna().to_numpy()
        assert (
            completed[column].to_numpy()[observed] == weighted[column].to_numpy()[observed]
        ).all()
        assert completed[column].notna().all(), column
    codes = {label: code for code, label in GENDER_LABELS.items()}
    observed = weighted["gender"].notna().to_numpy()
    assert (completed["gender"][observed] == weighted["gender"][observed].map(codes)).all()
    assert completed["ict_freq"].isin([1, 2, 3, 4, 5]).all()
    assert completed["sector"].isin([1, 2, 3, 4]).all()
    assert completed["age"].between(weighted["age"].min(), weighted["age"].max()).all()


def test_skip_logic_blanks_are_never_imputed(imputed):
    weighted, completed = imputed
    contact = completed["contact_after_hours"]
    skipped = weighted["contact_after_hours_skipped"].to_numpy()
    assert contact[skipped].isna().all()
    # not asked because ict_freq (observed or imputed) is 1: blank
    assert contact[completed["ict_freq"] == 1].isna().all()
    # asked (ict_freq >= 2) and blank in the raw file: item non-response, imputed
    assert contact[completed["ict_freq"] >= 2].notna().all()


def test_imputations_are_deterministic_given_the_seed(imputed):
    weighted, completed = imputed
    again = impute_chained(weighted, seed=7, imputation=1, iterations=3)
    pd.testing.assert_frame_equal(completed, again)
    other = impute_chained(weighted, seed=7, imputation=2, iterations=3)
    assert not other["ict_freq"].equals(completed["ict_freq"])


# ---------------------------------------------------------------------------
# simulation

TRUE_AGE = np.array([0.4, 0.6, 0.8, 1.0])  # age_group[30-39] ... [60+], log odds
THETA = np.array([-1.5, -0.3, 0.9, 2.2])
AGE_TERMS = ["age_group[30-39]", "age_group[40-49]", "age_group[50-59]", "age_group[60+]"]
REPLICATES, N, M, SWEEPS = 60, 1000, 5, 5


def simulate(rng, n):
    """A weighted analysis file with ict_freq missing at random given (ict_email, age)."""
    country = rng.choice(["CA", "US"], size=n, p=[0.6, 0.4])
    age = rng.integers(22, 70, size=n)
    group = np.searchsorted([30, 40, 50, 60], age, side="right")
    gender = rng.choice([1, 2], size=n, p=[0.8, 0.2])
    sector = rng.choice([1, 2, 3, 4], size=n, p=[0.4, 0.3, 0.2, 0.1])
    eta = (
        np.r_[0.0, TRUE_AGE][group]
        + 0.3 * (country == "US")
        - 0.2 * (gender == 2)
        + 0.2 * (sector == 3)
    )
    cum = special.expit(THETA[None, :] - eta[:, None])
    y = 1 + (rng.random(n)[:, None] > cum).sum(axis=1)
    z = (rng.random(n) < special.expit(-2.5 + 1.2 * (y - 1))).astype(int)
    p_missing = special.expit(-3.0 + 3.5 * z * (age >= 50))
    y_observed = np.where(rng.random(n) < p_missing, np.nan, y)
    weighted = pd.DataFrame(
        {
            "respondent_id": [f"S{i:06d}" for i in range(n)],
            "country": pd.Categorical(country, categories=["CA", "US", "IL", "UK"]),
            "age": age,
            "gender": as_factor(pd.Series(gender).map(GENDER_LABELS), "gender"),
            "sector": as_factor(pd.Series(sector).map(SECTOR_LABELS), "sector"),
            "ict_freq": pd.Series(y_observed).astype("Int64"),
            "ict_email": z,
            "weight": rng.uniform(0.5, 2.0, size=n),
        }
    )
    weighted["age_group"] = age_group_from_age(weighted["age"])
    return weighted


def one_replicate(seed):
    """Complete-case and MI estimates (with t intervals) of the age terms."""
    weighted = simulate(np.random.default_rng(seed), N)
    cc = fit_ordinal(complete_cases(weighted)[0])
    q, u = [], []
    for imputation in range(1, M + 1):
        completed = impute_chained(weighted, seed=seed, imputation=imputation, iterations=SWEEPS)
        fit = fit_ordinal(completed_frame(completed, weighted))
        q.append(fit.params.to_numpy())
        u.append(fit.vcov.to_numpy())
    pooled = rubin_pool(np.array(q), np.array(u), list(fit.params.index), fit.df_residual)
    table = pooled.table().set_index("term").loc[AGE_TERMS]
    half = distributions.t_ppf(0.975, table["df_barnard_rubin"]) * table["std_error"]
    return cc.params[AGE_TERMS].to_numpy(), table["estimate"].to_numpy(), half.to_numpy()


@pytest.mark.workflow
def test_mi_intervals_cover_and_complete_cases_are_biased():
    results = [one_replicate(seed) for seed in range(1000, 1000 + REPLICATES)]
    cc = np.array([r[0] for r in results])
    mi = np.array([r[1] for r in results])
    half = np.array([r[2] for r in results])
    covered = np.abs(mi - TRUE_AGE) < half
    assert covered[:, 3].mean() >= 0.87 and covered.mean() >= 0.87
    mc_mi = mi.std(axis=0, ddof=1) / np.sqrt(REPLICATES)
    assert np.all(np.abs(mi.mean(axis=0) - TRUE_AGE) < 3 * mc_mi)
    # the complete cases' probability limit under this mechanism: one very large sample
    large = simulate(np.random.default_rng(1), 200_000)
    implied = fit_ordinal(complete_cases(large)[0]).params[AGE_TERMS].to_numpy()
    mc_cc = cc.std(axis=0, ddof=1) / np.sqrt(REPLICATES)
    assert np.all(np.abs(cc.mean(axis=0) - implied) < 3 * mc_cc + 0.01)
    assert cc.mean(axis=0)[3] - TRUE_AGE[3] < -5 * mc_cc[3]  # biased downward for 60+


def test_the_two_class_logit_is_the_multinomial_logit_with_two_classes():
    """_logistic_ml (the yes/no items) and _multinomial_ml fit the same penalised
    likelihood: the same estimate and information."""
    from socialwork_ict.imputation.chained import _logistic_ml, _multinomial_ml

    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(800), rng.normal(size=(800, 4))])
    y = (rng.random(800) < special.expit(x @ np.array([-0.5, 1.0, -0.7, 0.2, 0.0]))).astype(int)
    two, info_two = _logistic_ml(x, y)
    many, info_many = _multinomial_ml(x, y, 2)
    np.testing.assert_allclose(two, many, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(info_two, info_many, rtol=1e-8)


def test_the_multinomial_information_is_the_sum_of_its_blocks():
    """info[a, b] = X' diag(p_a (delta_ab - p_b)) X, checked block by block, from a
    matrix held as two column pieces (as a model's predictors are)."""
    from socialwork_ict.imputation.chained import _multinomial_information, _softmax
    from socialwork_ict.models.columns import ModelColumns

    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(600), rng.normal(size=(600, 3))])
    pr = _softmax(x @ rng.normal(size=(4, 3)))[:, 1:]
    p, k = x.shape[1], 3
    blocks = np.zeros((p * k, p * k))
    for a in range(k):
        for b in range(k):
            weight = pr[:, a] * ((a == b) - pr[:, b])
            blocks[a * p : (a + 1) * p, b * p : (b + 1) * p] = x.T @ (x * weight[:, None])
    pieces = ModelColumns([np.asfortranarray(x[:, :2]), np.asfortranarray(x[:, 2:])])
    np.testing.assert_allclose(_multinomial_information(pieces, pr), blocks, rtol=1e-10, atol=1e-9)


def test_a_masked_fit_on_column_pieces_is_the_fit_on_the_observed_rows():
    """The logits fitted on every row with the unobserved ones masked, from a matrix
    held as column pieces, equal the fits on the observed rows' dense matrix."""
    from socialwork_ict.imputation.chained import _logistic_ml, _multinomial_ml
    from socialwork_ict.models.columns import ModelColumns

    rng = np.random.default_rng(5)
    x = np.column_stack([np.ones(900), rng.normal(size=(900, 4))])
    observed = rng.random(900) < 0.8
    pieces = ModelColumns([np.asfortranarray(x[:, :3]), np.asfortranarray(x[:, 3:])])
    binary = (rng.random(900) < special.expit(x @ np.array([0.3, 1.0, -0.7, 0.2, 0.0]))).astype(int)
    nominal = rng.integers(0, 3, size=900)
    for fit, y, n_cat in ((_logistic_ml, binary, 2), (_multinomial_ml, nominal, 3)):
        masked, info_masked = fit(pieces, np.where(observed, y, 0), n_cat, observed=observed)
        dense, info_dense = fit(x[observed], y[observed], n_cat)
        np.testing.assert_allclose(masked, dense, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(info_masked, info_dense, rtol=1e-10, atol=1e-9)


def test_a_model_uses_every_predictor_column_but_its_own_in_order():
    """PredictorMatrix.without(v): the intercept, the design and the other predictors'
    coded columns in order; update rewrites v's columns from its new values."""
    from socialwork_ict.imputation.chained import PredictorMatrix

    rng = np.random.default_rng(6)
    design = rng.normal(size=(50, 2))
    values = {"age": rng.integers(20, 70, 50).astype(float),
              "gender": rng.integers(1, 4, 50).astype(float),
              "ict_freq": rng.integers(1, 6, 50).astype(float)}  # fmt: skip
    matrix = PredictorMatrix(design, values, list(values))
    age = (values["age"] - values["age"].mean()) / values["age"].std()
    gender = (values["gender"][:, None] == np.array([[2.0, 3.0]])).astype(float)
    ict = (values["ict_freq"] - values["ict_freq"].mean()) / values["ict_freq"].std()
    without = matrix.without("gender").rows(np.arange(50))
    np.testing.assert_allclose(without, np.column_stack([np.ones(50), design, age, ict]))
    values["age"] = values["age"][::-1].copy()
    matrix.update("age", values["age"])
    np.testing.assert_allclose(
        matrix.without("ict_freq").rows(np.arange(50)),
        np.column_stack([np.ones(50), design, age[::-1], gender]),
    )


def test_a_first_fit_on_many_rows_starts_from_a_subsample_with_every_category():
    """_subsample_start: the subsample's estimate when it holds every observed category;
    None (a start from zero) when a rare category is missing from it, or below
    5 x START_ROWS rows."""
    from socialwork_ict.imputation.chained import START_ROWS, _logistic_ml, _subsample_start
    from socialwork_ict.models.columns import ModelColumns

    rng = np.random.default_rng(10)
    n = 5 * START_ROWS
    x = ModelColumns([np.asfortranarray(np.column_stack([np.ones(n), rng.normal(size=n)]))])
    codes = (rng.random(n) < 0.3).astype(np.intp)
    observed = np.ones(n, dtype=bool)

    def fit(x_fit, y_fit, rows, start):
        return _logistic_ml(x_fit, y_fit, 2, start=start, observed=rows)

    start = _subsample_start(fit, x, codes, observed)
    full, _ = fit(x, codes, observed, None)
    assert start is not None and np.allclose(start, full, atol=0.1)
    rare = np.zeros(n, dtype=np.intp)
    rare[1] = 1  # one respondent of the second category: not in the 1-in-5 subsample
    assert _subsample_start(fit, x, rare, observed) is None
    assert _subsample_start(fit, x, codes, np.arange(n) < n - 1) is None
