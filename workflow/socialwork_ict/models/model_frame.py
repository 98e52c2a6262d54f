"""The modelling frame: complete cases of the model variables.

Models and design-based tests use complete-case analysis: respondents with a
missing value in the response, a model factor or the weight are left out of
the model (R's default ``na.action = na.omit`` in ``svyolr``/``svyglm``).
The number left out is reported (log, model info) so that a reader can judge
it; with a few percent item non-response it is small. The pipeline's
variance design keeps every respondent and the left-out ones are a domain
with zero influence (R's rule: n_h is the whole country's count;
:func:`complete_case_rows` gives the model rows' positions in it).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

MODEL_VARIABLES = ("ict_freq", "age_group", "country", "gender", "sector")


def read_model_respondents(path, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Every eligible respondent's id, model variables (plus ``extra``) and weight
    from the analysis file: the design keeps them all (R's domain rule,
    :func:`~socialwork_ict.inference.variance.rule_design`); a fit takes its
    :func:`complete_cases`."""
    return pd.read_parquet(path, columns=["respondent_id", *MODEL_VARIABLES, *extra, "weight"])


def complete_cases(
    frame: pd.DataFrame, columns: Sequence[str] = MODEL_VARIABLES, *, weight: str = "weight"
) -> tuple[pd.DataFrame, int]:
    """Rows with every ``columns`` value and the weight present; and how many were left out."""
    needed = [*columns, weight]
    keep = frame[needed].notna().all(axis=1)
    cases = frame.loc[keep].reset_index(drop=True)
    cases["ict_freq"] = cases["ict_freq"].astype(int)
    return cases, int((~keep).sum())


def complete_case_rows(
    frame: pd.DataFrame, columns: Sequence[str] = MODEL_VARIABLES, *, weight: str = "weight"
):
    """Positions (0-based) of the rows :func:`complete_cases` keeps, in order."""
    import numpy as np

    return np.flatnonzero(frame[[*columns, weight]].notna().all(axis=1).to_numpy())
