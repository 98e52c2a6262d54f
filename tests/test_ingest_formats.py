"""Export formats (``socialwork_ict.ingest.read_raw_table``): delimiters, encodings,
decimal commas, Qualtrics' UTF-16 TSV and ``.xlsx`` workbooks.

Every layout is built here from ``tests/fixtures/oracle_small/raw.csv`` (no
committed blobs) and must read to exactly the table the plain CSV gives
(column names, every cell as text, dtype, row order); every refusal is one
``InputError`` line naming the file, the delimiter or option, and the first
data row. The fast/slow CSV path equivalence for every delimiter is in
``test_ingest_fast_path.py``; the pipeline-level cases in
``test_hostile_inputs.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from socialwork_ict import ingest
from socialwork_ict.codebook import ExportFormat
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_raw_table

ORACLE_RAW = Path(__file__).parent / "fixtures" / "oracle_small" / "raw.csv"
RAW = pd.read_csv(ORACLE_RAW, dtype=str, keep_default_na=False)
#: text columns of the oracle file; the others hold integers or are empty
TEXT_COLUMNS = ("respondent_id", "country")
NON_ASCII_IDS = {0: "Jos\u00e9", 1: "M\u00fcller", 2: "\u00c5sa \u00d8", 4: "na\u00efve"}


@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    return read_raw_table(ORACLE_RAW)


def delimited(
    frame: pd.DataFrame = RAW,
    delimiter: str = ",",
    *,
    quoting: int = csv.QUOTE_MINIMAL,
    line_end: str = "\n",
    qualtrics: bool = False,
) -> str:
    """``frame`` as delimited text, with Qualtrics' question-text and ImportId rows."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=line_end)
    writer.writerow(frame.columns)
    if qualtrics:  # question text with commas, quotes, a tab and a line break
        writer.writerow([f'How often, in a "typical"\tweek,\nfor {c}?' for c in frame.columns])
        writer.writerow([json.dumps({"ImportId": f"QID{i}"}) for i in range(len(frame.columns))])
    writer.writerows(frame.to_numpy().tolist())
    return out.getvalue()


def with_ids(frame: pd.DataFrame = RAW) -> pd.DataFrame:
    frame = frame.copy()
    for row, value in NON_ASCII_IDS.items():
        frame.loc[row, "respondent_id"] = value
    return frame


def decimals(frame: pd.DataFrame, mark: str) -> pd.DataFrame:
    """``age`` and ``years_practice`` written with one decimal (``35.0`` / ``35,0``)."""
    frame = frame.copy()
    for column in ("age", "years_practice"):
        filled = frame[column] != ""
        frame.loc[filled, column] = frame.loc[filled, column] + mark + "0"
    return frame


def workbook(
    path: Path,
    frame: pd.DataFrame = RAW,
    *,
    floats: bool = False,
    qualtrics: bool = False,
    sheets: tuple[str, ...] = (),
    data_sheet: int = 0,
) -> Path:
    """``frame`` as an .xlsx sheet: numbers as numbers (``floats``: as 35.0), empty = no cell."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "Sheet1"
    for title in sheets:
        book.create_sheet(title)
    sheet = book.worksheets[data_sheet]
    for i, other in enumerate(book.worksheets):
        if i != data_sheet:
            other.append(["notes", "not the data"])
    sheet.append(list(frame.columns))
    if qualtrics:
        sheet.append([f"How often, in a typical week, for {c}?" for c in frame.columns])
        sheet.append([json.dumps({"ImportId": f"QID{i}"}) for i in range(len(frame.columns))])
    for row in frame.itertuples(index=False):
        sheet.append(
            [_excel_cell(name, cell, floats) for name, cell in zip(frame.columns, row, strict=True)]
        )
    book.save(path)
    return path


def _excel_cell(name: str, cell: str, floats: bool) -> object:
    if name in TEXT_COLUMNS:
        return cell
    if cell == "":
        return None
    return float(cell) if floats else int(cell)


def write(path: Path, content: str | bytes) -> Path:
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


# --------------------------------------------------------------------------- layouts

#: name -> (build(folder) -> (path, export), the frame the plain CSV is written from)
Layout = Callable[[Path], tuple[Path, ExportFormat | None]]
LAYOUTS: dict[str, tuple[Layout, pd.DataFrame]] = {
    "tab .tsv": (lambda d: (write(d / "s.tsv", delimited(delimiter="\t")), None), RAW),
    "tab .csv": (lambda d: (write(d / "s.csv", delimited(delimiter="\t")), None), RAW),
    "tab, CR-only line ends": (
        lambda d: (write(d / "s.tsv", delimited(delimiter="\t", line_end="\r")), None),
        RAW,
    ),
    "semicolon": (lambda d: (write(d / "s.csv", delimited(delimiter=";")), None), RAW),
    "pipe": (lambda d: (write(d / "s.txt", delimited(delimiter="|")), None), RAW),
    "tab set in the codebook": (
        lambda d: (write(d / "s.tsv", delimited(delimiter="\t")), ExportFormat(delimiter="\t")),
        RAW,
    ),
    "Qualtrics UTF-16 TSV": (
        lambda d: (
            write(
                d / "Survey.tsv",
                delimited(
                    delimiter="\t", quoting=csv.QUOTE_ALL, line_end="\r\n", qualtrics=True
                ).encode("utf-16"),
            ),
            None,
        ),
        RAW,
    ),
    "Qualtrics UTF-16 TSV renamed .csv": (
        lambda d: (
            write(
                d / "Survey.csv",
                delimited(
                    delimiter="\t", quoting=csv.QUOTE_ALL, line_end="\r\n", qualtrics=True
                ).encode("utf-16"),
            ),
            None,
        ),
        RAW,
    ),
    "Qualtrics UTF-8 TSV, no BOM": (
        lambda d: (
            write(d / "Survey.tsv", delimited(delimiter="\t", qualtrics=True, line_end="\r\n")),
            None,
        ),
        RAW,
    ),
    "Excel Europe: ; BOM CRLF decimal commas": (
        lambda d: (
            write(
                d / "s.csv",
                b"\xef\xbb\xbf"
                + delimited(decimals(RAW, ","), ";", line_end="\r\n").encode("utf-8"),
            ),
            ExportFormat(decimal=","),
        ),
        decimals(RAW, "."),
    ),
    "cp1252 ; CRLF": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids(), ";", line_end="\r\n").encode("cp1252")),
            ExportFormat(encoding="cp1252"),
        ),
        with_ids(),
    ),
    "latin-1": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids()).encode("latin-1")),
            ExportFormat(encoding="latin-1"),
        ),
        with_ids(),
    ),
    "utf-16 set, BOM": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids(), "\t").encode("utf-16")),
            ExportFormat(encoding="utf-16"),
        ),
        with_ids(),
    ),
    "utf-16 set, little-endian without BOM": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids(), "\t").encode("utf-16-le")),
            ExportFormat(encoding="utf-16"),
        ),
        with_ids(),
    ),
    "utf-16 set, big-endian without BOM": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids()).encode("utf-16-be")),
            ExportFormat(encoding="utf-16"),
        ),
        with_ids(),
    ),
    "utf-8 set, BOM": (
        lambda d: (
            write(d / "s.csv", delimited(with_ids()).encode("utf-8-sig")),
            ExportFormat(encoding="utf-8"),
        ),
        with_ids(),
    ),
    "xlsx, integers": (lambda d: (workbook(d / "s.xlsx"), None), RAW),
    "xlsx, numbers stored as 35.0": (lambda d: (workbook(d / "s.xlsx", floats=True), None), RAW),
    "xlsx, Qualtrics header rows": (lambda d: (workbook(d / "s.xlsx", qualtrics=True), None), RAW),
    "xlsx, second sheet set in the codebook": (
        lambda d: (
            workbook(d / "s.xlsx", sheets=("Responses",), data_sheet=1),
            ExportFormat(sheet="Responses"),
        ),
        RAW,
    ),
    "xlsx, non-ASCII ids": (lambda d: (workbook(d / "s.xlsx", with_ids()), None), with_ids()),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_layout_reads_as_the_plain_csv(name, tmp_path):
    build, frame = LAYOUTS[name]
    path, export = build(tmp_path)
    plain_path = write(tmp_path / "plain.csv", delimited(frame))
    expected = read_raw_table(plain_path)
    assert expected.shape == RAW.shape
    table = read_raw_table(path, export)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert table.dtypes.eq(ingest.TEXT_DTYPE).all()


def test_the_oracle_reads_as_written(plain):
    assert plain.to_numpy().tolist() == RAW.to_numpy().tolist()
    assert list(plain.columns) == list(RAW.columns)


# --------------------------------------------------------------------------- delimiter


@pytest.mark.parametrize(
    "text, expected",
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n4;5,0;6\n", ";"),  # decimal commas do not make it comma-delimited
        ('a\tb\n"x, y"\t"1"\n"p, q, r"\t2\n', "\t"),  # quoted commas (Qualtrics)
        ("a|b\n1|2\n", "|"),
        ('id,note\n1,"a;b"\n2,"c;d;e"\n', ","),  # quoted semicolons
        ("a,b;c\n1,2\n3,4\n", ","),  # a ; in a header name
        ("only\n1\n2\n", ","),  # one column: comma
        ("a;b,c;d\n", ";"),  # header only: the widest
        ("", ","),
    ],
)
def test_sniff_delimiter(text, expected):
    assert ingest.sniff_delimiter(text) == expected


def test_sniff_ignores_a_cut_last_record():
    text = "a\tb\n" + "1\t2\n" * 10 + '3\t"unfinished, quoted, cell'
    assert ingest.sniff_delimiter(text, truncated=True) == "\t"


def test_an_ambiguous_delimiter_is_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="socialwork_ict.ingest"):
        assert ingest.sniff_delimiter("a,b;c,d\n1,2;3,4\n", name="x.csv") == ","
    assert "x.csv: the delimiter is ambiguous" in caplog.text
    assert "semicolon" in caplog.text and "export: {delimiter: ...}" in caplog.text


def test_the_delimiter_used_is_logged(tmp_path, caplog):
    path = write(tmp_path / "s.tsv", delimited(delimiter="\t"))
    with caplog.at_level(logging.INFO, logger="socialwork_ict.ingest"):
        read_raw_table(path)
        read_raw_table(path, ExportFormat(delimiter="\t"))
    assert "s.tsv: read as tab-delimited (sniffed)" in caplog.text
    assert "s.tsv: read as tab-delimited (codebook export.delimiter)" in caplog.text


def test_the_qualtrics_tsv_that_failed_as_malformed_csv_now_reads(tmp_path, plain):
    """Quoted cells in a tab file: read as comma-delimited they were 'malformed ... line 4'."""
    text = delimited(delimiter="\t", quoting=csv.QUOTE_ALL, qualtrics=True)
    path = write(tmp_path / "q.tsv", text)
    with pytest.raises(InputError, match=r"malformed CSV \(read as comma-delimited\)"):
        read_raw_table(path, ExportFormat(delimiter=","))
    pd.testing.assert_frame_equal(read_raw_table(path), plain)


def test_a_malformed_tab_file_names_the_delimiter_data_row_and_line(tmp_path):
    lines = delimited(delimiter="\t", qualtrics=True).split("\n")
    # the question-text row spans several lines; the data row counts records after it
    at = next(i for i, line in enumerate(lines) if line.startswith(RAW["respondent_id"][3]))
    lines[at] = '"' + lines[at]
    path = write(tmp_path / "q.tsv", "\n".join(lines))
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    message = str(caught.value)
    assert "file q.tsv: malformed CSV (read as tab-delimited): unexpected end of data" in message
    assert f"'line {at + 1}'; 1 row; first at data row 4" in message
    assert at + 1 > 8


def test_a_malformed_header_is_named(tmp_path):
    path = write(tmp_path / "h.csv", 'a,"b"x,c\n1,2,3\n')
    with pytest.raises(InputError, match=r"values: 'the header, line 1'; 1 row \("):
        read_raw_table(path)


def test_rows_longer_than_the_header_name_the_delimiter(tmp_path):
    lines = delimited(delimiter=";").split("\n")
    lines[3] += ";surplus"
    path = write(tmp_path / "s.csv", "\n".join(lines))
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    assert "more cells than the header's 20 columns (read as semicolon-delimited)" in str(
        caught.value
    )
    assert caught.value.values == ["data row 3"]


# --------------------------------------------------------------------------- decimal mark


def test_decimal_commas_in_a_semicolon_file_stop_naming_the_option(tmp_path):
    frame = RAW.copy()
    frame.loc[[6, 8, 9], "years_practice"] = ["12,5", "3,0", "12,5"]
    path = write(tmp_path / "euro.csv", delimited(frame, ";"))
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    message = str(caught.value)
    assert message == (
        "file euro.csv, column 'years_practice': decimal commas in a semicolon-delimited file;"
        " values: '12,5', '3,0'; 3 rows; first at data row 7"
        ' (set `export: {decimal: ","}` in the codebook to read 3,5 as 3.5,'
        " or re-export the file with a decimal point)"
    )
    table = read_raw_table(path, ExportFormat(decimal=","))
    assert table["years_practice"].iloc[[6, 8, 9]].tolist() == ["12.5", "3.0", "12.5"]
    as_written = read_raw_table(path, as_written=True)  # for draft_codebook
    assert as_written["years_practice"].iloc[[6, 8, 9]].tolist() == ["12,5", "3,0", "12,5"]


def test_decimal_commas_in_a_tab_file_are_left_as_written(tmp_path):
    frame = RAW.copy()
    frame.loc[3, "age"] = "35,5"
    table = read_raw_table(write(tmp_path / "t.tsv", delimited(frame, "\t")))
    assert table["age"].iloc[3] == "35,5"  # cleaning: "text in a numeric column"


@pytest.mark.parametrize(
    "cell, read",
    [
        ("3,0", "3.0"),
        (" -0,5 ", " -0.5 "),
        ("+12,25", "+12.25"),
        ("3", "3"),
        ("3.5", "3.5"),
        ("1.234,5", "1.234,5"),  # thousands separator: not one decimal number
        (",5", ",5"),
        ("5,", "5,"),
        ("1,2,3", "1,2,3"),
        ("abc,5", "abc,5"),
        ("3,0 years", "3,0 years"),
        ("", ""),
    ],
)
def test_which_cells_decimal_comma_converts(cell, read):
    frame = pd.DataFrame({"a": [cell], "a ": ["1,5"]}).astype(ingest.TEXT_DTYPE)
    frame.columns = ["a", "a"]  # duplicated names survive (to_canonical reports them)
    converted = ingest._with_decimal_mark(frame, ",", ";", "t.csv")
    assert converted.iloc[0].tolist() == [read, "1.5"]
    assert list(converted.columns) == ["a", "a"]
    assert converted.dtypes.eq(ingest.TEXT_DTYPE).all()


# --------------------------------------------------------------------------- encodings


def test_non_utf8_bytes_stop_naming_the_data_row_and_the_option(tmp_path):
    data = delimited(with_ids()).encode("cp1252")
    path = write(tmp_path / "w.csv", data)
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    message = str(caught.value)
    assert "file w.csv: the file is not UTF-8 text (byte " in message
    assert "line 2); values: " in message and "; first at data row 1 (" in message
    assert "re-export it as UTF-8 CSV, or set `export: {encoding: cp1252}`" in message
    assert "\n" not in message


def test_bytes_cp1252_lacks_suggest_latin1(tmp_path):
    path = write(tmp_path / "l.csv", delimited().encode() + b"R_x\x81,CA\n")
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    assert "`export: {encoding: latin-1}`" in str(caught.value)
    assert f"line {len(RAW) + 2}); values: " in str(caught.value)
    assert caught.value.first_row == len(RAW) + 1


@pytest.mark.parametrize(
    "data, encoding, problem",
    [
        (b"\xef\xbb\xbfa,b\n1,2\n", "cp1252", "starts with a UTF-8 byte-order mark"),
        ("a,b\n1,2\n".encode("utf-16"), "utf-8", "starts with a UTF-16 byte-order mark"),
        ("a,b\n1,2\n".encode("utf-32"), "utf-16", "starts with a UTF-32 byte-order mark"),
        (b"a,b\n1,2\nJos\xc3\xa9,3\n", "utf-16", "does not look like UTF-16"),
        (b"a,b\n1,2\nx\x81,3\n", "cp1252", "not CP1252 text"),
    ],
)
def test_a_set_encoding_that_does_not_fit_stops(tmp_path, data, encoding, problem):
    path = write(tmp_path / "e.csv", data)
    with pytest.raises(InputError, match=problem) as caught:
        read_raw_table(path, ExportFormat(encoding=encoding))
    assert "file e.csv" in str(caught.value)


def test_utf8_read_as_cp1252_is_a_warning(tmp_path, caplog):
    path = write(tmp_path / "u.csv", delimited(with_ids()))
    with caplog.at_level(logging.WARNING, logger="socialwork_ict.ingest"):
        table = read_raw_table(path, ExportFormat(encoding="cp1252"))
    assert table["respondent_id"].iloc[0] == "Jos\u00c3\u00a9"  # as asked
    assert "u.csv: read as cp1252" in caplog.text and "export: {encoding: auto}" in caplog.text


def test_utf16_without_bom_names_the_option(tmp_path):
    path = write(tmp_path / "n.csv", delimited().encode("utf-16-le"))
    with pytest.raises(InputError, match=r"set `export: \{encoding: utf-16\}`"):
        read_raw_table(path)


# --------------------------------------------------------------------------- workbooks


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (3, "3"),
        (3.0, "3"),
        (-0.0, "0"),
        (3.5, "3.5"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (True, "TRUE"),
        ("  B2 ", "  B2 "),
        ("#N/A", "#N/A"),
        (dt.datetime(2017, 5, 1, 10, 0, 0), "2017-05-01 10:00:00"),
        (dt.datetime(2017, 5, 1), "2017-05-01"),
        (dt.date(2017, 5, 1), "2017-05-01"),
        (dt.time(10, 30), "10:30:00"),
    ],
)
def test_xlsx_cell_text(value, text):
    assert ingest._xlsx_text(value) == text


def test_xlsx_dates_and_text_formulas_as_excel_shows_them(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "start", "note"])
    sheet.append(["=cmd", dt.datetime(2017, 5, 1, 10, 0), "=1+1 typed as text"])
    sheet["A2"].data_type = "s"  # a text cell starting with "=", not a formula
    sheet["C2"].data_type = "s"
    book.save(tmp_path / "d.xlsx")
    table = read_raw_table(tmp_path / "d.xlsx")
    assert table.to_numpy().tolist() == [["=cmd", "2017-05-01 10:00:00", "=1+1 typed as text"]]


def _with_cached_value(path: Path, formula: str, value: str) -> None:
    """Store Excel's computed value for ``formula`` (openpyxl writes none)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    empty = f"<f>{formula}</f><v />".encode()
    assert empty in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        empty, f"<f>{formula}</f><v>{value}</v>".encode()
    )
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_xlsx_formulas_read_as_computed_or_stop(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "age", "twice"])
    sheet.append(["A", 30, "=B2*2"])
    sheet.append(["B", 40, "=B3*2"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    assert str(caught.value).startswith(
        "file f.xlsx: formula cells without a computed value; values: 'C2', 'C3'; 2 rows;"
        " first at data row 1"
    )
    _with_cached_value(path, "B2*2", "60")
    _with_cached_value(path, "B3*2", "80")
    assert read_raw_table(path).to_numpy().tolist() == [["A", "30", "60"], ["B", "40", "80"]]


def test_xlsx_blank_rows_are_kept_trailing_ones_dropped(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([])
    sheet.append(["id", "age", None])  # an empty header cell at the end: dropped
    sheet.append(["A", 30])
    sheet.append([])
    sheet.append(["B", None, None])
    sheet["A9"] = None  # an empty cell far below: the stored dimension reaches row 9
    book.save(tmp_path / "b.xlsx")
    table = read_raw_table(tmp_path / "b.xlsx")
    assert list(table.columns) == ["id", "age"]
    assert table.to_numpy().tolist() == [["A", "30"], ["", ""], ["B", ""]]


def test_xlsx_long_rows_stop(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["id", "age"])
    book.active.append(["A", 30, "surplus"])
    book.save(tmp_path / "l.xlsx")
    with pytest.raises(
        InputError, match=r"more cells than the header's 2 columns; values: 'data row 1'"
    ):
        read_raw_table(tmp_path / "l.xlsx")


def test_xlsx_several_sheets_without_sheet_is_a_warning(tmp_path, caplog, plain):
    path = workbook(tmp_path / "w.xlsx", sheets=("Codes",))
    with caplog.at_level(logging.WARNING, logger="socialwork_ict.ingest"):
        pd.testing.assert_frame_equal(read_raw_table(path), plain)
    assert "w.xlsx: the workbook has 2 sheets; reading the first, 'Sheet1'" in caplog.text


def test_xlsx_unknown_sheet_stops_listing_the_sheets(tmp_path):
    path = workbook(tmp_path / "w.xlsx", sheets=("Codes",))
    with pytest.raises(InputError) as caught:
        read_raw_table(path, ExportFormat(sheet="Responses"))
    assert str(caught.value) == (
        "file w.xlsx: the workbook has no sheet 'Responses' (codebook export.sheet);"
        " values: 'Sheet1', 'Codes'"
    )


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".xlsb"])
def test_other_spreadsheets_are_refused_with_the_conversion(tmp_path, suffix):
    path = write(tmp_path / f"s{suffix}", b"\xd0\xcf\x11\xe0")
    with pytest.raises(InputError) as caught:
        read_raw_table(path)
    message = str(caught.value)
    assert "files are not read" in message
    assert "Excel: File > Save As > Excel Workbook" in message
    assert "CSV UTF-8 (Comma delimited)" in message


def test_a_workbook_renamed_csv_is_named(tmp_path):
    workbook(tmp_path / "s.xlsx")
    path = write(tmp_path / "s.csv", (tmp_path / "s.xlsx").read_bytes())
    with pytest.raises(InputError, match="not a text CSV.*give it the .xlsx extension"):
        read_raw_table(path)


def test_a_csv_renamed_xlsx_is_not_a_workbook(tmp_path):
    path = write(tmp_path / "s.xlsx", delimited())
    with pytest.raises(InputError, match="s.xlsx: not a readable .xlsx workbook"):
        read_raw_table(path)


# --------------------------------------------------------------------------- SPSS numbers


def test_sav_numbers_as_text_beyond_the_int64_range():
    values = pd.Series([1e20, 3.0, -2.0, 2.5, np.nan, -1e300])
    assert ingest._sav_column_as_text(values).tolist() == ["1e+20", "3", "-2", "2.5", "", "-1e+300"]
