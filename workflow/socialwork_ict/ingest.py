"""Ingest: read a raw survey export as text and map it onto canonical columns.

Accepted formats (data contract §1), chosen by the file's extension:

- ``.csv`` / ``.txt``: UTF-8 with or without a byte-order mark. A Qualtrics
  CSV export is recognised by its ImportId header row (``{"ImportId": ...}``)
  and its two extra header rows (question text, ImportId) are skipped; an
  export that lost the question-text row is read too.
- ``.sav``: SPSS, read with pyreadstat; numeric codes are kept (value labels
  are read with the file and can be checked against the codebook).

Everything is read as text so that cleaning can report exactly which cell is
wrong; typing happens in :mod:`socialwork_ict.cleaning`. The input file is
only ever opened for reading.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from socialwork_ict.codebook import Codebook
from socialwork_ict.errors import InputError

CSV_SUFFIXES = (".csv", ".txt")
SAV_SUFFIXES = (".sav", ".zsav")
IMPORT_ID_MARK = '{"ImportId"'


def read_raw_survey(path: str | Path, codebook: Codebook) -> pd.DataFrame:
    """Read a raw export and return its codebook columns, canonically named, as text.

    Every cell is a ``str`` (empty string = empty cell). Columns the codebook
    marks ``required: false`` that the export lacks are added empty; extra
    export columns (e.g. Qualtrics metadata) are dropped.
    """
    path = Path(path)
    raw = read_raw_table(path)
    return to_canonical(raw, codebook, file=path.name)


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


def to_canonical(raw: pd.DataFrame, codebook: Codebook, *, file: str) -> pd.DataFrame:
    """Select and rename the codebook's columns; complain about missing ones."""
    duplicated = sorted({c for c in raw.columns if list(raw.columns).count(c) > 1})
    if duplicated:
        raise InputError("duplicated column names in the header", file=file, values=duplicated)
    missing = [
        f"{name} (raw {col.raw!r})" if col.raw != name else name
        for name, col in codebook.columns.items()
        if col.required and col.raw not in raw.columns
    ]
    if missing:
        hint = _delimiter_hint(raw)
        raise InputError(
            "missing required column" + ("s" if len(missing) > 1 else ""),
            file=file,
            column=missing[0].split(" ")[0],
            values=missing,
            n_rows=len(raw),
            hint=hint,
        )
    out = pd.DataFrame(index=raw.index)
    for name, col in codebook.columns.items():
        out[name] = raw[col.raw] if col.raw in raw.columns else ""
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", file=path.name)
    text = _decode(data, path.name)
    rows = list(csv.reader(io.StringIO(text, newline="")))
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
    width = len(header)
    bad = [
        i for i, row in enumerate(body) if len(row) > width and any(c.strip() for c in row[width:])
    ]
    if bad:
        raise InputError(
            f"rows have more cells than the header's {width} columns",
            file=path.name,
            values=[f"data row {i + 1}" for i in bad],
            n_rows=len(bad),
        )
    body = [(row + [""] * width)[:width] for row in body]
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return frame.astype(object)


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096]:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return data.decode("utf-16")  # documented: UTF-16 with BOM is accepted
        raise InputError(
            "the file is not a text CSV (it contains binary data)",
            file=name,
            hint="is it a .sav or spreadsheet saved with a .csv name?",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        snippet = data[max(0, error.start - 10) : error.end + 10]
        raise InputError(
            f"the file is not UTF-8 text (byte {error.start})",
            file=name,
            values=[snippet.decode("latin-1")],
            hint="re-export it as UTF-8 CSV",
        ) from None


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


def _delimiter_hint(raw: pd.DataFrame) -> str | None:
    if len(raw.columns) == 1:
        header = str(raw.columns[0])
        for delimiter in (";", "\t", "|"):
            if delimiter in header:
                return f"the header looks {delimiter!r}-delimited; the file must be comma-separated"
    return None
