"""The analysis plan (socialwork_ict.items): its checks, absent items, Table 3 in the
one disclosure problem, and the report's supervision finding."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialwork_ict.codebook import load_codebook
from socialwork_ict.codes import OPTIONAL_COLUMNS
from socialwork_ict.disclosure import DisclosureSettings, protect_published
from socialwork_ict.errors import InputError
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.inference.variance import LinearizationDesign
from socialwork_ict.items import (
    ANY_USE_COLUMNS,
    any_use_by_breakdown,
    any_use_suppression,
    load_plan,
    no_discussion_estimate,
    table3_items,
)
from socialwork_ict.report.items import any_use_note, insert_finding, no_discussion_sentence
from socialwork_ict.report.published import any_use_by_category
from socialwork_ict.report.trace import plain
from socialwork_ict.tables import table1_sample
from socialwork_ict.weighting import rake_weights

ROOT = Path(__file__).parents[1]
CODEBOOK = load_codebook(ROOT / "config" / "codebook.yaml")
CLAIMS = yaml.safe_load((ROOT / "config/published.yaml").read_text())["claims"]
COUNTRIES = ("CA", "US", "IL", "UK")


def _fixed(frame):
    """Fixed-weight linearisation, strata = country."""
    return LinearizationDesign(frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy())


def _plan(*items):
    return {"breakdowns": ["age_group"], "sections": [{"id": "s", "title": "S", "items": items}]}


def test_default_plan_covers_sections_2_to_5_and_the_codebook_skip_logic():
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    sections = load_plan(config["analysis_plan"], CODEBOOK)
    assert [s.title.split(":")[0] for s in sections] == [f"Section {k}" for k in (2, 3, 4, 5)]
    items = {i.name: i for s in sections for i in s.items}
    # every contract item of sections 2-5 (demographics and eligibility excepted)
    columns = {c for i in items.values() for c in i.columns}
    skip = {"respondent_id", "country", "consent", "direct_client_contact", "age", "gender",
            "years_practice"}  # fmt: skip
    assert columns == set(CODEBOOK.columns) - skip
    assert items["contact_initiator"].asked == ("ict_freq", 2)
    assert items["client_population"].kind == "multi-select"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"name": "no_such_item", "kind": "binary"}, "'no_such_item' is not a codebook column"),
        ({"name": "workplace_policy", "kind": "binary"}, "needs the codes 0 and 1"),
        ({"name": "age", "kind": "ordinal"}, "has no code list"),
        ({"name": "client_x", "kind": "multi-select"}, "a multi-select needs its columns"),
    ],
)
def test_a_wrong_plan_item_is_one_error_naming_it(item, message):
    with pytest.raises(InputError, match=message) as error:
        load_plan(_plan(item), CODEBOOK)
    assert "\n" not in error.value.message()


def test_an_optional_item_the_codebook_lacks_is_left_out_not_an_error(caplog):
    """A v1 export's codebook declares no optional v2 column (data contract §1b):
    the default plan still loads, without those items; a required column the
    codebook lacks stays an error."""
    v1 = dataclasses.replace(
        CODEBOOK,
        columns={k: v for k, v in CODEBOOK.columns.items() if k not in OPTIONAL_COLUMNS},
    )
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    with caplog.at_level("WARNING"):
        sections = load_plan(config["analysis_plan"], v1)
    names = {i.name for s in sections for i in s.items}
    assert {"field_of_practice", "psychotherapy", "client_population"}.isdisjoint(names)
    assert {"sector", "discussed_supervisor", "friend_request"} <= names
    assert "field_of_practice" in caplog.text and "not in this export" in caplog.text
    left_out = {name for s in sections for name, _ in s.left_out}
    assert {"field_of_practice", "psychotherapy", "client_population"} <= left_out
    no_sector = dataclasses.replace(
        CODEBOOK, columns={k: v for k, v in CODEBOOK.columns.items() if k != "sector"}
    )
    with pytest.raises(InputError, match="'sector' is not a codebook column"):
        load_plan(config["analysis_plan"], no_sector)


@pytest.fixture(scope="module")
def published_inputs(oracle_frame, oracle_targets):
    """Tables 1-2, margins, diagnostics and a frame with a small nominal item
    (``field_of_practice``, published in no other table: 2 UK respondents in one
    category) and a yes/no item also in Table 1."""
    frame = oracle_frame.copy()
    weighting = rake_weights(frame, oracle_targets)
    frame = frame.assign(weight=weighting.weights)
    codes = np.tile([1, 2, 3], len(frame) // 3 + 1)[: len(frame)].astype(float)
    uk = np.flatnonzero((frame["country"] == "UK").to_numpy())
    codes[uk] = 1 + (np.arange(uk.size) % 2)
    codes[uk[:2]] = 7  # "other": a cell of 2 in the UK
    frame["field_of_practice"] = pd.array(codes, dtype="Int64")
    return (
        table1_sample(frame),
        table2_freq_by_age(frame),
        weighting.margins,
        weighting.diagnostics,
        frame,
    )


def test_table3_joins_the_one_disclosure_problem(published_inputs):
    *tables, frame = published_inputs
    sections = load_plan(
        _plan(
            {"name": "friend_request", "kind": "binary"},
            {"name": "field_of_practice", "kind": "nominal"},
        ),
        CODEBOOK,
    )
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    table3, absent = table3_items(frame, sections, design, COUNTRIES)
    assert absent == []
    protected = protect_published(*tables, frame, CLAIMS, DisclosureSettings(), table3=table3)
    out = protected.table3.set_index(["variable", "country", "category"])
    # the small cell: "<5", its country's other categories protect it ("x"), values blanked
    assert out.loc[("field_of_practice", "UK", "other"), "n"] == "<5"
    uk = out.loc["field_of_practice"].loc["UK"]
    assert (uk["n"] == "x").sum() >= 1
    assert uk.loc[uk["suppressed"], "pct_weighted"].isna().all()
    assert "df" not in protected.table3.columns
    audit = protected.audit[protected.audit["table"] == "table3_items"]
    assert len(audit) >= 1 and audit["protected"].all()
    # a count Table 1 publishes too is Table 1's cell: the same label
    t1 = protected.table1.set_index(["variable", "country", "category"])["n"]
    fr = out.loc["friend_request"]["n"]
    assert all(t1.loc[("friend_request", c, g)] == n for (c, g), n in fr.items())


def test_an_absent_optional_item_has_no_rows(published_inputs):
    *_, frame = published_inputs
    frame = frame.assign(search_inappropriate=pd.array([pd.NA] * len(frame), dtype="Int64"))
    sections = load_plan(_plan({"name": "search_inappropriate", "kind": "binary"}), CODEBOOK)
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    table3, absent = table3_items(frame, sections, design, COUNTRIES)
    assert table3.empty
    assert absent == [{"section": "s", "item": "search_inappropriate",
                       "columns": ["search_inappropriate"], "reason": "no answers"}]  # fmt: skip


def test_an_item_left_out_of_the_plan_is_listed_as_not_in_this_export(published_inputs):
    """An optional item the codebook does not declare reaches the report's "Not in
    this export" list like an unanswered one, with its reason."""
    *_, frame = published_inputs
    v1 = dataclasses.replace(
        CODEBOOK, columns={k: v for k, v in CODEBOOK.columns.items() if k != "search_inappropriate"}
    )
    sections = load_plan(_plan({"name": "search_inappropriate", "kind": "binary"}), v1)
    assert sections[0].items == ()
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    table3, absent = table3_items(frame, sections, design, COUNTRIES)
    assert table3.empty
    assert absent == [{"section": "s", "item": "search_inappropriate",
                       "columns": ["search_inappropriate"],
                       "reason": "not in the codebook"}]  # fmt: skip


def test_supervision_finding_is_the_weighted_no_discussion_share(published_inputs):
    *_, frame = published_inputs
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    estimate = no_discussion_estimate(frame, design)
    rows = frame[frame["country"].astype(str).isin(["CA", "US", "IL"])]
    none = ((rows["discussed_supervisor"] == 0) & (rows["discussed_colleagues"] == 0)).to_numpy()
    w = rows["weight"].to_numpy()
    assert estimate["pct_weighted"] == pytest.approx(100 * w[none].sum() / w.sum(), rel=1e-12)
    assert estimate["ci_low"] < estimate["pct_weighted"] < estimate["ci_high"]
    sentence = no_discussion_sentence(estimate)
    html = '<ul>\n<li>a</li>\n</ul>\n</section>\n\n<section id="data">'
    assert insert_finding(html, sentence).count("<li>") == 2
    assert f"{estimate['pct_weighted']:.1f} %" in plain(sentence)


def test_a_claim_on_a_table3_item_is_the_sum_of_its_cells(published_inputs):
    """The published 34 % of search_inappropriate (CA + US + IL): its count and base
    are Table 3's yes and yes + no cells, one equation each."""
    from socialwork_ict.disclosure import build_problem

    *tables, frame = published_inputs
    codes = (np.arange(len(frame)) % 3 == 0).astype(float)
    frame = frame.assign(search_inappropriate=pd.array(codes, dtype="Int64"))
    sections = load_plan(_plan({"name": "search_inappropriate", "kind": "binary"}), CODEBOOK)
    table3, _ = table3_items(frame, sections, _fixed(frame), COUNTRIES)
    claims = [c for c in CLAIMS if c.get("item") == "search_inappropriate"]
    b, (*_, ic, _) = build_problem(*tables, frame, claims, DisclosureSettings(), table3)
    cells = b.problem()
    j_count, j_base = ic[claims[0]["id"]]
    yes = {b.index[("table3", c, "search_inappropriate", "yes")] for c in ("CA", "US", "IL")}
    rows = cells.matrix.toarray()
    linked = [set(np.flatnonzero(row)) for row in rows if row[j_count] != 0]
    assert yes | {j_count} in linked
    assert any(row[j_base] != 0 and len(np.flatnonzero(row)) == 7 for row in rows)


def _any_use_table(rows):
    return pd.DataFrame(rows, columns=["breakdown", "category", "n", "n_yes"])


def test_any_use_threshold_rule_on_both_cells_and_one_complement_per_partition():
    """A share is withheld (<k) when its domain, its users or its non-users number
    1..k-1; a single-select breakdown with one withheld share gets one complement
    (x, the next-smallest category); client populations overlap and get none."""
    table = _any_use_table(
        [
            ("sector", "public", 400, 300),
            ("sector", "non-profit", 120, 80),
            ("sector", "private practice", 60, 57),  # 3 non-users: <5
            ("sector", "other", 0, 0),  # empty: no share, no label
            ("field_of_practice", "a", 200, 150),
            ("field_of_practice", "b", 90, 60),
            ("client_population", "children", 4, 3),  # 4 answered: <5
            ("client_population", "adults", 300, 200),
        ]
    )
    status = any_use_suppression(table, DisclosureSettings(k=5))
    assert status.tolist() == ["", "x", "<5", "", "", "", "<5", ""]
    sensitive = any_use_suppression(
        _any_use_table([("sector", "a", 50, 50), ("sector", "b", 60, 30)]),
        DisclosureSettings(k=5, zeros="sensitive"),
    )
    assert sensitive.tolist() == ["<5", "x"]  # 0 non-users is a group disclosure
    safe = any_use_suppression(
        _any_use_table([("sector", "a", 50, 50), ("sector", "b", 60, 30)]), DisclosureSettings(k=5)
    )
    assert safe.tolist() == ["", ""]


def test_any_use_table_blanks_withheld_shares_and_flags_imprecise_ones(published_inputs, caplog):
    *_, frame = published_inputs
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    with caplog.at_level(logging.INFO, logger="socialwork_ict.items"):
        table = any_use_by_breakdown(frame, design, DisclosureSettings(k=5))
    assert list(table.columns) == list(ANY_USE_COLUMNS)
    withheld = table["suppressed"] != ""
    assert table.loc[withheld, ["pct_weighted", "ci_low", "ci_high"]].isna().all().all()
    empty = (
        any_use_by_category(frame, list(table["breakdown"].unique()), design)["n"] == 0
    ).to_numpy()
    assert (table.loc[~withheld, "pct_weighted"].isna() == empty[~withheld]).all()
    assert (table.loc[withheld, "flag"] == "").all()
    # the field with 2 respondents in the fixture's frame is withheld
    assert withheld.any()
    # the run log counts them (suppression is not a warning)
    counts = table["suppressed"].value_counts()
    tally = ", ".join(f"{counts[label]} {label}" for label in sorted(counts.index) if label)
    shown = int((table["pct_weighted"].notna() | withheld).sum())
    assert (
        f"any-use shares: {int(withheld.sum())} of {shown} withheld by disclosure control ({tally})"
        in caplog.text
    )


def test_any_use_note_explains_each_label_shown():
    table = pd.DataFrame(
        {
            "breakdown": ["sector"] * 3,
            "category": ["a", "b", "c"],
            "suppressed": ["<5", "x", ""],
            "flag": ["", "", "n_eff < 30"],
        }
    )
    note = plain(any_use_note(table))
    assert "'<5'" in note and "fewer than 5 respondents" in note
    assert "'x'" in note and "derived from the others" in note
    assert "NCHS" in note
    assert any_use_note(table.assign(suppressed="", flag="")) == ""
