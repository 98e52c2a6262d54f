"""Rao-Scott F test against R survey::svychisq(statistic = "F") (oracle fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.inference.rao_scott import (
    TESTS_COLUMNS,
    interaction_contrasts,
    rao_scott_test,
    rao_scott_tests,
)

STATS = ["statistic", "df_num", "df_den", "p_value"]


@pytest.fixture(scope="module")
def results(oracle_weighted_frame):
    return rao_scott_tests(oracle_weighted_frame)


def test_names_and_columns(results, oracle_expected):
    expected = oracle_expected["tests"].iloc[:5]
    assert list(results.columns) == list(TESTS_COLUMNS)
    assert results["test"].tolist() == expected["test"].tolist()
    assert results["test"].tolist() == [
        f"rao_scott_age_group_x_ict_freq[{c}]" for c in ("CA", "US", "IL", "UK", "ALL")
    ]
    assert results["method"].tolist() == expected["method"].tolist()


@pytest.mark.parametrize("column", STATS)
def test_matches_r_all_five(results, oracle_expected, column):
    """Includes UK, whose <30 x ict_freq 4 cell is empty."""
    expected = oracle_expected["tests"].set_index("test").loc[results["test"], column]
    np.testing.assert_allclose(results[column].to_numpy(), expected.to_numpy(), rtol=1e-8)


def test_invariant_to_weight_scale_and_row_order(oracle_weighted_frame):
    uk = oracle_weighted_frame[oracle_weighted_frame["country"] == "UK"]
    base = rao_scott_test(uk)
    shuffled = uk.sample(frac=1.0, random_state=3).assign(weight=lambda d: d["weight"] * 7.0)
    other = rao_scott_test(shuffled)
    for key in STATS:
        assert other[key] == pytest.approx(base[key], rel=1e-10)


def test_missing_rows_stay_in_the_design(oracle_weighted_frame):
    """One stratum: k rows with a missing value scale V by ((n+k)/(n+k-1)) / (n/(n-1))
    (zero-influence rows counted in n_h), leave d0 alone and add k to nu."""
    il = oracle_weighted_frame[oracle_weighted_frame["country"] == "IL"]
    n, k = len(il), 6
    extra = il.iloc[:k].assign(ict_freq=pd.NA)
    padded = pd.concat([il.assign(ict_freq=il["ict_freq"].astype("Int64")), extra])
    base, with_missing = rao_scott_test(il), rao_scott_test(padded)
    factor = ((n + k) / (n + k - 1)) / (n / (n - 1))
    assert with_missing["statistic"] == pytest.approx(base["statistic"] / factor, rel=1e-10)
    assert with_missing["df_num"] == pytest.approx(base["df_num"], rel=1e-10)
    assert with_missing["df_den"] == pytest.approx(base["df_num"] * (n + k - 1), rel=1e-10)


def test_interaction_contrasts_span_the_interaction_space():
    c = interaction_contrasts(3, 4)
    assert c.shape == (12, 6)
    assert np.linalg.matrix_rank(c) == 6
    # orthogonal to the main-effects space: rows and columns of each contrast sum to 0
    tables = c.T.reshape(6, 4, 3)  # contrast x col x row (rows vary fastest)
    np.testing.assert_allclose(tables.sum(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(tables.sum(axis=2), 0, atol=1e-12)
