"""The two CSV ingest paths give the same table (``socialwork_ict.ingest``).

A regular CSV (every non-blank record as wide as the header) is read by
pyarrow after one strict ``csv`` validation pass (``_scan_csv`` +
``_read_csv_fast``); any other file by the slow path (``_read_csv_slow``,
every record parsed into Python lists). Here:

- random regular tables, for every delimiter (comma, tab, semicolon, pipe;
  set, as the sniffer is tested in ``test_ingest_formats.py``), with commas,
  doubled quotes, embedded CR/LF, spaces, Unicode, empty cells, CRLF/LF/CR
  line ends, blank lines, BOM, UTF-16/32, a trailing empty column and
  Qualtrics header rows, read the same by both paths;
- random irregular or broken files, for every delimiter, give the same table or the same
  ``InputError`` as the slow path alone (today's reader);
- pyarrow failures and disagreements fall back to the slow path;
- a synthetic export (``generate_raw_survey``, written as the pipeline writes
  it) cleans to identical results through both paths.

Every file is written under ``tmp_path``; nothing is committed.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import json
import logging
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from socialwork_ict import ingest
from socialwork_ict.cleaning import clean_responses
from socialwork_ict.codebook import ExportFormat, load_codebook
from socialwork_ict.errors import InputError
from socialwork_ict.rule_io import write_table
from socialwork_ict.synthetic import generate_raw_survey, scale_counts

CODEBOOK = load_codebook("config/codebook.yaml")
COUNTRIES = ("CA", "US", "IL", "UK")
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# --- helpers ------------------------------------------------------------------


def read_both(
    data: bytes, name: str = "t.csv", delimiter: str = ","
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """(fast path's table or None, slow path's table) for the file's bytes."""
    utf8 = ingest._as_utf8(data, name)
    shape = ingest._scan_csv(utf8, name, delimiter)
    fast = ingest._read_csv_fast(utf8, shape, name) if shape.regular else None
    slow = ingest._read_csv_slow(ingest._decode(data, name), name, delimiter)
    return fast, slow


def reference(path: Path, delimiter: str = ",") -> pd.DataFrame:
    """The reader before the fast path: decode, then parse every record."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=path.name)
    table = ingest._read_csv_slow(ingest._decode(data, path.name), path.name, delimiter)
    return ingest._with_decimal_mark(table, ".", delimiter, path.name)


def read_csv(path: Path, delimiter: str = ",") -> pd.DataFrame:
    """The reader under test, with the delimiter set (sniffing: test_ingest_formats.py)."""
    return ingest._read_csv(path, ExportFormat(delimiter=delimiter))


def outcome(read, *args) -> tuple[str, object]:
    """("frame", table) or ("error", everything the InputError carries)."""
    try:
        return "frame", read(*args)
    except InputError as error:
        return "error", (str(error), vars(error))


def assert_same_outcome(a: tuple[str, object], b: tuple[str, object]) -> None:
    assert a[0] == b[0], (a, b)
    if a[0] == "frame":
        pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    else:
        assert a[1] == b[1]


def csv_bytes(records, *, ends, quoting, blank_before, final_end, encoding, delimiter=",") -> bytes:
    """Records written by csv.writer, each with its own line end, blank lines between."""
    out = io.StringIO(newline="")
    for i, record in enumerate(records):
        end = ends[i % len(ends)]
        out.write(end * blank_before.get(i, 0))
        line = io.StringIO(newline="")
        # "\r\n" as the writer's line end: it then quotes every cell with a CR or LF
        csv.writer(line, lineterminator="\r\n", quoting=quoting, delimiter=delimiter).writerow(
            record
        )
        out.write(line.getvalue().removesuffix("\r\n") + end)
    text = out.getvalue()
    if not final_end:
        text = text.removesuffix(ends[(len(records) - 1) % len(ends)])
    text += ends[0] * blank_before.get(len(records), 0)
    return text.encode(encoding)


# --- strategies ---------------------------------------------------------------

cells = st.one_of(
    st.sampled_from(
        [
            "",
            "",
            " ",
            "1",
            "-99",
            " 3 ",
            "a,b",
            'say "hi"',
            '"',
            '""',
            "two\nlines",
            "cr\ronly",
            "crlf\r\nend\r\n",
            "\n",
            "Jos\u00e9",
            "\u5f20\u4f1f",
            "\U0001f600",
            "\ufeffbom",
            "=1+1",
            "x\u2028y\x0bz\x1c\x85",
            " lead",
            "trail ",
        ]
    ),
    # NUL: in the first 4 KiB the file is refused as binary (test_nul_after_4_kib below)
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
)
names = st.one_of(st.sampled_from(["id", " id ", "Q1", "", " ", "country", "\u00e9"]), cells)


delimiters = st.sampled_from(ingest.DELIMITERS)


@st.composite
def regular_files(draw) -> tuple[bytes, list[str], list[list[str]], str]:
    """(file bytes, header as written, data records, delimiter) of a regular CSV."""
    delimiter = draw(delimiters)
    width = draw(st.integers(1, 5))
    header = draw(st.lists(names, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=12))
    qualtrics = draw(st.sampled_from(["none", "importid", "question+importid"]))
    extra = []
    if qualtrics == "question+importid":
        extra.append([f"Question text of {h}, in full" for h in header])
    if qualtrics != "none":
        extra.append([json.dumps({"ImportId": f"QID{i}"}) for i in range(width)])
    records = [header] + extra + rows
    if draw(st.booleans()):  # a trailing delimiter on every line
        records = [r + [draw(st.sampled_from(["", " "])) if r is header else ""] for r in records]
        header = records[0]
    ends = draw(st.lists(st.sampled_from(["\r\n", "\n", "\r"]), min_size=1, max_size=3))
    blank_before = draw(
        st.dictionaries(st.integers(0, len(records)), st.integers(1, 2), max_size=3)
    )
    data = csv_bytes(
        records,
        ends=ends,
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
        blank_before=blank_before,
        final_end=draw(st.booleans()),
        encoding=(encoding := draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))),
        delimiter=delimiter,
    )
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data  # a header starting with U+FEFF: not a BOM
    return data, header, records[1 + len(extra) :], delimiter


@st.composite
def irregular_files(draw) -> tuple[bytes, str]:
    """(bytes, delimiter) of ragged, overlong, blank-only or broken CSV text, some with
    Qualtrics rows."""
    delimiter = draw(delimiters)
    width = draw(st.integers(1, 4))
    header = draw(st.lists(names, min_size=width, max_size=width))
    rows = draw(st.lists(st.lists(cells, min_size=0, max_size=width + 2), min_size=0, max_size=8))
    importid = [json.dumps({"ImportId": f"QID{i}"}) for i in range(width)]
    qualtrics = draw(st.sampled_from([[], [importid], [header, importid], [importid[:1]]]))
    text = csv_bytes(
        [header] + qualtrics + rows,
        ends=[draw(st.sampled_from(["\r\n", "\n", "\r"]))],
        quoting=csv.QUOTE_MINIMAL,
        blank_before=draw(st.dictionaries(st.integers(0, len(rows) + 1), st.integers(1, 2))),
        final_end=True,
        encoding="utf-8",
        delimiter=delimiter,
    ).decode("utf-8")
    breakage = draw(
        st.sampled_from(
            ["", "", '"unclosed\n', 'a,"x"y\n', '"x" ,\n', "a" * 131_073 + "\n", '\n,"\n"\n']
        )
    )
    at = draw(st.integers(0, len(text)))
    return (text[:at] + breakage.replace(",", delimiter) + text[at:]).encode("utf-8"), delimiter


# --- (a) regular files: fast == slow ----------------------------------------------


@SETTINGS
@given(regular_files())
def test_fast_path_equals_slow_path_on_regular_files(sample):
    data, header, rows, delimiter = sample
    utf8 = ingest._as_utf8(data, "t.csv")
    shape = ingest._scan_csv(utf8, "t.csv", delimiter)
    assume(shape.width > 0)  # only when every column is empty and unnamed
    assert shape.regular
    fast, slow = read_both(data, delimiter=delimiter)
    assert fast is not None, "the fast path fell back"
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.dtypes.eq(ingest.TEXT_DTYPE).all()
    width = len(slow.columns)
    assert list(slow.columns) == [h.strip() for h in header][:width]
    assert slow.to_numpy().tolist() == [row[:width] for row in rows]


@SETTINGS
@given(regular_files())
def test_read_csv_equals_the_reader_before_the_fast_path(tmp_path_factory, sample):
    path = tmp_path_factory.mktemp("regular") / "t.csv"
    path.write_bytes(sample[0])
    delimiter = sample[3]
    assert_same_outcome(outcome(read_csv, path, delimiter), outcome(reference, path, delimiter))


# --- (b) irregular and broken files: slow path, same table or same error ------------


@SETTINGS
@given(irregular_files())
def test_irregular_and_broken_files_read_as_before(tmp_path_factory, sample):
    data, delimiter = sample
    path = tmp_path_factory.mktemp("irregular") / "t.csv"
    path.write_bytes(data)
    assert_same_outcome(outcome(read_csv, path, delimiter), outcome(reference, path, delimiter))


def _fast_path_forbidden(*args):
    raise AssertionError("the fast path was taken")


@pytest.mark.parametrize(
    "text, columns, rows",
    [
        ("a,b,c\n1,2\n3,4,5\n", ["a", "b", "c"], [["1", "2", ""], ["3", "4", "5"]]),
        ("a,b,\n1,2\n3,4\n", ["a", "b"], [["1", "2"], ["3", "4"]]),  # header's trailing comma
        ("a,b\n1,2,\n3,4\n", ["a", "b"], [["1", "2"], ["3", "4"]]),  # one row's trailing comma
        ("a,b\n1\n\n", ["a", "b"], [["1", ""]]),
        (",\n,\n", [], [[]]),  # nothing but empty, unnamed columns
    ],
)
def test_irregular_files_take_the_slow_path(tmp_path, monkeypatch, text, columns, rows):
    path = tmp_path / "ragged.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert not ingest._scan_csv(path.read_bytes(), path.name).regular
    monkeypatch.setattr(ingest, "_read_csv_fast", _fast_path_forbidden)
    frame = ingest._read_csv(path)
    assert list(frame.columns) == columns
    assert frame.to_numpy().tolist() == rows
    pd.testing.assert_frame_equal(frame, reference(path))


def test_extra_cells_raise_the_same_error_without_the_slow_path(tmp_path, monkeypatch):
    path = tmp_path / "long.csv"
    path.write_text("a,b,\n1,2,,\n3,4,,x\n5,6\n7,8,, y ,\n", encoding="utf-8")
    monkeypatch.setattr(ingest, "_read_csv_slow", _fast_path_forbidden)
    with pytest.raises(InputError) as raised:
        ingest._read_csv(path)
    monkeypatch.undo()
    with pytest.raises(InputError) as before:
        reference(path)
    assert vars(raised.value) == vars(before.value)
    assert "more cells than the header's 2 columns" in str(raised.value)
    assert raised.value.values == ["data row 2", "data row 4"]


def test_pyarrow_failure_falls_back_to_the_slow_path(tmp_path, monkeypatch, caplog):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    expected = reference(path)

    def broken(*args, **kwargs):
        raise pa.ArrowInvalid("simulated")

    monkeypatch.setattr(pa.csv, "read_csv", broken)
    with caplog.at_level(logging.DEBUG, logger="socialwork_ict.ingest"):
        frame = ingest._read_csv(path)
    pd.testing.assert_frame_equal(frame, expected)
    assert "simulated" in caplog.text and "slow path" in caplog.text


@pytest.mark.parametrize(
    "change",
    [
        {"n_records": 4},
        {"head": [["9", "9"]]},
        {"last": ["9", "9"]},
        {"header": ["x", "b"]},
    ],
)
def test_disagreement_with_the_validation_pass_falls_back(tmp_path, change):
    data = b"a,b\n1,2\n3,4\n"
    shape = dataclasses.replace(ingest._scan_csv(data, "t.csv"), **change)
    assert ingest._read_csv_fast(data, shape, "t.csv") is None


def test_second_byte_order_mark_stays_in_the_header(tmp_path):
    for data in (
        "\ufeff\ufeffa,b\n1,2\n".encode(),
        "\ufeffa,b\n1,2\n".encode("utf-16"),
        "\ufeffa,b\n1,2\n".encode("utf-32"),
    ):
        fast, slow = read_both(data)
        assert fast is not None
        pd.testing.assert_frame_equal(fast, slow)
        assert list(fast.columns) == ["\ufeffa", "b"]


@pytest.mark.parametrize(
    "text, rows",
    [
        ('a,b\n1,x"y\n2, "q"\n', [["1", 'x"y'], ["2", ' "q"']]),  # quotes inside a bare cell
        ('a\n""\n\n"\n"\n', [[""], ["\n"]]),  # one column: an empty quoted cell, a newline
        ("a,b\r\r\n1,2\r\n\r3,4", [["1", "2"], ["3", "4"]]),  # blank lines of every kind
        ('a,b\n1,\\"x\n', [["1", '\\"x']]),  # a backslash is no escape
    ],
)
def test_hand_written_regular_files(text, rows):
    fast, slow = read_both(text.encode())
    assert fast is not None
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.to_numpy().tolist() == rows


def test_nul_after_4_kib():
    data = ("a,b\n" + "1,2\n" * 2000 + "3,x\x00y\n").encode()
    fast, slow = read_both(data)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.iloc[-1].tolist() == ["3", "x\x00y"]


def test_records_across_pyarrow_blocks(tmp_path):
    """Over 1 MiB (pyarrow's block size) of multi-line quoted cells."""
    rows = [[f"r{i}", f"line one\nline, two {i}\r\n", '"q"' * (i % 7), " "] for i in range(40_000)]
    data = csv_bytes(
        [["id", "text", "quotes", "blank"]] + rows,
        ends=["\r\n"],
        quoting=csv.QUOTE_MINIMAL,
        blank_before={},
        final_end=True,
        encoding="utf-8",
    )
    assert len(data) > 2**21
    fast, slow = read_both(data)
    assert fast is not None
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.to_numpy().tolist() == rows


# --- (c) a synthetic export cleans identically through both paths -------------------


@pytest.fixture(scope="module")
def synthetic_export(tmp_path_factory) -> Path:
    raw = generate_raw_survey(seed=20170501, n_eligible=scale_counts(3000))
    path = tmp_path_factory.mktemp("synthetic") / "synthetic_survey.csv"
    write_table(raw, path)  # as the simulate_survey rule writes it
    return path


def _clean_both(path: Path, monkeypatch) -> tuple[tuple, tuple]:
    taken = []
    fast_reader = ingest._read_csv_fast

    def spy(*args):
        frame = fast_reader(*args)
        taken.append(frame is not None)
        return frame

    monkeypatch.setattr(ingest, "_read_csv_fast", spy)

    def fast():
        raw = ingest.read_raw_survey(path, CODEBOOK)
        return clean_responses(raw, CODEBOOK, file=path.name, countries=COUNTRIES)

    def slow():
        table = ingest._read_csv_slow(path.read_text(encoding="utf-8-sig"), path.name)
        raw = ingest.to_canonical(table, CODEBOOK, file=path.name)
        return clean_responses(raw, CODEBOOK, file=path.name, countries=COUNTRIES)

    result = outcome(fast), outcome(slow)
    assert taken == [True]
    return result


def test_synthetic_export_cleans_identically(synthetic_export, monkeypatch):
    (kind, fast), (_, slow) = _clean_both(synthetic_export, monkeypatch)
    assert kind == "frame", fast
    assert len(fast.analysis) == 3000
    for part in ("analysis", "exclusions", "sample_flow"):
        pd.testing.assert_frame_equal(getattr(fast, part), getattr(slow, part), check_exact=True)


@pytest.mark.parametrize(
    "column, cell",
    [("age", "3a"), ("gender", "7"), ("consent", " 1.0 "), ("respondent_id", "SYN-000001")],
)
def test_synthetic_export_with_a_bad_cell_fails_identically(
    synthetic_export, tmp_path, monkeypatch, column, cell
):
    frame = pd.read_csv(synthetic_export, dtype=str, keep_default_na=False)
    frame.loc[17, column] = cell
    path = tmp_path / synthetic_export.name
    write_table(frame, path)
    fast, slow = _clean_both(path, monkeypatch)
    assert_same_outcome(
        (fast[0], fast[1] if fast[0] == "error" else fast[1].analysis),
        (slow[0], slow[1] if slow[0] == "error" else slow[1].analysis),
    )
