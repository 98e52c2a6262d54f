"""Rubin's rules, D1 and D2 against R ``mitools::MIcombine`` on the wave-2 fixture.

Known answers: ``tests/fixtures/oracle_calibration/expected/mi/`` (README
§5): the per-imputation ordinal estimates and design-based covariances of
the m = 5 completed files (``per_imputation_*.csv``) and what R pools from
them (``pooled_ordinal.csv``: MIcombine; ``pooled_wald_age.csv``: D1;
``pooled_rao_scott.csv``: D2). Tolerances (the issue's acceptance, the
fixture README's): pooled coefficients, SEs, df and fmi 1e-10 relative; D1
and D2 statistic, df and p 1e-8 relative.
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pandas as pd
import pytest

from socialwork_ict.inference.pooling import d1_test, d2_test, pool_proportions, rubin_pool

MI = "mi/"
AGE_TERMS = ["age_group[30-39]", "age_group[40-49]", "age_group[50-59]", "age_group[60+]"]
POOLED_NUMERIC = [
    "estimate", "std_error", "within_var", "between_var", "riv", "df_rubin", "fmi_rubin",
    "df_barnard_rubin", "fmi_barnard_rubin", "df_barnard_rubin_textbook",
    "fmi_barnard_rubin_textbook", "odds_ratio", "ci_low", "ci_high", "p_value",
]  # fmt: skip


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def per_imputation_inputs():
    """(m, p) estimates, (m, p, p) covariances and the term names from R's files."""
    est = oracle.expected(MI + "per_imputation_ordinal")
    vcov = oracle.expected(MI + "per_imputation_vcov")
    names = list(est.loc[est["imputation"] == 1, "term"])
    m = int(est["imputation"].max())
    q = np.stack([est.loc[est["imputation"] == i, "estimate"].to_numpy() for i in range(1, m + 1)])
    u = np.stack(
        [
            vcov.loc[vcov["imputation"] == i].set_index("term").loc[names, names].to_numpy()
            for i in range(1, m + 1)
        ]
    )
    return q, u, names


def check_pooled(table: pd.DataFrame, rtol: float = 1e-10) -> None:
    """Every column of ``pooled_ordinal.csv`` to ``rtol`` relative."""
    r = oracle.expected(MI + "pooled_ordinal").set_index("term")
    ours = table.set_index("term").loc[r.index]
    for column in POOLED_NUMERIC:
        assert _rel(ours[column], r[column]) < rtol, column
    assert (ours["df_complete"] == r["df_complete"]).all()


def check_d1(result: dict, rtol: float = 1e-8) -> None:
    r = oracle.expected(MI + "pooled_wald_age").iloc[0]
    for key in ("statistic", "df_num", "df_den", "p_value", "riv"):
        assert _rel(result[key], r[key]) < rtol, key


def check_d2(result: dict, rtol: float = 1e-8) -> None:
    r = oracle.expected(MI + "pooled_rao_scott").iloc[0]
    for key in ("statistic", "df_num", "df_den", "p_value", "riv"):
        assert _rel(result[key], r[key]) < rtol, key


def test_rubin_pool_matches_micombine():
    q, u, names = per_imputation_inputs()
    pooled = rubin_pool(q, u, names, df_complete=1985)
    check_pooled(pooled.table())


def test_d1_age_test_matches_r():
    q, u, names = per_imputation_inputs()
    check_d1(d1_test(rubin_pool(q, u, names, df_complete=1985), AGE_TERMS))


def test_d2_rao_scott_matches_r():
    tests = oracle.expected(MI + "per_imputation_tests")
    # d_l = df_num x F of the first-order correction, as R's chisq_first_order
    assert _rel(16 * tests["statistic"], tests["chisq_first_order"]) < 1e-13
    check_d2(d2_test(tests["chisq_first_order"].to_numpy(), 16))


def test_pooling_without_between_variance_is_the_complete_data_analysis():
    """Identical imputations: B = 0, SE = the complete-data SE, fmi (Rubin) 0."""
    q, u, names = per_imputation_inputs()
    same = rubin_pool(np.repeat(q[:1], 3, axis=0), np.repeat(u[:1], 3, axis=0), names, 1985)
    table = same.table()
    np.testing.assert_allclose(table["std_error"], np.sqrt(np.diag(u[0])), rtol=1e-14)
    assert np.all(table["fmi_rubin"] == 0) and np.all(np.isinf(table["df_rubin"]))
    np.testing.assert_allclose(table["df_barnard_rubin"], 1986 / 1988 * 1985, rtol=1e-14)


def test_logit_pooling_of_proportions():
    """Pooling on the logit scale = Rubin's rules on the delta-method logits, back-transformed;
    a cell with p = 0 in an imputation keeps the mean and no interval."""
    p = np.array([[0.2, 0.0], [0.25, 0.1], [0.22, 0.05]])
    se = np.array([[0.02, 0.0], [0.03, 0.02], [0.025, 0.01]])
    out = pool_proportions(p, se, np.array([100.0, 100.0]))
    logit = np.log(p[:, 0] / (1 - p[:, 0]))
    var = (se[:, 0] / (p[:, 0] * (1 - p[:, 0]))) ** 2
    one = rubin_pool(logit[:, None], var[:, None, None], ["p"], 100.0).table().iloc[0]
    assert out.loc[0, "estimate"] == pytest.approx(1 / (1 + np.exp(-one["estimate"])), rel=1e-14)
    assert out.loc[0, "ci_low"] == pytest.approx(one["ci_low"] / (1 + one["ci_low"]), rel=1e-12)
    assert out.loc[0, "df"] == pytest.approx(one["df_barnard_rubin"], rel=1e-14)
    assert out.loc[1, "estimate"] == pytest.approx(0.05) and np.isnan(out.loc[1, "ci_low"])


def completed_analyses(design=None):
    """:func:`analyse_completed` of R's five completed files with R's weights."""
    from socialwork_ict.imputation.analysis import analyse_completed
    from socialwork_ict.imputation.supplied import read_completed

    weighted = oracle.frame()
    return [
        analyse_completed(
            read_completed(oracle.EXPECTED / "mi" / f"imputation_{i}.csv", weighted),
            design=design,
        )
        for i in range(1, 6)
    ]


def test_per_imputation_analyses_match_r():
    """Each completed file's ordinal fit and variance (1e-10: R solved it exactly) and
    Rao-Scott test (1e-8) as R's per_imputation_*.csv."""
    analyses = completed_analyses()
    q, u, names = per_imputation_inputs()
    tests = oracle.expected(MI + "per_imputation_tests")
    for i, analysis in enumerate(analyses):
        ordinal = analysis["ordinal"].set_index("term").loc[names]
        assert np.max(np.abs(ordinal["estimate"] - q[i])) < 1e-10
        assert _rel(ordinal[names].to_numpy(), u[i]) < 1e-8
        assert (ordinal["df_residual"] == 1985).all()
        ours = analysis["tests"].set_index("test").loc["rao_scott_age_group_x_ict_freq[ALL]"]
        r = tests.iloc[i]
        for column in ("statistic", "df_num", "df_den", "p_value", "chisq_first_order"):
            assert _rel(ours[column], r[column]) < 1e-8, column


def test_pooling_the_completed_files_matches_r():
    """End to end from the completed files: pooled model 1e-10, D1 and D2 1e-8."""
    from socialwork_ict.imputation.analysis import pool_analyses

    pooled = pool_analyses(completed_analyses())
    check_pooled(pooled["ordinal"], rtol=1e-10)
    tests = pooled["tests"].set_index("test")
    check_d1(tests.loc["wald_age_group"].to_dict())
    check_d2(tests.loc["rao_scott_age_group_x_ict_freq[ALL]"].to_dict())
    table2 = pooled["table2"]
    assert len(table2) == 5 * 5 * 5 and table2["pct_weighted"].between(0, 100).all()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.drop(columns="sector"), "lacks model columns; values: 'sector'"),
        (lambda t: t.assign(ict_freq=t["ict_freq"].where(t.index != 3, "")),
         "column 'ict_freq': empty or invalid values in a completed model variable; "
         "values: ''; 1 row; first at data row 4"),
        (lambda t: t.assign(age=t["age"].where(t.index != 0, "17")),
         "column 'age': empty or invalid values"),
        (lambda t: t.iloc[1:], "eligible respondents missing from the completed file"),
        (lambda t: pd.concat([t, t.iloc[[5]]]), "duplicate respondent ids"),
        (lambda t: t.assign(country=t["country"].where(t.index != 2, "ZZ")),
         "country differs from the raw file's"),
    ],
)  # fmt: skip
def test_bad_completed_files_are_one_error_naming_file_column_and_row(tmp_path, edit, message):
    from socialwork_ict.errors import InputError
    from socialwork_ict.imputation.supplied import read_completed

    table = pd.read_csv(oracle.EXPECTED / "mi" / "imputation_1.csv", dtype=str)
    path = tmp_path / "imputation_1.csv"
    edit(table).to_csv(path, index=False)
    with pytest.raises(InputError) as error:
        read_completed(path, oracle.frame())
    text = error.value.message()
    assert text.startswith("file imputation_1.csv") and message in text, text
    assert "\n" not in text


def test_a_completed_file_that_changes_observed_values_warns(tmp_path, caplog):
    from socialwork_ict.imputation.supplied import read_completed

    table = pd.read_csv(oracle.EXPECTED / "mi" / "imputation_1.csv", dtype=str)
    observed = oracle.frame()["ict_freq"].notna().to_numpy()
    first = int(np.flatnonzero(observed)[0])
    table.loc[first, "ict_freq"] = "5" if table.loc[first, "ict_freq"] != "5" else "1"
    table.to_csv(tmp_path / "edited.csv", index=False)
    read_completed(tmp_path / "edited.csv", oracle.frame())
    assert "column ict_freq: 1 observed values differ" in caplog.text
