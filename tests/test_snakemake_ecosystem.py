"""Snakemake's ecosystem: ``snakemake --report``, the workflow catalog's files,
use as a module of another workflow, the version and release notes.

The module test runs the README's outer workflow (README "Using it as a
Snakemake module") on the oracle fixture and compares its tables with R.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import numpy as np
import pandas as pd
import pytest
import yaml
from workflow_runner import ROOT, copy_project, snakemake

import socialwork_ict

#: every file the rules flag for Snakemake's report (socialwork_ict.outputs.REPORT_ENTRIES)
REPORTED = [
    "reports/report.html",
    "results/manifest.tsv",
    *(
        f"results/tables/{table}.csv"
        for table in (
            "sample_flow",
            "table1_sample",
            "weighting_diagnostics",
            "weighting_margins",
            "table2_freq_by_age",
            "model_ordinal",
            "predicted_by_age",
            "tests",
            "sensitivity",
            "published_vs_reproduced",
            "disclosure_audit",
            "table3_items",
            "items_logit",
            "any_use_by_breakdown",
        )
    ),
    *(
        f"results/figures/{figure}.svg"
        for figure in (
            "sample_flow",
            "weighting",
            "freq_by_age",
            "odds_ratios",
            "predicted_often",
            "sensitivity",
            # one per survey section of the default analysis plan
            "items_setting",
            "items_ict_use",
            "items_boundaries",
            "items_policy",
        )
    ),
]


def readme_block(heading: str, language: str) -> str:
    """The first ``language`` code block after ``heading`` in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(heading)
    match = re.search(rf"```{language}\n(.*?)```", readme[start:], flags=re.S)
    assert match, f"README: no {language} block after {heading!r}"
    return match.group(1)


def test_snakemake_report_cli_has_every_result_with_its_caption(synthetic_run, tmp_path):
    archive = tmp_path / "report.zip"
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--report", str(archive)],
        cwd=synthetic_run,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (synthetic_run / "report.html").exists()
    with zipfile.ZipFile(archive) as handle:
        names = handle.namelist()
        text = "\n".join(
            handle.read(name).decode("utf-8", errors="replace")
            for name in names
            if name.endswith((".html", ".js"))
        )
    # each result once, as <archive>/data/raw/<id>/<file name>
    files = sorted(name.rsplit("/", 1)[-1] for name in names if "/data/raw/" in name)
    assert files == sorted(path.rsplit("/", 1)[-1] for path in REPORTED)
    # no respondent-level file, nothing unsuppressed
    assert not any(name.endswith("weights.csv") for name in names)
    assert not any("internal_unsuppressed" in name for name in names)
    # captions rendered with the run's config (synthetic default, raking)
    assert "Table 1: the eligible sample by country" in text
    assert "Synthetic data." in text
    assert "raking" in text
    for category in ("1. Report", "2. Sample", "3. Weighting", "5. Model and tests"):
        assert category in text


def test_report_outputs_in_the_project_folder_are_git_ignored():
    for name in ("report.html", "report.zip"):
        result = subprocess.run(
            ["git", "check-ignore", "-q", name], cwd=ROOT, capture_output=True, check=False
        )
        if result.returncode == 128:
            pytest.skip("not a git checkout")
        assert result.returncode == 0, name


def test_workflow_catalog_files():
    settings = yaml.safe_load((ROOT / ".snakemake-workflow-catalog.yml").read_text())
    usage = settings["usage"]
    assert set(usage) <= {"mandatory-flags", "software-stack-deployment", "report"}
    assert usage["report"] is True
    assert any(usage["software-stack-deployment"].values())
    assert "--config input=" in usage["mandatory-flags"]["flags"]
    # the catalog looks for workflow/Snakefile (the project has a workflow/ folder)
    assert 'include: "../Snakefile"' in (ROOT / "workflow" / "Snakefile").read_text()
    assert (ROOT / "config" / "README.md").is_file()


def test_version_and_release_notes_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert socialwork_ict.__version__ == project["version"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (\d+\.\d+\.\d+)\b", changelog, flags=re.M)
    assert releases and releases[0] == project["version"], releases


@pytest.fixture(scope="module")
def module_run(tmp_path_factory, oracle_dir):
    """The README's outer workflow, in a folder beside a clone of this one."""
    outer = tmp_path_factory.mktemp("outer")
    copy_project(outer / "socialwork")
    (outer / "data").mkdir()
    shutil.copy2(oracle_dir / "raw.csv", outer / "data" / "raw.csv")
    shutil.copy2(oracle_dir / "targets.yaml", outer / "data" / "targets.yaml")
    snakefile = readme_block("**Using it as a Snakemake module.**", "python")
    (outer / "Snakefile").write_text(snakefile, encoding="utf-8")
    result = snakemake(outer, cores=2)
    assert result.returncode == 0, result.stderr[-3000:]
    return outer


def test_module_cli_runs_the_pipeline_on_the_oracle_fixture(module_run, oracle_expected):
    # outputs in the outer folder, none in the clone
    assert (module_run / "reports/report.html").is_file()
    assert not (module_run / "socialwork" / "results").exists()
    ours = pd.read_csv(module_run / "results/tables/weights.csv")
    r = oracle_expected["weights"]
    assert ours["respondent_id"].tolist() == r["respondent_id"].tolist()
    assert np.max(np.abs(ours["weight"] / r["weight"] - 1)) < 1e-8
    model = pd.read_csv(module_run / "results/tables/model_ordinal.csv").set_index("term")
    r_model = oracle_expected["model_ordinal"].set_index("term")
    assert list(model.index) == list(r_model.index)
    assert np.max(np.abs(model["estimate"] - r_model["estimate"])) < 1e-6
    # the manifest names the clone's files relatively (no absolute paths)
    manifest = (module_run / "results/manifest.tsv").read_text(encoding="utf-8")
    assert "socialwork/config/config.yaml" in manifest
    assert str(module_run) not in manifest


def test_module_cli_verify_checks_the_outer_folders_files(module_run):
    """verify in the outer folder: every manifest hash holds; the study's published
    claims are not the oracle fixture's, so the mismatches it names are the
    comparison table's."""
    result = snakemake(module_run, "socialwork_verify", cores=1)
    comparison = pd.read_csv(module_run / "results/tables/published_vs_reproduced.csv")
    mismatched = comparison.loc[comparison["status"] == "mismatch", "id"].tolist()
    assert mismatched, "the oracle fixture reproduces every published claim?"
    assert result.returncode == 1
    named = re.findall(r"mismatch: (\w+):", result.stderr)
    assert named == mismatched
    lines = [line for line in result.stdout.splitlines() if line.startswith("verify: ")]
    assert lines[0].startswith("verify: published claims (socialwork/config/published.yaml): ")
    assert lines[1].startswith("verify: manifest (results/manifest.tsv): ")
    assert lines[1].endswith(" 0 differing or missing")
    assert lines[2] == (
        f"verify: FAILED: {len(mismatched)} problem(s), named above and in logs/verify.log"
    )
