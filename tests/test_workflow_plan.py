"""An analyst adds an item to the analysis plan by editing the config only.

Copies the project, appends a section with one item (``gender``, nominal,
not in the default plan) to ``analysis_plan`` in the copy's
``config/config.yaml``, runs the real snakemake CLI on the oracle_calibration
fixture (2,000 eligible respondents, a v1 export: the contract v2 items are
absent) and finds the item's rows in Table 3, its Rao-Scott tests in
``tests.csv`` and its section's figure in the report; the absent optional
items are reported as not in this export.
"""

from __future__ import annotations

import calibration_oracle as oracle
import pandas as pd
import pytest
import yaml
from workflow_runner import copy_project, snakemake

OUTPUTS = (
    "reports/report.html",
    "results/tables/table3_items.csv",
    "results/tables/tests.csv",
)
NEW_SECTION = {
    "id": "added",
    "title": "Added section: gender",
    "items": [{"name": "gender", "kind": "nominal"}],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("plan"))
    path = project / "config" / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["analysis_plan"]["sections"].append(NEW_SECTION)
    config.update(
        input=str(oracle.DIR / "raw.csv"),
        targets=str(oracle.DIR / "targets.yaml"),
        weighting={**config["weighting"], "outside_rule": "not_raked"},
    )
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    result = snakemake(project, *OUTPUTS)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


def test_added_item_has_table3_rows(results):
    table3 = pd.read_csv(results / "results/tables/table3_items.csv", keep_default_na=False)
    rows = table3[table3["item"] == "gender"]
    assert set(rows["country"]) == {"CA", "US", "IL", "UK", "ALL"}
    assert set(rows["category"]) == {"woman", "man", "another gender"}
    assert (rows["section"] == "added").all()
    # gender's counts are Table 1's cells: suppressed there, suppressed here
    shown = rows[rows["suppressed"].astype(str) == "False"]
    assert len(shown) >= 8
    assert pd.to_numeric(shown["pct_weighted"]).between(0, 100).all()
    hidden = rows[rows["suppressed"].astype(str) == "True"]
    assert hidden["n"].isin(["<5", "x"]).all() and (hidden["pct_weighted"] == "").all()
    table1 = pd.read_csv(results / "results/tables/table1_sample.csv", keep_default_na=False)
    same = table1[table1["variable"] == "gender"].merge(rows, on=["country", "category"])
    assert len(same) == 15 and (same["n_x"] == same["n_y"]).all()


def test_added_item_has_its_tests(results):
    tests = pd.read_csv(results / "results/tables/tests.csv").set_index("test")
    names = [f"rao_scott_gender_x_age_group[{c}]" for c in ("CA", "US", "IL", "UK", "ALL")]
    assert set(names) <= set(tests.index)
    assert (tests.loc[names, "p_value"].between(0, 1)).all()


def test_added_section_figure_and_absent_items_in_report(results):
    html = (results / "reports/report.html").read_text(encoding="utf-8")
    assert 'id="figure-items-added"' in html
    assert "Added section: gender" in html
    assert (results / "results/figures/items_added.svg").is_file()
    # a v1 export: the optional items of contract v2 are named, not analysed
    assert "not in this export" in html.lower()
    table3 = pd.read_csv(results / "results/tables/table3_items.csv")
    assert "contact_initiator" not in set(table3["item"])
