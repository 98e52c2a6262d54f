"""The real snakemake CLI on small inputs in a temporary folder, and its lint."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from workflow_runner import copy_project, sha256, snakemake

PUBLISHED_COUNTS = {"CA": 2609, "US": 1225, "IL": 386, "UK": 134}

#: data contract §4: every published table and its required columns
CONTRACT_COLUMNS = {
    "sample_flow.csv": ["step", "reason", "n_excluded", "n_remaining"],
    "weights.csv": ["respondent_id", "country", "weight"],
    "weighting_diagnostics.csv": [
        "country", "n", "sum_weights", "deff_kish", "n_effective",
        "min_weight", "max_weight", "converged", "iterations",
    ],
    "table1_sample.csv": ["country", "variable", "category", "n", "pct_unweighted", "pct_weighted"],
    "table2_freq_by_age.csv": [
        "country", "age_group", "ict_freq", "n", "pct_weighted", "ci_low", "ci_high",
    ],
    "model_ordinal.csv": [
        "term", "estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value",
    ],
    "tests.csv": ["test", "statistic", "df_num", "df_den", "p_value"],
}  # fmt: skip


def test_synthetic_default_gives_the_published_eligible_counts(synthetic_run):
    flow = pd.read_csv(synthetic_run / "results/tables/sample_flow.csv")
    assert flow["n_remaining"].iloc[-1] == 4354
    assert flow["n_remaining"].iloc[0] == flow["n_remaining"].iloc[-1] + flow["n_excluded"].sum()
    analysis = pd.read_parquet(synthetic_run / "results/clean/responses.parquet")
    assert analysis["country"].value_counts().to_dict() == PUBLISHED_COUNTS
    origin = json.loads((synthetic_run / "results/clean/data_origin.json").read_text())
    assert origin["synthetic"] is True


@pytest.mark.parametrize("table", sorted(CONTRACT_COLUMNS))
def test_every_contract_table_has_its_columns(synthetic_run, table):
    frame = pd.read_csv(synthetic_run / "results/tables" / table)
    assert len(frame) > 0
    missing = [c for c in CONTRACT_COLUMNS[table] if c not in frame.columns]
    assert missing == []


def test_under_30s_use_informal_ict_less_often_on_the_synthetic_default(synthetic_run):
    model = pd.read_csv(synthetic_run / "results/tables/model_ordinal.csv").set_index("term")
    age_terms = [t for t in model.index if t.startswith("age_group[")]
    assert len(age_terms) == 4
    assert (model.loc[age_terms, "estimate"] > 0).all()  # every older group above <30
    predicted = pd.read_csv(synthetic_run / "results/tables/predicted_by_age.csv")
    often = predicted[(predicted["country"] == "ALL") & (predicted["outcome"] == "ict_freq>=4")]
    by_age = often.set_index("age_group")["estimate"]
    assert (by_age.drop("<30") > by_age["<30"]).all()
    terms = set(model.index)
    assert {"country[US]", "country[IL]", "country[UK]", "threshold 1|2", "threshold 4|5"} <= terms


def test_synthetic_messiness_reaches_the_sample_flow(synthetic_run):
    flow = pd.read_csv(synthetic_run / "results/tables/sample_flow.csv").set_index("step")
    assert flow.loc[1, "n_excluded"] == 1  # the blank row
    assert flow.loc[2, "n_excluded"] > 0 and flow.loc[3, "n_excluded"] > 0


def test_a_contract_csv_written_by_someone_else_runs_without_synthetic_flag(tmp_path, oracle_dir):
    project = copy_project(tmp_path / "project")
    raw = tmp_path / "their export.csv"
    raw.write_bytes((oracle_dir / "raw.csv").read_bytes())
    before = sha256(raw)
    result = snakemake(project, "--config", f"input={raw}")
    assert result.returncode == 0, result.stderr[-3000:]
    flow = pd.read_csv(project / "results/tables/sample_flow.csv")
    expected = pd.read_csv(oracle_dir / "expected" / "sample_flow.csv")
    assert flow["n_remaining"].iloc[-1] == expected["n_remaining"].iloc[-1] == 2000
    assert flow["n_remaining"].iloc[0] == 2083
    origin = json.loads((project / "results/clean/data_origin.json").read_text())
    assert origin["synthetic"] is False and origin["input_sha256"] == before
    assert sha256(raw) == before


def test_snakemake_lint_is_clean(tmp_path):
    project = copy_project(tmp_path / "project")
    result = snakemake(project, "--lint")
    assert result.returncode == 0
    assert "Congratulations, your workflow is in a good condition!" in result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "table", ["table1_sample.csv", "table2_freq_by_age.csv", "weighting_margins.csv"]
)
def test_no_published_frequency_cell_counts_fewer_than_k(synthetic_run, table):
    """Issue 13: threshold cells (1 <= n < 5) show "<5", cells hidden only to protect
    them show "x", empty cells are published (disclosure.zeros: safe)."""
    published = pd.read_csv(synthetic_run / "results/tables" / table, dtype={"n": str})
    internal = synthetic_run / "results/internal_unsuppressed" / table
    assert internal.exists()  # analysts' unsuppressed copy, in its own folder
    true_n = pd.read_csv(internal, keep_default_na=False, na_values=[""])["n"].to_numpy()
    shown = ~published["suppressed"].to_numpy()
    counts = published.loc[shown, "n"].astype(int).to_numpy()
    assert ((counts == 0) | (counts >= 5)).all()
    assert (counts == true_n[shown]).all()
    labels = published["n"].to_numpy()
    threshold = labels == "<5"
    assert ((true_n[threshold] >= 1) & (true_n[threshold] < 5)).all()  # no "<5" on n >= 5
    assert (threshold | (labels == "x") | shown).all()
    assert not ((true_n >= 1) & (true_n < 5) & ~threshold).any()


def test_disclosure_audit_protects_every_threshold_cell(synthetic_run):
    audit = pd.read_csv(synthetic_run / "results/tables/disclosure_audit.csv")
    assert list(audit.columns[:1]) == ["table"] and "n" not in audit.columns
    assert len(audit) > 0 and audit["protected"].all()
    width = audit["feasible_high"] - audit["feasible_low"]
    assert (width >= audit["protection_required"]).all()


#: the claims that rest on the optional items of data contract v2 §1b (issue 16)
V2_CLAIMS = (
    "contact_initiated_by_both_CA_US_IL",
    "searching_inappropriate_CA_US_IL",
    "psychotherapy_highest",
    "ubiquitous",
)


def test_every_published_claim_is_reproducible_on_the_synthetic_default(synthetic_run):
    table = pd.read_csv(synthetic_run / "results/tables/published_vs_reproduced.csv")
    assert "not reproducible" not in set(table["status"])
    assert "not in this export" not in set(table["status"])
    status = table.set_index("id")["status"]
    assert (status[list(V2_CLAIMS)] == "match").all()
    assert status["under_30_use_less"] == "match"  # judged on the contrast
    tests = pd.read_csv(synthetic_run / "results/tables/tests.csv").set_index("test")
    for name in ("wald_age_group", "contrast_under_30_vs_older", "nonlinearity_age_group"):
        assert name in tests.index
    assert tests.loc["wald_age_group", "df_num"] == 4
    assert tests.loc["contrast_under_30_vs_older", "df_num"] == 1
    assert tests.loc["nonlinearity_age_group", "df_num"] == 3
