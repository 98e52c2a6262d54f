"""Table 1 (sample characteristics) sanity checks on the oracle fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.errors import InputError
from socialwork_ict.tables import MISSING, SKIPPED, TABLE1_COLUMNS, TABLE1_VARIABLES, table1_sample


@pytest.fixture(scope="module")
def table1(oracle_weighted_frame):
    return table1_sample(oracle_weighted_frame)


def test_columns_and_row_order(table1):
    assert list(table1.columns) == list(TABLE1_COLUMNS)
    assert table1["country"].unique().tolist() == ["CA", "US", "IL", "UK", "ALL"]
    ca = table1[table1["country"] == "CA"]
    assert ca["variable"].unique().tolist() == list(TABLE1_VARIABLES)
    assert ca[ca["variable"] == "ict_freq"]["category"].tolist() == [
        "never", "rarely", "sometimes", "often", "very often", MISSING,
    ]  # fmt: skip


def test_percentages_sum_to_100(table1):
    sums = table1.groupby(["country", "variable"])[["pct_unweighted", "pct_weighted"]].sum()
    np.testing.assert_allclose(sums.to_numpy(), 100.0, atol=1e-9)


def test_counts_add_up(table1, oracle_weighted_frame):
    n_by_country = oracle_weighted_frame["country"].astype(str).value_counts()
    sums = table1.groupby(["country", "variable"])["n"].sum()
    for (country, _), n in sums.items():
        assert n == (len(oracle_weighted_frame) if country == "ALL" else n_by_country[country])


def test_equal_weights_give_unweighted(oracle_weighted_frame):
    equal = table1_sample(oracle_weighted_frame.assign(weight=3.0))
    np.testing.assert_allclose(equal["pct_weighted"], equal["pct_unweighted"], atol=1e-12)
    no_weight = table1_sample(oracle_weighted_frame, weight=None)
    np.testing.assert_allclose(no_weight["pct_weighted"], equal["pct_weighted"], atol=1e-12)


def test_weighted_age_matches_raking_targets(table1, oracle_targets):
    """Raked weights reproduce the age targets: a check that weights are used."""
    ca = table1.query("country == 'CA' and variable == 'age_group' and category != @MISSING")
    target = pd.Series(oracle_targets["CA"]["age_group"]).reindex(ca["category"])
    np.testing.assert_allclose(
        ca["pct_weighted"].to_numpy(), 100 * target / target.sum(), atol=1e-8
    )


def test_skip_logic_told_apart_from_missing(oracle_weighted_frame):
    frame = oracle_weighted_frame.copy()
    for item in ["contact_after_hours", "ict_email"]:
        frame[item] = frame[item].astype("Int64")  # nullable integers
    users = frame.index[frame["ict_freq"] >= 2]
    frame.loc[users[:3], "contact_after_hours"] = pd.NA  # item non-response
    frame.loc[frame.index[:2], "ict_email"] = -99  # "prefer not to say"
    table = table1_sample(frame).set_index(["country", "variable", "category"]).sort_index()
    never = int((frame["ict_freq"] == 1).sum())
    assert table.loc[("ALL", "contact_after_hours", SKIPPED), "n"] == never
    assert table.loc[("ALL", "contact_after_hours", MISSING), "n"] == 3
    assert table.loc[("ALL", "ict_email", MISSING), "n"] == 2
    assert SKIPPED not in table.loc[("ALL", "ict_email")].index


def test_integer_coded_factors_accepted(oracle_weighted_frame):
    coded = oracle_weighted_frame.assign(
        gender=oracle_weighted_frame["gender"].cat.codes.astype("Int64") + 1
    )
    a = table1_sample(oracle_weighted_frame)
    b = table1_sample(coded)
    pd.testing.assert_frame_equal(a, b)


def test_unknown_code_raises(oracle_weighted_frame):
    frame = oracle_weighted_frame.assign(workplace_policy=oracle_weighted_frame["workplace_policy"])
    frame.loc[frame.index[0], "workplace_policy"] = 7
    with pytest.raises(InputError, match="workplace_policy"):
        table1_sample(frame)


def test_table1_deff_is_the_design_effect_of_each_weighted_share():
    """Table 1's deff on a design: the fixture's yes/no items (R's svymean deff on the
    respondents with an answer differs: Table 1's shares count every respondent), checked
    against cell_variances of the same share built directly."""
    import calibration_oracle as oracle
    from scipy import sparse

    from socialwork_ict.inference.proportions import cell_variances, proportion_deff
    from socialwork_ict.tables import table1_sample

    frame = oracle.frame()
    design = oracle.design("calibrated")
    table = table1_sample(frame, design=design)
    row = table[(table["country"] == "US") & (table["variable"] == "ict_email")
                & (table["category"] == "yes")].iloc[0]  # fmt: skip
    us = (frame["country"].astype(str) == "US").to_numpy()
    yes = us & (pd.to_numeric(frame["ict_email"]) == 1).to_numpy()
    variance = cell_variances(
        design, sparse.csr_matrix(yes[None, :].astype(float)),
        sparse.csr_matrix(us[None, :].astype(float)),
    )  # fmt: skip
    expected = proportion_deff(row["pct_weighted"] / 100.0, variance, us.sum())
    assert row["deff"] == pytest.approx(float(expected[0]), rel=1e-12)
    assert 0.5 < row["deff"] < 2.0
    # a raking margin under calibration (not-raked respondents aside): no variance
    age = table[(table["country"] == "UK") & (table["variable"] == "age_group")
                & (table["category"] != MISSING)]  # fmt: skip
    assert (age["deff"].dropna() < 0.05).all()


@pytest.mark.parametrize("name", ["bootstrap_reraked", "jkn_reraked"])
def test_table1_deff_on_replicates_is_that_of_cell_variances(name):
    """On a replicate design Table 1's deff comes from the replicate totals per
    country x category cell (ALL: the countries' sums); the same as cell_variances
    of the share built directly, for a country's and ALL's cells."""
    import calibration_oracle as oracle
    from scipy import sparse

    from socialwork_ict.inference.proportions import cell_variances, proportion_deff

    frame = oracle.frame()
    design = oracle.design(name)
    table = table1_sample(frame, design=design)
    labels = frame["country"].astype(str).to_numpy()
    email = (pd.to_numeric(frame["ict_email"]) == 1).to_numpy()
    for country in ("US", "ALL"):
        domain = labels == country if country != "ALL" else np.ones(len(frame), dtype=bool)
        row = table[(table["country"] == country) & (table["variable"] == "ict_email")
                    & (table["category"] == "yes")].iloc[0]  # fmt: skip
        variance = cell_variances(
            design, sparse.csr_matrix((domain & email)[None, :].astype(float)),
            sparse.csr_matrix(domain[None, :].astype(float)),
        )  # fmt: skip
        expected = proportion_deff(row["pct_weighted"] / 100.0, variance, domain.sum())
        assert row["deff"] == pytest.approx(float(expected[0]), rel=1e-9)
