"""The age tests of tests.csv (issue 16) against R's survey package.

``tests/fixtures/oracle_age/``: the oracle_small respondents with R's raked
weights (fixed sampling weights, strata = country) and some item
non-response, so that the model's complete cases (1,862) are fewer than
Table 2's sample (everyone with an age group and a frequency). R numbers
from ``oracle_age.R`` (see its PROVENANCE.md). Tolerances as the other
oracle tests: 1e-8 relative for the Rao-Scott tests (no optimiser), 1e-6
for what rests on the fitted model (svyolr's optimiser tolerance).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.codes import AGE_GROUPS, age_group_from_age, as_factor
from socialwork_ict.models.age_tests import age_association_tests, age_contrast
from socialwork_ict.models.model_frame import complete_cases
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.models.predict import standardised_contrast, standardised_predictions

FIXTURE = Path(__file__).parent / "fixtures" / "oracle_age"


@pytest.fixture(scope="module")
def everyone() -> pd.DataFrame:
    data = pd.read_csv(FIXTURE / "input.csv", dtype={"respondent_id": str})
    data["country"] = as_factor(data["country"], "country")
    data["age_group"] = age_group_from_age(data["age"])
    data["gender"] = as_factor(data["gender"], "gender")
    data["sector"] = as_factor(data["sector"], "sector")
    data["ict_freq"] = data["ict_freq"].astype("Int64")
    return data


@pytest.fixture(scope="module")
def results(everyone):
    frame, dropped = complete_cases(everyone)
    assert dropped > 0 and everyone["ict_freq"].isna().sum() > 0
    primary = fit_ordinal(frame)
    tests = age_association_tests(frame, primary, everyone=everyone)
    return frame, primary, tests.table.set_index("test")


@pytest.fixture(scope="module")
def expected():
    return pd.read_csv(FIXTURE / "expected" / "tests.csv").set_index("test")


def test_model_is_r_svyolr_on_the_complete_cases(results):
    _, primary, _ = results
    r = pd.read_csv(FIXTURE / "expected" / "model_ordinal.csv")
    r_age = r[r["term"].str.startswith("age_group")]["estimate"].to_numpy()
    ours = primary.params[[f"age_group[{g}]" for g in AGE_GROUPS[1:]]].to_numpy()
    np.testing.assert_allclose(ours, r_age, rtol=0, atol=1e-6)


def test_rao_scott_uses_table2_sample_as_r_svychisq(results, expected):
    """svychisq on the design of every respondent (R's domain rule), not the
    model's complete cases."""
    _, _, ours = results
    names = [n for n in expected.index if n.startswith("rao_scott")]
    assert len(names) == 5
    for column in ("statistic", "df_num", "df_den", "p_value"):
        np.testing.assert_allclose(
            ours.loc[names, column].to_numpy(dtype=float),
            expected.loc[names, column].to_numpy(dtype=float),
            rtol=1e-8,
            err_msg=column,
        )


@pytest.mark.parametrize(
    "name", ["wald_age_group", "contrast_under_30_vs_older", "nonlinearity_age_group"]
)
def test_age_effect_tests_match_regtermtest_and_svycontrast(results, expected, name):
    _, _, ours = results
    for column in ("df_num", "df_den"):
        assert float(ours.loc[name, column]) == float(expected.loc[name, column]), column
    for column in ("statistic", "p_value"):
        assert float(ours.loc[name, column]) == pytest.approx(
            float(expected.loc[name, column]), rel=1e-6
        ), column


def test_contrast_estimate_and_ci_match_svycontrast(results):
    frame, primary, ours = results
    r = pd.read_csv(FIXTURE / "expected" / "contrast_under_30_vs_older.csv").iloc[0]
    c = age_contrast(frame, primary)
    assert c["log_odds"] == pytest.approx(r["estimate"], abs=1e-6)
    for ours_key, r_key in (
        ("log_odds_se", "std_error"),
        ("log_odds_ci_low", "ci_low"),
        ("log_odds_ci_high", "ci_high"),
    ):
        assert c[ours_key] == pytest.approx(r[r_key], rel=1e-6), ours_key
    assert f"estimate {c['log_odds']:.4f}" in ours.loc["contrast_under_30_vs_older", "method"]


def test_probability_contrast_is_the_difference_of_standardised_predictions(results):
    """The probability-scale contrast is built from the same influence values as
    the standardised predictions: its estimate is their difference, and a
    one-level "contrast" has exactly that prediction's SE."""
    frame, primary, _ = results
    preds = standardised_predictions(primary, frame)
    often = preds[(preds["country"] == "ALL") & (preds["outcome"] == "ict_freq>=4")]
    p = often.set_index("age_group")["estimate"]
    c = age_contrast(frame, primary)
    assert c["probability"] == pytest.approx(p.iloc[1:].mean() - p.iloc[0], abs=1e-12)
    single = standardised_contrast(primary, frame, {"<30": 1.0})
    se = often.set_index("age_group")["std_error"]
    assert single["std_error"] == pytest.approx(se.iloc[0], rel=1e-10)
    assert c["probability_ci_low"] < c["probability"] < c["probability_ci_high"]


def test_trend_is_not_read_as_monotone_and_po_covers_every_term(results):
    _, primary, ours = results
    assert "not a test of a monotone effect" in ours.loc["trend_age_group", "method"]
    every = ours.loc["proportional_odds[all terms]"]
    n_terms = len(primary.terms)  # 4 age + 3 country + gender + 3 sector terms
    assert float(every["df_num"]) == 3 * n_terms  # K - 2 = 3 cut differences per term
    assert float(ours.loc["proportional_odds[age_group]", "df_num"]) == 3 * 4
