"""Comparisons of :func:`calibration_oracle.ours` with R's tables, shared by the
calibration and replicate tests (each passes its own tolerances)."""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np


def check_item_means(name: str, rtol: float) -> None:
    got = oracle.ours(name)["item_means"]
    exp = oracle.expected(oracle.PREFIX[name] + "item_means")
    assert list(got["country"]) == list(exp["country"]) and list(got["item"]) == list(exp["item"])
    assert list(got["n"]) == list(exp["n"])
    for column in ("mean", "se", "deff", "deft"):
        np.testing.assert_allclose(got[column], exp[column], rtol=rtol, atol=0, err_msg=column)


def check_table2(name: str, atol_pp: float) -> None:
    got = oracle.ours(name)["table2_freq_by_age"]
    exp = oracle.expected(oracle.PREFIX[name] + "table2_freq_by_age")
    for column in ("country", "age_group", "ict_freq", "n", "df"):
        assert list(got[column]) == list(exp[column]), column
    for column in ("pct_weighted", "se_weighted", "ci_low", "ci_high"):
        a, b = got[column].to_numpy(), exp[column].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b)), column  # empty CIs where R's are
        np.testing.assert_allclose(a, b, rtol=0, atol=atol_pp, err_msg=column)


def check_models(name: str, se_rtol: float, coef_atol: float = 1e-6) -> None:
    out = oracle.ours(name)
    for table in ("model_ordinal", "model_logistic_often"):
        got = out[table]
        exp = oracle.expected(oracle.PREFIX[name] + table).set_index("term").loc[got.index]
        np.testing.assert_allclose(got["estimate"], exp["estimate"], rtol=0, atol=coef_atol)
        np.testing.assert_allclose(got["std_error"], exp["std_error"], rtol=se_rtol, atol=0)
        if "df" in exp:
            assert set(got["df"]) == set(exp["df"])
    vcov = out["model_ordinal_vcov"]
    exp = oracle.expected(oracle.PREFIX[name] + "model_ordinal_vcov").set_index("term")
    exp = exp.loc[vcov.index, vcov.columns].to_numpy()
    scale = np.sqrt(np.outer(np.diag(exp), np.diag(exp)))  # relative to the SEs' product
    assert np.max(np.abs(vcov.to_numpy() - exp) / scale) < 2 * se_rtol


def check_tests(name: str, rtol: float) -> None:
    got = oracle.ours(name)["tests"]
    exp = oracle.expected(oracle.PREFIX[name] + "tests").set_index("test").loc[got.index]
    np.testing.assert_allclose(got["statistic"], exp["statistic"], rtol=rtol, atol=0)
    np.testing.assert_allclose(got["df_num"], exp["df_num"], rtol=rtol, atol=0)
    # the README: match df_den_domain / p_value_domain (R's calibrated df_den is an artefact)
    np.testing.assert_allclose(got["df_den"], exp["df_den_domain"], rtol=rtol, atol=0)
    np.testing.assert_allclose(got["p_value"], exp["p_value_domain"], rtol=rtol, atol=0)
