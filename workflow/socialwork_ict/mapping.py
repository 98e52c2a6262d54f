"""Raw export -> canonical text table, through the codebook (docs/codebook-v2.md).

:func:`to_canonical` takes the export as read by :mod:`socialwork_ict.ingest`
(every cell text, the export's own column names) and returns a
:class:`CanonicalExport`:

- ``table``: one text column per canonical codebook column, in codebook
  order, row for row as in the export. Multi-select groups are resolved here
  into their canonical yes/no columns (``"1"``, ``"0"`` or ``""``); every
  other value stays as written, for :mod:`socialwork_ict.cleaning` to recode,
  type and check (so that its messages show the cells as written).
- ``row_filters``: for each codebook ``filters`` entry, its reason and the
  rows it removes; cleaning counts them as sample-flow steps.
- ``warnings``: doubtful but legal features of the export (one line each):
  Qualtrics preview/spam or unfinished responses left in, ``ResponseId``
  used as the respondent id, SPSS value labels the codebook does not name,
  a split group with ``unticked: "0"`` whose rows hold a ticked box beside
  blank boxes.

Checks that stop the run: a required raw column absent, duplicated header
names, a split checkbox column holding more than one "ticked" value, a
joined cell with a token that is no choice, and SPSS value labels that
contradict the codebook (the label of a raw value is the codebook's label
of a *different* code: yes/no swapped, reversed gender codes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.codebook import NONE_OF_THESE, Codebook, MultiSelect, normalise_token
from socialwork_ict.errors import InputError

#: Qualtrics' response id (R_ and 15 letters or digits), unique per submission
QUALTRICS_RESPONSE_ID = re.compile(r"^R_[A-Za-z0-9]{15}$")
#: Qualtrics ``Status`` values of real responses (0 = IP address, 8 = spam, 1 = preview)
QUALTRICS_REAL_STATUS = ("0", "ip address")


@dataclass(frozen=True)
class RowFilterResult:
    reason: str
    column: str
    excluded: np.ndarray  # bool per row
    values: pd.Series  # the filter column's cells, trimmed (named by the raw column)


@dataclass(frozen=True)
class CanonicalExport:
    table: pd.DataFrame
    row_filters: tuple[RowFilterResult, ...] = ()
    warnings: tuple[str, ...] = ()
    #: rows whose every mapped raw cell is empty (before checkbox groups are resolved,
    #: which turn blank boxes into 0); None: judge blank rows on ``table``
    blank_rows: np.ndarray | None = None


def to_canonical(
    raw: pd.DataFrame,
    codebook: Codebook,
    *,
    file: str,
    value_labels: Mapping[str, Mapping[object, str]] | None = None,
) -> CanonicalExport:
    """Select, rename and resolve the codebook's columns (module docstring)."""
    raw = raw.reset_index(drop=True)
    _check_columns(raw, codebook, file=file)
    table = pd.DataFrame(index=raw.index)
    for name, column in codebook.columns.items():
        table[name] = raw[column.raw] if column.raw in raw.columns else ""
    mapped = [c.raw for c in codebook.columns.values() if c.raw in raw.columns]
    mapped += [g.raw for g in codebook.multi_select if g.raw in raw.columns]
    blank = (raw[mapped].astype(str).apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy()
    for group in codebook.multi_select:
        resolved = _resolve_group(raw, codebook, group, file=file)
        for member, values in resolved.items():
            table[member] = values
    warnings = [
        w for g in codebook.multi_select for w in _blank_box_warnings(raw, codebook, g, file)
    ]
    filters = tuple(_row_filter(raw, f, file=file) for f in codebook.filters)
    warnings += _qualtrics_warnings(raw, codebook, file=file)
    if value_labels:
        warnings += check_value_labels(codebook, value_labels, file=file)
    return CanonicalExport(
        table=table, row_filters=filters, warnings=tuple(warnings), blank_rows=blank
    )


def _check_columns(raw: pd.DataFrame, codebook: Codebook, *, file: str) -> None:
    names = list(raw.columns)
    duplicated = sorted({c for c in names if names.count(c) > 1})
    if duplicated:
        raise InputError("duplicated column names in the header", file=file, values=duplicated)
    needed = [
        (f"{name} (raw {col.raw!r})" if col.raw != name else name, col.raw)
        for name, col in codebook.columns.items()
        if col.required and col.raw is not None
    ]
    needed += [
        (f"multi_select {g.name} (raw {g.raw!r})", g.raw) for g in codebook.multi_select if g.raw
    ]
    needed += [(f"filter (raw {f.raw!r})", f.raw) for f in codebook.filters]
    missing = [shown for shown, raw_name in needed if raw_name not in raw.columns]
    if missing:
        raise InputError(
            "missing required column" + ("s" if len(missing) > 1 else ""),
            file=file,
            column=missing[0].split(" ")[0],
            values=missing,
            n_rows=len(raw),
            hint=_delimiter_hint(raw),
        )


def _delimiter_hint(raw: pd.DataFrame) -> str | None:
    if len(raw.columns) == 1:
        header = str(raw.columns[0])
        for delimiter in (";", "\t", "|"):
            if delimiter in header:
                return (
                    f"the header looks {delimiter!r}-delimited; set the codebook's "
                    f"export: {{delimiter: {delimiter!r}}} or re-export as comma-separated"
                )
    return None


def _tokens(values: pd.Series) -> pd.Series:
    """normalise_token of every cell, computed once per distinct value."""
    codes, uniques = pd.factorize(values.astype(str), sort=False)
    normal = np.asarray([normalise_token(u) for u in uniques], dtype=object)
    out = normal[codes] if len(codes) else np.asarray([], dtype=object)
    return pd.Series(out, index=values.index, dtype=object)


def _first_row(mask: np.ndarray | pd.Series) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0]) + 1


def _resolve_group(
    raw: pd.DataFrame, codebook: Codebook, group: MultiSelect, *, file: str
) -> dict[str, pd.Series]:
    """The group's canonical yes/no columns as text "1" / "0" / "" (docs/codebook-v2.md)."""
    if group.form == "joined":
        return _resolve_joined(raw, codebook, group, file=file)
    missing_codes = {normalise_token(c) for c in codebook.missing_codes}
    seen_unanswered = set(group.seen_unanswered) | missing_codes
    tokens = {m: _tokens(raw[codebook.columns[m].raw]) for m in group.members}
    unanswered = np.zeros(len(raw), dtype=bool)
    for token in tokens.values():
        unanswered |= token.isin(seen_unanswered).to_numpy()
    ticked: dict[str, np.ndarray] = {}
    unticked: dict[str, np.ndarray] = {}
    for member, token in tokens.items():
        column = codebook.columns[member].raw
        is_unticked = (token == group.unticked).to_numpy()
        is_blank = (token == "").to_numpy()
        is_ticked = ~is_unticked & ~is_blank & ~token.isin(seen_unanswered).to_numpy()
        if pd.unique(token[is_ticked]).size > 1:
            values = pd.unique(raw[column].astype(str).str.strip()[is_ticked])
            rows = is_ticked & (token != token[is_ticked].iloc[0]).to_numpy()
            raise InputError(
                f"multi_select {group.name}: a checkbox column holds more than one "
                f"'ticked' value (unticked is {group.unticked or 'blank'!r})",
                file=file,
                column=column,
                values=list(values),
                n_rows=int(is_ticked.sum()),
                first_row=_first_row(rows),
                hint="is this really a checkbox column, and is `unticked` right?",
            )
        ticked[member], unticked[member] = is_ticked, is_unticked
    any_ticked = np.logical_or.reduce(list(ticked.values()))
    out = {}
    for member in group.members:
        if group.unticked == "":  # blank = unticked, when the row ticked anything
            answered = any_ticked | (group.none_ticked == "no")
            no = ~ticked[member] & answered
        else:
            answered = np.ones(len(raw), dtype=bool)
            no = unticked[member]
        yes = ticked[member]
        value = np.where(yes, "1", np.where(no, "0", ""))
        value[unanswered] = ""
        out[member] = pd.Series(value, index=raw.index, dtype=object)
    return out


def _blank_box_warnings(
    raw: pd.DataFrame, codebook: Codebook, group: MultiSelect, file: str
) -> list[str]:
    """A split group with ``unticked: "0"`` whose rows hold a ticked box beside blank ones.

    With 0 for unticked a blank box is missing; a row with a ticked box and
    blank boxes is what an export that leaves unticked boxes blank looks like
    (Qualtrics' default), so every "no" of it would become missing.
    """
    if group.form != "split" or group.unticked == "":
        return []
    not_ticked = {"", group.unticked, *group.seen_unanswered}
    not_ticked |= {normalise_token(c) for c in codebook.missing_codes}
    columns = [codebook.columns[m].raw for m in group.members]
    tokens = [_tokens(raw[c]).to_numpy() for c in columns]
    blank = np.column_stack([t == "" for t in tokens])
    ticked = np.column_stack([~pd.Series(t).isin(not_ticked).to_numpy() for t in tokens])
    mixed = ticked.any(axis=1) & blank.any(axis=1)
    if not mixed.any():
        return []
    counts = blank[mixed].sum(axis=0)
    shown = ", ".join(f"{c!r} ({n} blank)" for c, n in zip(columns, counts, strict=True) if n)
    return [
        f"file {file}, multi_select {group.name}, columns {shown}: {int(mixed.sum())} rows "
        f"have a ticked box beside blank boxes although `unticked` is {group.unticked!r}; "
        "those blank boxes become missing; if this export leaves unticked boxes blank, set "
        "unticked: blank"
    ]


def _resolve_joined(
    raw: pd.DataFrame, codebook: Codebook, group: MultiSelect, *, file: str
) -> dict[str, pd.Series]:
    cells = raw[group.raw].astype(str).str.strip()
    missing = {normalise_token(c) for c in codebook.missing_codes} | set(group.seen_unanswered)
    codes, uniques = pd.factorize(cells, sort=False)
    rows_of: dict[str, np.ndarray] = {m: np.zeros(len(uniques), dtype=bool) for m in group.members}
    answered = np.zeros(len(uniques), dtype=bool)
    unknown: list[str] = []
    for position, cell in enumerate(uniques):
        if cell == "" or normalise_token(cell) in missing:
            continue
        answered[position] = True
        for token in cell.split(group.separator):
            member = group.choices.get(normalise_token(token))
            if member is None:
                unknown.append(cell)
            elif member != NONE_OF_THESE:
                rows_of[member][position] = True
    if unknown:
        bad = cells.isin(unknown).to_numpy()
        raise InputError(
            f"multi_select {group.name}: a choice that is not in `choices` "
            f"({', '.join(sorted(group.choices))})",
            file=file,
            column=group.raw,
            values=list(dict.fromkeys(unknown)),
            n_rows=int(bad.sum()),
            first_row=_first_row(bad),
        )
    out = {}
    for member in group.members:
        value = np.where(answered, np.where(rows_of[member], "1", "0"), "")[codes]
        out[member] = pd.Series(value, index=raw.index, dtype=object)
    return out


def _row_filter(raw: pd.DataFrame, row_filter, *, file: str) -> RowFilterResult:
    values = raw[row_filter.raw].astype(str).str.strip().rename(row_filter.raw)
    excluded = ~_tokens(values).isin(row_filter.keep).to_numpy()
    return RowFilterResult(
        reason=row_filter.reason, column=row_filter.raw, excluded=excluded, values=values
    )


def value_counts(values: pd.Series) -> list[tuple[object, int]]:
    """(value, count) pairs, most frequent first, ties in the values' text order."""
    counts = values.value_counts(sort=False)
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def counts_text(values: pd.Series, top: int = 5) -> str:
    """The most frequent values with their counts for a message: "'CAN' (3), 'GB' (1)"."""
    order = value_counts(values)
    shown = ", ".join(f"{value!r} ({count})" for value, count in order[:top])
    return shown + (" ..." if len(order) > top else "")


def _qualtrics_warnings(raw: pd.DataFrame, codebook: Codebook, *, file: str) -> list[str]:
    warnings = []
    filtered = {f.raw for f in codebook.filters}
    if "Status" in raw.columns and "Status" not in filtered:
        status = raw["Status"].astype(str).str.strip()
        odd = ~_tokens(status).isin(QUALTRICS_REAL_STATUS)
        if odd.any():
            warnings.append(
                f"file {file}, column 'Status': {int(odd.sum())} rows are not ordinary responses "
                f"(Qualtrics: 1 = preview, 8 = spam; values {counts_text(status[odd])}) and "
                "enter the analysis; add to the codebook: filters: [{raw: Status, keep: ['0', "
                "'IP Address']}]"
            )
    if "Finished" in raw.columns and "Finished" not in filtered:
        finished = raw["Finished"].astype(str).str.strip()
        unfinished = _tokens(finished).isin(("0", "false"))
        if unfinished.any():
            warnings.append(
                f"file {file}, column 'Finished': {int(unfinished.sum())} unfinished responses "
                f"(values {counts_text(finished[unfinished])}) enter the analysis; to exclude "
                "them add to the codebook: filters: "
                "[{raw: Finished, keep: ['1', 'True']}]"
            )
    id_column = codebook.columns["respondent_id"].raw
    ids = raw[id_column].astype(str).str.strip() if id_column in raw.columns else pd.Series([])
    if id_column == "ResponseId" or (
        len(ids) and ids.str.match(QUALTRICS_RESPONSE_ID).mean() > 0.9
    ):
        warnings.append(
            f"file {file}, column {id_column!r}: respondent_id is Qualtrics' ResponseId, "
            "which is new for every submission, so repeated submissions by one person cannot "
            "be detected; map a respondent identifier (an embedded-data id or panel id) if the "
            "export has one"
        )
    return warnings


def _label_key(label: object) -> str:
    """A label as compared: case-folded, spaces folded, typographic apostrophes plain."""
    text = str(label).replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.casefold().split())


def check_value_labels(
    codebook: Codebook, value_labels: Mapping[str, Mapping[object, str]], *, file: str
) -> list[str]:
    """Compare a ``.sav``'s value labels with the codebook's labels.

    For each int column with codes, each labelled raw value is mapped through
    the codebook (missing values skipped, ``recode`` applied) to its canonical
    code. If its SPSS label (case and space insensitive) is the codebook label
    of a *different* code, the codes contradict the codebook: the run stops
    naming the column, the code and both labels. A label that is no codebook
    label of any code gives a warning (the wording could not be checked).
    """
    warnings = []
    # a checkbox column's value label names its choice ("E-mail"), not yes/no
    in_groups = {member for group in codebook.multi_select for member in group.members}
    for name, column in codebook.columns.items():
        labels = value_labels.get(column.raw) if column.raw else None
        if column.type != "int" or not column.codes or not labels or name in in_groups:
            continue
        by_label = {_label_key(label): code for code, label in column.codes.items()}
        missing = set(codebook.missing_for(name))
        unmatched = []
        for value, spss_label in labels.items():
            token = normalise_token(value)
            if token in missing:
                continue
            target = column.recode.get(token, token)
            try:
                code = int(target)
            except ValueError:
                continue
            key = _label_key(spss_label)
            if key in by_label and by_label[key] != code:
                raise InputError(
                    f"SPSS value label contradicts the codebook: raw value {token!r} becomes "
                    f"code {code} ({column.codes.get(code, 'not a code')!r} in the codebook) but "
                    f"is labelled {spss_label!r} in the file, the codebook's label of code "
                    f"{by_label[key]}",
                    file=file,
                    column=column.raw,
                    values=[token],
                    hint="fix the codebook's `recode:` (e.g. reversed or swapped codes)",
                )
            if key not in by_label:
                unmatched.append(f"{token!r} = {spss_label!r}")
        if unmatched:
            warnings.append(
                f"file {file}, column {column.raw!r}: SPSS value labels that match no codebook "
                f"label of {name} ({', '.join(f'{c} {lab}' for c, lab in column.codes.items())}): "
                f"{', '.join(unmatched[:5])}; check that the codes mean what the codebook says"
            )
    return warnings
