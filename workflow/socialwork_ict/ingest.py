"""Ingest: read a raw survey export as text and map it onto canonical columns.

Accepted formats (data contract §1), chosen by the file's extension; the
codebook's ``export`` key (:class:`~socialwork_ict.codebook.ExportFormat`,
docs/codebook-v2.md) says how a file is laid out where sniffing cannot:

- ``.csv`` / ``.tsv`` / ``.txt``: delimited text. The delimiter (``,`` tab
  ``;`` ``|``) is sniffed from the first records (:func:`sniff_delimiter`)
  before the strict parse, or set (``export.delimiter``); the one used is
  logged and named in every parse error. A Qualtrics export (CSV, or its
  "TSV": UTF-16 with a BOM, tab-delimited, every cell quoted, also when
  renamed ``.csv``) is recognised by its ImportId header row
  (``{"ImportId": ...}``) and its two extra header rows (question text,
  ImportId) are skipped; an export that lost the question-text row is read
  too.
- ``.xlsx`` / ``.xlsm``: the first sheet or ``export.sheet``, every cell
  as the text Excel's "CSV UTF-8" save writes (:func:`_read_xlsx`; openpyxl).
  ``.xls``, ``.xlsb``, ``.ods`` and Numbers files stop with the conversion
  advice.
- ``.sav``: SPSS, read with pyreadstat; numeric codes are kept (value labels
  are read with the file and can be checked against the codebook).

Decisions for messy or hostile files (each tested in
``tests/test_hostile_inputs.py``, the case table in ``tests/README.md``, and
``tests/test_ingest_formats.py``):

- Encodings (``export.encoding: auto``, the default): UTF-8 (BOM optional)
  is read; UTF-16 and UTF-32 *with* a byte-order mark are decoded exactly
  (Excel's "Unicode text", Qualtrics' TSV). Anything else stops the run with
  one line naming the first bad byte's data row and asking for a UTF-8
  re-export or ``export: {encoding: cp1252}`` (``latin-1`` where cp1252
  cannot decode the bytes): Latin-1 / Windows-1252 bytes are never guessed
  (a wrong guess corrupts names silently), and UTF-16 without a BOM is named
  as such. A set encoding (``utf-8``, ``cp1252``, ``latin-1``, ``utf-16``)
  is used as given; a byte-order mark of another encoding stops, and
  cp1252/latin-1 on bytes that are valid UTF-8 is a WARNING.
- Decimal commas (``export.decimal``): with ``","`` every cell that is
  entirely one decimal-comma number (``3,0``) is read with a point
  (``3.0``); with the default ``"."`` a ``;``-delimited file holding such
  cells stops, naming the option (see :func:`_with_decimal_mark`).
- CRLF, CR-only and LF line ends are all read.
- Malformed CSV (an unclosed quote, text after a closing quote, a cell over
  131,072 characters) stops with the data row and line where the bad record
  starts, rather than swallowing the rest of the file into one cell.
- A header without data rows, an empty file, rows with more cells than the
  header and duplicated header names (compared after trimming spaces) stop
  the run. Trailing empty columns (a trailing delimiter) are dropped; short
  rows are padded with empty cells.
- Data rows are numbered from 1 after the header rows (Qualtrics' included),
  as cleaning numbers rows; blank lines of a text file are not rows.

How a CSV is read: two paths with identical results, for every delimiter.

1. A validation pass parses every record with ``csv.reader(strict=True)``
   without keeping them. It raises the malformed-CSV, no-data-rows and
   extra-cells errors above (same messages, data rows and line numbers as
   the slow path), counts the records, keeps the first two data records (Qualtrics
   detection) and notes whether every non-blank record is exactly as wide as
   the header.
2. Such a *regular* file (any usual export) is then read by ``pyarrow.csv``,
   every column as text under placeholder names (a header may repeat or lack
   names); the header and Qualtrics rows are dropped, trailing empty columns
   left out and the trimmed header names set afterwards. If pyarrow raises or
   disagrees with the validation pass (record count, first and last records)
   the slow path is taken instead, logged at debug level.
3. Any other file (short rows to pad, a header wider than its rows) takes the
   slow path: every record parsed into Python lists.

Why: the slow path holds every cell as a Python string, so its time and
memory grow with the cells; the validation pass plus pyarrow hold typed
arrays instead (measurements in benchmarks/RESULTS.md). Both paths return the same table (column
names, duplicates included, cells, row order and count) with pandas ``str``
columns (pyarrow-backed; what cleaning's ``astype(str)`` gives anyway), so
cleaning results and error messages do not depend on the path;
``tests/test_ingest_fast_path.py`` checks this on random regular and
irregular files of every delimiter (hypothesis) and on a synthetic export.
An ``.xlsx`` sheet gives the same kind of table.

Everything is read as text so that cleaning can report exactly which cell is
wrong; typing happens in :mod:`socialwork_ict.cleaning`. The input file is
only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from socialwork_ict.codebook import Codebook, ExportFormat
from socialwork_ict.errors import InputError
from socialwork_ict.mapping import CanonicalExport, to_canonical

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SAV_SUFFIXES = (".sav", ".zsav")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: spreadsheet formats not read, refused with :data:`CONVERSION_ADVICE`
NOT_READ = {
    ".xls": "Excel 97-2003 (.xls)",
    ".xlsb": "Excel binary (.xlsb)",
    ".ods": "OpenDocument (.ods)",
    ".numbers": "Apple Numbers",
}
CONVERSION_ADVICE = (
    "save it as .xlsx (Excel: File > Save As > Excel Workbook) or as CSV UTF-8"
    " (File > Save As > CSV UTF-8 (Comma delimited) (*.csv))"
)
IMPORT_ID_MARK = '{"ImportId"'
#: delimiters sniffed, in the order that breaks ties
DELIMITERS = (",", "\t", ";", "|")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
#: the sniffer reads this many first bytes and at most so many records of them
SNIFF_BYTES = 65_536
SNIFF_RECORDS = 50
#: a cell that is entirely one number with a decimal comma (see :func:`_with_decimal_mark`)
DECIMAL_COMMA = r"\s*[+-]?[0-9]+,[0-9]+\s*"
DECIMAL_COMMA_REPLACE = r"^(\s*[+-]?[0-9]+),([0-9]+\s*)$"
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
    raw = read_raw_table(path, codebook.export)
    labels = read_sav_value_labels(path) if path.suffix.lower() in SAV_SUFFIXES else None
    return raw, to_canonical(raw, codebook, file=path.name, value_labels=labels)


def read_raw_table(
    path: str | Path, export: ExportFormat | None = None, *, as_written: bool = False
) -> pd.DataFrame:
    """The export as a text table with the export's own column names.

    ``export`` is the codebook's ``export`` key (delimiter, decimal mark and
    encoding of a text export, the sheet of a workbook); None means its
    defaults (everything sniffed, decimal point, the first sheet).
    ``as_written``: the decimal mark is not applied (no conversion, no
    refusal of decimal commas), for a caller that inspects the cells to
    draft the ``export`` key (:mod:`socialwork_ict.draft_codebook`).
    """
    path = Path(path)
    export = export or ExportFormat()
    if not path.exists():
        raise InputError("the input file does not exist", file=str(path))
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, export, as_written=as_written)
    if suffix in XLSX_SUFFIXES:
        table = _read_xlsx(path, export.sheet)
        return table if as_written else _with_decimal_mark(table, export.decimal, None, path.name)
    if suffix in SAV_SUFFIXES:
        return _read_sav(path)
    if suffix in NOT_READ:
        raise InputError(
            f"{NOT_READ[suffix]} files are not read", file=path.name, hint=CONVERSION_ADVICE
        )
    raise InputError(
        f"unsupported file type {suffix or '(none)'!r}",
        file=path.name,
        hint="use .csv/.tsv (UTF-8), .xlsx, .sav (SPSS) or a Qualtrics CSV/TSV export",
    )


def _read_csv(
    path: Path, export: ExportFormat | None = None, *, as_written: bool = False
) -> pd.DataFrame:
    """A CSV/TSV export as a text table: decode, sniff, one validation pass, then
    pyarrow or the slow path; finally the decimal mark."""
    export = export or ExportFormat()
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=path.name)
    utf8 = _as_utf8(data, path.name, export.encoding)
    del data
    delimiter = _choose_delimiter(utf8, export.delimiter, path.name)
    shape = _scan_csv(utf8, path.name, delimiter)
    frame = _read_csv_fast(utf8, shape, path.name) if shape.regular else None
    if frame is None:
        frame = _read_csv_slow(utf8.decode("utf-8-sig"), path.name, delimiter)
    return frame if as_written else _with_decimal_mark(frame, export.decimal, delimiter, path.name)


# --------------------------------------------------------------------------- delimiter


def _choose_delimiter(utf8: bytes, setting: str, name: str) -> str:
    """The codebook's ``export.delimiter``, or the one sniffed from the file's start."""
    if setting != "auto":
        log.info("%s: read as %s-delimited (codebook export.delimiter)", name, _named(setting))
        return setting
    sample = utf8[:SNIFF_BYTES].decode("utf-8-sig", errors="ignore")
    delimiter = sniff_delimiter(sample, truncated=len(utf8) > SNIFF_BYTES, name=name)
    log.info("%s: read as %s-delimited (sniffed)", name, _named(delimiter))
    return delimiter


def sniff_delimiter(sample: str, *, truncated: bool = False, name: str = "the file") -> str:
    """The delimiter (``,`` tab ``;`` ``|``) of CSV text, from its first records.

    Method: the first :data:`SNIFF_RECORDS` records of ``sample`` (the file's
    first 64 KiB; ``truncated``: a last, possibly cut record is dropped) are
    parsed with each candidate, quotes honoured as the strict parse will. A
    candidate whose header has fewer than two cells is out. The winner has
    the largest share of records exactly as wide as the header, then the
    widest header, then comes first in ``, tab ; |``. Quoted cells holding
    another candidate (a comma in Qualtrics' question text, a decimal comma
    in a ``;`` file) do not mislead it: they break that candidate's widths.
    No candidate left (a one-column file): comma. Two candidates that both
    fit every record give a WARNING naming both.
    """
    scores: dict[str, tuple[float, int]] = {}
    n_rows = 0
    for delimiter in DELIMITERS:
        records = _sample_records(sample, delimiter, truncated)
        if not records or len(records[0]) < 2:
            continue
        header, rows = records[0], records[1:]
        share = sum(len(row) == len(header) for row in rows) / len(rows) if rows else 1.0
        scores[delimiter] = (share, len(header))
        n_rows = max(n_rows, len(rows))
    if not scores:
        return ","
    best = max(scores, key=scores.__getitem__)  # the first of equals: DELIMITERS order
    rivals = [d for d, (share, _) in scores.items() if d != best and share == 1.0]
    if rivals and scores[best][0] == 1.0 and n_rows:
        log.warning(
            "%s: the delimiter is ambiguous: the first records read as %s-delimited (%d columns)"
            " or %s-delimited (%d columns); read as %s-delimited (set `export: {delimiter: ...}`"
            " in the codebook to choose)",
            name,
            _named(best),
            scores[best][1],
            _named(rivals[0]),
            scores[rivals[0]][1],
            _named(best),
        )
    return best


def _sample_records(sample: str, delimiter: str, truncated: bool) -> list[list[str]]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for row in reader:
            if row:
                records.append(row)
            if len(records) > SNIFF_RECORDS:
                return records[:SNIFF_RECORDS]
    except csv.Error:  # a cell over the field limit: the records before it
        return records
    return records[:-1] if truncated and len(records) > 1 else records


def _named(delimiter: str) -> str:
    return DELIMITER_NAMES[delimiter]


# --------------------------------------------------------------------------- the two CSV paths


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
    delimiter: str = ","

    @property
    def width(self) -> int:
        return len(self.names)


def _scan_csv(utf8: bytes, name: str, delimiter: str = ",") -> _CsvShape:
    """The validation pass: parse every record strictly, without keeping them.

    Raises exactly the slow path's errors for a malformed record, a file without
    data rows and rows with extra non-empty cells.
    """
    lines = io.TextIOWrapper(io.BytesIO(utf8), encoding="utf-8-sig", newline="")
    reader = csv.reader(lines, strict=True, delimiter=delimiter)
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
        where = _record_at(n_after if seen_header else None, head, start)
        raise _malformed(error, *where, name, delimiter) from None
    n_skipped = len(head) - len(_skip_qualtrics_header_rows(head))
    if n_after <= n_skipped:
        raise InputError("the file has a header but no data rows", file=name, n_rows=0)
    bad = [i - n_skipped for i in long_rows if i >= n_skipped]
    if bad:
        raise _extra_cells(bad, width, name, delimiter)
    return _CsvShape(
        header=header,
        names=names[:width],
        n_records=1 + n_after,
        n_skipped=n_skipped,
        head=head,
        last=last,
        regular=not irregular and width > 0,
        delimiter=delimiter,
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
                delimiter=shape.delimiter,
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


def _read_csv_slow(text: str, name: str, delimiter: str = ",") -> pd.DataFrame:
    """Any CSV text: every record parsed into Python lists, short rows padded."""
    rows = _parse_csv(text, name, delimiter)
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
        raise _extra_cells(bad, width, name, delimiter)
    body = [(row + [""] * width)[:width] for row in body]
    return pd.DataFrame(body, columns=header, dtype=object).astype(TEXT_DTYPE)


def _parse_csv(text: str, name: str, delimiter: str = ",") -> list[list[str]]:
    """All records; a malformed one stops the run naming its data row and line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    rows: list[list[str]] = []
    start = 1
    try:
        for row in reader:
            rows.append(row)
            start = reader.line_num + 1
    except csv.Error as error:
        records = [row for row in rows if row]
        where = _record_at(len(records) - 1 if records else None, records[1:3], start)
        raise _malformed(error, *where, name, delimiter) from None
    return rows


def _record_at(position: int | None, head: list[list[str]], line: int) -> tuple[str, int | None]:
    """Where a record is, for a message: (``line L``, its data row or None).

    ``position``: the record's index among the non-blank records after the
    header (None: the header itself); ``head``: the first two of them, to
    leave Qualtrics' header rows out of the count. Data rows are numbered
    from 1 after the header rows, as cleaning numbers rows.
    """
    if position is None:
        return f"the header, line {line}", None
    skipped = len(head) - len(_skip_qualtrics_header_rows(head))
    if position < skipped:
        return f"Qualtrics header row {position + 1}, line {line}", None
    return f"line {line}", position - skipped + 1


def _extra_cells(bad: list[int], width: int, name: str, delimiter: str | None) -> InputError:
    read_as = f" (read as {_named(delimiter)}-delimited)" if delimiter else ""
    return InputError(
        f"rows have more cells than the header's {width} columns{read_as}",
        file=name,
        values=[f"data row {i + 1}" for i in bad],
        n_rows=len(bad),
        first_row=bad[0] + 1,
    )


def _malformed(
    error: csv.Error, line: str, data_row: int | None, name: str, delimiter: str
) -> InputError:
    return InputError(
        f"malformed CSV (read as {_named(delimiter)}-delimited): {error}",
        file=name,
        values=[line],
        n_rows=1,
        first_row=data_row,
        hint="an unclosed quote, text after a closing quote or an over-long cell",
    )


def _skip_qualtrics_header_rows(body: list[list[str]]) -> list[list[str]]:
    """Drop Qualtrics' question-text and ImportId rows at the top of the data."""
    for position in (1, 0):
        if len(body) > position and any(c.startswith(IMPORT_ID_MARK) for c in body[position]):
            return body[position + 1 :]
    return body


# --------------------------------------------------------------------------- encodings

#: byte-order marks (UTF-32 first: its little-endian mark starts with UTF-16's)
BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
    (codecs.BOM_UTF8, "utf-8"),
)
#: the wide Unicode encodings accepted with their byte-order mark
WIDE_BOMS = tuple((bom, encoding) for bom, encoding in BOMS if encoding != "utf-8")
#: codebook ``export.encoding`` -> Python codec (utf-16: see :func:`_decode_named`)
CODECS = {"utf-8": "utf-8-sig", "cp1252": "cp1252", "latin-1": "latin-1", "utf-16": "utf-16"}


def _decode(data: bytes, name: str, encoding: str = "auto") -> str:
    """The file's text: ``encoding`` is the codebook's ``export.encoding``."""
    if encoding != "auto":
        return _decode_named(data, name, encoding)
    for bom, wide in WIDE_BOMS:
        if data.startswith(bom):  # documented: UTF-16/32 with a BOM are accepted
            return _decode_as(data, wide, name)
    head = data[:4096]
    if b"\x00" in head:
        if _looks_like_utf16(head):
            raise InputError(
                "the file looks like UTF-16 text without a byte-order mark",
                file=name,
                hint="re-export it as UTF-8 CSV, or set `export: {encoding: utf-16}`"
                " in the codebook",
            )
        raise InputError(
            "the file is not a text CSV (it contains binary data)",
            file=name,
            hint=_binary_hint(data),
        )
    return _decode_as(data, "utf-8-sig", name)


def _binary_hint(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04"):
        return "it looks like an .xlsx workbook (a zip file): give it the .xlsx extension"
    if data.startswith((b"$FL2", b"$FL3")):
        return "it looks like an SPSS file: give it the .sav extension"
    return "is it a .sav or spreadsheet saved with a .csv name?"


def _decode_named(data: bytes, name: str, encoding: str) -> str:
    """Decode with the codebook's encoding; a byte-order mark of another one stops.

    ``utf-16`` without a byte-order mark is read little-endian (Windows'
    order) or big-endian, whichever half of the bytes is NUL in the first
    4 KiB; text that is neither stops. ``cp1252``/``latin-1`` bytes that
    are also valid non-ASCII UTF-8 are read as asked, with a WARNING (a
    UTF-8 file read as cp1252 shows ``José`` as ``JosÃ©``).
    """
    bom = next((found for mark, found in BOMS if data.startswith(mark)), None)
    codec = CODECS[encoding]
    if encoding == "utf-16" and bom is None:
        if not _looks_like_utf16(data[:4096]):
            raise InputError(
                "the codebook says export encoding utf-16, but the file has no byte-order mark"
                " and does not look like UTF-16 text",
                file=name,
                hint="set `export: {encoding: auto}` in the codebook",
            )
        even, odd = data[:4096:2], data[1:4096:2]
        codec = "utf-16-be" if even.count(0) > odd.count(0) else "utf-16-le"
    elif bom is not None and bom != encoding:
        raise InputError(
            f"the file starts with a {bom.upper()} byte-order mark, but the codebook says"
            f" export encoding {encoding}",
            file=name,
            hint="set `export: {encoding: auto}` in the codebook",
        )
    text = _decode_as(data, codec, name)
    if encoding in ("cp1252", "latin-1") and not data.isascii() and _decodes(data, "utf-8"):
        log.warning(
            "%s: read as %s (codebook export.encoding), but its non-ASCII bytes are valid UTF-8;"
            " if names look like 'JosÃ©', set `export: {encoding: auto}`",
            name,
            encoding,
        )
    return text


def _as_utf8(data: bytes, name: str, encoding: str = "auto") -> bytes:
    """The file as UTF-8 whose ``decode("utf-8-sig")`` is the text :func:`_decode` gives.

    A UTF-8 file is returned as it is (decoded once only to check it); any
    other text is re-encoded behind a UTF-8 BOM, so that a second BOM (U+FEFF
    as the first character) stays part of the text both for csv and for pyarrow.
    """
    text = _decode(data, name, encoding)
    utf8 = encoding == "utf-8" or (
        encoding == "auto" and not data.startswith(tuple(bom for bom, _ in WIDE_BOMS))
    )
    return data if utf8 else codecs.BOM_UTF8 + text.encode("utf-8")


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        snippet = data[max(0, error.start - 10) : error.end + 10]
        label = {"utf-8-sig": "UTF-8", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}.get(
            encoding, encoding.upper()
        )
        line, data_row = _offset_at(data[: error.start].decode(encoding, errors="replace"))
        raise InputError(
            f"the file is not {label} text (byte {error.start}, {line})",
            file=name,
            values=[snippet.decode("latin-1")],
            first_row=data_row,
            hint=_encoding_hint(data, encoding),
        ) from None


def _offset_at(before: str) -> tuple[str, int | None]:
    """:func:`_record_at` of the record in which the text ``before`` ends."""
    delimiter = sniff_delimiter(before, truncated=False)
    records = []
    try:
        records = [r for r in csv.reader(io.StringIO(before, newline=""), delimiter=delimiter) if r]
    except csv.Error:
        pass
    line = 1 + len(re.findall(r"\r\n|\r|\n", before))
    # the index of the record holding the next byte (0: the header)
    index = len(records) if not records or before.endswith(("\r", "\n")) else len(records) - 1
    return _record_at(index - 1 if index else None, records[1:3], line)


def _encoding_hint(data: bytes, encoding: str) -> str:
    if encoding != "utf-8-sig":
        return "re-export it as UTF-8 CSV"
    guess = "cp1252" if _decodes(data, "cp1252") else "latin-1"
    return (
        f"re-export it as UTF-8 CSV, or set `export: {{encoding: {guess}}}` in the codebook"
        " if it was saved in a Western European 8-bit encoding (Excel's 'CSV' on Windows: cp1252)"
    )


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_utf16(head: bytes) -> bool:
    """ASCII text in UTF-16 without a BOM: every other byte is NUL."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 4 and (even.count(0) > 0.9 * len(even) or odd.count(0) > 0.9 * len(odd))


# --------------------------------------------------------------------------- SPSS


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
    """Numbers as text: whole numbers without ``.0`` (below 2**53, where a double
    still holds every integer exactly), others as Python writes them; empty = ``""``."""
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.to_numpy(dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (abs(numbers) < 2**53)
        text = np.where(
            np.isnan(numbers),
            "",
            np.where(
                whole,
                np.char.mod("%d", np.where(whole, numbers, 0).astype(np.int64)),
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


# --------------------------------------------------------------------------- Excel workbooks


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    """An ``.xlsx`` sheet as a text table, as Excel's "CSV UTF-8" save would write it.

    The sheet is ``sheet`` (the codebook's ``export.sheet``) or the workbook's
    first; a workbook of several sheets read without ``sheet`` gives a
    WARNING. The first non-empty row is the header; Qualtrics' two extra
    header rows are skipped as in a CSV. Cells: text as written; whole
    numbers as integers (``3``, not ``3.0``); other numbers in Python's
    shortest round-trip form (``3.5``); TRUE/FALSE as ``TRUE``/``FALSE``;
    dates and times as ISO 8601 (``2017-05-01``, ``2017-05-01 10:00:00``,
    ``10:00:00``; a date-time at midnight as its date); Excel errors
    (``#N/A``) as written; empty cells as ``""``. A formula cell is read as
    the value Excel last computed; a formula without one (a workbook written
    by a script and never opened in Excel) stops, naming the cell. Rows
    with every cell empty between data rows are kept (blank rows, which
    cleaning counts), so data row N is spreadsheet row N + 1 after a
    one-row header; empty rows at the end are dropped. Trailing empty
    columns, short and long rows: as for a CSV. Method: openpyxl in
    read-only mode, its stored sheet dimensions ignored (some writers store
    wrong ones, which would cut rows).
    """
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a pinned dependency
        raise InputError(
            "reading .xlsx needs the openpyxl package", file=path.name, hint=CONVERSION_ADVICE
        ) from None
    rows, formulas = _xlsx_rows(path, sheet, data_only=False)
    if formulas:
        cached, _ = _xlsx_rows(path, sheet, data_only=True)
        uncomputed = [(r, c) for r, c in formulas if _cell(cached, r, c) == ""]
        if uncomputed:
            raise InputError(
                "formula cells without a computed value",
                file=path.name,
                values=[
                    openpyxl.utils.get_column_letter(c + 1) + str(r + 1) for r, c in uncomputed
                ],
                n_rows=len({r for r, _ in uncomputed}),
                first_row=_sheet_data_row(rows, uncomputed[0][0]),
                hint="open and save the workbook in Excel, or replace the formulas by their values",
            )
        for r, c in formulas:
            rows[r][c] = cached[r][c]
    return _text_table(rows, path.name)


def _xlsx_rows(path: Path, sheet: str | None, *, data_only: bool):
    """(every row of the sheet as text cells, positions of formula cells)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as error:  # zipfile.BadZipFile, KeyError, InvalidFileException, ...
        raise InputError(
            f"not a readable .xlsx workbook ({type(error).__name__}: {error})",
            file=path.name,
            hint=CONVERSION_ADVICE,
        ) from None
    try:
        names = workbook.sheetnames
        if sheet is not None and sheet not in names:
            raise InputError(
                f"the workbook has no sheet {sheet!r} (codebook export.sheet)",
                file=path.name,
                values=names,
            )
        if sheet is None and len(workbook.worksheets) > 1 and not data_only:
            log.warning(
                "%s: the workbook has %d sheets; reading the first, %r (set `export: {sheet: ...}`"
                " in the codebook to choose)",
                path.name,
                len(workbook.worksheets),
                workbook.worksheets[0].title,
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        worksheet.reset_dimensions()
        rows: list[list[str]] = []
        formulas: list[tuple[int, int]] = []
        for r, cells in enumerate(worksheet.iter_rows()):
            row = []
            for c, cell in enumerate(cells):
                if cell.data_type == "f":
                    formulas.append((r, c))
                row.append(_xlsx_text(cell.value))
            rows.append(row)
    finally:
        workbook.close()
    return rows, formulas


def _sheet_data_row(rows: list[list[str]], r: int) -> int | None:
    """The data row (as :func:`_text_table` numbers them) of the sheet's row ``r``."""
    header = next(i for i, row in enumerate(rows) if any(row))
    head = rows[header + 1 : header + 3]
    row = r - header - (len(head) - len(_skip_qualtrics_header_rows(head)))
    return row if row >= 1 else None


def _cell(rows: list[list[str]], r: int, c: int) -> str:
    return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""


def _xlsx_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        whole = value.is_integer() and abs(value) < 2**53
        return str(int(value)) if whole else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _text_table(rows: list[list[str]], name: str) -> pd.DataFrame:
    """Rows of text cells (header first) as the CSV readers' table."""
    while rows and not any(rows[-1]):
        rows.pop()  # empty rows at the end
    while rows and not any(rows[0]):
        rows.pop(0)  # empty rows before the header
    if not rows:
        raise InputError("the sheet is empty", file=name)
    header = [h.strip() for h in rows[0]]
    body = _skip_qualtrics_header_rows(rows[1:])
    if not body:
        raise InputError("the file has a header but no data rows", file=name, n_rows=0)
    width = len(header)
    while (
        width
        and header[width - 1] == ""
        and not any(len(r) >= width and r[width - 1] for r in body)
    ):
        width -= 1
    bad = [i for i, row in enumerate(body) if any(c.strip() for c in row[width:])]
    if bad:
        raise _extra_cells(bad, width, name, None)
    body = [(row + [""] * width)[:width] for row in body]
    return pd.DataFrame(body, columns=header[:width], dtype=object).astype(TEXT_DTYPE)


# --------------------------------------------------------------------------- decimal mark


def _with_decimal_mark(
    frame: pd.DataFrame, decimal: str, delimiter: str | None, name: str
) -> pd.DataFrame:
    """Apply the codebook's ``export.decimal`` to a text table.

    ``decimal: ","``: every cell, in every column, that is entirely one
    number with a decimal comma (:data:`DECIMAL_COMMA`: optional spaces and
    sign, digits, one comma, digits; ``3,0``, ``-0,5``, `` 12,25 ``) gets a
    decimal point instead (``3.0``); nothing else changes (``1.234,5``,
    ``,5``, ``1,2,3`` and text stay as written, so a numeric column holding
    them stops in cleaning as "text in a numeric column").
    Otherwise (``.``, the default) a ``;``-delimited file with such cells
    (Excel's European "CSV", where ``;`` delimits because ``,`` is the
    decimal mark) stops, naming the delimiter, the column, the cells, their
    count and first data row, and the option to set; in files with another
    delimiter such cells are left as written.
    """
    if decimal == ",":
        converted = {
            i: frame.iloc[:, i].str.replace(DECIMAL_COMMA_REPLACE, r"\1.\2", regex=True)
            for i in range(frame.shape[1])
        }
        return pd.DataFrame(converted, index=frame.index).set_axis(frame.columns, axis=1)
    if delimiter != ";":
        return frame
    for i, column in enumerate(frame.columns):
        cells = frame.iloc[:, i]
        hits = cells.str.contains(",", regex=False)
        if hits.any():
            hits &= cells.str.fullmatch(DECIMAL_COMMA)
        if hits.any():
            first = int(np.flatnonzero(hits.to_numpy(dtype=bool))[0]) + 1
            raise InputError(
                "decimal commas in a semicolon-delimited file",
                file=name,
                column=column,
                values=cells[hits].unique(),
                n_rows=int(hits.sum()),
                first_row=first,
                hint='set `export: {decimal: ","}` in the codebook to read 3,5 as 3.5,'
                " or re-export the file with a decimal point",
            )
    return frame
