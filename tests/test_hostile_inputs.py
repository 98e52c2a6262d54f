"""A battery of malformed and hostile inputs, each with its expected outcome.

Every case is a generator (it writes its input files into a temporary folder;
no committed blobs) plus the expected outcome:

- ``Error(fragments)``: one ``InputError`` whose one-line message names the
  file and contains every fragment (column, values, row count);
- ``Accepted(check)``: the documented correct handling, checked on the result.

Every case runs at the package level (``read_raw_survey`` ->
``clean_responses`` -> ``rake_weights``, plus the config schema check for
config cases); the cases marked ``cli=True`` also run through the real
``snakemake`` CLI in a temporary copy of the project, with the assertions of
``test_workflow_bad_input.py`` (non-zero exit, exactly one ``ERROR`` line,
no traceback, nothing under ``results/``) for errors, and for accepted
inputs: no traceback, every CSV the pipeline wrote is free of
spreadsheet-formula cells, no output is a copy of the raw input and only the
respondent-level files carry respondent ids. Every input file's sha256 is
the same before and after every run.

The case table (name, what it covers, outcome) is in ``tests/README.md``;
``test_readme_lists_every_case`` keeps it in sync.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import math
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml
from workflow_runner import ROOT, copy_project, files_under, snakemake

from socialwork_ict.cleaning import CleaningResult, clean_responses
from socialwork_ict.codebook import load_codebook
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_raw_survey
from socialwork_ict.rule_io import FORMULA_PREFIXES, neutralise_formulas
from socialwork_ict.settings import check_against_schema
from socialwork_ict.weighting import load_targets, rake_weights

ORACLE = ROOT / "tests" / "fixtures" / "oracle_small"
CODEBOOK_PATH = ROOT / "config" / "codebook.yaml"
CONFIG_SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
CODEBOOK = load_codebook(CODEBOOK_PATH)
COUNTRIES = ("CA", "US", "IL", "UK")
RAW = pd.read_csv(ORACLE / "raw.csv", dtype=str, keep_default_na=False)
TARGETS = yaml.safe_load((ORACLE / "targets.yaml").read_text(encoding="utf-8"))
#: respondent-level outputs; no other output may contain a respondent id
RESPONDENT_LEVEL = ("results/tables/weights.csv", "results/clean/exclusions.csv")
#: the oracle raw file's eligible respondents (consent = direct contact = 1)
N_ELIGIBLE = 2000


# --------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """What one case hands to the pipeline (None = the default)."""

    raw: Path
    codebook: Path | None = None
    targets: Path | None = None
    config: Path | None = None  # a --configfile with overrides
    countries: tuple[str, ...] = COUNTRIES

    def files(self) -> list[Path]:
        found = [self.raw, self.codebook, self.targets, self.config]
        return [p for p in found if p is not None and p.exists()]


def csv_text(frame: pd.DataFrame = RAW, **options) -> str:
    return frame.to_csv(index=False, lineterminator="\n", **options)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def with_cells(column: str, values: dict[int, str], frame: pd.DataFrame = RAW) -> pd.DataFrame:
    """A copy of ``frame`` with ``column`` set at the given row positions."""
    frame = frame.copy()
    for row, value in values.items():
        frame.loc[row, column] = value
    return frame


def raw_file(frame: pd.DataFrame = RAW, name: str = "survey.csv", **options):
    return lambda folder: Inputs(write(folder, name, csv_text(frame, **options)))


def targets_file(edit: Callable[[dict], object]):
    """The oracle raw file with targets edited by ``edit`` (returns YAML text or a dict)."""

    def make(folder: Path) -> Inputs:
        edited = edit(copy.deepcopy(TARGETS))
        text = edited if isinstance(edited, str) else yaml.safe_dump(edited, sort_keys=False)
        return Inputs(
            write(folder, "survey.csv", csv_text()), targets=write(folder, "targets.yaml", text)
        )

    return make


def config_file(text: str):
    def make(folder: Path) -> Inputs:
        return Inputs(
            write(folder, "survey.csv", csv_text()), config=write(folder, "config.yaml", text)
        )

    return make


def codebook_file(edit: Callable[[str], str]):
    def make(folder: Path) -> Inputs:
        text = edit(CODEBOOK_PATH.read_text(encoding="utf-8"))
        return Inputs(
            write(folder, "survey.csv", csv_text()), codebook=write(folder, "codebook.yaml", text)
        )

    return make


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Error:
    """One InputError; its one-line message contains every fragment."""

    fragments: tuple[str, ...]
    summary: str = "error"
    file: str = "raw"  # the input the message must name: raw, codebook, targets or config
    #: CLI: outputs of jobs that finished before the failing one (globs under the
    #: project); by default nothing at all may be under results/
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class Accepted:
    """Runs; ``check(result)`` holds the documented handling."""

    check: Callable[[Result], None]
    summary: str = ""
    target: tuple[str, ...] = ("results/tables/weights.csv",)  # CLI target(s)


@dataclass
class Result:
    cleaning: CleaningResult
    weights: pd.Series

    @property
    def analysis(self) -> pd.DataFrame:
        return self.cleaning.analysis


@dataclass(frozen=True)
class Case:
    name: str
    covers: str
    make: Callable[[Path], Inputs]
    expect: Error | Accepted
    cli: bool = False


def same_as_plain_csv(result: Result) -> None:
    """The oracle file's eligible respondents, exactly as from the plain UTF-8 file."""
    assert len(result.analysis) == N_ELIGIBLE
    pd.testing.assert_frame_equal(result.analysis, reference().analysis)
    np.testing.assert_array_equal(result.weights.to_numpy(), reference().weights.to_numpy())


def run_package(inputs: Inputs) -> Result:
    """The pipeline's package calls on the case's inputs, as the rules make them."""
    if inputs.config is not None:
        config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
        _merge(config, yaml.safe_load(inputs.config.read_text(encoding="utf-8")))  # as snakemake
        check_against_schema(config, CONFIG_SCHEMA, what=inputs.config.name)
    codebook = load_codebook(inputs.codebook) if inputs.codebook else CODEBOOK
    raw = read_raw_survey(inputs.raw, codebook)
    cleaning = clean_responses(raw, codebook, file=inputs.raw.name, countries=inputs.countries)
    targets_path = inputs.targets or ORACLE / "targets.yaml"
    weighting = rake_weights(
        cleaning.analysis, load_targets(targets_path), targets_source=targets_path.name
    )
    return Result(cleaning=cleaning, weights=weighting.weights)


def _merge(config: dict, overrides: dict) -> None:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            _merge(config[key], value)
        else:
            config[key] = value


@cache
def reference() -> Result:
    """The oracle raw file as it is: what a harmless variant must give."""
    return run_package(Inputs(raw=ORACLE / "raw.csv"))


# --------------------------------------------------------------------------- case generators


def utf16_with_bom(folder):
    return Inputs(write(folder, "excel unicode.csv", csv_text().encode("utf-16")))


def utf16_without_bom(folder):
    return Inputs(write(folder, "survey.csv", csv_text().encode("utf-16-le")))


def utf8_bom_crlf(folder):
    return Inputs(write(folder, "survey.csv", b"\xef\xbb\xbf" + csv_text().encode()))


def latin1(folder):
    frame = with_cells("respondent_id", {0: "Jos\u00e9", 1: "M\u00fcller"})
    return Inputs(write(folder, "latin1.csv", csv_text(frame).encode("latin-1")))


def cr_only_line_ends(folder):
    return Inputs(write(folder, "survey.csv", csv_text().replace("\n", "\r")))


def trailing_empty_columns(folder):
    return Inputs(write(folder, "survey.csv", csv_text().replace("\n", ",,,\n")))


def header_only(folder):
    return Inputs(write(folder, "survey.csv", ",".join(RAW.columns) + "\n"))


def empty_file(folder):
    return Inputs(write(folder, "survey.csv", "  \n\n"))


def duplicated_header(folder):
    header, body = csv_text().split("\n", 1)
    return Inputs(
        write(folder, "survey.csv", header.replace("years_practice", "age ") + "\n" + body)
    )


def long_rows(folder):
    lines = csv_text().split("\n")
    for i in (3, 8):
        lines[i] += ",surplus"
    return Inputs(write(folder, "survey.csv", "\n".join(lines)))


def unclosed_quote(folder):
    lines = csv_text().split("\n")
    lines[5] = '"' + lines[5]  # the rest of the file would become one cell
    return Inputs(write(folder, "survey.csv", "\n".join(lines)))


def over_long_cell(folder):
    return raw_file(with_cells("respondent_id", {2: "x" * 200_000}))(folder)


def binary_as_csv(folder):
    return Inputs(write(folder, "survey.csv", b"PK\x03\x04\x14\x00\x00\x00" + bytes(range(256))))


def spreadsheet_junk_rows(folder):
    """Blank rows, whitespace-only rows and delimiter-only rows between the data."""
    lines = csv_text().split("\n")
    junk = ["", " , ,  ", "," * (len(RAW.columns) - 1), "   "]
    body = lines[1:]
    for offset, row in zip((10, 500, 1500, 2000), junk, strict=True):
        body.insert(offset, row)
    return Inputs(write(folder, "survey.csv", "\n".join([lines[0], *body])))


def _sav(frame: pd.DataFrame, path: Path) -> Path:
    numeric = frame.drop(columns=["respondent_id", "country"]).replace("", None).astype(float)
    pyreadstat.write_sav(pd.concat([frame[["respondent_id", "country"]], numeric], axis=1), path)
    return path


def truncated_sav(folder):
    path = _sav(RAW, folder / "survey.sav")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Inputs(path)


def corrupt_sav(folder):
    path = _sav(RAW, folder / "survey.sav")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2000 : 7] = b"\xff" * len(range(middle, middle + 2000, 7))
    path.write_bytes(bytes(data))
    return Inputs(path)


def _qualtrics(folder, *, question_row: bool, import_row: bool) -> Inputs:
    renamed = RAW.rename(columns={"age": "Q2", "gender": "Q3", "ict_freq": "Q7"})
    renamed.insert(0, "StartDate", "2017-05-01 10:00:00")
    renamed.insert(1, "ResponseId", [f"R_q{i}" for i in range(len(renamed))])
    header, body = csv_text(renamed).split("\n", 1)
    questions = ",".join(f'"Question text of {c}"' for c in renamed.columns)
    imports = ",".join(
        '"' + json.dumps({"ImportId": f"QID{i}"}).replace('"', '""') + '"'
        for i in range(len(renamed.columns))
    )
    rows = [header] + [questions] * question_row + [imports] * import_row
    codebook = CODEBOOK_PATH.read_text(encoding="utf-8")
    for name, raw in (("age", "Q2"), ("gender", "Q3"), ("ict_freq", "Q7")):
        codebook = codebook.replace(f"raw: {name}\n", f"raw: {raw}\n")
    return Inputs(
        write(folder, "qualtrics export.csv", "\n".join(rows) + "\n" + body),
        codebook=write(folder, "qualtrics codebook.yaml", codebook),
    )


def qualtrics_utf16_tsv(folder, name="qualtrics export.tsv"):
    """Qualtrics' "TSV" download: UTF-16 LE with BOM, tab-delimited, every cell quoted,
    CRLF, the question-text row (commas, quotes, a line break) and the ImportId row."""
    inputs = _qualtrics(folder, question_row=True, import_row=True)
    renamed = pd.read_csv(inputs.raw, dtype=str, keep_default_na=False, skiprows=[1, 2])
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(renamed.columns)
    writer.writerow([f'How often, in a "typical" week,\nfor {c}?' for c in renamed.columns])
    writer.writerow([json.dumps({"ImportId": f"QID{i}"}) for i in range(len(renamed.columns))])
    writer.writerows(renamed.to_numpy().tolist())
    inputs.raw.unlink()
    return Inputs(write(folder, name, out.getvalue().encode("utf-16")), codebook=inputs.codebook)


def semicolon_decimal_commas(folder):
    """Excel's European re-save: ';'-delimited, numbers with a decimal comma."""
    frame = RAW.assign(age=RAW["age"].where(RAW["age"] == "", RAW["age"] + ",0"))
    return raw_file(frame, sep=";")(folder)


def xlsx_workbook(folder):
    """The oracle file as an Excel workbook: id and country as text, the other cells as
    numbers, empty cells empty."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(RAW.columns))
    for row in RAW.itertuples(index=False):
        sheet.append(
            [cell if i < 2 else (int(cell) if cell else None) for i, cell in enumerate(row)]
        )
    workbook.save(folder / "survey.xlsx")
    return Inputs(folder / "survey.xlsx")


def qualtrics_without_question_row(folder):
    return _qualtrics(folder, question_row=False, import_row=True)


def qualtrics_without_import_row(folder):
    return _qualtrics(folder, question_row=True, import_row=False)


def million_rows_one_country(folder):
    """1,000,000 Canadian respondents, built as text (fast), all eligible."""
    ages = np.arange(1_000_000) % 60 + 20
    genders = np.arange(1_000_000) % 7 % 2 + 1  # 4 women : 3 men
    rest = ",12,1,3,1,0,0,0,1,0,0,1,1,0,3\n"  # years_practice ... workplace_policy
    lines = [f"C{i:07d},CA,1,1,{a}" for i, a in enumerate(ages)]
    body = [f"{line},{g}{rest}" for line, g in zip(lines, genders, strict=True)]
    text = ",".join(RAW.columns) + "\n" + "".join(body)
    return Inputs(write(folder, "one country.csv", text), countries=("CA",))


ID_VALUES = {
    0: "007",  # leading zeros
    1: "7",  # a different respondent from 007
    5: "Jos\u00e9 Mar\u00eda",  # unicode
    6: "\u5f20\u4f1f-01",  # CJK
    7: "A 1",  # internal space
    8: "  B2  ",  # surrounding spaces: stripped
    9: "\U0001f600x",  # astral-plane emoji
}


def ids_as_text(folder):
    frame = with_cells("respondent_id", ID_VALUES)
    for row in ID_VALUES:
        frame.loc[row, ["consent", "direct_client_contact"]] = "1"
    return raw_file(frame)(folder)


def check_ids(result: Result) -> None:
    ids = result.analysis["respondent_id"].tolist()
    for value in ID_VALUES.values():
        assert value.strip() in ids, value
    assert "B2" in ids and "  B2  " not in ids


FORMULA_IDS = {
    0: "=cmd|' /C calc'!A0",
    1: "+1",
    2: "-2",
    3: "@SUM(1)",
    5: '=HYPERLINK("http://x")',
    6: "-1+2",
    10: "+44 20 7946 0000",
}


def formula_injection(folder):
    frame = with_cells("respondent_id", FORMULA_IDS)
    for row in FORMULA_IDS:
        frame.loc[row, ["consent", "direct_client_contact"]] = "1"
    frame.loc[4, "respondent_id"] = "=1+1"  # an excluded row: its id reaches exclusions.csv
    frame.loc[4, "consent"] = "0"
    return raw_file(frame, name="formulas.csv")(folder)


def check_formulas(result: Result) -> None:
    ids = result.analysis["respondent_id"].tolist()
    assert all(value in ids for value in FORMULA_IDS.values())  # kept exactly in the analysis
    written = neutralise_formulas(pd.DataFrame({"respondent_id": ids, "weight": -result.weights}))
    assert not written["respondent_id"].str.startswith(FORMULA_PREFIXES).any()
    assert "'=cmd|' /C calc'!A0" in written["respondent_id"].tolist()
    assert (written["weight"] < 0).all()  # negative numbers stay numbers


def path_with_spaces_and_non_ascii(folder):
    return Inputs(
        write(folder / "exports r\u00e9sum\u00e9 \u00fc", "enqu\u00eate 2017 (v2).csv", csv_text())
    )


def read_only_input_dir(folder):
    inputs = raw_file(name="survey.csv")(folder / "read only")
    inputs.raw.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    inputs.raw.chmod(stat.S_IRUSR)
    return inputs


def missing_input(folder):
    return Inputs(folder / "no such folder" / "survey.csv")


def two_raw_columns_for_one_name(edit_text: str) -> str:
    return edit_text + "  age:\n    raw: Q2_age\n    type: int\n    range: [18, 90]\n"


def two_names_for_one_raw_column(text: str) -> str:
    return text.replace("raw: years_practice\n", "raw: age\n")


def negative_share(t):
    t["CA"]["gender"] = {"woman": 1.1, "man": -0.1}
    return t


def nan_share(t):
    return yaml.safe_dump(t, sort_keys=False).replace("woman: 0.86", "woman: .nan", 1)


def missing_country(t):
    del t["UK"]
    return t


def unknown_category(t):
    t["US"]["gender"] = {"woman": 0.8, "man": 0.1, "non-binary": 0.1}
    return t


def category_without_respondents(t):
    t["IL"]["gender"] = {"woman": 0.85, "man": 0.1, "another gender": 0.05}
    return t


def country_twice(t):
    return yaml.safe_dump(t, sort_keys=False) + "CA:\n  gender: {woman: 0.5, man: 0.5}\n"


def _accepted_check(expected_n: int | None = None, **checks):
    def check(result: Result) -> None:
        if expected_n is not None:
            assert len(result.analysis) == expected_n
        for column, (row_id, value) in checks.items():
            row = result.analysis.set_index("respondent_id").loc[row_id]
            assert row[column] == value, (column, row[column])
        assert (result.weights > 0).all() and np.isfinite(result.weights).all()
        flow = result.cleaning.sample_flow
        assert flow["n_remaining"].iloc[0] == len(result.analysis) + flow["n_excluded"].sum()

    return check


def check_million(result: Result) -> None:
    assert len(result.analysis) == 1_000_000
    assert result.analysis["country"].astype(str).eq("CA").all()
    assert math.isclose(result.weights.sum(), 1_000_000, rel_tol=1e-12)
    assert (result.weights > 0).all()
    assert result.analysis["respondent_id"].iloc[0] == "C0000000"


def check_junk_rows(result: Result) -> None:
    same_as_plain_csv(result)
    flow = result.cleaning.sample_flow.set_index("step")
    # a truly empty line is no record (csv); the other three are blank rows, excluded
    assert flow.loc[0, "n_remaining"] == len(RAW) + 3
    assert flow.loc[1, "n_excluded"] == 3


# --------------------------------------------------------------------------- the battery

E, A = Error, Accepted
MIXED = with_cells("age", {3: "thirty", 9: "41 years", 12: "52"})
SPELLINGS = with_cells("ict_freq", {0: "3.0", 1: " 3 ", 2: "+3", 3: "3.000"})
EXTREME = with_cells("age", {1: "1e20", 2: "99999999999999999999999", 3: "-4000000000"})
SAME = "accepted, same result as the plain UTF-8 file"
SAME_SNIFFED = "accepted (tab sniffed, header rows skipped), same result as the plain UTF-8 file"
CASES = [
    Case("semicolon_delimiter", "a ;-delimited file", raw_file(sep=";"),
         A(same_as_plain_csv, "accepted (delimiter sniffed), same result as the plain UTF-8 file")),
    Case("tab_delimiter", "a tab-delimited file", raw_file(sep="\t"),
         A(same_as_plain_csv, "accepted (delimiter sniffed), same result as the plain UTF-8 file")),
    Case("semicolon_decimal_commas", "a ;-delimited file with decimal commas (Excel, Europe)",
         semicolon_decimal_commas,
         E(("column 'age'", "decimal commas in a semicolon-delimited file", "'29,0'",
            "first at data row 1", 'export: {decimal: ","}'),
           "error naming the delimiter and the option to set")),
    Case("qualtrics_utf16_tsv", "Qualtrics' UTF-16 TSV export (quoted, both header rows)",
         qualtrics_utf16_tsv, A(same_as_plain_csv, SAME_SNIFFED), cli=True),
    Case("qualtrics_utf16_tsv_as_csv", "the same, renamed .csv",
         lambda folder: qualtrics_utf16_tsv(folder, "qualtrics export.csv"),
         A(same_as_plain_csv, SAME_SNIFFED)),
    Case("xlsx_workbook", "an .xlsx workbook (numbers as numbers)", xlsx_workbook,
         A(same_as_plain_csv, "accepted (first sheet), same result as the plain UTF-8 file")),
    Case("latin1_encoding", "Latin-1 bytes", latin1,
         E(("not UTF-8 text", "line 2)", "first at data row 1", "re-export it as UTF-8",
            "export: {encoding: cp1252}"),
           "error: re-export as UTF-8 or set the encoding (no guess)"),
         cli=True),
    Case("utf16_with_bom", "UTF-16 with BOM (Excel 'Unicode text')", utf16_with_bom,
         A(same_as_plain_csv, SAME), cli=True),
    Case("utf16_without_bom", "UTF-16 without BOM", utf16_without_bom,
         E(("UTF-16 text without a byte-order mark", "re-export"), "error: re-export as UTF-8")),
    Case("utf8_bom", "a UTF-8 byte-order mark", utf8_bom_crlf, A(same_as_plain_csv, SAME)),
    Case("cr_only_line_ends", "CR-only line ends", cr_only_line_ends, A(same_as_plain_csv, SAME)),
    Case("mixed_types", "mixed types in a column", raw_file(MIXED),
         E(("column 'age'", "text in a numeric column", "'thirty', '41 years'", "2 rows"),
           "error")),
    Case("numeric_spellings", 'values "3.0", " 3 ", "+3", "3.000"', raw_file(SPELLINGS),
         A(_accepted_check(N_ELIGIBLE, ict_freq=("R_00001", 3)), "accepted as 3")),
    Case("value_3a", 'a value "3a"', raw_file(with_cells("ict_freq", {6: "3a"})),
         E(("column 'ict_freq'", "text in a numeric column", "'3a'", "1 row"), "error"),
         cli=True),
    Case("fraction", 'a value "3.5"', raw_file(with_cells("ict_freq", {6: "3.5", 7: "3.5"})),
         E(("column 'ict_freq'", "not a whole number", "'3.5'", "2 rows"), "error")),
    Case("negative_numbers", "negative numbers",
         raw_file(with_cells("years_practice", {2: "-1", 4: "-3"})),
         E(("column 'years_practice'", "out of range [0, 60]", "-1, -3", "2 rows"),
           "error: out of range")),
    Case("extreme_numbers", "extreme numbers", raw_file(EXTREME),
         E(("column 'age'", "out of range [18, 90]", "'1e20'", "-4000000000", "3 rows"),
           "error: out of range, cells shown as written"), cli=True),
    Case("infinite_numbers", '"inf", "1e400"',
         raw_file(with_cells("sector", {1: "inf", 2: "1e400"})),
         E(("column 'sector'", "not a finite number", "'inf', '1e400'", "2 rows"), "error")),
    Case("nan_text", 'a "NaN" cell', raw_file(with_cells("gender", {1: "NaN", 2: "nan"})),
         E(("column 'gender'", "text in a numeric column", "'NaN', 'nan'", "2 rows"),
           "error (not read as missing)")),
    Case("million_rows_one_country", "a million rows of one country", million_rows_one_country,
         A(check_million, "accepted with `countries: [CA]`; raked")),
    Case("ids_as_text", "ids with unicode, spaces, leading zeros", ids_as_text,
         A(check_ids, "kept as text exactly; surrounding spaces stripped"), cli=True),
    Case("duplicated_header", "duplicated header names", duplicated_header,
         E(("duplicated column names", "'age'"), "error")),
    Case("header_only", "a header only", header_only,
         E(("header but no data rows", "0 rows"), "error"), cli=True),
    Case("empty_file", "an empty (whitespace-only) file", empty_file,
         E(("the file is empty",), "error")),
    Case("trailing_empty_columns", "trailing empty columns", trailing_empty_columns,
         A(same_as_plain_csv, "accepted: empty trailing columns dropped")),
    Case("long_rows", "rows with more cells than the header", long_rows,
         E(("more cells than the header", "'data row 3', 'data row 8'", "2 rows"), "error")),
    Case("junk_rows", "blank, whitespace-only, delimiter-only rows", spreadsheet_junk_rows,
         A(check_junk_rows, "accepted: excluded as blank rows, counted")),
    Case("unclosed_quote", "an unclosed quote", unclosed_quote,
         E(("malformed CSV (read as comma-delimited)", "unexpected end of data",
            "'line 6'", "1 row", "first at data row 5"), "error naming the data row and line")),
    Case("over_long_cell", "a 200,000-character cell", over_long_cell,
         E(("malformed CSV", "field larger than field limit", "'line 4'", "first at data row 3"),
           "error naming the data row and line")),
    Case("binary_as_csv", "a zip/xlsx renamed .csv", binary_as_csv,
         E(("not a text CSV",), "error")),
    Case("truncated_sav", "a truncated .sav", truncated_sav,
         E(("not a readable SPSS .sav file",), "error"), cli=True),
    Case("corrupt_sav", "a corrupt .sav", corrupt_sav,
         E(("not a readable SPSS .sav file",), "error")),
    Case("qualtrics_without_question_row", "Qualtrics export missing its question-text row",
         qualtrics_without_question_row, A(same_as_plain_csv, "accepted (ImportId row found)"),
         cli=True),
    Case("qualtrics_without_import_row", "Qualtrics export missing its ImportId row",
         qualtrics_without_import_row,
         E(("column 'consent'", "text in a numeric column", "'Question text of consent'",
            "1 row"), "error naming the question-text row")),
    Case("codebook_two_raw_for_one_name", "codebook: two raw columns -> one canonical name",
         codebook_file(two_raw_columns_for_one_name),
         E(("column 'age'", "key 'age' appears twice", "two raw columns for one canonical name"),
           "error", file="codebook"), cli=True),
    Case("codebook_two_names_for_one_raw", "codebook: two canonical names -> one raw column",
         codebook_file(two_names_for_one_raw_column),
         E(("raw column 'age' is mapped to two canonical names", "'age', 'years_practice'"),
           "error", file="codebook")),
    Case("targets_negative_share", "targets: a negative share", targets_file(negative_share),
         E(("country 'CA', variable 'gender', category 'man'", "is negative"), file="targets")),
    Case("targets_nan_share", "targets: a NaN share", targets_file(nan_share),
         E(("country 'CA', variable 'gender', category 'woman'", "share is nan"), file="targets")),
    Case("targets_missing_country", "targets: a missing country", targets_file(missing_country),
         E(("country 'UK' has respondents but no targets block",), file="targets"), cli=True),
    Case("targets_unknown_category", "targets: an extra, unknown category",
         targets_file(unknown_category),
         E(("category 'non-binary'", "unknown category label"), file="targets")),
    Case("targets_category_without_respondents", "targets: an extra category nobody is in",
         targets_file(category_without_respondents),
         E(("category 'another gender'", "no respondent in the category"), file="targets")),
    Case("targets_country_twice", "targets: a country block twice", targets_file(country_twice),
         E(("key 'CA' appears twice",), "error (not silently the last)", file="targets")),
    Case("config_wrong_type", "config: a wrong type", config_file("weighting:\n  max_iter: many\n"),
         E(("key weighting.max_iter", "'many' is not of type 'integer'"),
           "error before any job", file="config"), cli=True),
    Case("config_unknown_key", "config: an unknown key", config_file("weigthing: {max_iter: 5}\n"),
         E(("unknown key", "'weigthing'"), "error before any job", file="config")),
    Case("path_with_spaces_and_non_ascii", "an input path with spaces and non-ASCII",
         path_with_spaces_and_non_ascii, A(same_as_plain_csv, "accepted"), cli=True),
    Case("read_only_input_dir", "a read-only input directory", read_only_input_dir,
         A(same_as_plain_csv, "accepted; nothing written next to the input"), cli=True),
    Case("missing_input", "an input path that does not exist", missing_input,
         E(("does not exist",), "error, at workflow start-up"), cli=True),
    Case("formula_injection", "text cells starting with = + - @", formula_injection,
         A(check_formulas, "kept in the analysis; quoted (') in every CSV written",
           target=()), cli=True),
]  # fmt: skip

BY_NAME = {case.name: case for case in CASES}


def test_the_battery_is_large_enough():
    assert len(CASES) >= 30 and len(BY_NAME) == len(CASES)
    assert sum(case.cli for case in CASES) >= 10


# --------------------------------------------------------------------------- package level


def _checksums(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _restore_permissions(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_package_level(name, tmp_path):
    case = BY_NAME[name]
    inputs = case.make(tmp_path)
    before = _checksums(inputs.files())
    listing = sorted(tmp_path.rglob("*"))
    try:
        if isinstance(case.expect, Error):
            with pytest.raises(InputError) as caught:
                run_package(inputs)
            message = str(caught.value)
            assert "\n" not in message
            named = getattr(inputs, case.expect.file).name
            assert named in message, message
            for fragment in case.expect.fragments:
                assert fragment in message, message
        else:
            case.expect.check(run_package(inputs))
    finally:
        _restore_permissions(tmp_path)
    assert _checksums(inputs.files()) == before  # inputs only ever read
    assert sorted(tmp_path.rglob("*")) == listing  # nothing written next to them


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("hostile project"))


def _cli_args(inputs: Inputs) -> list[str]:
    config = [f"input={inputs.raw}", f"targets={inputs.targets or ORACLE / 'targets.yaml'}"]
    if inputs.codebook:
        config.append(f"codebook={inputs.codebook}")
    if inputs.countries != COUNTRIES:
        config.append(f"countries=[{','.join(inputs.countries)}]")
    args = ["--configfile", str(inputs.config)] if inputs.config else []
    return [*args, "--config", *config]


def _risky_cells(folder: Path) -> list[tuple[str, str]]:
    """Text cells of every CSV under ``folder`` a spreadsheet would run as a formula."""
    risky = []
    for path in folder.rglob("*.csv"):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    if cell.startswith(FORMULA_PREFIXES) and not _is_number(cell):
                        risky.append((path.name, cell))
    return risky


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


CLI_CASES = [case.name for case in CASES if case.cli]


@pytest.mark.parametrize("name", CLI_CASES)
def test_through_the_cli(name, project, tmp_path):
    case = BY_NAME[name]
    for generated in ("results", "reports", "logs"):
        shutil.rmtree(project / generated, ignore_errors=True)
    inputs = case.make(tmp_path)
    before = _checksums(inputs.files())
    listing = sorted(tmp_path.rglob("*"))
    target = list(case.expect.target) if isinstance(case.expect, Accepted) else []
    try:
        result = snakemake(project, *target, *_cli_args(inputs))
    finally:
        _restore_permissions(tmp_path)
    output = result.stderr + result.stdout
    assert "Traceback" not in output, output[-3000:]
    assert _checksums(inputs.files()) == before
    assert sorted(tmp_path.rglob("*")) == listing
    if isinstance(case.expect, Error):
        assert result.returncode != 0
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
        assert len(errors) == 1, result.stderr[-3000:]
        named = (
            "config" if inputs.config else (inputs.codebook or inputs.targets or inputs.raw).name
        )
        assert named in errors[0], errors[0]
        for fragment in case.expect.fragments:
            assert fragment in errors[0], errors[0]
        left = [p.relative_to(project) for p in files_under(project / "results")]
        assert [p for p in left if not any(p.match(glob) for glob in case.expect.kept)] == []
        return
    assert result.returncode == 0, result.stderr[-3000:]
    _check_written_outputs(project, inputs, before[inputs.raw])


def _check_written_outputs(project: Path, inputs: Inputs, raw_sha: str) -> None:
    outputs = files_under(project / "results") + files_under(project / "reports")
    assert outputs
    assert _risky_cells(project / "results") == []  # formula cells neutralised everywhere
    assert raw_sha not in _checksums(outputs).values()  # the raw input is never copied
    weights = pd.read_csv(project / "results/tables/weights.csv", dtype={"respondent_id": str})
    expected = neutralise_formulas(run_package(inputs).analysis[["respondent_id"]])
    assert weights["respondent_id"].tolist() == expected["respondent_id"].tolist()
    ids = [i for i in weights["respondent_id"] if len(i) >= 3]
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(i) for i in ids) + r")(?![\w.])")
    for path in outputs:
        if path.suffix in (".csv", ".json", ".html", ".md", ".txt", ".svg"):
            relative = path.relative_to(project).as_posix()
            if relative not in RESPONDENT_LEVEL:
                text = path.read_text(encoding="utf-8", errors="replace")
                assert not pattern.search(text), f"respondent id in {relative}"


# --------------------------------------------------------------------------- the case table


def test_readme_lists_every_case():
    """tests/README.md's case table (its hostile-inputs section) has one row per case."""
    readme = (ROOT / "tests" / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Bad and hostile inputs", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(listed) == sorted(BY_NAME)


def case_table() -> str:
    """The Markdown case table of tests/README.md (print it to refresh the README)."""
    lines = ["| case | covers | outcome | CLI |", "|---|---|---|---|"]
    for case in CASES:
        outcome = case.expect.summary
        if isinstance(case.expect, Error):
            outcome = f"{outcome}: " + "; ".join(f"`{f}`" for f in case.expect.fragments)
        lines.append(f"| `{case.name}` | {case.covers} | {outcome} | {'yes' if case.cli else ''} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(case_table())
