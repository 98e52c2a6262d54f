"""The single exception type for a user's data or configuration mistake.

Rule scripts catch :class:`InputError`, print its one-line message to stderr
and exit non-zero, so a user never sees a Python traceback for bad input.
Programming errors are *not* InputErrors and keep their traceback.
"""

from __future__ import annotations

from collections.abc import Iterable


class InputError(Exception):
    """A problem with the user's input file, config, codebook or targets.

    The message is one line naming the file, the column, the first few
    offending values, how many rows are affected and the first of them
    (``first_row``: 1-based data row, the header rows not counted).
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        column: str | None = None,
        values: Iterable[object] | None = None,
        n_rows: int | None = None,
        first_row: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.file = file
        self.column = column
        self.values = list(values) if values is not None else None
        self.n_rows = n_rows
        self.first_row = first_row
        self.hint = hint
        super().__init__(self.message())

    def message(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        where = ", ".join(parts)
        text = f"{where}: {self.problem}" if where else self.problem
        if self.values is not None:
            shown = ", ".join(repr(_plain(v)) for v in self.values[:5])
            more = " ..." if len(self.values) > 5 else ""
            text += f"; values: {shown}{more}"
        if self.n_rows is not None:
            text += f"; {self.n_rows} row{'s' if self.n_rows != 1 else ''}"
        if self.first_row is not None:
            text += f"; first at data row {self.first_row}"
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())  # always one line


def _plain(value: object) -> object:
    """numpy scalars print as plain Python values in messages."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
