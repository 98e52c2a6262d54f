"""Completed datasets made elsewhere (``imputation.method: supplied``).

A data producer's multiply imputed release: one CSV per imputation with the
canonical raw columns (data contract §1, integer codes) and one row per
eligible respondent (the pipeline's own eligibility: the ids of
``weights.csv``). The pipeline's weights (joined by ``respondent_id``) and
design are used for every imputation, as R ``svydesign(data =
imputationList(...))`` with the weights held fixed across imputations.

Checks, each an :class:`~socialwork_ict.errors.InputError` naming the file,
column, offending values, count and first row: a missing model column; an
empty or out-of-code value in a model variable (a completed file has no
missing values there); duplicate, unknown or missing respondent ids; a
country that differs from the raw file's. An observed (non-missing) raw
value that the completed file changes is a WARNING with its count: imputed
files must keep the observed data, but a producer may have edited them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from socialwork_ict.codes import (
    CONTRACT_RANGES,
    GENDER_LABELS,
    ICT_FREQ_LABELS,
    SECTOR_LABELS,
    age_group_from_age,
    as_factor,
)
from socialwork_ict.errors import InputError

log = logging.getLogger(__name__)

#: raw columns the analyses of a completed file need, with their valid codes
IMPUTED_CODES: dict[str, tuple[int, ...]] = {
    "age": tuple(range(CONTRACT_RANGES["age"][0], CONTRACT_RANGES["age"][1] + 1)),
    "gender": tuple(GENDER_LABELS),
    "sector": tuple(SECTOR_LABELS),
    "ict_freq": tuple(ICT_FREQ_LABELS),
}
REQUIRED = ("respondent_id", "country", *IMPUTED_CODES)


def read_completed(path: str | Path, weighted: pd.DataFrame) -> pd.DataFrame:
    """One completed file as an analysis frame in ``weighted``'s row order.

    ``weighted``: the pipeline's weighted analysis file (respondent_id,
    country, the model variables with their observed values, ``weight``).
    Returns the columns respondent_id, country, age, age_group, gender,
    sector, ict_freq and weight (labelled factors as the analysis file).
    """
    return completed_from_raw(read_raw(path), Path(path).name, weighted)


def read_raw(path: str | Path) -> pd.DataFrame:
    """A completed file as text (every column a string, empty cells ``""``)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the completed file: {error}", file=Path(path).name) from None


def completed_from_raw(raw: pd.DataFrame, name: str, weighted: pd.DataFrame) -> pd.DataFrame:
    """:func:`read_completed` of a completed table already read as text (``name``:
    what the messages call it); the checks of the module docstring."""
    raw = raw.reset_index(drop=True)
    missing = [column for column in REQUIRED if column not in raw.columns]
    if missing:
        raise InputError("completed file lacks model columns", file=name, values=missing)
    ids = raw["respondent_id"].str.strip()
    duplicated = ids.duplicated()
    if duplicated.any():
        _raise_rows(name, "respondent_id", "duplicate respondent ids", ids, duplicated)
    expected = weighted["respondent_id"].astype(str)
    # each eligible respondent's row in the file (-1: absent), each row's respondent (-1: unknown)
    position = pd.Index(ids).get_indexer(expected)
    unknown = pd.Index(expected).get_indexer(ids) < 0
    if unknown.any():
        _raise_rows(
            name, "respondent_id", "respondent ids that are not eligible respondents of the "
            "raw file", ids, unknown,
        )  # fmt: skip
    absent = position < 0
    if absent.any():
        raise InputError(
            "eligible respondents missing from the completed file",
            file=name,
            column="respondent_id",
            values=expected[absent].head(5).tolist(),
            n_rows=int(absent.sum()),
        )
    codes = {}
    for column, valid in IMPUTED_CODES.items():
        text = raw[column].str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() | ~numbers.isin(valid)
        if bad.any():
            _raise_rows(
                name, column, "empty or invalid values in a completed model variable", text, bad
            )  # fmt: skip
        codes[column] = numbers.astype(np.int64)
    codes = {col: values.iloc[position].reset_index(drop=True) for col, values in codes.items()}
    country = raw["country"].str.strip().iloc[position].reset_index(drop=True)
    wrong = country.to_numpy() != weighted["country"].astype(str).to_numpy()
    if wrong.any():
        wrong_ids = set(expected[wrong])
        _raise_rows(name, "country", "country differs from the raw file's",
                    raw["country"], ids.isin(wrong_ids))  # fmt: skip
    frame = completed_frame(pd.DataFrame(codes), weighted)
    _warn_changed_observed(name, frame, weighted)
    return frame


def completed_frame(codes: pd.DataFrame, weighted: pd.DataFrame) -> pd.DataFrame:
    """The analysis frame of completed raw codes (age, gender, sector, ict_freq; rows in
    ``weighted``'s order) with ``weighted``'s respondent_id, country and weight."""
    frame = pd.DataFrame({"respondent_id": weighted["respondent_id"].astype(str).to_numpy()})
    frame["country"] = weighted["country"].to_numpy()
    frame["age"] = np.asarray(codes["age"], dtype=np.int64)
    frame["age_group"] = age_group_from_age(frame["age"])
    gender = pd.Series(np.asarray(codes["gender"], dtype=np.int64))
    sector = pd.Series(np.asarray(codes["sector"], dtype=np.int64))
    frame["gender"] = as_factor(gender.map(GENDER_LABELS), "gender")
    frame["sector"] = as_factor(sector.map(SECTOR_LABELS), "sector")
    frame["ict_freq"] = np.asarray(codes["ict_freq"], dtype=np.int64)
    frame["weight"] = weighted["weight"].to_numpy(dtype=float)
    return frame


def _warn_changed_observed(name: str, frame: pd.DataFrame, weighted: pd.DataFrame) -> None:
    for column in ("age", "gender", "sector", "ict_freq"):
        if column not in weighted.columns:
            continue
        observed = weighted[column]
        present = observed.notna().to_numpy()
        if column in ("age", "ict_freq"):
            same = frame[column].to_numpy(dtype=float) == pd.to_numeric(observed).to_numpy(
                dtype=float, na_value=np.nan
            )
        else:
            same = frame[column].astype(str).to_numpy() == observed.astype(str).to_numpy()
        changed = present & ~same
        if changed.any():
            log.warning(
                "file %s, column %s: %d observed values differ from the raw file's (first "
                "respondent %s): the completed file does not keep the observed data",
                name, column, int(changed.sum()),
                frame["respondent_id"].iloc[int(np.flatnonzero(changed)[0])],
            )  # fmt: skip


def _raise_rows(name, column, problem, values, mask):
    mask = np.asarray(mask, dtype=bool)
    rows = np.flatnonzero(mask)
    raise InputError(
        problem,
        file=name,
        column=column,
        values=pd.Series(values).iloc[rows].drop_duplicates().head(5).tolist(),
        n_rows=int(rows.size),
        first_row=int(rows[0]) + 1,
    )
