"""Property tests of rake_weights (hypothesis): positivity, margins, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socialwork_ict.codes import AGE_GROUPS, as_factor
from socialwork_ict.weighting import rake_weights

GENDERS = ("woman", "man")
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def surveys(draw):
    """A frame with every age x gender cell non-empty in 1-2 countries, and targets."""
    countries = draw(st.sampled_from([("CA",), ("US", "IL")]))
    rows, targets = [], {}
    for country in countries:
        counts = draw(st.lists(st.integers(1, 15), min_size=10, max_size=10))
        for (age, gender), count in zip(
            [(a, g) for a in AGE_GROUPS for g in GENDERS], counts, strict=True
        ):
            rows += [(country, age, gender)] * count
        age = draw(st.lists(st.floats(0.05, 1.0), min_size=5, max_size=5))
        woman = draw(st.floats(0.2, 0.95))
        targets[country] = {
            "age_group": {a: s / sum(age) for a, s in zip(AGE_GROUPS, age, strict=True)},
            "gender": {"woman": woman, "man": 1 - woman},
        }
    frame = pd.DataFrame(rows, columns=["country", "age_group", "gender"])
    for var in ("country", "age_group", "gender"):
        frame[var] = as_factor(frame[var], var)
    seed = draw(st.integers(0, 2**32 - 1))
    return frame, targets, seed


@SETTINGS
@given(surveys())
def test_weights_positive_and_margins_met(survey):
    frame, targets, _ = survey
    result = rake_weights(frame, targets)
    w = result.weights
    assert np.isfinite(w).all() and (w > 0).all()
    sums = w.groupby(frame["country"], observed=True).sum()
    sizes = frame.groupby("country", observed=True).size()
    np.testing.assert_allclose(sums, sizes, rtol=1e-12)
    margins = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(margins["weighted_share"], margins["target_share"], atol=1e-8)
    assert result.diagnostics["converged"].all()
    assert (result.diagnostics["deff_kish"] >= 1 - 1e-12).all()


@SETTINGS
@given(surveys())
def test_invariant_to_row_order(survey):
    frame, targets, seed = survey
    result = rake_weights(frame, targets)
    shuffled = frame.sample(frac=1, random_state=np.random.default_rng(seed))
    again = rake_weights(shuffled, targets)
    assert again.weights.index.equals(shuffled.index)
    np.testing.assert_allclose(
        again.weights.reindex(frame.index), result.weights, rtol=1e-12, atol=0
    )
    pd.testing.assert_frame_equal(again.diagnostics, result.diagnostics, rtol=1e-12)


@SETTINGS
@given(surveys(), st.floats(1 - 9e-7, 1 + 9e-7))
def test_invariant_to_scaling_of_targets(survey, factor):
    # shares that sum to 1 within the 1e-6 tolerance are renormalised: a
    # common factor on a variable's shares changes nothing
    frame, targets, _ = survey
    scaled = {
        country: {var: {k: v * factor for k, v in shares.items()} for var, shares in block.items()}
        for country, block in targets.items()
    }
    np.testing.assert_allclose(
        rake_weights(frame, scaled).weights, rake_weights(frame, targets).weights, rtol=1e-12
    )


@SETTINGS
@given(surveys())
def test_poststratify_on_independent_joint_equals_raking_on_a_product_sample(survey):
    # when the sample itself is a product table (cell count = age count x
    # gender count), raking and post-stratifying on the product of the
    # margins give the same weights (Deming & Stephan 1940)
    frame, targets, _ = survey
    country = frame["country"].iloc[0]
    sub = frame[frame["country"] == country]
    age_n = sub.groupby("age_group", observed=True).size().to_numpy()
    rows = [
        (country, a, g)
        for a, n_age in zip(AGE_GROUPS, age_n, strict=True)
        for g, n_gender in zip(GENDERS, (3, 2), strict=True)
        for _ in range(n_age * n_gender)
    ]
    product = pd.DataFrame(rows, columns=["country", "age_group", "gender"])
    for var in ("country", "age_group", "gender"):
        product[var] = as_factor(product[var], var)
    block = targets[country]
    joint = [
        {"age_group": a, "gender": g, "share": block["age_group"][a] * block["gender"][g]}
        for a in AGE_GROUPS
        for g in GENDERS
    ]
    post = rake_weights(product, {country: {"joint": joint}}, method="poststratify")
    raked = rake_weights(product, {country: block})
    np.testing.assert_allclose(post.weights, raked.weights, rtol=1e-10)


@SETTINGS
@given(
    surveys(), st.integers(0, 8), st.integers(0, 8), st.sampled_from(["rake_available", "impute"])
)
def test_outsiders_keep_listed_margins(survey, n_other_gender, n_missing_age, rule):
    frame, targets, seed = survey
    rng = np.random.default_rng(seed)
    country = frame["country"].iloc[0]
    extra = pd.DataFrame(
        {
            "country": country,
            "age_group": list(rng.choice(AGE_GROUPS, n_other_gender)) + [None] * n_missing_age,
            "gender": ["another gender"] * n_other_gender
            + list(rng.choice(GENDERS, n_missing_age)),
        }
    )
    extra = extra.astype(object)
    full = pd.concat([frame.astype(object), extra], ignore_index=True)
    for var in ("country", "age_group", "gender"):
        full[var] = as_factor(full[var], var)
    result = rake_weights(full, targets, outside_rule=rule)
    w = result.weights
    assert len(w) == len(full) and np.isfinite(w).all() and (w > 0).all()
    diag = result.diagnostics.set_index("country")
    assert diag.loc[country, "n_outside_targets"] == n_other_gender + n_missing_age
    np.testing.assert_allclose(diag["sum_weights"], diag["n"], rtol=1e-12)
    listed = result.margins[result.margins["in_targets"]]
    np.testing.assert_allclose(listed["weighted_share"], listed["target_share"], atol=1e-8)
