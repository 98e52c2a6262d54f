"""The modelling frame: complete cases of the model variables.

Models and design-based tests use complete-case analysis: respondents with a
missing value in the response, a model factor or the weight are left out of
the model (R's default ``na.action = na.omit`` in ``svyolr``/``svyglm``).
The number left out is reported (log, model info) so that a reader can judge
it; with a few percent item non-response it is small. Respondents outside
the model are not used for the variance either (they are dropped from the
design as R's ``na.omit`` does, so n_h counts complete cases only).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

MODEL_VARIABLES = ("ict_freq", "age_group", "country", "gender", "sector")


def complete_cases(
    frame: pd.DataFrame, columns: Sequence[str] = MODEL_VARIABLES, *, weight: str = "weight"
) -> tuple[pd.DataFrame, int]:
    """Rows with every ``columns`` value and the weight present; and how many were left out."""
    needed = [*columns, weight]
    keep = frame[needed].notna().all(axis=1)
    cases = frame.loc[keep].reset_index(drop=True)
    cases["ict_freq"] = cases["ict_freq"].astype(int)
    return cases, int((~keep).sum())
