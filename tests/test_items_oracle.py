"""Table 3 of the analysis plan, its tests and logits against R's survey package.

``tests/fixtures/oracle_items/``: R numbers from ``oracle_items.R`` (see its
PROVENANCE.md) on the oracle_calibration fixture (item non-response, skip
logic), for the fixed-weight and the calibrated (raking) design:
``svymean(deff = "replace")`` with the logit CI of ``svyciprop``,
``svychisq(statistic = "F")`` of item x age group and ``svyglm(family =
quasibinomial())``. Tolerances as the other oracle tests
(``test_inference_calibration.py``): 1e-8 for proportions, SEs, deff and
intervals (no optimiser), 1e-5 relative for the Rao-Scott tests, 1e-6
absolute for the logit estimates (R's IRLS stops at a relative deviance
change of 1e-8) and 1e-5 relative for their SEs.
"""

from __future__ import annotations

from pathlib import Path

import calibration_oracle as oracle
import numpy as np
import pandas as pd
import pytest

from socialwork_ict.codebook import load_codebook
from socialwork_ict.items import item_logits, item_tests, load_plan, table3_items

EXPECTED = Path(__file__).parent / "fixtures" / "oracle_items" / "expected"
CODEBOOK = Path(__file__).parents[1] / "config" / "codebook.yaml"
COUNTRIES = ("CA", "US", "IL", "UK")
#: the items R computed, as an analysis plan (contact_after_hours: the codebook's skip logic)
PLAN = {
    "breakdowns": ["age_group"],
    "covariates": ["age_group", "country", "gender", "sector"],
    "sections": [
        {
            "id": "oracle",
            "title": "oracle items",
            "items": [
                {"name": "contact_after_hours", "kind": "binary"},
                {"name": "friend_request", "kind": "binary"},
                {"name": "discussed_supervisor", "kind": "binary"},
                {"name": "workplace_policy", "kind": "nominal"},
            ],
        }
    ],
}
DESIGNS = ("fixed", "calibrated")


@pytest.fixture(scope="module")
def sections():
    return load_plan(PLAN, load_codebook(CODEBOOK))


def test_skip_logic_comes_from_the_codebook(sections):
    asked = {item.name: item.asked for item in sections[0].items}
    assert asked["contact_after_hours"] == ("ict_freq", 2)
    assert asked["friend_request"] is None


@pytest.mark.parametrize("name", DESIGNS)
def test_table3_is_r_svymean_deff_and_svyciprop(sections, name):
    table, absent = table3_items(oracle.frame(), sections, oracle.design(name), COUNTRIES)
    assert absent == []
    r = pd.read_csv(EXPECTED / f"{name}_table3.csv", keep_default_na=False, na_values=[""])
    ours = table.set_index(["variable", "country", "category"])
    ours = ours.loc[list(r.set_index(["variable", "country", "category"]).index)]
    assert len(r) == 45
    np.testing.assert_array_equal(ours["n"].to_numpy(), r["n"].to_numpy())
    np.testing.assert_array_equal(ours["df"].to_numpy(), r["df"].to_numpy())
    for column in ("pct_weighted", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(
            ours[column].to_numpy(dtype=float), r[column], rtol=0, atol=1e-8, err_msg=column
        )
    np.testing.assert_allclose(ours["deff"].to_numpy(dtype=float), r["deff"], rtol=1e-8)


@pytest.mark.parametrize("name", DESIGNS)
def test_item_tests_are_r_svychisq(sections, name):
    """F and d0 as svychisq; df_den = d0 x the domain's df (R's df_den_domain: on a
    calibrated design R's own df_den counts the other domains' rows, README §3)."""
    tests = item_tests(oracle.frame(), sections, oracle.design(name), COUNTRIES)
    r = pd.read_csv(EXPECTED / f"{name}_tests.csv").set_index("test")
    ours = tests.set_index("test").loc[r.index]
    assert len(r) == 20
    for column, theirs in (
        ("statistic", "statistic"),
        ("df_num", "df_num"),
        ("df_den", "df_den_domain"),
        ("p_value", "p_value_domain"),
    ):
        np.testing.assert_allclose(
            ours[column].to_numpy(dtype=float), r[theirs], rtol=1e-5, err_msg=column
        )


@pytest.mark.parametrize("name", DESIGNS)
def test_item_logits_are_r_svyglm_quasibinomial(sections, name):
    logits = item_logits(oracle.frame(), sections, oracle.design(name), PLAN["covariates"])
    r = pd.read_csv(EXPECTED / f"{name}_logit.csv")
    # R's names: age_group30-39, countryUS, sectorprivate practice -> ours
    r["term"] = r["term"].str.replace(
        r"^(age_group|country|gender|sector)(.+)$", r"\1[\2]", regex=True
    )
    assert (
        set(logits["variable"])
        == set(r["variable"])
        == {
            "contact_after_hours",
            "friend_request",
            "discussed_supervisor",
        }
    )
    ours = logits.set_index(["variable", "term"]).loc[
        list(zip(r["variable"], r["term"], strict=True))
    ]
    np.testing.assert_allclose(ours["estimate"].to_numpy(dtype=float), r["estimate"], atol=1e-6)
    np.testing.assert_allclose(ours["std_error"].to_numpy(dtype=float), r["std_error"], rtol=1e-5)
    np.testing.assert_allclose(ours["p_value"].to_numpy(dtype=float), r["p_value"], rtol=1e-4)
    np.testing.assert_array_equal(ours["df"].to_numpy(), r["df"].to_numpy())


@pytest.mark.parametrize("name", list(oracle.PREFIX))
def test_table3_yes_rows_are_r_item_means_on_every_design(name):
    """Every yes/no item of Table 3 against the oracle_calibration fixture's own
    ``svymean(~item, subset(design, country == c), na.rm = TRUE, deff = "replace")``
    (``expected/*item_means.csv``) on all six designs: fixed, calibrated,
    bootstrap and JKn, each with the weights fixed or re-raked. Tolerance 1e-8
    relative, as ``test_inference_calibration.py``."""
    r = oracle.expected(oracle.PREFIX[name] + "item_means")
    plan = {
        "sections": [
            {
                "id": "yes_no",
                "title": "yes/no items",
                "items": [{"name": item, "kind": "binary"} for item in dict.fromkeys(r["item"])],
            }
        ]
    }
    sections = load_plan(plan, load_codebook(CODEBOOK))
    table, _ = table3_items(oracle.frame(), sections, oracle.design(name), COUNTRIES)
    answered = table.groupby(["variable", "country"])["n"].transform("sum")
    yes = table.assign(answered=answered)[table["category"] == "yes"]
    ours = yes.set_index(["country", "variable"]).loc[
        list(zip(r["country"], r["item"], strict=True))
    ]
    np.testing.assert_array_equal(ours["answered"].to_numpy(), r["n"].to_numpy())
    np.testing.assert_allclose(ours["pct_weighted"] / 100, r["mean"], rtol=1e-8, atol=0)
    np.testing.assert_allclose(ours["se"] / 100, r["se"], rtol=1e-8, atol=0)
    np.testing.assert_allclose(ours["deff"], r["deff"], rtol=1e-8, atol=0)
