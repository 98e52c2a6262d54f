"""``weighting.outside_rule: not_raked`` against the wave-2 R fixture.

Known answers: ``tests/fixtures/oracle_calibration`` (R ``survey::rake`` on
the respondents with age and gender, weight 1 for the others; README §1).
Tolerance: weights and diagnostics 1e-8 relative (the fixture's), sweeps exact.
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pytest

from socialwork_ict.weighting import rake_weights

TOL = 1e-8


@pytest.fixture(scope="module")
def result():
    return rake_weights(oracle.frame(), oracle.targets(), outside_rule="not_raked")


def test_weights_match_r(result):
    expected = oracle.expected("weights")
    np.testing.assert_allclose(result.weights.to_numpy(), expected["weight"], rtol=TOL, atol=0)
    frame = oracle.frame()
    outside = frame["age_group"].isna() | ~frame["gender"].isin(["woman", "man"])
    assert list((~outside).astype(int)) == list(expected["raked"])
    assert np.all(result.weights[outside.to_numpy()] == 1.0)


def test_diagnostics_match_r(result):
    diag = result.diagnostics
    expected = oracle.expected("weighting_diagnostics")
    assert list(diag["country"]) == list(expected["country"])
    assert list(diag["n"]) == list(expected["n"])
    assert list(diag["iterations"]) == list(expected["iterations"])
    assert list(diag["n_outside_targets"]) == list(expected["n_not_raked"])
    for column in ("sum_weights", "deff_kish", "n_effective", "min_weight", "max_weight"):
        np.testing.assert_allclose(diag[column], expected[column], rtol=TOL, atol=0)
    assert set(diag["outside_rule"]) == {"not_raked"}


def test_not_raked_margins_meet_targets_among_the_raked(result):
    frame = oracle.frame().assign(weight=result.weights)
    targets = oracle.targets()
    raked = frame["age_group"].notna() & frame["gender"].isin(["woman", "man"])
    for country, block in frame[raked].groupby("country", observed=True):
        shares = block.groupby("age_group", observed=True)["weight"].sum() / block["weight"].sum()
        for label, share in targets[country]["age_group"].items():
            assert shares[label] == pytest.approx(share, rel=1e-10)


def test_trimming_applies_to_the_raked_only():
    frame = oracle.frame()
    trimmed = rake_weights(frame, oracle.targets(), outside_rule="not_raked", trim_cap=5.0)
    untrimmed = rake_weights(frame, oracle.targets(), outside_rule="not_raked")
    # no weight reaches 5 x the mean here: trimming changes nothing, outsiders stay at 1
    np.testing.assert_allclose(trimmed.weights, untrimmed.weights, rtol=1e-14)
    assert (trimmed.diagnostics["n_trimmed"] == 0).all()
