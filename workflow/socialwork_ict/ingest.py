"""Ingest: read a raw survey export as text and map it onto canonical columns.

Accepted formats (data contract §1), chosen by the file's extension:

- ``.csv`` / ``.txt``: UTF-8 with or without a byte-order mark. A Qualtrics
  CSV export is recognised by its ImportId header row (``{"ImportId": ...}``)
  and its two extra header rows (question text, ImportId) are skipped; an
  export that lost the question-text row is read too.
- ``.sav``: SPSS, read with pyreadstat; numeric codes are kept (value labels
  are read with the file and can be checked against the codebook).

Decisions for messy or hostile files (each tested in
``tests/test_hostile_inputs.py``; the case table is in ``tests/README.md``):

- Encodings: UTF-8 (BOM optional) is read; UTF-16 and UTF-32 *with* a
  byte-order mark are decoded exactly (Excel's "Unicode text"). Anything else
  stops the run with one line asking for a UTF-8 re-export: Latin-1 /
  Windows-1252 bytes are never guessed (a wrong guess corrupts names
  silently), and UTF-16 without a BOM is named as such.
- Only commas delimit; a ``;``-, tab- or ``|``-delimited file stops with a
  hint. CRLF, CR-only and LF line ends are all read.
- Malformed CSV (an unclosed quote, text after a closing quote, a cell over
  131,072 characters) stops with the line where the bad record starts, rather
  than swallowing the rest of the file into one cell.
- A header without data rows, an empty file, rows with more cells than the
  header and duplicated header names (compared after trimming spaces) stop
  the run. Trailing empty columns (a trailing delimiter) are dropped; short
  rows are padded with empty cells.

How a CSV is read: two paths with identical results.

1. A validation pass parses every record with ``csv.reader(strict=True)``
   without keeping them. It raises the malformed-CSV, no-data-rows and
   extra-cells errors above (same messages and line numbers as the slow
   path), counts the records, keeps the first two data records (Qualtrics
   detection) and notes whether every non-blank record is exactly as wide as
   the header.
2. Such a *regular* file (any usual export) is then read by ``pyarrow.csv``,
   every column as text under placeholder names (a header may repeat or lack
   names); the header and Qualtrics rows are dropped, trailing empty columns
   left out and the trimmed header names set afterwards. If pyarrow raises or
   disagrees with the validation pass (record count, first and last records)
   the slow path is taken instead, logged at debug level.
3. Any other file (short rows to pad, a header wider than its rows) takes the
   slow path: every record parsed into Python lists, as before.

Why: at 1,000,000 rows x 20 columns (55 MB) the slow path alone took 7.4 s
and 1.26 GiB peak RSS (20 million Python strings); the validation pass plus
pyarrow take 0.8 s and 0.41 GiB. Both paths return the same table (column
names, duplicates included, cells, row order and count) with pandas ``str``
columns (pyarrow-backed; what cleaning's ``astype(str)`` gives anyway), so
cleaning results and error messages do not depend on the path;
``tests/test_ingest_fast_path.py`` checks this on random regular and
irregular files (hypothesis) and on a synthetic export.

Everything is read as text so that cleaning can report exactly which cell is
wrong; typing happens in :mod:`socialwork_ict.cleaning`. The input file is
only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from socialwork_ict.codebook import Codebook
from socialwork_ict.errors import InputError
from socialwork_ict.mapping import CanonicalExport, to_canonical

CSV_SUFFIXES = (".csv", ".txt")
SAV_SUFFIXES = (".sav", ".zsav")
IMPORT_ID_MARK = '{"ImportId"'
#: the dtype of every CSV column: pandas' ``str`` (pyarrow-backed), as ``astype(str)`` gives
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)

log = logging.getLogger(__name__)


def read_raw_survey(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """The canonical text table of an export (:func:`read_export`'s ``table``).

    Every cell is a ``str`` (empty string = empty cell). Columns the codebook
    marks ``required: false`` that the export lacks are added empty; extra
    export columns (e.g. Qualtrics metadata) are dropped.
    """
    return read_export(path, codebook).table


def read_export(path: str | Path, codebook: Codebook) -> CanonicalExport:
    """Read an export and map it through the codebook (:mod:`socialwork_ict.mapping`):
    the canonical text table, the codebook's row filters and the export's warnings.
    A ``.sav``'s value labels are checked against the codebook."""
    return read_export_and_table(path, codebook)[1]


def read_export_and_table(
    path: str | Path, codebook: Codebook
) -> tuple[pd.DataFrame, CanonicalExport]:
    """The export as read (its own column names) and its :func:`read_export` mapping."""
    path = Path(path)
    raw = read_raw_table(path)
    labels = read_sav_value_labels(path) if path.suffix.lower() in SAV_SUFFIXES else None
    return raw, to_canonical(raw, codebook, file=path.name, value_labels=labels)


def read_raw_table(path: Path) -> pd.DataFrame:
    """The export as a text table with the export's own column names."""
    if not path.exists():
        raise InputError("the input file does not exist", file=str(path))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path)
    if suffix in SAV_SUFFIXES:
        return _read_sav(path)
    raise InputError(
        f"unsupported file type {suffix or '(none)'!r}",
        file=path.name,
        hint="use .csv (UTF-8), .sav (SPSS) or a Qualtrics CSV export",
    )


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV export as a text table: one validation pass, then pyarrow or the slow path."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=path.name)
    utf8 = _as_utf8(data, path.name)
    del data
    shape = _scan_csv(utf8, path.name)
    if shape.regular:
        frame = _read_csv_fast(utf8, shape, path.name)
        if frame is not None:
            return frame
    return _read_csv_slow(utf8.decode("utf-8-sig"), path.name)


@dataclass(frozen=True)
class _CsvShape:
    """What the validation pass (:func:`_scan_csv`) learnt about a CSV file."""

    header: list[str]  # the header record as written (before trimming)
    names: list[str]  # trimmed header names, trailing empty columns dropped
    n_records: int  # non-blank records, the header included
    n_skipped: int  # Qualtrics header rows after the header
    head: list[list[str]]  # the first (up to) two non-blank records after the header
    last: list[str]  # the last non-blank record
    regular: bool  # every non-blank record has the header's width (and names remain)

    @property
    def width(self) -> int:
        return len(self.names)


def _scan_csv(utf8: bytes, name: str) -> _CsvShape:
    """The validation pass: parse every record strictly, without keeping them.

    Raises exactly the slow path's errors for a malformed record, a file without
    data rows and rows with extra non-empty cells.
    """
    lines = io.TextIOWrapper(io.BytesIO(utf8), encoding="utf-8-sig", newline="")
    reader = csv.reader(lines, strict=True)
    header: list[str] = []
    names: list[str] = []
    raw_width = width = 0
    n_after = 0  # non-blank records after the header
    head: list[list[str]] = []
    last: list[str] = []
    irregular = False
    long_rows: list[int] = []  # positions after the header of rows with extra non-empty cells
    seen_header = False
    start = 1
    try:
        for row in reader:
            start = reader.line_num + 1
            if not row:  # csv yields [] for a truly empty line
                continue
            if not seen_header:
                seen_header = True
                header, last = row, row
                names = [h.strip() for h in row]
                raw_width = width = len(row)
                while width and names[width - 1] == "":
                    width -= 1  # provisional: a data cell in the column keeps it
                continue
            if len(row) != raw_width:
                irregular = True
                if len(row) > raw_width and any(c.strip() for c in row[raw_width:]):
                    long_rows.append(n_after)
            if width < raw_width and any(row[width:raw_width]):
                tail = row[width:raw_width]
                width += max(i for i, cell in enumerate(tail) if cell) + 1
            if n_after < 2:
                head.append(row)
            n_after += 1
            last = row
    except csv.Error as error:
        raise _malformed(error, start, name) from None
    n_skipped = len(head) - len(_skip_qualtrics_header_rows(head))
    if n_after <= n_skipped:
        raise InputError("the file has a header but no data rows", file=name, n_rows=0)
    bad = [i - n_skipped for i in long_rows if i >= n_skipped]
    if bad:
        raise _extra_cells(bad, width, name)
    return _CsvShape(
        header=header,
        names=names[:width],
        n_records=1 + n_after,
        n_skipped=n_skipped,
        head=head,
        last=last,
        regular=not irregular and width > 0,
    )


def _read_csv_fast(utf8: bytes, shape: _CsvShape, name: str) -> pd.DataFrame | None:
    """A regular file (see :class:`_CsvShape`) read by pyarrow, every column as text.

    Returns None (logged at debug level) if pyarrow fails or disagrees with the
    validation pass; the caller then takes the slow path.
    """
    import pyarrow as pa
    from pyarrow import csv as pa_csv

    # placeholder names: the header may repeat names or leave some empty
    columns = [f"c{i}" for i in range(len(shape.header))]
    kept = columns[: shape.width]
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(pa.py_buffer(utf8)),  # pyarrow drops a leading UTF-8 BOM
            read_options=pa_csv.ReadOptions(column_names=columns),
            parse_options=pa_csv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(kept, pa.large_string()),
                include_columns=kept,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowException as error:
        log.debug("%s: pyarrow could not read the CSV (%s); slow path", name, error)
        return None
    width = shape.width
    expected = [shape.header[:width]] + [row[:width] for row in shape.head]
    if (
        table.num_rows != shape.n_records
        or any(column.null_count for column in table.columns)
        or _arrow_rows(table.slice(0, len(expected))) != expected
        or _arrow_rows(table.slice(table.num_rows - 1)) != [shape.last[:width]]
    ):
        log.debug("%s: pyarrow and csv disagree (%d records read); slow path", name, table.num_rows)
        return None
    frame = table.slice(1 + shape.n_skipped).to_pandas(
        types_mapper={pa.large_string(): TEXT_DTYPE}.get
    )
    frame.columns = shape.names
    return frame


def _arrow_rows(table) -> list[list[str]]:
    return [list(row.values()) for row in table.to_pylist()]  # placeholder names are unique


def _read_csv_slow(text: str, name: str) -> pd.DataFrame:
    """Any CSV text: every record parsed into Python lists, short rows padded."""
    rows = _parse_csv(text, name)
    rows = [row for row in rows if row] or [[]]  # csv yields [] for a truly empty line
    header = [h.strip() for h in rows[0]]
    # Trailing empty columns (a trailing delimiter) carry no data: drop them.
    while (
        header
        and header[-1] == ""
        and all(len(r) < len(header) or r[len(header) - 1] == "" for r in rows[1:])
    ):
        header.pop()
    body = rows[1:]
    body = _skip_qualtrics_header_rows(body)
    if not body:
        raise InputError("the file has a header but no data rows", file=name, n_rows=0)
    width = len(header)
    bad = [
        i for i, row in enumerate(body) if len(row) > width and any(c.strip() for c in row[width:])
    ]
    if bad:
        raise _extra_cells(bad, width, name)
    body = [(row + [""] * width)[:width] for row in body]
    return pd.DataFrame(body, columns=header, dtype=object).astype(TEXT_DTYPE)


def _extra_cells(bad: list[int], width: int, name: str) -> InputError:
    return InputError(
        f"rows have more cells than the header's {width} columns",
        file=name,
        values=[f"data row {i + 1}" for i in bad],
        n_rows=len(bad),
    )


def _malformed(error: csv.Error, start: int, name: str) -> InputError:
    return InputError(
        f"malformed CSV: {error}",
        file=name,
        values=[f"line {start}"],
        n_rows=1,
        hint="an unclosed quote, text after a closing quote or an over-long cell",
    )


#: byte-order marks of the wide Unicode encodings accepted (UTF-32 first: its
#: little-endian mark starts with UTF-16's)
WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in WIDE_BOMS:
        if data.startswith(bom):  # documented: UTF-16/32 with a BOM are accepted
            return _decode_as(data, encoding, name)
    head = data[:4096]
    if b"\x00" in head:
        if _looks_like_utf16(head):
            raise InputError(
                "the file looks like UTF-16 text without a byte-order mark",
                file=name,
                hint="re-export it as UTF-8 CSV",
            )
        raise InputError(
            "the file is not a text CSV (it contains binary data)",
            file=name,
            hint="is it a .sav or spreadsheet saved with a .csv name?",
        )
    return _decode_as(data, "utf-8-sig", name)


def _as_utf8(data: bytes, name: str) -> bytes:
    """The file as UTF-8 whose ``decode("utf-8-sig")`` is the text :func:`_decode` gives.

    A UTF-8 file is returned as it is (decoded once only to check it); UTF-16/32
    text is re-encoded behind a UTF-8 BOM, so that a second BOM (U+FEFF as the
    first character) stays part of the text both for csv and for pyarrow.
    """
    text = _decode(data, name)
    if data.startswith(tuple(bom for bom, _ in WIDE_BOMS)):
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return data


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        snippet = data[max(0, error.start - 10) : error.end + 10]
        label = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise InputError(
            f"the file is not {label} text (byte {error.start})",
            file=name,
            values=[snippet.decode("latin-1")],
            hint="re-export it as UTF-8 CSV",
        ) from None


def _looks_like_utf16(head: bytes) -> bool:
    """ASCII text in UTF-16 without a BOM: every other byte is NUL."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 4 and (even.count(0) > 0.9 * len(even) or odd.count(0) > 0.9 * len(odd))


def _parse_csv(text: str, name: str) -> list[list[str]]:
    """All records; a malformed one stops the run naming the line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as error:
        raise _malformed(error, start, name) from None
    return rows


def _skip_qualtrics_header_rows(body: list[list[str]]) -> list[list[str]]:
    """Drop Qualtrics' question-text and ImportId rows at the top of the data."""
    for position in (1, 0):
        if len(body) > position and any(c.startswith(IMPORT_ID_MARK) for c in body[position]):
            return body[position + 1 :]
    return body


def _read_sav(path: Path) -> pd.DataFrame:
    import pyreadstat  # imported here: only .sav inputs need it

    try:
        frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    except Exception as error:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise InputError(
            f"not a readable SPSS .sav file ({type(error).__name__}: {error})", file=path.name
        ) from None
    if frame.empty:
        raise InputError("the file has no data rows", file=path.name)
    return frame.apply(_sav_column_as_text).astype(object)


def _sav_column_as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        text = np.where(
            np.isnan(numbers),
            "",
            np.where(
                whole,
                np.char.mod("%d", np.nan_to_num(numbers).astype(np.int64)),
                values.astype(str),
            ),
        )
        return pd.Series(text, index=values.index, dtype=object)
    return values.fillna("").astype(str)


def read_sav_value_labels(path: Path) -> dict[str, dict[object, str]]:
    """A ``.sav``'s value labels, variable -> {value: label} (metadata only)."""
    import pyreadstat

    try:
        _frame, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as error:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise InputError(
            f"not a readable SPSS .sav file ({type(error).__name__}: {error})", file=path.name
        ) from None
    return dict(meta.variable_value_labels)
