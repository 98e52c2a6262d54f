"""Treatment-coded design matrices (socialwork_ict.models.design_matrix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.errors import InputError
from socialwork_ict.models.design_matrix import (
    AGE_PER_10_TERM,
    apply_design,
    build_design,
    design_matrix,
)

MAIN_TERMS = [
    "age_group[30-39]",
    "age_group[40-49]",
    "age_group[50-59]",
    "age_group[60+]",
    "country[US]",
    "country[IL]",
    "country[UK]",
    "gender[man]",
    "sector[non-profit]",
    "sector[private practice]",
    "sector[other]",
]


def test_contract_names_reference_first_and_empty_level_dropped(oracle_weighted_frame):
    x, spec = build_design(oracle_weighted_frame)
    assert list(spec.columns) == MAIN_TERMS
    assert spec.dropped == ("gender[another gender]",)  # nobody has gender 3
    frame = oracle_weighted_frame
    np.testing.assert_array_equal(x[:, 0], (frame["age_group"] == "30-39").to_numpy())
    np.testing.assert_array_equal(x[:, 6], (frame["country"] == "UK").to_numpy())
    # reference rows (<30, CA, woman, public) are all zeros
    ref = (
        (frame["age_group"] == "<30")
        & (frame["country"] == "CA")
        & (frame["gender"] == "woman")
        & (frame["sector"] == "public")
    ).to_numpy()
    assert ref.any() and not x[ref].any()


def test_interaction_names_in_r_order(oracle_weighted_frame, oracle_expected):
    expected = [
        t
        for t in oracle_expected["model_ordinal_interaction"]["term"]
        if not t.startswith("threshold")
    ]
    frame = design_matrix(oracle_weighted_frame, interaction=("age_group", "country"))
    assert list(frame.columns) == expected
    col = frame["age_group[60+]:country[IL]"].to_numpy()
    want = (
        (oracle_weighted_frame["age_group"] == "60+") & (oracle_weighted_frame["country"] == "IL")
    ).to_numpy()
    np.testing.assert_array_equal(col, want)


def test_intercept_and_age_per_10(oracle_weighted_frame):
    frame = design_matrix(oracle_weighted_frame, ("sector",), age_per_10=True, intercept=True)
    assert list(frame.columns) == [
        "(Intercept)",
        "sector[non-profit]",
        "sector[private practice]",
        "sector[other]",
        AGE_PER_10_TERM,
    ]
    np.testing.assert_allclose(frame[AGE_PER_10_TERM], oracle_weighted_frame["age"] / 10)
    assert (frame["(Intercept)"] == 1).all()


def test_plain_string_labels_same_as_categoricals(oracle_weighted_frame):
    plain = oracle_weighted_frame.astype({c: object for c in ("age_group", "country", "sector")})
    x1, _ = build_design(oracle_weighted_frame)
    x2, _ = build_design(plain)
    np.testing.assert_array_equal(x1, x2)


def test_levels_without_positive_weight_dropped(oracle_weighted_frame):
    w = np.where(oracle_weighted_frame["country"] == "CA", 1.0, 0.0)
    _, spec = build_design(oracle_weighted_frame, weights=w)
    assert not any(c.startswith("country[") for c in spec.columns)
    assert "country[UK]" in spec.dropped


@pytest.mark.parametrize("bad", [None, "elder"])
def test_missing_or_unknown_level_is_input_error(oracle_weighted_frame, bad):
    frame = oracle_weighted_frame.astype({"age_group": object})
    frame.loc[3, "age_group"] = bad
    with pytest.raises(InputError, match="age_group"):
        build_design(frame)


def test_apply_design_refuses_level_without_coefficient(oracle_weighted_frame):
    _, spec = build_design(oracle_weighted_frame)
    frame = oracle_weighted_frame.copy()
    frame["gender"] = pd.Categorical(
        ["another gender"] * len(frame), categories=frame["gender"].cat.categories
    )
    with pytest.raises(InputError, match="another gender"):
        apply_design(frame, spec)


def test_bad_interaction_is_input_error(oracle_weighted_frame):
    with pytest.raises(InputError, match="interaction"):
        build_design(oracle_weighted_frame, ("age_group",), interaction=("age_group", "country"))
