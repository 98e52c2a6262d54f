"""Every number of the rendered report traces to a published table cell or a config value.

The default run's report (the session's ``synthetic_run``) is parsed; every
number of its visible text (``tests/report_trace.py`` defines what counts)
must sit in an element whose ``data-source`` resolves, in the run's own
files, to the value shown (after the shown rounding). A per-country report
(``reports/report_UK.html``) is built from the same run's tables and must
name only that country's numbers.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from report_trace import trace_report
from workflow_runner import copy_project, snakemake

COUNTRIES = ("CA", "US", "IL", "UK")


@pytest.fixture(scope="module")
def report(synthetic_run) -> str:
    return (synthetic_run / "reports" / "report.html").read_text(encoding="utf-8")


def test_every_number_of_the_default_report_traces(synthetic_run, report):
    result = trace_report(report, synthetic_run)
    assert result.untraced == [] and result.wrong == [], (result.untraced[:20], result.wrong[:20])
    assert result.traced_share == 1.0
    # the tables, the sentences, the targets and the config: thousands of numbers
    assert result.numbers > 2000
    kinds = {s.split("#")[0].split(":")[0] for s in result.sources if "{" not in s}
    assert {"results/tables/table1_sample.csv", "results/tables/tests.csv", "config"} <= kinds


def test_a_changed_or_unmarked_number_is_caught(synthetic_run, report):
    """The tracer is not vacuous: one shown number off by one unit of its last digit,
    or one sentence number without its source, fails it."""
    cell = re.search(r'(<td class="num" data-source="#[^"]+">)(\d+)\.(\d)(</td>)', report)
    changed = report.replace(
        cell.group(0),
        f"{cell.group(1)}{cell.group(2)}.{(int(cell.group(3)) + 1) % 10}{cell.group(4)}",
        1,
    )
    assert len(trace_report(changed, synthetic_run).wrong) == 1
    span = re.search(r'<span class="src" data-source="[^"]+">([^<]*\d[^<]*)</span>', report)
    unmarked = report.replace(span.group(0), span.group(1), 1)
    assert len(trace_report(unmarked, synthetic_run).untraced) >= 1


@pytest.fixture(scope="module")
def country_report(synthetic_run, tmp_path_factory) -> tuple[Path, str]:
    """reports/report_UK.html built from the session run's tables (in a copy, so the
    session's own folder keeps the default outputs only)."""
    project = copy_project(tmp_path_factory.mktemp("country_report"))
    shutil.copytree(synthetic_run / "results", project / "results")
    result = snakemake(
        project,
        "reports/report_UK.html",
        "--allowed-rules",
        "render_country_report",
        "--rerun-triggers",
        "mtime",
        cores=1,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return project, (project / "reports" / "report_UK.html").read_text(encoding="utf-8")


def test_a_country_report_names_only_that_countrys_numbers(country_report):
    project, html = country_report
    result = trace_report(html, project)
    assert result.untraced == [] and result.wrong == [], (result.untraced[:20], result.wrong[:20])
    assert result.numbers > 300
    named = set()
    for source in result.sources:
        named |= set(re.findall(r"country=([^,:]+)|=country_([^,:]+)|country\[([^\]]+)\]", source))
    countries = {c for group in named for c in group if c}
    assert countries == {"UK"}
    # its Table 1 columns and the Rao-Scott test are the UK's; no pooled ALL rows
    assert 'data-source="#UK,' in html or "country=UK" in html
    assert "ALL n" not in html and "rao_scott_age_group_x_ict_freq[ALL]" not in html
    assert "<title>" in html and ": UK</title>" in html
