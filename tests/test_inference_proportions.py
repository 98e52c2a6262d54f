"""Domain proportions, logit CIs and table 2 against R survey (oracle fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialwork_ict.inference.proportions import (
    TABLE2_COLUMNS,
    domain_proportions,
    logit_ci,
    table2_freq_by_age,
)

KEYS = ["country", "age_group", "ict_freq"]


@pytest.fixture(scope="module")
def table2(oracle_weighted_frame):
    return table2_freq_by_age(oracle_weighted_frame)


def test_table2_shape_and_order(table2, oracle_expected):
    expected = oracle_expected["table2_freq_by_age"]
    assert list(table2.columns) == list(TABLE2_COLUMNS)
    assert len(table2) == 5 * 5 * 5
    for key in KEYS:
        assert table2[key].astype(str).tolist() == expected[key].astype(str).tolist()


def test_table2_counts_and_df_exact(table2, oracle_expected):
    expected = oracle_expected["table2_freq_by_age"]
    assert table2["n"].tolist() == expected["n"].tolist()
    assert table2["df"].tolist() == expected["df"].tolist()


@pytest.mark.parametrize("column", ["pct_weighted", "se_weighted", "ci_low", "ci_high"])
def test_table2_matches_r(table2, oracle_expected, column):
    expected = oracle_expected["table2_freq_by_age"][column].to_numpy()
    got = table2[column].to_numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8, equal_nan=True)


def test_table2_empty_cell_is_r_like(table2):
    cell = table2.query("country == 'UK' and age_group == '<30' and ict_freq == 4").iloc[0]
    assert cell["n"] == 0 and cell["pct_weighted"] == 0 and cell["se_weighted"] == 0
    assert np.isnan(cell["ci_low"]) and np.isnan(cell["ci_high"])


def test_table2_percentages_sum_to_100(table2):
    sums = table2.groupby(["country", "age_group"])["pct_weighted"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 100.0, atol=1e-9)


def test_missing_item_is_dropped_from_the_domain_but_not_from_df(oracle_weighted_frame):
    frame = oracle_weighted_frame.assign(ict_freq=oracle_weighted_frame["ict_freq"].astype("Int64"))
    frame.loc[frame.index[:5], "ict_freq"] = pd.NA
    with_missing = table2_freq_by_age(frame)
    dropped = table2_freq_by_age(frame[frame["ict_freq"].notna()])
    # proportions and counts as if the rows were absent; df still counts them
    for column in ["n", "pct_weighted"]:
        np.testing.assert_allclose(with_missing[column], dropped[column], atol=1e-12)
    assert (with_missing["df"] >= dropped["df"]).all()
    assert (with_missing["df"] > dropped["df"]).any()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 3), min_size=3, max_size=40))
def test_srs_proportion_se_is_binomial(values):
    """Equal weights, one stratum, whole sample: se^2 = p (1 - p) / (n - 1)."""
    x = np.asarray(values, dtype=float)
    n = x.size
    est = domain_proportions(x, np.full(n, 2.5), np.zeros(n), categories=(1, 2, 3))
    p = np.array([(x == k).mean() for k in (1, 2, 3)])
    np.testing.assert_allclose(est["proportion"], p, atol=1e-12)
    np.testing.assert_allclose(est["se"] ** 2, p * (1 - p) / (n - 1), atol=1e-12)
    assert (est["df"] == n - 1).all()


def test_domain_uses_whole_stratum_count():
    """Outside-domain respondents enter the variance as zeros (n_h = stratum size)."""
    x = np.array([1, 2, 1, 2, 1, 1, 2, 2], dtype=float)
    domain = np.array([1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    w = np.ones(8)
    est = domain_proportions(x, w, np.zeros(8), domain=domain, categories=(1, 2))
    z = np.where(domain, (x == 1) - 0.5, 0.0) / 4
    expected = 8 / 7 * np.sum((z - z.mean()) ** 2)
    np.testing.assert_allclose(est["se"].iloc[0] ** 2, expected, rtol=1e-12)
    assert est["df"].iloc[0] == 3


def test_logit_ci_formula():
    p, se, df = np.array([0.2, 0.0, 1.0]), np.array([0.05, 0.0, 0.0]), np.array([30, 30, 30])
    low, high = logit_ci(p, se, df)
    from scipy import special, stats

    half = stats.t.ppf(0.975, 30) * 0.05 / (0.2 * 0.8)
    assert low[0] == pytest.approx(special.expit(special.logit(0.2) - half), rel=1e-12)
    assert high[0] == pytest.approx(special.expit(special.logit(0.2) + half), rel=1e-12)
    assert np.isnan(low[1:]).all() and np.isnan(high[1:]).all()


@pytest.mark.parametrize(
    ("name", "rtol"), [("fixed", 1e-8), ("calibrated", 1e-8), ("bootstrap_reraked", 1e-8)]
)
def test_cell_variances_and_proportion_deff_match_r_svymean_deff(name, rtol):
    """The yes/no items' proportions per country (and ALL): variance and deff as R's
    svymean(deff = "replace") on the fixed, calibrated and re-raked bootstrap designs."""
    import calibration_oracle as oracle
    from scipy import sparse

    from socialwork_ict.inference.proportions import cell_variances, proportion_deff

    frame = oracle.frame()
    design = oracle.design(name)
    r = oracle.expected(oracle.PREFIX[name] + "item_means")
    countries = frame["country"].astype(str).to_numpy()
    num, den = [], []
    for row in r.itertuples():
        y = pd.to_numeric(frame[row.item], errors="coerce").to_numpy(dtype=float)
        domain = (countries == row.country) if row.country != "ALL" else np.ones(y.size, bool)
        answered = domain & ~np.isnan(y)
        num.append(answered & (y == 1))
        den.append(answered)
    numerators = sparse.csr_matrix(np.array(num, dtype=float))
    denominators = sparse.csr_matrix(np.array(den, dtype=float))
    variance = cell_variances(design, numerators, denominators, chunk=7)
    np.testing.assert_allclose(np.sqrt(variance), r["se"], rtol=rtol, atol=0)
    n = np.asarray(denominators.sum(axis=1)).ravel()
    assert n.tolist() == r["n"].tolist()
    deff = proportion_deff(r["mean"].to_numpy(), variance, n)
    np.testing.assert_allclose(deff, r["deff"], rtol=rtol, atol=0)
    # the same with one denominator row per distinct domain (cell_domain)
    keys = [row.tobytes() for row in np.array(den)]
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    unique = sorted(set(first.values()))
    cell_domain = np.array([unique.index(first[k]) for k in keys])
    shared = cell_variances(design, numerators, denominators[unique], cell_domain=cell_domain)
    np.testing.assert_allclose(shared, variance, rtol=1e-12, atol=0)
