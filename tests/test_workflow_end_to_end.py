"""The real snakemake CLI on small inputs in a temporary folder, and its lint."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from workflow_runner import SMALL_CONFIG, SMALL_COUNTS, copy_project, sha256, snakemake


@pytest.fixture(scope="module")
def synthetic_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("synthetic"))
    result = snakemake(project, "--configfile", SMALL_CONFIG)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


def test_synthetic_default_gives_the_configured_eligible_counts(synthetic_run):
    flow = pd.read_csv(synthetic_run / "results/tables/sample_flow.csv")
    assert list(flow.columns) == ["step", "reason", "n_excluded", "n_remaining"]
    assert flow["n_remaining"].iloc[-1] == sum(SMALL_COUNTS.values())
    assert flow["n_remaining"].iloc[0] == flow["n_remaining"].iloc[-1] + flow["n_excluded"].sum()
    analysis = pd.read_parquet(synthetic_run / "results/clean/responses.parquet")
    assert analysis["country"].value_counts().to_dict() == SMALL_COUNTS
    origin = json.loads((synthetic_run / "results/clean/data_origin.json").read_text())
    assert origin["synthetic"] is True


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
