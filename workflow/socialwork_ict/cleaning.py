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
  submissions. The most complete submission (fewest missing answers) is
  kept; identical copies keep the first. Two *different* submissions that are
  equally complete cannot be resolved by this rule and stop the run.
* Invariant: rows read = rows kept + sum of rows excluded (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.codebook import Codebook, Column
from socialwork_ict.codes import (
    COUNTRIES,
    GENDER_LABELS,
    SECTOR_LABELS,
    age_group_from_age,
    as_factor,
)
from socialwork_ict.errors import InputError

ELIGIBILITY_COLUMNS = ("respondent_id", "country", "consent", "direct_client_contact")


@dataclass(frozen=True)
class CleaningResult:
    analysis: pd.DataFrame
    sample_flow: pd.DataFrame
    exclusions: pd.DataFrame


def clean_responses(
    raw: pd.DataFrame,
    codebook: Codebook,
    *,
    file: str,
    countries: tuple[str, ...] = COUNTRIES,
) -> CleaningResult:
    """Type, check and filter the raw canonical table (see the module docstring)."""
    raw = raw.reset_index(drop=True)
    text = raw.apply(lambda col: col.astype(str).str.strip())
    typed = type_columns(text, codebook, file=file)

    blank = (text == "").all(axis=1).to_numpy()
    steps = [
        ("blank row", blank),
        ("consent not 1", (typed["consent"] != 1).fillna(True).to_numpy()),
        (
            "direct_client_contact not 1",
            (typed["direct_client_contact"] != 1).fillna(True).to_numpy(),
        ),
        (
            f"country not {'/'.join(countries)}",
            ~typed["country"].isin(countries).to_numpy(),
        ),
        ("respondent_id empty", (typed["respondent_id"] == "").to_numpy()),
    ]
    remaining = np.ones(len(raw), dtype=bool)
    step_of = np.zeros(len(raw), dtype=int)
    flow = [(0, "rows read from the raw file", 0, len(raw))]
    for number, (reason, excluded) in enumerate(steps, start=1):
        newly = remaining & excluded
        step_of[newly] = number
        remaining &= ~excluded
        flow.append((number, reason, int(newly.sum()), int(remaining.sum())))

    duplicates = _duplicate_submissions(typed, text, remaining, codebook, file=file)
    number = len(steps) + 1
    step_of[duplicates] = number
    remaining &= ~duplicates
    flow.append(
        (
            number,
            "duplicate submission (kept the most complete)",
            int(duplicates.sum()),
            int(remaining.sum()),
        )
    )
    reasons = {n: r for n, r, *_ in flow}

    analysis = _analysis_frame(typed.loc[remaining], file=file, countries=countries)
    excluded_rows = np.flatnonzero(~remaining)
    exclusions = pd.DataFrame(
        {
            "row": excluded_rows + 1,
            "respondent_id": typed["respondent_id"].to_numpy()[excluded_rows],
            "step": step_of[excluded_rows],
            "reason": [reasons[s] for s in step_of[excluded_rows]],
        }
    )
    sample_flow = pd.DataFrame(flow, columns=["step", "reason", "n_excluded", "n_remaining"])
    return CleaningResult(analysis=analysis, sample_flow=sample_flow, exclusions=exclusions)


def type_columns(text: pd.DataFrame, codebook: Codebook, *, file: str) -> pd.DataFrame:
    """Parse each codebook column to its type and check its codes or range."""
    typed = pd.DataFrame(index=text.index)
    for name, column in codebook.columns.items():
        if column.type == "text":
            typed[name] = text[name]
        else:
            typed[name] = _parse_int_column(text[name], column, codebook.missing_codes, file=file)
    typed["country"] = typed["country"].str.upper()
    _mark_skip_logic(typed, codebook)
    return typed


def _parse_int_column(
    values: pd.Series, column: Column, missing_codes: tuple[int, ...], *, file: str
) -> pd.Series:
    values = values.replace(column.recode) if column.recode else values
    values = values.astype(str).str.strip()
    empty = values == ""
    numbers = pd.to_numeric(values.where(~empty), errors="coerce").astype(float)
    not_numeric = ~empty & numbers.isna()
    if not_numeric.any():
        raise InputError(
            "text in a numeric column",
            file=file,
            column=column.raw,
            values=values[not_numeric].unique(),
            n_rows=int(not_numeric.sum()),
        )
    infinite = numbers.notna() & ~np.isfinite(numbers)
    if infinite.any():
        raise InputError(
            "not a finite number",
            file=file,
            column=column.raw,
            values=values[infinite].unique(),
            n_rows=int(infinite.sum()),
        )
    fractional = numbers.notna() & (numbers != np.round(numbers))
    if fractional.any():
        raise InputError(
            "not a whole number",
            file=file,
            column=column.raw,
            values=values[fractional].unique(),
            n_rows=int(fractional.sum()),
        )
    numbers = numbers.where(~numbers.isin(missing_codes))
    present = numbers.notna()
    if column.codes:
        bad = present & ~numbers.isin(list(column.codes))
        problem = f"unknown code (allowed: {', '.join(str(c) for c in sorted(column.codes))})"
    else:
        low, high = column.range
        bad = present & ((numbers < low) | (numbers > high))
        problem = f"value out of range [{low}, {high}]"
    if bad.any():
        raise InputError(
            problem,
            file=file,
            column=column.raw,
            values=_shown(numbers[bad], values[bad]),
            n_rows=int(bad.sum()),
        )
    return _as_int(numbers)


def _shown(numbers: pd.Series, cells: pd.Series) -> list[object]:
    """Offending values for a message: the integer, or the cell if too large for one."""
    shown = [
        int(number) if abs(number) < 2**53 else cell
        for number, cell in zip(numbers, cells, strict=True)
    ]
    return list(dict.fromkeys(shown))


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
    eligible: pd.DataFrame, *, file: str, countries: tuple[str, ...]
) -> pd.DataFrame:
    if eligible.empty:
        raise InputError(
            "no eligible rows (consent = 1, direct_client_contact = 1, configured country, id)",
            file=file,
            column="consent",
        )
    counts = eligible["country"].value_counts()
    absent = [c for c in countries if counts.get(c, 0) == 0]
    if absent:
        raise InputError(
            "a configured country has no eligible respondents",
            file=file,
            column="country",
            values=absent,
            n_rows=0,
            hint="remove it from `countries` in the config if the export does not cover it",
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
