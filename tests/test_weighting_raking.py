"""Raking, post-stratification, outside-category rule and trimming.

Known answers: R survey::rake on the oracle fixture (weights, Kish design
effect, effective n and the number of sweeps), plus closed forms on tiny
frames.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.codes import AGE_GROUPS, as_factor
from socialwork_ict.errors import InputError
from socialwork_ict.weighting import rake_weights, weight_diagnostics
from socialwork_ict.weighting.diagnostics import DIAGNOSTIC_COLUMNS, MARGIN_COLUMNS

TOL = 1e-8  # relative; R and this IPF agree to ~1e-14


@pytest.fixture(scope="module")
def oracle_result(oracle_frame, oracle_targets):
    return rake_weights(oracle_frame, oracle_targets)


def make_frame(cells: dict[tuple[str, str, object, object], int]) -> pd.DataFrame:
    """(country, age_group, gender) -> count, as the analysis frame's factors."""
    rows = [key for key, count in cells.items() for _ in range(count)]
    frame = pd.DataFrame(rows, columns=["country", "age_group", "gender"])
    for var in ("country", "age_group", "gender"):
        frame[var] = as_factor(frame[var], var)
    return frame


# -- the R oracle ---------------------------------------------------------------


def test_weights_match_r_rake(oracle_result, oracle_expected, oracle_frame):
    expected = oracle_expected["weights"]
    assert list(expected["respondent_id"]) == list(oracle_frame["respondent_id"])
    got = oracle_result.weights
    assert got.name == "weight"
    assert got.index.equals(oracle_frame.index)
    np.testing.assert_allclose(got.to_numpy(), expected["weight"].to_numpy(), rtol=TOL, atol=0)


def test_diagnostics_match_r(oracle_result, oracle_expected):
    diag = oracle_result.diagnostics
    expected = oracle_expected["weighting_diagnostics"]
    assert list(diag.columns) == list(DIAGNOSTIC_COLUMNS)
    assert list(diag["country"]) == list(expected["country"])
    assert list(diag["n"]) == list(expected["n"])
    assert list(diag["iterations"]) == [7, 7, 10, 12] == list(expected["iterations"])
    assert diag["converged"].all()
    for column in (
        "sum_weights",
        "deff_kish",
        "n_effective",
        "min_weight",
        "max_weight",
        "min_weight_over_mean",
        "max_weight_over_mean",
    ):
        np.testing.assert_allclose(diag[column], expected[column], rtol=TOL, atol=0)
    assert (diag["n_outside_targets"] == 0).all() and (diag["n_trimmed"] == 0).all()


def test_weight_diagnostics_of_r_weights(oracle_weighted_frame, oracle_expected):
    diag = weight_diagnostics(oracle_weighted_frame["weight"], oracle_weighted_frame["country"])
    expected = oracle_expected["weighting_diagnostics"]
    np.testing.assert_allclose(diag["deff_kish"], expected["deff_kish"], rtol=1e-12)
    np.testing.assert_allclose(diag["n_effective"], expected["n_effective"], rtol=1e-12)


def test_margins_meet_targets_in_every_country(oracle_result, oracle_targets):
    assert list(oracle_result.margins.columns) == list(MARGIN_COLUMNS)
    # every category outside the targets has a row too, here all empty
    outside = oracle_result.margins[~oracle_result.margins["in_targets"]]
    assert len(outside) == 4 * 3 and (outside["n"] == 0).all()
    assert set(outside["category"]) == {"(missing)", "another gender"}
    margins = oracle_result.margins[oracle_result.margins["in_targets"]]
    assert len(margins) == 4 * (5 + 2)
    np.testing.assert_allclose(margins["weighted_share"], margins["target_share"], atol=TOL)
    for row in margins.itertuples():
        assert row.target_share == pytest.approx(
            oracle_targets[row.country][row.variable][row.category]
        )
    for _, group in margins.groupby(["country", "variable"]):
        assert group["sample_share"].sum() == pytest.approx(1)


def test_non_convergence_names_the_country(oracle_frame, oracle_targets):
    with pytest.raises(InputError, match=r"country 'CA': raking did not converge within 3"):
        rake_weights(oracle_frame, oracle_targets, max_iter=3)
    # the sweep count is exact: R's smallest converging maxit
    frame = oracle_frame[oracle_frame["country"] == "UK"]
    assert rake_weights(frame, oracle_targets, max_iter=12).diagnostics["iterations"][0] == 12
    with pytest.raises(InputError, match="'UK'"):
        rake_weights(frame, oracle_targets, max_iter=11)


def test_string_columns_and_custom_index(oracle_frame, oracle_targets, oracle_result):
    frame = oracle_frame.astype({"country": str, "age_group": str, "gender": str})
    frame.index = "row" + frame.index.astype(str)
    result = rake_weights(frame, oracle_targets)
    assert result.weights.index.equals(frame.index)
    np.testing.assert_allclose(
        result.weights.to_numpy(), oracle_result.weights.to_numpy(), rtol=1e-13
    )


def test_method_none(oracle_frame, oracle_targets):
    result = rake_weights(oracle_frame, None, method="none")
    assert (result.weights == 1).all()
    assert (result.diagnostics["deff_kish"] == 1).all()
    assert (result.diagnostics["iterations"] == 0).all()
    assert result.margins["target_share"].isna().all()
    with_targets = rake_weights(oracle_frame, oracle_targets, method="none")
    listed = with_targets.margins["in_targets"]
    assert with_targets.margins.loc[listed, "target_share"].notna().all()
    assert with_targets.margins.loc[~listed, "target_share"].isna().all()


# -- failure modes detected in raking ----------------------------------------------


def test_target_category_without_respondents(oracle_frame, oracle_targets):
    frame = oracle_frame[
        ~((oracle_frame["country"] == "UK") & (oracle_frame["age_group"] == "<30"))
    ]
    with pytest.raises(InputError) as info:
        rake_weights(frame, oracle_targets, targets_source="my_targets.yaml")
    message = str(info.value)
    for fragment in ("my_targets.yaml", "'UK'", "'age_group'", "'<30'", "no respondent"):
        assert fragment in message


def test_zero_share_for_a_category_with_respondents(oracle_frame, oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["US"]["age_group"] = {
        "<30": 0.0,
        "30-39": 0.39,
        "40-49": 0.22,
        "50-59": 0.21,
        "60+": 0.18,
    }
    with pytest.raises(InputError, match=r"'US'.*'age_group'.*'<30'.*share 0"):
        rake_weights(oracle_frame, targets)
    # a zero share for an empty category is harmless
    frame = oracle_frame[
        ~((oracle_frame["country"] == "US") & (oracle_frame["age_group"] == "<30"))
    ]
    result = rake_weights(frame, targets)
    assert result.diagnostics.set_index("country").loc["US", "converged"]


def test_bad_options_and_columns(oracle_frame, oracle_targets):
    with pytest.raises(InputError, match="method 'ipf' unknown"):
        rake_weights(oracle_frame, oracle_targets, method="ipf")
    with pytest.raises(InputError, match="outside_rule 'drop' unknown"):
        rake_weights(oracle_frame, oracle_targets, outside_rule="drop")
    with pytest.raises(InputError, match="below 5"):
        rake_weights(oracle_frame, oracle_targets, trim_cap=3)
    with pytest.raises(InputError, match="column 'gender'"):
        rake_weights(oracle_frame.drop(columns="gender"), oracle_targets)
    with pytest.raises(InputError, match="needs population targets"):
        rake_weights(oracle_frame, None)
    frame = oracle_frame.astype({"gender": str})
    frame.loc[3, "gender"] = "female"
    with pytest.raises(InputError, match=r"column 'gender'.*'female'; 1 row"):
        rake_weights(frame, oracle_targets)


# -- respondents outside the target categories --------------------------------------

CA_GENDER = {"CA": {"gender": {"woman": 0.8, "man": 0.2}}}


def test_rake_available_single_variable_closed_form():
    # 60 women, 30 men, 10 another gender: listed respondents are raked to
    # 0.8/0.2 of the 90 listed; the 10 others keep weight 1; sum = 100.
    frame = make_frame({("CA", "<30", "woman"): 60, ("CA", "<30", "man"): 30})
    frame = pd.concat([frame, make_frame({("CA", "<30", "another gender"): 10})])
    frame = frame.reset_index(drop=True)
    result = rake_weights(frame, CA_GENDER, variables=("gender",))
    w = result.weights.groupby(frame["gender"], observed=True).agg(["min", "max"])
    assert w.loc["woman"].tolist() == pytest.approx([0.8 * 90 / 60] * 2, rel=1e-14)
    assert w.loc["man"].tolist() == pytest.approx([0.2 * 90 / 30] * 2, rel=1e-14)
    assert w.loc["another gender"].tolist() == pytest.approx([1.0, 1.0], rel=1e-14)
    assert result.diagnostics["n_outside_targets"][0] == 10
    margins = result.margins.set_index("category")
    assert margins.loc["woman", "weighted_share"] == pytest.approx(0.8, abs=1e-14)
    assert not margins.loc["another gender", "in_targets"]
    assert margins.loc["another gender", "weighted_share"] == pytest.approx(0.1)


def test_impute_single_variable_closed_form():
    # the 10 outside respondents are weighted as the modal category (woman)
    frame = make_frame({("CA", "<30", "woman"): 60, ("CA", "<30", "man"): 30})
    frame = pd.concat([frame, make_frame({("CA", "<30", np.nan): 10})], ignore_index=True)
    result = rake_weights(frame, CA_GENDER, variables=("gender",), outside_rule="impute")
    w = result.weights
    assert w[frame["gender"].isna()].to_numpy() == pytest.approx([0.8 * 100 / 70] * 10, rel=1e-14)
    assert w[frame["gender"] == "woman"].to_numpy() == pytest.approx([0.8 * 100 / 70] * 60)
    assert w[frame["gender"] == "man"].to_numpy() == pytest.approx([0.2 * 100 / 30] * 30)
    assert result.diagnostics["n_outside_targets"][0] == 10
    assert frame["gender"].isna().sum() == 10  # the frame is not modified


def test_outside_rule_error():
    frame = make_frame({("CA", "<30", "woman"): 6, ("CA", "<30", "another gender"): 2})
    with pytest.raises(InputError, match=r"'CA'.*'gender'.*outside_rule is 'error'; 2 rows"):
        rake_weights(frame, CA_GENDER, variables=("gender",), outside_rule="error")


def test_rake_available_two_variables(oracle_frame, oracle_targets):
    frame = oracle_frame.copy()
    frame["gender"] = frame["gender"].astype(object)
    frame["age_group"] = frame["age_group"].astype(object)
    rng = np.random.default_rng(5)
    gender_out = rng.choice(len(frame), 40, replace=False)
    age_out = rng.choice(len(frame), 25, replace=False)
    frame.loc[gender_out, "gender"] = "another gender"
    frame.loc[age_out, "age_group"] = np.nan
    frame["gender"] = as_factor(frame["gender"], "gender")
    frame["age_group"] = pd.Categorical(frame["age_group"], categories=AGE_GROUPS, ordered=True)

    result = rake_weights(frame, oracle_targets)
    w = result.weights
    assert len(w) == len(frame) and (w > 0).all()
    diag = result.diagnostics.set_index("country")
    assert diag["n_outside_targets"].sum() == len(set(gender_out) | set(age_out))
    np.testing.assert_allclose(diag["sum_weights"], diag["n"], rtol=1e-13)
    listed = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(listed["weighted_share"], listed["target_share"], atol=TOL)
    outside = result.margins[~result.margins["in_targets"]]
    assert set(outside["category"]) == {"another gender", "(missing)"}
    # gender-outside respondents get only the age adjustment: within a country
    # the ratio of a woman's weight to theirs is the same in every age group
    ca = (frame["country"] == "CA") & frame["age_group"].notna()
    cells = w[ca].groupby([frame["age_group"][ca], frame["gender"][ca]], observed=True).first()
    ratio = cells.xs("woman", level="gender") / cells.xs("another gender", level="gender")
    assert ratio.max() / ratio.min() - 1 < 1e-12


# -- trimming -----------------------------------------------------------------------

TRIM_TARGETS = {
    "CA": {
        "age_group": {"<30": 0.4, "30-39": 0.15, "40-49": 0.15, "50-59": 0.15, "60+": 0.15},
        "gender": {"woman": 0.6, "man": 0.4},
    }
}


@pytest.fixture(scope="module")
def trim_frame():
    cells = {("CA", "<30", "man"): 5, ("CA", "<30", "woman"): 95}
    for age in AGE_GROUPS[1:]:
        cells[("CA", age, "man")] = 50
        cells[("CA", age, "woman")] = 175
    return make_frame(cells)


def test_trimming_cap_binds(trim_frame):
    untrimmed = rake_weights(trim_frame, TRIM_TARGETS)
    assert untrimmed.diagnostics["max_weight"][0] > 14
    result = rake_weights(trim_frame, TRIM_TARGETS, trim_cap=5)
    w, diag = result.weights, result.diagnostics.iloc[0]
    young_men = (trim_frame["age_group"] == "<30") & (trim_frame["gender"] == "man")
    assert diag["n_trimmed"] == 5 == young_men.sum()
    assert diag["trim_rounds"] == 2
    assert diag["max_weight"] == pytest.approx(5, rel=1e-12)
    assert w[young_men].to_numpy() == pytest.approx([5.0] * 5, rel=1e-12)
    assert (w[~young_men] < 5).all()
    assert w.sum() == pytest.approx(len(trim_frame), rel=1e-13)
    listed = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(listed["weighted_share"], listed["target_share"], atol=TOL)
    # a cap that does not bind changes nothing
    loose = rake_weights(trim_frame, TRIM_TARGETS, trim_cap=20)
    assert loose.diagnostics["n_trimmed"][0] == 0
    np.testing.assert_allclose(loose.weights, untrimmed.weights, rtol=1e-15)


@pytest.mark.parametrize("rule", ["rake_available", "impute"])
def test_trimming_with_outsiders(trim_frame, rule):
    extra = make_frame({("CA", "<30", "another gender"): 4, ("CA", np.nan, "man"): 3})
    frame = pd.concat([trim_frame, extra], ignore_index=True)
    result = rake_weights(frame, TRIM_TARGETS, trim_cap=5, outside_rule=rule)
    diag = result.diagnostics.iloc[0]
    assert diag["n_outside_targets"] == 7
    assert diag["n_trimmed"] >= 5
    assert diag["max_weight"] == pytest.approx(5, rel=1e-9)
    assert diag["sum_weights"] == pytest.approx(len(frame), rel=1e-13)
    listed = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(listed["weighted_share"], listed["target_share"], atol=TOL)


def test_trimming_infeasible_cap():
    # 2 men must carry 40 % of 100: each needs weight 20, a cap of 5 cannot hold
    frame = make_frame({("CA", "<30", "woman"): 98, ("CA", "<30", "man"): 2})
    targets = {"CA": {"gender": {"woman": 0.6, "man": 0.4}}}
    with pytest.raises(InputError, match=r"'CA': trimming at 5 x mean weight cannot meet"):
        rake_weights(frame, targets, variables=("gender",), trim_cap=5)


# -- post-stratification --------------------------------------------------------------


@pytest.fixture(scope="module")
def joint_targets(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    for block in targets.values():
        block["joint"] = [
            {"age_group": a, "gender": g, "share": sa * sg}
            for a, sa in block["age_group"].items()
            for g, sg in block["gender"].items()
        ]
    return targets


def test_poststratify_empty_cell(oracle_frame, joint_targets):
    # IL has no man under 30 but the independence table gives the cell 1.8 %
    with pytest.raises(InputError, match=r"'IL', variable 'age_groupxgender', category '<30\|man'"):
        rake_weights(oracle_frame, joint_targets, method="poststratify")


def test_poststratify_closed_form(oracle_frame, joint_targets):
    targets = joint_targets
    oracle_frame = oracle_frame[oracle_frame["country"].isin(["CA", "US"])].reset_index(drop=True)
    result = rake_weights(oracle_frame, targets, method="poststratify")
    key = [oracle_frame["country"], oracle_frame["age_group"], oracle_frame["gender"]]
    count = oracle_frame.groupby(key, observed=True)["respondent_id"].transform("size")
    n = oracle_frame.groupby("country", observed=True)["respondent_id"].transform("size")
    share = [
        targets[c]["age_group"][a] * targets[c]["gender"][g] for c, a, g in zip(*key, strict=True)
    ]
    np.testing.assert_allclose(result.weights, np.array(share) * n / count, rtol=1e-13)
    assert (result.diagnostics["iterations"] == 1).all()
    listed = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(listed["weighted_share"], listed["target_share"], atol=1e-12)


def test_poststratify_needs_joint(oracle_frame, oracle_targets):
    with pytest.raises(InputError, match="'CA': method poststratify needs a 'joint' table"):
        rake_weights(oracle_frame, oracle_targets, method="poststratify")
