"""The report rules through the real snakemake CLI in a temporary copy of the project."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from workflow_runner import copy_project, snakemake


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project with the comparison built on the synthetic default."""
    folder = copy_project(tmp_path_factory.mktemp("report"))
    result = snakemake(folder, "results/tables/published_vs_reproduced.csv", cores=4)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def test_comparison_table_on_the_synthetic_default(project):
    table = pd.read_csv(project / "results/tables/published_vs_reproduced.csv")
    assert list(table.columns[:3]) == ["id", "claim", "source"]
    assert set(table["status"]) <= {"match", "mismatch"}  # every claim reproducible (issue 16)
    by_id = table.set_index("id")["status"]
    assert by_id["under_30_use_less"] == "match"
    assert by_id["contact_initiated_by_both_CA_US_IL"] == "match"
    assert (table["status"] != "mismatch").all(), table[table["status"] == "mismatch"]


def test_verify_passes_and_reruns_each_time(project):
    for _ in range(2):  # a rule without output runs every time it is asked for
        result = snakemake(project, "verify")
        assert result.returncode == 0, result.stderr[-3000:]
        assert "rule verify" in result.stdout + result.stderr


def test_verify_prints_a_summary_of_what_it_checked(project):
    result = snakemake(project, "verify")
    assert result.returncode == 0, result.stderr[-3000:]
    statuses = pd.read_csv(project / "results/tables/published_vs_reproduced.csv")["status"]
    counts = statuses.value_counts()
    manifest = pd.read_csv(project / "results/manifest.tsv", sep="\t")
    lines = [line for line in result.stdout.splitlines() if line.startswith("verify: ")]
    assert lines == [
        f"verify: published claims (config/published.yaml): {len(statuses)} checked: "
        f"{counts.get('match', 0)} match, 0 mismatch, "
        f"{counts.get('not reproducible', 0)} not reproducible",
        f"verify: manifest (results/manifest.tsv): {len(manifest)} files ("
        + ", ".join(f"{n} {role}" for role, n in sorted(manifest["role"].value_counts().items()))
        + f") hashed (sha256): {len(manifest)} as recorded, 0 differing or missing",
        "verify: passed: all 2 checks",
    ], result.stdout


def test_verify_fails_naming_an_edited_published_value(project):
    published = project / "config/published.yaml"
    original = published.read_text(encoding="utf-8")
    edited = re.sub(
        r"(- id: any_use_US\n(?:    .*\n)*?    published: )80", r"\g<1>60", original, count=1
    )
    assert edited != original
    published.write_text(edited, encoding="utf-8")
    try:
        result = snakemake(project, "verify")
    finally:
        published.write_text(original, encoding="utf-8")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "mismatch: " in line]
    assert any("any_use_US" in line for line in lines), result.stderr[-3000:]
    assert not any("any_use_CA:" in line for line in lines)
    assert "1 mismatch" in result.stdout
    # the edited claims file is one of the manifest's files too: two problems
    failed = "verify: FAILED: 2 problem(s), named above and in logs/verify.log"
    assert failed in result.stdout
    # repeated below Snakemake's own error text (above only its closing log,
    # elapsed-time and WorkflowError lines)
    lines = result.stderr.rstrip().splitlines()
    last = len(lines) - 1 - lines[::-1].index(failed)
    assert last > max(i for i, line in enumerate(lines) if "Error in rule verify" in line)
    assert last >= len(lines) - 6, lines[-8:]
    repeated = lines[last - 4 : last]
    assert any(line.startswith("ERROR mismatch: any_use_US") for line in repeated), repeated
    assert any(line.startswith("ERROR manifest: file config/published.yaml") for line in repeated)
