"""The edges of every rule: logging, the one-line error, deterministic writes.

Rule scripts (``workflow/scripts/*.py``) call :func:`run_rule` with a
function that reads their inputs, calls the package and writes outputs with
the writers below. This module is the only place that turns an
:class:`~socialwork_ict.errors.InputError` into "one line on stderr, exit 1"
and that fixes how tables are written (UTF-8, ``.`` decimal, no index, ``\\n``
line ends, 15 significant digits, spreadsheet-formula cells neutralised), so
the same inputs give byte-identical files.

Interrupted runs: every file is written to a hidden temporary file next to
its target and renamed over it (``os.replace``), so a killed job never leaves
a half-written file under its final name; a temporary file orphaned by a
``SIGKILL`` is removed by the next write of the same target. Together with
Snakemake's incomplete-output markers (``--rerun-incomplete``, set in the
default profile) a rerun after a kill gives byte-identical outputs
(``tests/test_interrupted_runs.py``).

Formula injection: text cells beginning with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return are prefixed with ``'`` in every CSV written here,
so a spreadsheet shows them as text instead of running them; numeric columns
(negative numbers included) are untouched (``tests/test_hostile_inputs.py``).
"""

from __future__ import annotations

import csv
import glob
import io
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from socialwork_ict.errors import InputError

if TYPE_CHECKING:  # pandas is imported where a frame is written: the rules that
    import pandas as pd  # only hash or concatenate files start faster without it

FLOAT_FORMAT = "%.15g"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

log = logging.getLogger("socialwork_ict")


def run_rule(snakemake, main: Callable[[object], None]) -> None:
    """Run one rule's ``main(snakemake)`` with logging and clean user errors.

    A user's data or config mistake (InputError) prints one line to stderr,
    is logged, and exits with status 1: no traceback. Any other exception is
    a bug: its traceback goes to the rule's log and to stderr.
    """
    log_path = snakemake.log[0] if len(snakemake.log) else None
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)  # the console shows problems; the log has everything
    handlers: list[logging.Handler] = [console]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    try:
        main(snakemake)
    except InputError as error:
        log.error("%s", error.message())
        raise SystemExit(1) from None
    except Exception:
        log.exception(
            "unexpected error in rule %s (a bug: please report it with this log)", snakemake.rule
        )
        raise


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote.

    Only text cells are touched; numbers (including negative ones) are not.
    """
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            text = column.astype("string")
            risky = text.str.startswith(FORMULA_PREFIXES).fillna(False)
            if risky.any():
                out[name] = column.where(~risky, "'" + text)
    return out


def write_table(frame: pd.DataFrame, path: str | Path, *, sep: str = ",") -> None:
    """Write a published table deterministically and atomically (CSV, or TSV with sep)."""
    table = neutralise_formulas(frame)
    text = table.to_csv(index=False, sep=sep, float_format=FLOAT_FORMAT, lineterminator="\n")
    _atomic_write_text(path, text)


def write_rows(
    rows: Iterable[Mapping[str, object]],
    columns: list[str],
    path: str | Path,
    *,
    sep: str = ",",
) -> None:
    """Write plain records (text and integers) like :func:`write_table`, without pandas.

    For small tables built without pandas (the manifest): the same quoting
    (minimal), ``\\n`` line ends, UTF-8 and formula neutralisation of text
    cells, so the bytes equal ``write_table`` of the same rows.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        cells = [row[name] for name in columns]
        writer.writerow(
            "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES) else cell
            for cell in cells
        )
    _atomic_write_text(path, buffer.getvalue())


def write_json(data: dict, path: str | Path) -> None:
    _atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write bytes as they are (a rendered SVG or PNG figure), atomically."""
    _atomic_write(path, data)


def concatenate_csv(paths: Iterable[str | Path], path: str | Path) -> None:
    """Concatenate CSV files with one header (the first file's) as plain text:
    no pandas, every row's bytes unchanged; written atomically."""
    lines: list[str] = []
    for number, source in enumerate(paths):
        rows = Path(source).read_text(encoding="utf-8").splitlines(keepends=True)
        lines.extend(rows if number == 0 else rows[1:])
    _atomic_write(path, "".join(lines).encode("utf-8"))


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    """The typed analysis file (categoricals and nullable integers survive)."""
    path = _prepare(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _prepare(path: str | Path) -> Path:
    """Create the folder; remove temporary files a killed earlier write left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for orphan in path.parent.glob(f".{glob.escape(path.name)}.*"):
        orphan.unlink(missing_ok=True)
    return path


def _atomic_write_text(path: str | Path, text: str) -> None:
    """UTF-8, line ends as given (no newline translation)."""
    _atomic_write(path, text.encode("utf-8"))


def _atomic_write(path: str | Path, data: bytes) -> None:
    """Write to a hidden temporary file next to the target, then rename it over it."""
    path = _prepare(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _file_mode() -> int:
    """The mode a plain ``open()`` would give a new file: 0o666 less the user's umask.

    ``tempfile.mkstemp`` creates its file 0o600; without this, collaborators on a
    shared folder could not read the tables.
    """
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
