"""Sensitivity table of the age terms (oracle fixture)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.codes import COUNTRIES
from socialwork_ict.errors import InputError
from socialwork_ict.models.logistic import fit_logistic
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.models.sensitivity import (
    AGE_TERMS,
    SENSITIVITY_COLUMNS,
    sensitivity_table,
)

NUMERIC = ["estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value"]
SPECIFICATIONS = [
    "weighted",
    "unweighted",
    "trimmed_weights",
    "binary_logit",
    *(f"country_{c}" for c in COUNTRIES),
    "age_continuous",
]


@pytest.fixture(scope="module")
def frame(oracle_weighted_frame):
    return oracle_weighted_frame.assign(weight_trimmed=oracle_weighted_frame["weight"])


@pytest.fixture(scope="module")
def table(frame):
    return sensitivity_table(frame)


def rows(table: pd.DataFrame, specification: str) -> pd.DataFrame:
    return table[table["specification"] == specification].reset_index(drop=True)


def age_rows(coef: pd.DataFrame, terms=AGE_TERMS) -> pd.DataFrame:
    return coef[coef["term"].isin(terms)][["term", *NUMERIC]].reset_index(drop=True)


def assert_same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got[["term", *NUMERIC]], expected, check_exact=True)


def test_columns_and_row_order(table):
    assert list(table.columns) == SENSITIVITY_COLUMNS
    expected_spec = [s for s in SPECIFICATIONS[:-1] for _ in AGE_TERMS] + ["age_continuous"]
    assert list(table["specification"]) == expected_spec
    expected_terms = list(AGE_TERMS) * (len(SPECIFICATIONS) - 1) + ["age_per_10y"]
    assert list(table["term"]) == expected_terms
    assert table["description"].str.len().gt(0).all()
    assert table["n"].dtype == np.int64
    assert table[NUMERIC].notna().all().all()


def test_row_order_stable_under_shuffled_input(frame, table):
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    again = sensitivity_table(shuffled)
    assert list(again["specification"]) == list(table["specification"])
    assert list(again["term"]) == list(table["term"])
    np.testing.assert_allclose(again["estimate"], table["estimate"], rtol=0, atol=1e-8)
    pd.testing.assert_frame_equal(sensitivity_table(frame), table)


def test_weighted_equals_fit_ordinal_exactly(frame, table):
    fit = fit_ordinal(frame)
    got = rows(table, "weighted")
    assert_same(got, age_rows(fit.coef_table()))
    assert (got["n"] == len(frame)).all()
    assert (got["warnings"] == "; ".join(fit.warnings)).all()


def test_weighted_matches_svyolr_oracle(table, oracle_expected):
    expected = oracle_expected["model_ordinal"]
    expected = expected[expected["term"].isin(AGE_TERMS)].reset_index(drop=True)
    got = rows(table, "weighted")
    assert list(got["term"]) == list(expected["term"])
    np.testing.assert_allclose(got["estimate"], expected["estimate"], rtol=0, atol=1e-6)
    for col in ("std_error", "odds_ratio", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(got[col], expected[col], rtol=1e-6, err_msg=col)


def test_unweighted_equals_weight_one(frame, table):
    fit = fit_ordinal(frame.assign(weight=1.0))
    assert_same(rows(table, "unweighted"), age_rows(fit.coef_table()))
    assert not np.allclose(
        rows(table, "unweighted")["estimate"], rows(table, "weighted")["estimate"]
    )


def test_trimmed_weights_use_their_column(frame, table):
    # weight_trimmed == weight in the fixture: same as the primary model
    assert_same(rows(table, "trimmed_weights"), age_rows(fit_ordinal(frame).coef_table()))
    cap = 1.5 * frame["weight"].mean()
    trimmed = frame.assign(weight_trimmed=frame["weight"].clip(upper=cap))
    got = rows(sensitivity_table(trimmed), "trimmed_weights")
    expected = fit_ordinal(trimmed, weight="weight_trimmed").coef_table()
    assert_same(got, age_rows(expected))
    assert not np.allclose(got["estimate"], rows(table, "weighted")["estimate"])


def test_binary_logit_equals_fit_logistic(frame, table):
    fit = fit_logistic(frame, at_least=4)
    got = rows(table, "binary_logit")
    assert_same(got, age_rows(fit.coef_table()))
    assert (got["n"] == len(frame)).all()


def test_country_rows_own_data_no_country_term(frame, table):
    counts = frame["country"].astype(str).value_counts()
    for country in COUNTRIES:
        got = rows(table, f"country_{country}")
        assert len(got) == len(AGE_TERMS)
        assert (got["n"] == counts[country]).all()
        subset = frame[frame["country"] == country]
        fit = fit_ordinal(subset, terms=("age_group", "gender", "sector"))
        assert not any(t.startswith("country[") for t in fit.params.index)
        assert_same(got, age_rows(fit.coef_table()))
    assert sum(rows(table, f"country_{c}")["n"].iloc[0] for c in COUNTRIES) == len(frame)


def test_age_continuous(frame, table):
    got = rows(table, "age_continuous")
    assert list(got["term"]) == ["age_per_10y"]
    fit = fit_ordinal(frame, terms=("country", "gender", "sector"), age_per_10=True)
    assert_same(got, age_rows(fit.coef_table(), terms=["age_per_10y"]))


def test_failed_specification_gives_nan_and_warning(frame):
    # everyone in the UK answers "sometimes": no ordinal model in the UK alone,
    # and the often/very often logit has country[UK] separated
    forced = frame.copy()
    forced.loc[forced["country"] == "UK", "ict_freq"] = 3
    table = sensitivity_table(forced)
    assert list(table.columns) == SENSITIVITY_COLUMNS
    assert list(table["specification"].unique()) == SPECIFICATIONS

    uk = rows(table, "country_UK")
    assert list(uk["term"]) == list(AGE_TERMS)
    assert uk[NUMERIC].isna().all().all()
    assert (uk["n"] == int((forced["country"] == "UK").sum())).all()
    assert uk["warnings"].str.startswith("not fitted:").all()
    assert uk["warnings"].str.contains("fewer than two observed response categories").all()

    logit = rows(table, "binary_logit")
    assert logit[NUMERIC].isna().all().all()
    assert logit["warnings"].str.contains(r"separation.*country\[UK\]").all()

    fitted = table[~table["specification"].isin(["country_UK", "binary_logit"])]
    assert fitted[NUMERIC].notna().all().all()
    assert not fitted["warnings"].str.contains("not fitted").any()
    assert_same(rows(table, "weighted"), age_rows(fit_ordinal(forced).coef_table()))


def test_missing_trimmed_column_fails_only_its_rows(oracle_weighted_frame):
    table = sensitivity_table(oracle_weighted_frame)  # no weight_trimmed column
    trimmed = rows(table, "trimmed_weights")
    assert trimmed[NUMERIC].isna().all().all()
    assert trimmed["warnings"].str.contains("not fitted: column 'weight_trimmed'").all()
    others = table[table["specification"] != "trimmed_weights"]
    assert others[NUMERIC].notna().all().all()


def test_fit_warnings_carried_and_absent_level(frame):
    # nobody aged 60+ in IL: that specification has no age_group[60+] row
    subset = frame[~((frame["country"] == "IL") & (frame["age_group"] == "60+"))]
    table = sensitivity_table(subset)
    il = rows(table, "country_IL")
    assert list(il["term"]) == list(AGE_TERMS[:-1])
    assert il["warnings"].str.contains(r"no respondents for age_group\[60\+\]").all()
    # the fixture has nobody of another gender: every fit says so
    assert table["warnings"].str.contains(r"gender\[another gender\]").all()


def test_collapsed_category_warning_carried(frame):
    forced = frame.copy()
    forced.loc[(forced["country"] == "IL") & (forced["ict_freq"] == 5), "ict_freq"] = 4
    il = rows(sensitivity_table(forced), "country_IL")
    assert il[NUMERIC].notna().all().all()
    assert (
        il["warnings"]
        .str.contains("response categories [5] have no respondents", regex=False)
        .all()
    )


def test_incomplete_cases_are_input_error(frame):
    broken = frame.copy()
    broken["gender"] = broken["gender"].astype(object)
    broken.loc[broken.index[:3], "gender"] = np.nan
    with pytest.raises(InputError, match="complete cases"):
        sensitivity_table(broken)
    with pytest.raises(InputError, match="age_group"):
        sensitivity_table(frame, terms=("country", "gender", "sector"))


def test_frame_not_modified(frame):
    before = frame.copy()
    sensitivity_table(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_specification_names_match_the_workflow_and_the_table(oracle_weighted_frame):
    from socialwork_ict.models.sensitivity import specification_names

    frame = oracle_weighted_frame.assign(weight_trimmed=oracle_weighted_frame["weight"])
    names = specification_names()
    assert names[:4] == ["weighted", "unweighted", "trimmed_weights", "binary_logit"]
    one = sensitivity_table(frame, only=["country_UK"])
    assert set(one["specification"]) == {"country_UK"}
    full = sensitivity_table(frame)
    assert list(dict.fromkeys(full["specification"])) == names
    pd.testing.assert_frame_equal(
        full[full["specification"] == "country_UK"].reset_index(drop=True), one
    )
