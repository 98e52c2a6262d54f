"""Loaders for the wave-2 R fixture ``tests/fixtures/oracle_calibration`` (see its PROVENANCE.md).

The eligible respondents of its raw file with the analysis file's labelled
factors (missing values kept as missing), R's weights, its replicate factor
files and expected tables.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from socialwork_ict.codes import GENDER_LABELS, SECTOR_LABELS, age_group_from_age, as_factor

DIR = Path(__file__).parent / "fixtures" / "oracle_calibration"
EXPECTED = DIR / "expected"
YESNO = (
    "ict_email",
    "ict_text",
    "ict_social_media",
    "ict_video",
    "contact_after_hours",
    "searched_client_online",
    "client_searched_worker",
    "friend_request",
    "discussed_supervisor",
    "discussed_colleagues",
)


@cache
def targets() -> dict:
    return yaml.safe_load((DIR / "targets.yaml").read_text())


@cache
def _frame() -> pd.DataFrame:
    raw = pd.read_csv(DIR / "raw.csv", dtype={"respondent_id": str})
    frame = raw[(raw["consent"] == 1) & (raw["direct_client_contact"] == 1)].reset_index(drop=True)
    frame["age_group"] = age_group_from_age(frame["age"])
    frame["country"] = as_factor(frame["country"], "country")
    frame["gender"] = as_factor(frame["gender"].map(GENDER_LABELS), "gender")
    frame["sector"] = as_factor(frame["sector"].map(SECTOR_LABELS), "sector")
    weights = expected("weights")
    assert list(weights["respondent_id"]) == list(frame["respondent_id"])
    frame["weight"] = weights["weight"].to_numpy()
    return frame


def frame() -> pd.DataFrame:
    """Eligible respondents in raw-file order, with R's raked weights in ``weight``."""
    return _frame().copy()


@cache
def _expected(name: str) -> pd.DataFrame:
    return pd.read_csv(EXPECTED / f"{name}.csv")


def expected(name: str) -> pd.DataFrame:
    """``expected/<name>.csv`` (``name`` may include a subfolder, e.g. ``calibrated/tests``)."""
    return _expected(name).copy()


@cache
def bootstrap_factors() -> np.ndarray:
    """The (2000, 200) bootstrap multipliers R used, rows in frame order."""
    table = pd.read_csv(
        EXPECTED / "replicates" / "bootstrap_factors.csv", dtype={"respondent_id": str}
    )
    assert list(table["respondent_id"]) == list(_frame()["respondent_id"])
    return table.drop(columns="respondent_id").to_numpy(dtype=float)
