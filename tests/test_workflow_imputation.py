"""Multiple imputation through the whole pipeline (``imputation.method: supplied``).

Runs the real snakemake CLI on the wave-2 fixture (``tests/fixtures/
oracle_calibration``: raw.csv with item non-response, its targets,
``weighting.outside_rule: not_raked``, fixed-weight linearisation) with R
``mice``'s five completed files (``expected/mi/imputation_*.csv``) supplied,
and compares the pooled tables with R ``mitools::MIcombine``
(``expected/mi/pooled_*.csv``; README §5). Tolerances (issue 17's
acceptance): pooled coefficients, SEs, df and fmi 1e-10 relative; D1 and D2
statistic, df and p 1e-8 relative. The pipeline's own weights are used
(they agree with R's ``weights.csv`` to about 1e-14).
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pandas as pd
import pytest
import yaml
from report_trace import trace_report
from test_inference_pooling import check_d1, check_d2, check_pooled
from workflow_runner import copy_project, snakemake

TARGETS = (
    "results/tables/model_ordinal_mi.csv",
    "results/tables/tests_mi.csv",
    "results/tables/imputed_counts.csv",
    "results/tables/sensitivity.csv",
    "results/imputation/pooled/table2_freq_by_age.csv",
    "reports/report.html",
)
FILES = [str(oracle.EXPECTED / "mi" / f"imputation_{i}.csv") for i in range(1, 6)]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("mi_supplied"))
    config = yaml.safe_load((project / "config" / "config.yaml").read_text())
    extra = {
        "input": str(oracle.DIR / "raw.csv"),
        "targets": str(oracle.DIR / "targets.yaml"),
        "weighting": {**config["weighting"], "outside_rule": "not_raked"},
        # the fixture's design: svydesign(weights = ~weight), the weights fixed
        "variance": {**config["variance"], "calibration": "fixed"},
        "imputation": {"method": "supplied", "files": FILES},
    }
    (project / "imputation.yaml").write_text(yaml.safe_dump(extra))
    result = snakemake(project, *TARGETS, "--configfile", "imputation.yaml")
    assert result.returncode == 0, result.stderr[-3000:]
    return project / "results"


def test_every_number_of_the_imputation_report_traces(results):
    """The report with its multiple-imputation section traces at 100 %, config
    values against config.yaml with the run's --configfile."""
    project = results.parent
    html = (project / "reports" / "report.html").read_text(encoding="utf-8")
    assert 'id="imputation"' in html
    overrides = [yaml.safe_load((project / "imputation.yaml").read_text())]
    result = trace_report(html, project, overrides)
    assert result.untraced == [] and result.wrong == [], (result.untraced[:20], result.wrong[:20])
    assert any(s.startswith("results/tables/model_ordinal_mi.csv") for s in result.sources)
    assert any(s.startswith("results/tables/imputed_counts.csv") for s in result.sources)


def test_pooled_model_matches_micombine(results):
    check_pooled(pd.read_csv(results / "tables/model_ordinal_mi.csv"), rtol=1e-10)


def test_pooled_tests_match_d1_and_d2(results):
    tests = pd.read_csv(results / "tables/tests_mi.csv").set_index("test")
    check_d1(tests.loc["wald_age_group"].to_dict())
    check_d2(tests.loc["rao_scott_age_group_x_ict_freq[ALL]"].to_dict())
    # D1 (age, age x country), then D2 for CA, US, IL, UK and ALL
    assert len(tests) == 2 + 5 and tests.loc["wald_age_group_x_country", "df_num"] == 12


POOLED = (*TARGETS[:3], "results/imputation/pooled/table2_freq_by_age.csv",
          "results/imputation/pooled/sensitivity.csv")  # fmt: skip


def test_the_imputations_are_analysed_in_batches_or_one_job_each_with_the_same_bytes(results):
    """imputation_jobs: batched (default, 2 jobs: imputations 1-3 and 4-5) and
    per_imputation (the SLURM profile: 5 jobs) pool to byte-identical tables."""
    project = results.parent
    batched = {path: (project / path).read_bytes() for path in POOLED}
    layout = sorted(p.name for p in (results / "imputation" / "analysis").iterdir())
    assert layout == ["1-3", "4-5"]
    assert sorted(pd.read_csv(results / "imputation/analysis/4-5/ordinal.csv")["imputation"]
                  .unique()) == [4, 5]  # fmt: skip
    result = snakemake(project, *TARGETS, "--configfile", "imputation.yaml",
                       "--config", "imputation_jobs=per_imputation")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for number in range(1, 6):
        assert (results / "imputation" / "analysis" / str(number) / "ordinal.csv").is_file()
    assert {path: (project / path).read_bytes() for path in POOLED} == batched


def test_sensitivity_has_the_multiple_imputation_rows(results):
    table = pd.read_csv(results / "tables/sensitivity.csv")
    mi = table[table["specification"] == "multiple_imputation"]
    r = oracle.expected("mi/pooled_ordinal").set_index("term").loc[mi["term"]]
    assert len(mi) == 4 and table["specification"].iloc[-1] == "multiple_imputation"
    assert np.max(np.abs(mi["std_error"].to_numpy() / r["std_error"].to_numpy() - 1)) < 1e-10
    assert (mi["n"] == 2000).all()


def test_imputed_counts_are_the_item_nonresponse(results):
    counts = pd.read_csv(results / "tables/imputed_counts.csv").set_index("variable")
    raw = oracle.frame()
    for column in ("age", "gender", "sector", "ict_freq"):
        assert counts.loc[column, "n_missing"] == raw[column].isna().sum()
        assert counts.loc[column, "n_imputed"] == raw[column].isna().sum()
    # skip logic: contact_after_hours is kept as in raw.csv by R's mice (never imputed)
    assert counts.loc["contact_after_hours", "n_imputed"] == 0


@pytest.mark.parametrize(
    ("imputation", "message"),
    [
        ({"method": "supplied", "files": ["nope1.csv", "nope2.csv"]},
         "ERROR: file nope1.csv: the completed file does not exist (config key imputation)"),
        ({"method": "supplied", "files": ["nope1.csv"]},
         "ERROR: imputation.method 'supplied' needs at least two completed files"),
        ({"method": "chain"}, "key imputation.method: 'chain' is not one of"),
    ],
)  # fmt: skip
def test_bad_imputation_config_stops_at_start_up(tmp_path, imputation, message):
    project = copy_project(tmp_path)
    (project / "bad.yaml").write_text(yaml.safe_dump({"imputation": imputation}))
    result = snakemake(project, "-n", "--configfile", "bad.yaml")
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (project / "results").exists()
