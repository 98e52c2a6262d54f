"""Cleaning: type and check every column, apply eligibility, record the sample flow.

Input: the canonical text table from :mod:`socialwork_ict.ingest`.
Output (:class:`CleaningResult`):

- ``analysis``: one row per eligible respondent, typed. Integer items are
  pandas ``Int64`` with ``<NA>`` for missing; the model factors ``country``,
  ``age_group``, ``gender`` and ``sector`` are labelled categoricals whose first
  level is the model's reference (``socialwork_ict.codes``).
- ``sample_flow``: contract §4 (step, reason, n_excluded, n_remaining).
- ``exclusions``: every excluded row with its file row number and reason.

Rules (each is a documented choice):

* Missing: an empty cell or a codebook ``missing_codes`` value (-99). Item
  non-response and skip logic are kept apart: an item with ``asked_if`` (e.g.
  ``contact_after_hours``, asked only where ict_freq >= 2) that is empty where
  it was not asked is recorded in ``<item>_skipped`` = True, not as
  non-response.
* Values: "3", " 3 ", "+3" and "3.0" are the integer 3; "3a", "3.5", "nan",
  "inf", "1e400" or a full-width digit stop the run; codes outside the
  codebook's list or range, negative and extreme numbers included ("-5",
  "1e20", "99999999999999999999"), stop the run (every row is checked,
  eligible or not, since a wrong code means a wrong codebook). Error
  messages show the offending cells as written.
* Text columns (``respondent_id``, ``country``) stay text exactly as written
  apart from surrounding spaces, which are stripped: leading zeros
  ("007"), internal spaces ("A 1") and any Unicode are kept, so "007" and
  "7" are different respondents and " A1 " and "A1" the same one.
* Eligibility, in this order (data contract §1): blank rows; consent not 1;
  direct_client_contact not 1; country not one of the configured countries
  (country codes are compared after trimming spaces and upper-casing);
  respondent_id empty; duplicate submissions.
* Duplicates: rows sharing a respondent_id are the same respondent's repeated
  submissions. The most complete submission (fewest missing answers, over
  the columns with an answer somewhere in the file: an optional item the
  export lacks does not count) is kept; identical copies keep the first.
  Two *different* submissions that are equally complete cannot be resolved
  by this rule and stop the run.
* Invariant: rows read = rows kept + sum of rows excluded (tested).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from socialwork_ict.codebook import (
    Codebook,
    Column,
    label_warnings,
    load_codebook,
    normalise_token,
)
from socialwork_ict.codes import (
    COUNTRIES,
    GENDER_LABELS,
    SECTOR_LABELS,
    age_group_from_age,
    as_factor,
)
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_export
from socialwork_ict.manifest import sha256_of
from socialwork_ict.mapping import CanonicalExport, RowFilterResult, counts_text, value_counts
from socialwork_ict.rule_io import write_table

log = logging.getLogger("socialwork_ict.clean_responses")

ELIGIBILITY_COLUMNS = ("respondent_id", "country", "consent", "direct_client_contact")
DUPLICATE_STEP = "duplicate submission (kept the most complete)"

#: spellings of the four countries seen in real exports -> contract code (for hints only;
#: nothing is recoded without the codebook's `recode:`)
COUNTRY_SPELLINGS = {
    "CAN": "CA",
    "CANADA": "CA",
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "ISR": "IL",
    "ISRAEL": "IL",
    "GB": "UK",
    "GBR": "UK",
    "U.K.": "UK",
    "UNITED KINGDOM": "UK",
    "GREAT BRITAIN": "UK",
    "ENGLAND": "UK",
    "SCOTLAND": "UK",
    "WALES": "UK",
    "NORTHERN IRELAND": "UK",
}


@dataclass(frozen=True)
class CleaningResult:
    analysis: pd.DataFrame
    sample_flow: pd.DataFrame
    exclusions: pd.DataFrame
    warnings: tuple[str, ...] = ()


def data_origin(result: CleaningResult, raw_path: str | Path, *, synthetic: bool) -> dict:
    """``results/clean/data_origin.json``: whether the data are synthetic, the raw
    file's name and sha256, its rows, the eligible respondents and the warnings
    (the report's provenance and the figures' synthetic note read it)."""
    raw_path = Path(raw_path)
    return {
        "synthetic": bool(synthetic),
        "input_name": "synthetic default" if synthetic else raw_path.name,
        "input_sha256": sha256_of(raw_path),
        "n_rows": int(result.sample_flow["n_remaining"].iloc[0]),
        "n_eligible": int(len(result.analysis)),
        "warnings": list(result.warnings),
    }


def clean_export(
    raw_path: str | Path,
    codebook_path: str | Path,
    *,
    countries: tuple[str, ...],
    synthetic: bool,
    failed_sample_flow: str | Path,
) -> tuple[CleaningResult, dict]:
    """Rule clean_responses: read the export through the codebook
    (:func:`socialwork_ict.ingest.read_export`), clean it (:func:`clean_responses`)
    and log each sample-flow step and warning; returns the result and its
    :func:`data_origin`. When no eligible row is left, the sample flow up to the
    step that emptied it is logged as WARNINGs and written to
    ``failed_sample_flow`` (outside results/, so nothing half-made is published)
    before the error propagates."""
    raw_path = Path(raw_path)
    codebook = load_codebook(codebook_path)
    export = read_export(raw_path, codebook)
    try:
        result = clean_responses(export, codebook, file=raw_path.name, countries=countries)
    except EmptySampleError as error:
        _log_sample_flow(error.sample_flow, logging.WARNING)
        write_table(error.sample_flow, failed_sample_flow)
        raise
    _log_sample_flow(result.sample_flow, logging.INFO)
    for warning in result.warnings:
        log.warning("%s", warning)
    return result, data_origin(result, raw_path, synthetic=synthetic)


def _log_sample_flow(sample_flow: pd.DataFrame, level: int) -> None:
    for row in sample_flow.itertuples():
        log.log(
            level,
            "step %s %s: excluded %s, remaining %s",
            row.step,
            row.reason,
            row.n_excluded,
            row.n_remaining,
        )


class EmptySampleError(InputError):
    """No eligible rows are left; carries the sample flow up to the step that emptied it."""

    def __init__(self, problem: str, *, sample_flow: pd.DataFrame, **kwargs) -> None:
        self.sample_flow = sample_flow
        super().__init__(problem, **kwargs)


def clean_responses(
    raw: pd.DataFrame | CanonicalExport,
    codebook: Codebook,
    *,
    file: str,
    countries: tuple[str, ...] = COUNTRIES,
) -> CleaningResult:
    """Type, check and filter the raw canonical table (see the module docstring).

    ``raw`` is the canonical text table, or the :class:`CanonicalExport` that
    :func:`socialwork_ict.ingest.read_export` returns (its row filters become
    sample-flow steps and its warnings are passed on).
    """
    export = raw if isinstance(raw, CanonicalExport) else CanonicalExport(table=raw)
    raw = export.table.reset_index(drop=True)
    text = raw.apply(lambda col: col.astype(str).str.strip())
    typed = type_columns(text, codebook, file=file)
    warnings = list(label_warnings(codebook)) + list(export.warnings)
    warnings += _checkbox_warnings(text, typed, codebook, file)
    warnings += _recode_merge_warnings(text, codebook, file)

    blank = (
        export.blank_rows if export.blank_rows is not None else (text == "").all(axis=1).to_numpy()
    )
    steps: list[tuple[str, np.ndarray, pd.Series | None]] = [("blank row", blank, None)]
    steps += [_filter_step(f) for f in export.row_filters]
    steps += [
        (
            "consent not 1",
            (typed["consent"] != 1).fillna(True).to_numpy(),
            text["consent"],
        ),
        (
            "direct_client_contact not 1",
            (typed["direct_client_contact"] != 1).fillna(True).to_numpy(),
            text["direct_client_contact"],
        ),
        (
            f"country not {'/'.join(countries)}",
            ~typed["country"].isin(countries).to_numpy(),
            text["country"],
        ),
        ("respondent_id empty", (typed["respondent_id"] == "").to_numpy(), text["respondent_id"]),
    ]
    remaining = np.ones(len(raw), dtype=bool)
    step_of = np.zeros(len(raw), dtype=int)
    flow = [(0, "rows read from the raw file", 0, len(raw))]
    for number, (reason, excluded, values) in enumerate(steps, start=1):
        newly = remaining & excluded
        if reason.startswith("country not"):
            warnings += _country_warnings(text["country"], typed["country"], newly, codebook, file)
        step_of[newly] = number
        flow.append((number, reason, int(newly.sum()), int((remaining & ~excluded).sum())))
        if remaining.any() and not (remaining & ~excluded).any():
            _raise_empty(flow, reason, values, newly, codebook, file, steps, number)
        remaining &= ~excluded

    duplicates = _duplicate_submissions(typed, text, remaining, codebook, file=file)
    number = len(steps) + 1
    step_of[duplicates] = number
    remaining &= ~duplicates
    flow.append(
        (
            number,
            DUPLICATE_STEP,
            int(duplicates.sum()),
            int(remaining.sum()),
        )
    )
    reasons = {n: r for n, r, *_ in flow}
    sample_flow = pd.DataFrame(flow, columns=["step", "reason", "n_excluded", "n_remaining"])
    if not remaining.any():
        raise EmptySampleError("the file has no data rows", file=file, sample_flow=sample_flow)
    analysis = _analysis_frame(
        typed.loc[remaining],
        file=file,
        countries=countries,
        country_column=codebook.columns["country"].raw,
        unknown=_unknown_countries(text["country"], typed["country"], countries),
    )
    excluded_rows = np.flatnonzero(~remaining)
    step_values = [text["respondent_id"]] + [v for _r, _e, v in steps] + [text["respondent_id"]]
    step_values[0] = None
    values = np.full(len(excluded_rows), "", dtype=object)
    for step, column in enumerate(step_values):
        if column is None:
            continue
        here = step_of[excluded_rows] == step
        values[here] = column.to_numpy()[excluded_rows[here]]
    exclusions = pd.DataFrame(
        {
            "row": excluded_rows + 1,
            "respondent_id": typed["respondent_id"].to_numpy()[excluded_rows],
            "step": step_of[excluded_rows],
            "reason": [reasons[s] for s in step_of[excluded_rows]],
            "value": values,
        }
    )
    return CleaningResult(
        analysis=analysis,
        sample_flow=sample_flow,
        exclusions=exclusions,
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _checkbox_warnings(
    text: pd.DataFrame, typed: pd.DataFrame, codebook: Codebook, file: str
) -> list[str]:
    """A WARNING per yes/no column outside any multi_select group that holds 1 and
    blank cells but no 0: the look of a checkbox exported with unticked boxes blank
    (Qualtrics' default), whose every "no" would be missing."""
    grouped = {m for group in codebook.multi_select for m in group.members}
    warnings = []
    for name, column in codebook.columns.items():
        if name in grouped or column.type != "int" or set(column.codes) != {0, 1}:
            continue
        n_yes, n_no = int((typed[name] == 1).sum()), int((typed[name] == 0).sum())
        n_blank = int((text[name] == "").sum())
        if n_yes and n_blank and not n_no:
            warnings.append(
                f"file {file}, column {column.raw!r}: {name} holds 1 ({n_yes} rows) and blank "
                f"cells ({n_blank} rows) but no 0; if it is a checkbox whose unticked boxes are "
                "blank, every 'no' is missing: declare the checkbox question in the codebook's "
                "multi_select (form: split, unticked: blank)"
            )
    return warnings


def _recode_merge_warnings(text: pd.DataFrame, codebook: Codebook, file: str) -> list[str]:
    """A WARNING per int column where one code comes both from ``recode:`` and from raw
    values the recode does not list (passed through unchanged): the sign of a recode
    that misses a value (0-4 recoded to 1-5 without "4": 5 merges 3 and 4 into 4)."""
    warnings = []
    for name, column in codebook.columns.items():
        if column.type != "int" or not column.recode:
            continue
        cells = pd.Series(pd.unique(text[name]), dtype=object)
        table = interpret_int_values(cells, column, codebook.missing_for(name))
        valid = table[table["status"] == "code"]
        listed = valid["cell"].map(normalise_token).isin(list(column.recode)).to_numpy()
        merged = sorted(set(valid["number"][listed]) & set(valid["number"][~listed]))
        for code in merged:
            here = valid[valid["number"] == code]
            via = here["cell"].map(normalise_token).isin(list(column.recode)).to_numpy()
            label = f" ({column.codes[int(code)]})" if int(code) in column.codes else ""
            warnings.append(
                f"file {file}, column {column.raw!r}: code {int(code)}{label} comes both from "
                f"`recode:` (raw {', '.join(repr(c) for c in here['cell'][via])}) and from raw "
                f"values the recode does not list ({', '.join(repr(c) for c in here['cell'][~via])}"
                f", passed through unchanged); if the recode is meant to cover the export's "
                f'codes, add the missing ones, e.g. {{"{here["cell"][~via].iloc[0]}": ...}}'
            )
    return warnings


def _filter_step(row_filter: RowFilterResult) -> tuple[str, np.ndarray, pd.Series]:
    return (row_filter.reason, row_filter.excluded, row_filter.values)


def _raise_empty(flow, reason, values, newly, codebook, file, steps, number) -> None:
    """No eligible rows: name the step that emptied the sample and what it saw."""
    sample_flow = pd.DataFrame(
        flow
        + [(n, r, 0, 0) for n, (r, _e, _v) in enumerate(steps[number:], start=number + 1)]
        + [(len(steps) + 1, DUPLICATE_STEP, 0, 0)],
        columns=["step", "reason", "n_excluded", "n_remaining"],
    )
    column = None
    seen = ""
    if values is not None:
        name = values.name
        column = codebook.columns[name].raw if name in codebook.columns else name
        seen = f"; values there: {counts_text(values[newly])}"
    hint = None
    if reason.startswith("country not"):
        hint = "map the export's country values onto CA/US/IL/UK with `recode:` in the codebook"
    elif reason.endswith("not 1"):
        hint = "is the column's coding 1 = yes? map other codes with `recode:`"
    raise EmptySampleError(
        f"no eligible rows: step {number} ({reason}) excluded the last "
        f"{int(newly.sum())} rows{seen}",
        file=file,
        column=column,
        sample_flow=sample_flow,
        hint=hint,
    )


def _unknown_countries(text: pd.Series, typed: pd.Series, countries) -> pd.Series:
    unknown = (typed != "") & ~typed.isin(countries)
    return text[unknown.to_numpy()]


def _country_warnings(
    text: pd.Series, typed: pd.Series, newly: np.ndarray, codebook: Codebook, file: str
) -> list[str]:
    """One WARNING for the rows excluded as another country with a non-empty value."""
    unknown = newly & (typed != "").to_numpy()
    if not unknown.any():
        return []
    order = value_counts(text[unknown])
    shown = []
    for value, count in order[:8]:
        suggestion = COUNTRY_SPELLINGS.get(" ".join(str(value).upper().split()))
        shown.append(f"{value!r} ({count}{f', {suggestion}?' if suggestion else ''})")
    more = f" and {len(order) - 8} more values" if len(order) > 8 else ""
    raw = codebook.columns["country"].raw
    example = next(
        (
            f'"{v}": {COUNTRY_SPELLINGS[" ".join(str(v).upper().split())]}'
            for v, _ in order
            if " ".join(str(v).upper().split()) in COUNTRY_SPELLINGS
        ),
        '"value": CA',
    )
    return [
        f"file {file}, column {raw!r}: {int(unknown.sum())} rows excluded as another country, "
        f"values {', '.join(shown)}{more}; if they are configured countries, add to the "
        f"codebook's country column: recode: {{{example}}}"
    ]


def type_columns(text: pd.DataFrame, codebook: Codebook, *, file: str) -> pd.DataFrame:
    """Parse each codebook column to its type and check its codes or range."""
    typed = pd.DataFrame(index=text.index)
    for name, column in codebook.columns.items():
        if column.type == "text":
            typed[name] = _recode_text(text[name], column)
        else:
            typed[name] = _parse_int_column(
                text[name], column, codebook.missing_for(name), file=file
            )
    typed["country"] = typed["country"].str.upper()
    _mark_skip_logic(typed, codebook)
    return typed


def _recode_text(values: pd.Series, column: Column) -> pd.Series:
    """A text column through its ``recode`` (normalised keys); other values as written."""
    if not column.recode:
        return values
    codes, uniques = pd.factorize(values, sort=False)
    mapped = np.asarray([column.recode.get(normalise_token(u), u) for u in uniques], dtype=object)
    return pd.Series(mapped[codes] if len(codes) else [], index=values.index, dtype=object)


def _parse_int_column(
    values: pd.Series, column: Column, missing: tuple[str, ...], *, file: str
) -> pd.Series:
    """Codes of an int column, each distinct cell interpreted once (:func:`interpret_int_values`).

    Stops at the first problem class (text, not finite, not whole, unknown
    code or out of range), naming the values, their row count and first row.
    """
    values = values.astype(str).str.strip()
    codes, uniques = pd.factorize(values, sort=False)
    table = interpret_int_values(pd.Series(uniques, dtype=object), column, missing)
    for problem in PROBLEMS:
        bad_unique = (table["problem"] == problem).to_numpy()
        if bad_unique.any():
            rows = bad_unique[codes]
            shown = table.loc[bad_unique, "shown"].tolist()
            raise InputError(
                problem_text(problem, column),
                file=file,
                column=column.raw,
                values=list(dict.fromkeys(shown)),
                n_rows=int(rows.sum()),
                first_row=int(np.flatnonzero(rows)[0]) + 1,
            )
    numbers = table["number"].to_numpy(dtype=float)[codes] if len(codes) else np.array([])
    return _as_int(pd.Series(numbers, index=values.index))


#: the problem classes of an int cell, in the order they are reported
PROBLEMS = ("text", "infinite", "fraction", "invalid")


def problem_text(problem: str, column: Column) -> str:
    if problem == "text":
        return "text in a numeric column"
    if problem == "infinite":
        return "not a finite number"
    if problem == "fraction":
        return "not a whole number"
    if column.codes:
        return f"unknown code (allowed: {', '.join(str(c) for c in sorted(column.codes))})"
    low, high = column.range
    return f"value out of range [{low}, {high}]"


def interpret_int_values(
    cells: pd.Series, column: Column, missing: tuple[str, ...]
) -> pd.DataFrame:
    """What each distinct (trimmed) cell of an int column becomes.

    Columns: ``cell``; ``number`` (the code, NaN when missing or invalid);
    ``status`` (``code``, ``missing`` or ``invalid``); ``problem`` (one of
    :data:`PROBLEMS`, or ""); ``shown`` (the value as named in an error).
    Order: empty or a ``missing`` token -> missing; ``recode`` (normalised
    keys); numbers parsed by ``pandas.to_numeric``; a recode target or number
    that is a missing code -> missing; codes or range checked.
    """
    cells = cells.astype(str)
    tokens = pd.Series([normalise_token(c) for c in cells], index=cells.index, dtype=object)
    missing_tokens = set(missing)
    empty = (cells == "").to_numpy()
    missing_token = tokens.isin(missing_tokens).to_numpy() & ~empty
    recoded = tokens.map(column.recode) if column.recode else pd.Series(np.nan, index=cells.index)
    has_recode = recoded.notna().to_numpy() & ~missing_token
    after = np.where(has_recode, recoded.astype(str), cells.to_numpy())
    after = pd.Series(after, index=cells.index, dtype=object)
    consider = ~empty & ~missing_token
    numbers = pd.to_numeric(after.where(consider), errors="coerce").astype(float).to_numpy()
    problem = np.full(len(cells), "", dtype=object)
    problem[consider & np.isnan(numbers)] = "text"
    finite = np.isfinite(numbers)
    problem[consider & ~np.isnan(numbers) & ~finite] = "infinite"
    whole = finite & (numbers == np.round(np.where(finite, numbers, 0)))
    problem[(problem == "") & finite & ~whole] = "fraction"
    missing_numbers = {float(t) for t in missing_tokens if _is_number(t)}
    is_missing_number = np.isin(numbers, list(missing_numbers)) if missing_numbers else False
    is_missing = empty | missing_token | ((problem == "") & is_missing_number)
    valid = (problem == "") & ~is_missing
    if column.codes:
        allowed = np.isin(numbers, list(column.codes))
    else:
        low, high = column.range
        allowed = (numbers >= low) & (numbers <= high)
    problem[valid & ~allowed] = "invalid"
    number = np.where((problem == "") & ~is_missing, numbers, np.nan)
    shown = [
        (int(n) if abs(n) < 2**53 else a) if p == "invalid" else a
        for n, a, p in zip(numbers, after, problem, strict=True)
    ]
    status = np.where(problem != "", "invalid", np.where(is_missing, "missing", "code"))
    return pd.DataFrame(
        {
            "cell": cells.to_numpy(),
            "number": number,
            "status": status,
            "problem": problem,
            "shown": shown,
        },
        index=cells.index,
    )


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _as_int(numbers: pd.Series) -> pd.Series:
    return numbers.round().astype("Int64")


def _mark_skip_logic(typed: pd.DataFrame, codebook: Codebook) -> None:
    for name, column in codebook.columns.items():
        if column.asked_if:
            gate = typed[column.asked_if["column"]]
            not_asked = (gate < column.asked_if["min"]).fillna(False)
            typed[f"{name}_skipped"] = (not_asked & typed[name].isna()).astype(bool)


def _duplicate_submissions(
    typed: pd.DataFrame, text: pd.DataFrame, remaining: np.ndarray, codebook: Codebook, *, file: str
) -> np.ndarray:
    """Rows to drop as repeated submissions of a respondent (module docstring)."""
    ids = typed["respondent_id"].where(remaining)
    repeated = ids.notna() & ids.duplicated(keep=False)
    drop = np.zeros(len(typed), dtype=bool)
    if not repeated.any():
        return drop
    answers = [name for name in codebook.columns if name != "respondent_id"]
    # a column without any answer in the file (an optional item the export lacks)
    # says nothing about which submission is more complete
    answers = [name for name in answers if typed[name].notna().any()]
    skipped = [f"{name}_skipped" for name in answers if f"{name}_skipped" in typed]
    n_missing = typed[answers].isna().sum(axis=1) - typed[skipped].sum(axis=1)  # skips: not missing
    candidates = pd.DataFrame(
        {"id": ids[repeated], "n_missing": n_missing[repeated], "row": np.flatnonzero(repeated)}
    )
    best = candidates.groupby("id", sort=False)["n_missing"].transform("min")
    tied = candidates[candidates["n_missing"] == best]
    signature = text.loc[tied.index, answers].agg("\x1f".join, axis=1)
    distinct = signature.groupby(tied["id"]).nunique()
    unresolved = distinct[distinct > 1]
    if len(unresolved):
        n_rows = int(tied["id"].isin(unresolved.index).sum())
        raise InputError(
            "duplicate respondent_id with equally complete, different submissions "
            "(the keep-the-most-complete rule cannot choose)",
            file=file,
            column=codebook.columns["respondent_id"].raw,
            values=list(unresolved.index),
            n_rows=n_rows,
        )
    keep_rows = tied.groupby("id", sort=False)["row"].min()
    drop[candidates["row"].to_numpy()] = True
    drop[keep_rows.to_numpy()] = False
    return drop


def _analysis_frame(
    eligible: pd.DataFrame,
    *,
    file: str,
    countries: tuple[str, ...],
    country_column: str,
    unknown: pd.Series,
) -> pd.DataFrame:
    counts = eligible["country"].value_counts()
    absent = [c for c in countries if counts.get(c, 0) == 0]
    if absent:
        if len(unknown):
            hint = (
                f"the column also holds values that are no configured country "
                f"({counts_text(unknown)}): map them with `recode:` in the codebook, "
                "or remove the country from `countries` if the export does not cover it"
            )
        else:
            hint = "remove it from `countries` in the config if the export does not cover it"
        raise InputError(
            "a configured country has no eligible respondents",
            file=file,
            column=country_column,
            values=absent,
            n_rows=0,
            hint=hint,
        )
    frame = eligible.reset_index(drop=True).copy()
    frame["country"] = pd.Series(
        pd.Categorical(frame["country"], categories=list(countries)), name="country"
    )
    frame["age_group"] = age_group_from_age(frame["age"])
    frame["gender"] = as_factor(frame["gender"].map(GENDER_LABELS), "gender")
    frame["sector"] = as_factor(frame["sector"].map(SECTOR_LABELS), "sector")
    first = ["respondent_id", "country", "age", "age_group", "gender", "sector"]
    return frame[first + [c for c in frame.columns if c not in first]]
