"""Disclosure control: threshold rule with complementary suppression."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialwork_ict.disclosure import (
    DisclosureWarning,
    protect_margins,
    protect_table1,
    protect_table2,
    protect_tables,
    suppress_small_cells,
    threshold_from_config,
)
from socialwork_ict.errors import InputError

GROUPS = [["country", "variable"], ["variable", "category"]]
TOTAL = {"country": "ALL"}


def make_table(counts: dict[str, list[int]], categories=("a", "b", "c")) -> pd.DataFrame:
    """One variable, countries x categories, with the ALL row as the sum."""
    rows = []
    pooled = np.sum([v for v in counts.values()], axis=0)
    for country, values in [*counts.items(), ("ALL", pooled)]:
        total = sum(values)
        for category, n in zip(categories, values, strict=True):
            rows.append(
                {
                    "country": country,
                    "variable": "v",
                    "category": category,
                    "n": int(n),
                    "pct": 100.0 * n / total if total else np.nan,
                }
            )
    return pd.DataFrame(rows)


def protect(table, k=5):
    return suppress_small_cells(table, k=k, groups=GROUPS, value_columns=["pct"], total_key=TOTAL)


def shown(out):
    return out.loc[~out["suppressed"], "n"].astype(int)


def test_single_small_cell_triggers_second_in_its_group():
    table = make_table({"A": [50, 3, 20], "B": [40, 30, 25]})
    out = suppress_small_cells(table, groups=[["country", "variable"]], value_columns=["pct"])
    assert out.loc[out["suppressed"], ["country", "category"]].values.tolist() == [
        ["A", "b"],
        ["A", "c"],  # smallest other cell of A
    ]
    assert out.loc[out["suppressed"], "n"].tolist() == ["<5", "<5"]
    assert out.loc[out["suppressed"], "pct"].isna().all()
    assert out.loc[~out["suppressed"], "n"].tolist()[0] == "50"


def test_small_cell_triggers_suppression_across_countries():
    table = make_table({"A": [50, 3, 20], "B": [40, 30, 25]})
    out = protect(table)
    hidden = set(map(tuple, out.loc[out["suppressed"], ["country", "category"]].values))
    # A.b primary, A.c within A; then across countries b and c need a second
    # cell each: B.b and B.c (the smallest non-total cells); B then has two.
    assert hidden == {("A", "b"), ("A", "c"), ("B", "b"), ("B", "c")}
    assert not out.loc[out["country"] == "ALL", "suppressed"].any()


def test_ties_broken_by_row_order_and_deterministic():
    table = make_table({"A": [2, 9, 9], "B": [9, 9, 9]})
    first = protect(table)
    again = protect(table.copy())
    pd.testing.assert_frame_equal(first, again)
    a = first[first["country"] == "A"]
    assert a["suppressed"].tolist() == [True, True, False]


def test_iteration_reaches_fixed_point_through_chains():
    # a small cell in A forces chains through B and C before settling
    table = make_table({"A": [1, 30, 31, 40], "B": [32, 6, 33, 40], "C": [34, 35, 7, 40]}, "abcd")
    out = protect(table)
    check_protected(out, GROUPS, TOTAL, k=5)
    # re-running on a table forced with the result changes nothing
    again = suppress_small_cells(
        table, groups=GROUPS, value_columns=["pct"], total_key=TOTAL, force=out["suppressed"]
    )
    assert again["suppressed"].tolist() == out["suppressed"].tolist()


def test_zero_cells_are_suppressed():
    out = protect(make_table({"A": [0, 30, 20], "B": [10, 30, 25]}))
    row = out[(out["country"] == "A") & (out["category"] == "a")].iloc[0]
    assert row["suppressed"] and row["n"] == "<5"


def test_k_is_configurable():
    table = make_table({"A": [8, 30, 20], "B": [40, 30, 25]})
    assert not protect(table, k=5)["suppressed"].any()
    out = protect(table, k=10)
    assert out["suppressed"].any()
    assert (out.loc[out["suppressed"], "n"] == "<10").all()
    assert (shown(out) >= 10).all()
    assert threshold_from_config({}) == 5
    assert threshold_from_config({"disclosure": {"k": 10}}) == 10
    with pytest.raises(InputError):
        threshold_from_config({"disclosure": {"k": 0}})


def test_bad_counts_rejected():
    table = make_table({"A": [8, 30, 20]})
    table.loc[0, "n"] = -1
    with pytest.raises(InputError):
        protect(table)


def test_unprotectable_single_cell_group_warns():
    table = pd.DataFrame({"g": ["x", "y", "y"], "n": [2, 10, 20]})
    with pytest.warns(DisclosureWarning):
        out = suppress_small_cells(table, groups=[["g"]])
    assert out["suppressed"].tolist() == [True, False, False]


# ---- property test -------------------------------------------------------------------


def check_protected(out, groups, total_key, k):
    assert (shown(out) >= k).all()
    assert (out.loc[out["suppressed"], "n"] == f"<{k}").all()
    assert out.loc[out["suppressed"], "pct"].isna().all()
    for keys in groups:
        for _, group in out.groupby(keys):
            assert group["suppressed"].sum() != 1, group


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n_countries: st.integers(2, 5).flatmap(
            lambda n_cats: st.lists(
                st.lists(st.integers(0, 12), min_size=n_cats, max_size=n_cats),
                min_size=n_countries,
                max_size=n_countries,
            )
        )
    ),
    st.integers(1, 8),
)
def test_property_random_tables(matrix, k):
    n_cats = len(matrix[0])
    table = make_table({f"C{i}": row for i, row in enumerate(matrix)}, tuple("abcde")[:n_cats])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisclosureWarning)
        out = protect(table, k=k)
    check_protected(out, GROUPS, TOTAL, k)
    pd.testing.assert_frame_equal(out, protect(table, k=k))
    # shown counts are the original counts
    original = table.loc[~out["suppressed"], "n"]
    assert (shown(out) == original).all()


# ---- the pipeline's tables -----------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_tables(oracle_weighted_frame):
    from socialwork_ict.tables import table1_sample, table2_freq_by_age

    return table1_sample(oracle_weighted_frame), table2_freq_by_age(oracle_weighted_frame)


def test_protect_table1_and_table2(pipeline_tables):
    table1, table2 = pipeline_tables
    p1 = protect_table1(table1)
    assert list(p1.columns) == [*table1.columns, "suppressed"]
    assert (p1.loc[~p1["suppressed"], "n"].astype(int) >= 5).all()
    assert p1.loc[p1["suppressed"], ["pct_unweighted", "pct_weighted"]].isna().all().all()
    for keys in (["country", "variable"], ["variable", "category"]):
        assert (p1.groupby(keys)["suppressed"].sum() != 1).all()
    skipped = p1[p1["category"] == "not asked (skip logic)"].set_index("country")
    never = p1[(p1["variable"] == "ict_freq") & (p1["category"] == "never")].set_index("country")
    assert (skipped["suppressed"] == never["suppressed"]).all()

    p2 = protect_table2(table2, table1=p1)
    assert (p2.loc[~p2["suppressed"], "n"].astype(int) >= 5).all()
    hidden = p2.loc[p2["suppressed"], ["pct_weighted", "ci_low", "ci_high", "se_weighted"]]
    assert hidden.isna().all().all()
    for keys in (["country", "age_group"], ["country", "ict_freq"], ["age_group", "ict_freq"]):
        assert (p2.groupby(keys)["suppressed"].sum() != 1).all()


def test_protect_margins_keeps_targets():
    margins = pd.DataFrame(
        {
            "country": ["X"] * 5,
            "variable": ["age_group"] * 5,
            "category": ["<30", "30-49", "50+", "other", "(missing)"],
            "in_targets": [True, True, True, False, False],
            "n": [40, 3, 50, 9, 8],
            "sample_share": [40 / 93, 3 / 93, 50 / 93, 9 / 110, 8 / 110],
            "weighted_share": [0.3, 0.3, 0.4, 0.08, 0.07],
            "target_share": [0.3, 0.3, 0.4, np.nan, np.nan],
        }
    )
    out = protect_margins(margins)
    # 30-49 primary; all cells of X: (missing) (8, the smallest other) goes;
    # the listed base is derivable from the shares, so a second listed cell
    # (<30) goes; the other categories add up to n - base, so 'other' goes.
    assert out["suppressed"].tolist() == [True, True, False, True, True]
    assert out["target_share"].tolist()[:3] == [0.3, 0.3, 0.4]
    assert out.loc[out["suppressed"], ["sample_share", "weighted_share"]].isna().all().all()


def test_protect_margins_lone_outside_cell_hides_listed_base():
    margins = pd.DataFrame(
        {
            "country": ["X"] * 4,
            "variable": ["age_group"] * 4,
            "category": ["<30", "30-49", "50+", "(missing)"],
            "in_targets": [True, True, True, False],
            "n": [40, 30, 50, 2],
            "sample_share": [40 / 120, 30 / 120, 50 / 120, 2 / 122],
            "weighted_share": [0.3, 0.3, 0.4, 0.02],
            "target_share": [0.3, 0.3, 0.4, np.nan],
        }
    )
    out = protect_margins(margins)
    # (missing) = country n - listed base, and 50+'s n / sample_share would
    # give the base: its sample_share is blanked though the cell is shown
    assert out["suppressed"].tolist() == [True, True, False, True]
    assert out.loc[2, "n"] == "50" and np.isnan(out.loc[2, "sample_share"])
    assert out.loc[2, "weighted_share"] == 0.4


def test_protect_tables_consistent(pipeline_tables):
    table1, table2 = pipeline_tables
    margins = table1[table1["variable"].isin(["age_group", "gender"])]
    margins = margins[margins["country"] != "ALL"].rename(
        columns={"pct_unweighted": "sample_share"}
    )
    margins = margins.assign(
        in_targets=~margins["category"].isin(["missing", "another gender"]),
        weighted_share=margins["pct_weighted"] / 100,
        target_share=np.nan,
        category=margins["category"].replace({"missing": "(missing)"}),
    ).drop(columns="pct_weighted")
    margins = margins[margins["n"] > 0].reset_index(drop=True)
    p1, p2, pm = protect_tables(table1, table2, margins)
    merged = pm.assign(category=pm["category"].replace({"(missing)": "missing"})).merge(
        p1, on=["country", "variable", "category"], suffixes=("_m", "_1")
    )
    assert (merged["suppressed_m"] == merged["suppressed_1"]).all()
    for out in (p1, p2, pm):
        assert (out.loc[~out["suppressed"], "n"].astype(int) >= 5).all()
