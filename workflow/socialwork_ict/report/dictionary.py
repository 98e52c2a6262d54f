"""The report's data dictionary, generated from the codebook.

Stage: report. One row per canonical column of the analysis (data contract
§1): the question as the codebook words it, the raw export column it is read
from, its values (codes with labels, or the allowed range), who was asked
(skip logic), and the values read as missing. It is the codebook the run
used, so the dictionary cannot drift from the data.
"""

from __future__ import annotations

import pandas as pd

from socialwork_ict.codebook import Codebook

COLUMNS = ["variable", "question", "raw column", "values", "asked of", "missing"]


def data_dictionary(codebook: Codebook) -> pd.DataFrame:
    """The dictionary rows, in the codebook's column order."""
    groups = {m: g for g in codebook.multi_select for m in g.members}
    rows = []
    for name, column in codebook.columns.items():
        if column.codes:
            values = "; ".join(f"{code} = {label}" for code, label in column.codes.items())
        elif column.range is not None:
            values = f"{column.range[0]} to {column.range[1]}"
        else:
            values = "text"
        raw = column.raw or ""
        if name in groups:
            group = groups[name]
            raw = f"{raw or group.raw} (checkbox question {group.name}, {group.form})"
        asked = "everyone"
        if column.asked_if:
            condition = column.asked_if
            bounds = [f">= {condition['min']}" if "min" in condition else "",
                      f"<= {condition['max']}" if "max" in condition else ""]  # fmt: skip
            asked = f"{condition['column']} {' and '.join(b for b in bounds if b)}".strip()
        missing = ", ".join(codebook.missing_for(name)) or "-"
        rows.append([name, column.label or name, raw, values, asked, f"blank, {missing}"])
    return pd.DataFrame(rows, columns=COLUMNS)
