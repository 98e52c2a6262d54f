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


def test_no_weighting_gives_a_report_without_a_word_of_raking(tmp_path):
    """``weighting.method: none``: no title, label, caption, sentence or method says raked."""
    folder = copy_project(tmp_path / "unweighted")
    config = folder / "config/config.yaml"
    text = config.read_text(encoding="utf-8")
    edited = re.sub(r"(\nweighting:\n(?:  #.*\n)*  method: )rake", r"\g<1>none", text, count=1)
    assert edited != text
    config.write_text(edited, encoding="utf-8")
    result = snakemake(folder, cores=4)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (folder / "reports/report.html").read_text(encoding="utf-8")
    captions = "".join(
        p.read_text(encoding="utf-8") for p in (folder / "results/figures").glob("*.json")
    )
    for name, text in (("report", html), ("figure captions", captions)):
        words = sorted(set(re.findall(r"\w*rak(?:e|ed|ing)\w*", text, flags=re.IGNORECASE)))
        assert not words, f"{name}: {words}"
    assert "every weight 1" in html
