"""Published vs reproduced: hand-made tables, the tolerance rule, config/published.yaml."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from socialwork_ict.errors import InputError
from socialwork_ict.report.published import (
    MATCH,
    MISMATCH,
    NOT_IN_EXPORT,
    NOT_REPRODUCIBLE,
    any_use_by_category,
    check_published,
    compare_published,
    item_indicator,
    mismatches,
)

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = yaml.safe_load((ROOT / "config" / "published.yaml").read_text(encoding="utf-8"))
AGE_TERMS = ["age_group[30-39]", "age_group[40-49]", "age_group[50-59]", "age_group[60+]"]


def analysis_frame() -> pd.DataFrame:
    """10 CA respondents: 8 users (ict_freq >= 2), 1 never, 1 missing."""
    freq = [1, 2, 3, 4, 5, 2, 3, 4, 5, None]
    after = [None, 1, 1, 0, 1, None, 0, 1, 1, None]  # one user's item non-response
    return pd.DataFrame(
        {
            "respondent_id": [f"R{i}" for i in range(10)],
            "country": ["CA"] * 10,
            "ict_freq": pd.array(freq, dtype="Int64"),
            "contact_after_hours": pd.array(after, dtype="Int64"),
            "contact_after_hours_skipped": [True] + [False] * 9,
            "discussed_supervisor": pd.array([0, 0, 1, None, 0, 0, None, 0, 1, 0], "Int64"),
            "discussed_colleagues": pd.array([0, 1, None, 1, 0, 0, None, None, 0, 0], "Int64"),
        }
    )


def model_frame(odds=(1.4, 1.6, 1.8, 1.3)) -> pd.DataFrame:
    terms = [*AGE_TERMS, "sector[non-profit]", "sector[private practice]"]
    values = [*odds, 1.1, 1.9]
    estimates = [math.log(v) for v in values]
    return pd.DataFrame({"term": terms, "odds_ratio": values, "estimate": estimates})


def wald_frame(p=0.4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "test": ["wald_age_group_x_country"],
            "statistic": [1.0],
            "df_num": [12],
            "df_den": [4000],
            "p_value": [p],
        }  # fmt: skip
    )


def sensitivity_frame() -> pd.DataFrame:
    rows = [
        (f"country_{c}", t, 0.2 if c != "UK" else -0.1) for c in ("CA", "UK") for t in AGE_TERMS
    ]
    return pd.DataFrame(rows, columns=["specification", "term", "estimate"])


def claims(*items) -> dict:
    return {"sources": {"S1": "x"}, "alpha": 0.05, "claims": list(items)}


def run(published, *, odds=(1.4, 1.6, 1.8, 1.3), p=0.4) -> pd.DataFrame:
    return compare_published(
        analysis_frame(), model_frame(odds), wald_frame(p), sensitivity_frame(), published
    ).set_index("id")


def test_percent_is_unweighted_over_answers_and_counts_are_exact():
    table = run(
        claims(
            {
                "id": "use",
                "claim": "any",
                "source": ["S1"],
                "kind": "percent",
                "item": "any_use",
                "countries": ["CA"],
                "published": 88,
                "tolerance": 1.0,
            },
            {
                "id": "after",
                "claim": "after",
                "source": ["S1"],
                "kind": "percent",
                "item": "contact_after_hours",
                "countries": ["CA"],
                "published": 50,
                "tolerance": 2.5,
            },
            {
                "id": "n",
                "claim": "n",
                "source": ["S1"],
                "kind": "count",
                "countries": ["CA"],
                "published": 11,
                "tolerance": 0,
            },
        )  # fmt: skip
    )
    # any use: 8 of the 9 who answered (the missing answer is left out) = 88.89 %
    assert table.loc["use", "reproduced"] == pytest.approx(88.89)
    assert table.loc["use", "status"] == MATCH
    # after hours: the skip-logic blank (never-user) and the user's blank are left out: 5 of 7
    assert table.loc["after", "reproduced"] == pytest.approx(71.43)
    assert table.loc["after", "status"] == MISMATCH
    assert table.loc["n", "reproduced"] == 10 and table.loc["n", "status"] == MISMATCH


def test_no_discussion_uses_either_yes_as_talked():
    values = item_indicator(analysis_frame(), "no_discussion")
    # both 0 -> 1; a yes to either -> 0; otherwise (0 and missing, both missing) -> missing
    expected = [1, 0, 0, 0, 1, 1, None, None, 0, 1]
    assert [None if pd.isna(v) else int(v) for v in values] == expected


def test_qualitative_claims_match_mismatch_and_not_reproducible():
    published = claims(
        {"id": "age", "claim": "under 30 less", "source": ["S1"], "kind": "age_direction",
         "published": "more"},
        {"id": "same", "claim": "consistent", "source": ["S1"], "kind": "age_consistency",
         "published": "same"},
        {"id": "pp", "claim": "private practice", "source": ["S1"], "kind": "highest_level",
         "variable": "sector", "level": "private practice", "published": "highest"},
        {"id": "gone", "claim": "not in data", "source": ["S1"], "kind": "not_reproducible",
         "published": 67, "reason": "not reproducible: no such item in the data contract"},
    )  # fmt: skip
    good = run(published)
    assert good["status"].to_dict() == {
        "age": MATCH, "same": MATCH, "pp": MATCH, "gone": NOT_REPRODUCIBLE
    }  # fmt: skip
    assert "1 of 2 country fits" in good.loc["same", "reproduced"]
    bad = run(published, odds=(1.4, 0.9, 1.8, 1.3), p=0.01)
    assert bad.loc["age", "status"] == MISMATCH and bad.loc["same", "status"] == MISMATCH
    assert "no such item" in bad.loc["gone", "computation"]


def test_mismatch_lines_name_the_claim():
    table = run(
        claims(
            {
                "id": "n_CA",
                "claim": "Eligible, Canada",
                "source": ["S1"],
                "kind": "count",
                "countries": ["CA"],
                "published": 2609,
                "tolerance": 0,
            },
        )  # fmt: skip
    ).reset_index()
    lines = mismatches(table)
    assert len(lines) == 1 and "n_CA" in lines[0] and "2609" in lines[0]


def test_check_published_rejects_bad_claims():
    with pytest.raises(InputError, match="unknown kind"):
        check_published(claims({"id": "a", "kind": "guess"}))
    with pytest.raises(InputError, match="lacks tolerance"):
        check_published(
            claims(
                {
                    "id": "a",
                    "claim": "c",
                    "source": ["S1"],
                    "kind": "count",
                    "countries": ["CA"],
                    "published": 1,
                }
            )  # fmt: skip
        )
    with pytest.raises(InputError, match="unknown source"):
        check_published(
            claims(
                {
                    "id": "a",
                    "claim": "c",
                    "source": ["S9"],
                    "kind": "age_direction",
                    "published": "x",
                }
            )  # fmt: skip
        )


def test_shipped_published_yaml_is_valid_and_lists_every_published_figure():
    check_published(PUBLISHED)
    by_id = {c["id"]: c for c in PUBLISHED["claims"]}
    assert {by_id[f"n_{c}"]["published"] for c in ("CA", "US", "IL", "UK")} == {
        2609, 1225, 386, 134
    }  # fmt: skip
    assert by_id["n_all"]["published"] == 4354
    assert [by_id[f"any_use_{c}"]["published"] for c in ("CA", "US", "IL", "UK", "CA_US_IL")] == [
        78, 80, 74, 87, 78
    ]  # fmt: skip
    # contract v2 items (§1b): every published figure has a computation (issue 16)
    assert not [c["id"] for c in PUBLISHED["claims"] if c["kind"] == "not_reproducible"]
    assert by_id["contact_initiated_by_both_CA_US_IL"]["item"] == "initiated_by_both"
    assert by_id["contact_initiated_by_both_CA_US_IL"]["published"] == 67
    assert by_id["searching_inappropriate_CA_US_IL"]["item"] == "search_inappropriate"
    assert by_id["searching_inappropriate_CA_US_IL"]["published"] == 34
    assert by_id["psychotherapy_highest"]["kind"] == "higher_use"
    assert by_id["ubiquitous"]["kind"] == "ubiquitous"
    assert by_id["ubiquitous"]["threshold"] == 50
    assert by_id["under_30_use_less"]["kind"] == "age_contrast"  # the claim as stated
    assert by_id["consistent_across_countries"]["kind"] == "age_consistency"


@pytest.mark.parametrize(
    "claim", [c for c in PUBLISHED["claims"] if c["kind"] == "percent"], ids=lambda c: c["id"]
)
def test_tolerances_follow_the_documented_rule(claim):
    """0.5 + 2.5 binomial SEs at the published p and base_n, nearest half point, >= 2.5."""
    p = claim["published"] / 100
    raw = 0.5 + 2.5 * math.sqrt(p * (1 - p) / claim["base_n"]) * 100
    assert claim["tolerance"] == max(2.5, round(raw * 2) / 2)


def test_withheld_claim_blanks_its_value_and_base_but_keeps_the_status():
    """Issue 13: a claim whose base n would give a small cell away is withheld."""
    claim = {
        "id": "use",
        "claim": "any",
        "source": ["S1"],
        "kind": "percent",
        "item": "any_use",
        "countries": ["CA"],
        "published": 88,
        "tolerance": 1.0,
    }
    withheld = pd.DataFrame({"id": ["use"], "withheld": [True], "base_withheld": [True]})
    table = compare_published(
        analysis_frame(), model_frame(), wald_frame(), sensitivity_frame(), claims(claim),
        withheld=withheld,
    ).set_index("id")  # fmt: skip
    row = table.loc["use"]
    assert row["reproduced"] == "" and math.isnan(row["difference"])
    assert "among the respondents of CA" in row["computation"] and "9" not in row["computation"]
    assert "withheld by disclosure control" in row["note"]
    assert row["status"] == MATCH  # 88.89 % is within 1 point of 88
    shown = compare_published(
        analysis_frame(), model_frame(), wald_frame(), sensitivity_frame(), claims(claim),
        withheld=withheld.assign(withheld=False, base_withheld=False),
    ).set_index("id")  # fmt: skip
    assert shown.loc["use", "reproduced"] == pytest.approx(88.89)


V2_CLAIMS = [
    {
        "id": "both",
        "claim": "both",
        "source": ["S1"],
        "kind": "percent",
        "item": "initiated_by_both",
        "countries": ["CA"],
        "published": 50,
        "tolerance": 2.5,
    },
    {
        "id": "inappropriate",
        "claim": "x",
        "source": ["S1"],
        "kind": "percent",
        "item": "search_inappropriate",
        "countries": ["CA"],
        "published": 40,
        "tolerance": 2.5,
    },
    {
        "id": "psy",
        "claim": "x",
        "source": ["S1"],
        "kind": "higher_use",
        "variable": "psychotherapy",
        "countries": ["CA"],
        "published": "among the highest",
    },
    {
        "id": "ubiquitous",
        "claim": "x",
        "source": ["S1"],
        "kind": "ubiquitous",
        "by": ["sector", "field_of_practice", "client_population"],
        "threshold": 50,
        "published": "ubiquitous",
    },
]


def v2_frame() -> pd.DataFrame:
    """analysis_frame() plus the contract v2 items and weights."""
    frame = analysis_frame()
    frame["contact_initiator"] = pd.array([None, 3, 3, 1, 2, 3, None, 3, 2, None], "Int64")
    frame["contact_initiator_skipped"] = [True] + [False] * 9
    frame["search_inappropriate"] = pd.array([1, 0, 0, 1, None, 0, 1, 0, 0, 1], "Int64")
    frame["psychotherapy"] = pd.array([0, 0, 0, 1, 1, 0, 1, 0, 1, 0], "Int64")
    frame["sector"] = pd.Categorical(["public"] * 5 + ["private practice"] * 5)
    frame["field_of_practice"] = pd.array([1, 1, 1, 1, 1, 2, 2, 2, 2, 2], "Int64")
    for k, name in enumerate(
        ("client_children", "client_adolescents", "client_adults", "client_older_adults")
    ):
        frame[name] = pd.array([1] * 10 if k == 2 else [0] * 10, "Int64")
    frame["client_families"] = pd.array([0] * 10, "Int64")
    frame["weight"] = [1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0]
    return frame


def test_v2_items_are_computed_when_the_export_has_them():
    table = compare_published(
        v2_frame(), model_frame(), wald_frame(), sensitivity_frame(), claims(*V2_CLAIMS)
    ).set_index("id")
    # users with an answer: 7 (row 0 is skip logic, rows 6 and 9 blank); both: 4 of 7
    assert table.loc["both", "reproduced"] == pytest.approx(57.14)
    assert table.loc["both", "status"] == MISMATCH
    assert table.loc["inappropriate", "reproduced"] == pytest.approx(44.44)  # 4 of 9
    assert table.loc["inappropriate", "status"] == MISMATCH
    # often or very often (4, 5): providers rows 3, 4, 6, 8 -> 4, 5, 3, 5: 3 of 4;
    # others rows 0-2, 5, 7 (row 9 has no ict_freq) -> 1, 2, 3, 2, 4: 1 of 5
    assert table.loc["psy", "difference"] == pytest.approx(75.0 - 20.0)
    assert table.loc["psy", "status"] == MATCH
    # 5 categories with respondents (2 sectors, 2 fields, adults); the lowest lower
    # bound decides, a 100 % category (no logit interval) counts as its estimate
    by = any_use_by_category(v2_frame(), V2_CLAIMS[3]["by"])
    lowest = by.loc[by["n"] > 0, "ci_low"].min()
    assert table.loc["ubiquitous", "status"] == (MATCH if lowest >= 50 else MISMATCH)
    below = int((by.loc[by["n"] > 0, "ci_low"] < 50).sum())
    assert table.loc["ubiquitous", "reproduced"].startswith(f"{5 - below} of 5 categories")


def test_a_withheld_any_use_share_counts_in_the_verdict_but_is_not_printed():
    """The disclosure rule's withheld shares (any_use_by_breakdown.csv ``suppressed``)
    are not named as the lowest share nor in the range; the verdict keeps them."""
    by = any_use_by_category(v2_frame(), V2_CLAIMS[3]["by"])
    by = by[by["n"] > 0]
    lowest = by.loc[by["ci_low"].fillna(by["pct_weighted"]).idxmin()]
    labels = by[["breakdown", "category"]].astype(str).assign(suppressed="")
    labels.loc[lowest.name, "suppressed"] = "<5"
    args = (v2_frame(), model_frame(), wald_frame(), sensitivity_frame(), claims(V2_CLAIMS[3]))
    plain = compare_published(*args).set_index("id").loc["ubiquitous"]
    hidden = compare_published(*args, withheld_shares=labels).set_index("id").loc["ubiquitous"]
    assert hidden["status"] == plain["status"]
    assert f"lowest: {lowest['breakdown']} {lowest['category']} " in plain["reproduced"]
    assert f"{lowest['breakdown']} {lowest['category']} " not in hidden["reproduced"]
    assert "(1 withheld by disclosure control, not printed)" in hidden["reproduced"]


def test_v2_claims_say_not_in_this_export_on_a_v1_file():
    """A v1 export: the optional columns are absent (or, via the codebook, empty)."""
    everything = claims(*V2_CLAIMS, {**V2_CLAIMS[0], "id": "after", "item": "contact_after_hours"})
    for frame in (
        analysis_frame().assign(weight=1.0),
        v2_frame().assign(
            contact_initiator=pd.NA,
            search_inappropriate=pd.NA,
            psychotherapy=pd.NA,
            field_of_practice=pd.NA,
        ),  # fmt: skip
    ):
        table = compare_published(
            frame, model_frame(), wald_frame(), sensitivity_frame(), everything
        ).set_index("id")
        for ident in ("both", "inappropriate", "psy", "ubiquitous"):
            assert table.loc[ident, "status"] == NOT_IN_EXPORT, ident
            assert "not in this export" in table.loc[ident, "computation"]
            assert table.loc[ident, "reproduced"] == ""
        assert table.loc["after", "status"] == MISMATCH  # a v1 item is still computed


def test_any_use_by_category_is_the_weighted_domain_share():
    table = any_use_by_category(v2_frame(), ["sector", "field_of_practice", "client_population"])
    rows = table.set_index(["breakdown", "category"])
    # public rows 0-4 (freq 1..5, weights 1, 2, 1, 1, 2): any use (freq >= 2) 6 of 7
    assert rows.loc[("sector", "public"), "pct_weighted"] == pytest.approx(600 / 7)
    assert rows.loc[("sector", "public"), "n"] == 5
    # private practice rows 5-9, row 9 missing ict_freq: every answer is a use
    assert rows.loc[("sector", "private practice"), "pct_weighted"] == pytest.approx(100.0)
    assert math.isnan(rows.loc[("sector", "private practice"), "ci_low"])  # p = 1: no logit CI
    assert rows.loc[("client_population", "adults"), "n"] == 9
    assert rows.loc[("client_population", "children"), "n"] == 0
    low, high = rows.loc[("sector", "public"), ["ci_low", "ci_high"]]
    assert low < 600 / 7 < high


def test_check_published_rejects_an_unknown_breakdown():
    with pytest.raises(InputError, match="unknown breakdown"):
        check_published(claims({**V2_CLAIMS[3], "by": ["sector", "region"]}))


def _contrast_tests(p: float) -> pd.DataFrame:
    row = {"test": "contrast_under_30_vs_older", "statistic": 9.0, "df_num": 1.0,
           "df_den": 4000.0, "p_value": p}  # fmt: skip
    return pd.concat([wald_frame(), pd.DataFrame([row])], ignore_index=True)


@pytest.mark.parametrize(
    ("odds", "p", "status"),
    [
        ((1.4, 1.6, 1.8, 1.3), 0.001, MATCH),
        ((1.4, 1.6, 1.8, 1.3), 0.2, MISMATCH),  # not significant
        ((0.5, 0.9, 1.2, 0.6), 0.001, MISMATCH),  # older groups' mean below <30
        ((0.9, 1.6, 1.8, 1.3), 0.001, MATCH),  # one group below 1: the contrast decides
    ],
)
def test_age_claim_is_judged_on_the_contrast(odds, p, status):
    claim = {"id": "age", "claim": "x", "source": ["S1"], "kind": "age_contrast",
             "published": "older use more"}  # fmt: skip
    table = compare_published(
        analysis_frame(), model_frame(odds), _contrast_tests(p), sensitivity_frame(),
        claims(claim),
    ).set_index("id")  # fmt: skip
    assert table.loc["age", "status"] == status
    mean = sum(math.log(o) for o in odds) / 4
    assert f"mean log odds ratio {mean:.3f}" in table.loc["age", "reproduced"]
    missing = compare_published(
        analysis_frame(), model_frame(odds), wald_frame(), sensitivity_frame(), claims(claim)
    ).set_index("id")
    assert missing.loc["age", "status"] == NOT_REPRODUCIBLE
