"""Design-based Wald tests (regTermTest arithmetic) on the oracle's model vcov.

The fixture has the full vcov only for the main ordinal model
(expected/model_ordinal_vcov.csv); the interaction model's 12-coefficient
vcov is not in it, so the exact check of wald_age_group_x_country
(chisq 24.0089600527958) belongs with the model code that produces that vcov.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from socialwork_ict.inference.wald import (
    age_trend_contrast,
    age_trend_test,
    wald_test,
    wald_test_rows,
    wald_test_terms,
)

AGE_TERMS = ["age_group[30-39]", "age_group[40-49]", "age_group[50-59]", "age_group[60+]"]


@pytest.fixture(scope="module")
def model(oracle_expected):
    table = oracle_expected["model_ordinal"].set_index("term")
    vcov = oracle_expected["model_ordinal_vcov"].set_index("term")
    return table, table["estimate"], vcov


def test_age_terms_4df_against_hand_computation(model):
    _, est, vcov = model
    b = est.loc[AGE_TERMS].to_numpy()
    v = vcov.loc[AGE_TERMS, AGE_TERMS].to_numpy()
    chisq = b @ np.linalg.solve(v, b)
    df_den = 2000 - 4 - 11  # svyolr df.residual: design df - coefficients
    f_form = wald_test_terms(est, vcov, AGE_TERMS, df_den=df_den)
    assert f_form["chisq"] == pytest.approx(chisq, rel=1e-12)
    assert f_form["statistic"] == pytest.approx(chisq / 4, rel=1e-12)
    assert (f_form["df_num"], f_form["df_den"]) == (4, df_den)
    assert f_form["p_value"] == pytest.approx(stats.f.sf(chisq / 4, 4, df_den), rel=1e-12)
    chisq_form = wald_test_terms(est, vcov, AGE_TERMS)
    assert chisq_form["statistic"] == pytest.approx(chisq, rel=1e-12)
    assert np.isinf(chisq_form["df_den"])
    assert chisq_form["p_value"] == pytest.approx(stats.chi2.sf(chisq, 4), rel=1e-12)


def test_single_term_reproduces_r_z_test(model):
    """1-df chi-square Wald test = R's 2 * pnorm(-|est / se|) of model_ordinal.csv."""
    table, est, vcov = model
    terms = [t for t in table.index if not t.startswith("threshold")]
    for term in terms:
        result = wald_test_terms(est, vcov, [term])
        assert result["p_value"] == pytest.approx(table.loc[term, "p_value"], rel=1e-8)


def test_contrast_and_null(model):
    _, est, vcov = model
    b = est.to_numpy()
    v = vcov.loc[est.index, est.index].to_numpy()
    L = np.zeros((1, b.size))
    L[0, 0], L[0, 1] = 1.0, -1.0  # age 30-39 vs 40-49
    result = wald_test(b, v, contrast=L, null=[0.01])
    diff = b[0] - b[1] - 0.01
    var = v[0, 0] + v[1, 1] - 2 * v[0, 1]
    assert result["chisq"] == pytest.approx(diff**2 / var, rel=1e-12)


def test_age_trend(model):
    _, est, vcov = model
    weights = age_trend_contrast()
    np.testing.assert_allclose(weights, np.array([-1.0, 0.0, 1.0, 2.0]) / 10.0)
    result = age_trend_test(est, vcov, df_den=1985)
    effects = np.concatenate([[0.0], est.loc[AGE_TERMS].to_numpy()])
    slope = np.polyfit(np.arange(5.0), effects, 1)[0]
    assert result["estimate"] == pytest.approx(slope, rel=1e-10)
    v = vcov.loc[AGE_TERMS, AGE_TERMS].to_numpy()
    assert result["std_error"] == pytest.approx(np.sqrt(weights @ v @ weights), rel=1e-12)
    assert result["statistic"] == pytest.approx((slope / result["std_error"]) ** 2, rel=1e-10)
    assert result["df_num"] == 1
    # rescaling the scores rescales the slope but not the test
    rescaled = age_trend_test(est, vcov, df_den=1985, scores=[25, 35, 45, 55, 65])
    assert rescaled["estimate"] == pytest.approx(slope / 10, rel=1e-10)
    assert rescaled["p_value"] == pytest.approx(result["p_value"], rel=1e-10)


def test_rows_reproduce_r_f_and_chisq_forms(oracle_expected):
    """From R's chisq, the F form (chisq / 12, F(12, 1973)) and chi-square form
    p-values agree with tests.csv (the chisq itself needs the model's vcov)."""
    expected = oracle_expected["tests"].set_index("test")
    chisq = expected.loc["wald_age_group_x_country_chisq", "statistic"]
    rows = wald_test_rows(
        "wald_age_group_x_country", {"chisq": chisq, "df_num": 12.0, "df_den": 1973.0}
    ).set_index("test")
    for name in rows.index:
        for column in ["statistic", "df_num", "df_den", "p_value"]:
            assert rows.loc[name, column] == pytest.approx(expected.loc[name, column], rel=1e-8)
        assert rows.loc[name, "method"] == expected.loc[name, "method"]


def test_errors():
    with pytest.raises(ValueError):
        wald_test(np.zeros(2), np.eye(3))
    with pytest.raises(KeyError):
        wald_test_terms(pd.Series({"a": 1.0}), pd.DataFrame([[1.0]], ["a"], ["a"]), ["b"])
