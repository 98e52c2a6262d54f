"""NCHS (2017) reliability flags of proportions: each rule at its boundary."""

from __future__ import annotations

import numpy as np

from socialwork_ict.reliability import reliability_flags


def flag(pct, se, low, high, df=100, n=1000):
    return reliability_flags([pct], [se], [low], [high], [df], [n])[0]


def test_reliable_estimate_has_no_flag():
    # p = 0.5, SE = 5 points: n_eff = 0.25 / 0.0025 = 100; CI width 20 < 30
    assert flag(50.0, 5.0, 40.0, 60.0) == ""


def test_effective_sample_size_below_30():
    # p = 0.5, SE = 10 points: n_eff = 0.25 / 0.01 = 25 < 30
    assert flag(50.0, 10.0, 40.0, 60.0).startswith("n_eff < 30")
    # n_eff is capped at the count: 20 respondents, tiny SE
    assert flag(50.0, 0.1, 49.8, 50.2, n=20) == "n_eff < 30"


def test_absolute_width_30_points_or_more():
    assert flag(50.0, 5.0, 35.0, 65.0) == "CI width >= 30"
    assert flag(50.0, 5.0, 35.1, 65.0) == ""


def test_relative_width_above_130_percent_when_absolute_width_above_5():
    # p = 4 %, CI 1.5-7 %: width 5.5 > 5, relative 5.5 / 4 = 1.375 > 1.3
    # (SE 1 point: n_eff = 0.0384 / 0.0001 = 384)
    assert flag(4.0, 1.0, 1.5, 7.0) == "relative CI width > 130 %"
    # width 4.9 <= 5: no relative rule
    assert flag(3.0, 1.0, 1.0, 5.9) == ""


def test_design_df_below_8_and_several_reasons():
    assert flag(50.0, 5.0, 40.0, 60.0, df=7) == "df < 8"
    assert flag(50.0, 10.0, 30.0, 70.0, df=3) == "n_eff < 30; CI width >= 30; df < 8"


def test_missing_estimate_is_not_flagged():
    assert flag(np.nan, np.nan, np.nan, np.nan) == ""


def test_table1_flags_from_the_design_effect():
    """SE from deff (sqrt(deff p (1 - p) / (n - 1))), the logit CI on df = n - strata."""
    import pandas as pd

    from socialwork_ict.reliability import table1_flags

    table1 = pd.DataFrame(
        {
            "country": ["CA"] * 2 + ["UK"] * 2 + ["ALL"] * 2,
            "variable": ["gender"] * 2 + ["item"] * 2 + ["item"] * 2,
            "category": ["woman", "man"] * 3,
            "n": [900, 100, 10, 10, 910, 110],
            "pct_weighted": [80.0, 20.0, 50.0, 50.0, 79.0, 21.0],
            "deff": [0.0, 0.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    flags = table1_flags(table1)
    assert flags[0] == flags[1] == ""  # a raking margin (deff 0): no sampling variance
    # UK: n = 20, deff 1, p = 0.5 -> n_eff = 0.25 / (0.25 / 19) = 19 < 30, and a wide CI
    assert "n_eff < 30" in flags[2] and "CI width >= 30" in flags[2]
    assert flags[4] == flags[5] == ""  # pooled: n = 1020, precise
