"""Bad input stops the real pipeline with one line, non-zero exit, nothing written.

For each case: the run exits non-zero; stderr has one ``ERROR`` line naming
the file and column (and values / rows where there are some); no Python
traceback; no file under ``results/``; the raw input is unchanged (sha256).
"""

from __future__ import annotations

import pandas as pd
import pytest
from workflow_runner import copy_project, files_under, sha256, snakemake


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def good_raw(oracle_dir) -> pd.DataFrame:
    return pd.read_csv(oracle_dir / "raw.csv", dtype=str, keep_default_na=False)


def _write(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False)
    return path


def _case_missing_column(raw, path):
    return _write(raw.drop(columns=["gender"]), path), ["missing required column", "'gender'"]


def _case_unknown_code(raw, path):
    raw = raw.copy()
    raw.loc[[3, 9], "sector"] = "9"
    return _write(raw, path), ["'sector'", "unknown code", "values: 9", "2 rows"]


def _case_age_out_of_range(raw, path):
    raw = raw.copy()
    raw.loc[5, "age"] = "130"
    return _write(raw, path), ["'age'", "out of range [18, 90]", "130", "1 row"]


def _case_text_in_numeric(raw, path):
    raw = raw.copy()
    raw.loc[[1, 2, 4], "ict_freq"] = "often"
    return _write(raw, path), ["'ict_freq'", "text in a numeric column", "'often'", "3 rows"]


def _case_empty_file(raw, path):
    path.write_bytes(b"")
    return path, ["the file is empty"]


def _case_not_the_format(raw, path):
    path = path.with_suffix(".sav")
    _write(raw.head(5), path)
    return path, ["not a readable SPSS .sav file"]


def _case_no_eligible_rows(raw, path):
    return _write(raw.assign(consent="0"), path), ["no eligible rows"]


def _case_country_without_respondents(raw, path):
    return _write(raw[raw["country"] != "IL"], path), [
        "'country'",
        "no eligible respondents",
        "'IL'",
    ]


def _case_unresolvable_duplicates(raw, path):
    raw = raw.copy()
    raw.loc[2, "respondent_id"] = raw.loc[1, "respondent_id"]  # two complete, different rows
    return _write(raw, path), [
        "'respondent_id'",
        "equally complete, different",
        "R_00002",
        "2 rows",
    ]


CASES = {
    name.removeprefix("_case_"): function
    for name, function in globals().items()
    if name.startswith("_case_")
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_stops_with_one_line_and_writes_nothing(project, good_raw, tmp_path, case):
    path, expected = CASES[case](good_raw, tmp_path / "raw export.csv")
    before = sha256(path)
    result = snakemake(project, "--config", f"input={path}")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert path.name in errors[0]
    for fragment in expected:
        assert fragment in errors[0], errors[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert files_under(project / "results") == []
    assert sha256(path) == before


@pytest.mark.parametrize(
    ("override", "key"),
    [("seed=abc", "key seed"), ("unknown_key=1", "unknown_key"), ("countries=[FR]", "countries.0")],
)
def test_bad_config_stops_before_any_job(project, override, key):
    result = snakemake(project, "-n", "--config", override)
    assert result.returncode != 0
    assert key in result.stderr
    assert "Traceback" not in result.stderr
