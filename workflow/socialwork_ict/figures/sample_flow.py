"""Figures stage: the sample flow from the raw export to the analysis sample.

Reads ``sample_flow.csv`` (one row per exclusion step: step, reason,
n_excluded, n_remaining; step 0 is the rows read).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from socialwork_ict.figures.common import (
    caption_record,
    category_colours,
    figure_style,
    finish,
    new_figure,
)


def plot_sample_flow(flow: pd.DataFrame, *, synthetic: bool) -> Figure:
    """Two bar panels sharing the steps: rows excluded, and rows remaining after each step."""
    flow = flow.sort_values("step", kind="stable").reset_index(drop=True)
    labels = [f"{int(s)}. {r}" for s, r in zip(flow["step"], flow["reason"], strict=True)]
    excluded = flow["n_excluded"].to_numpy(dtype=float)
    remaining = flow["n_remaining"].to_numpy(dtype=float)
    y = np.arange(len(flow))
    with figure_style():
        colour_excluded, colour_remaining = category_colours(4)[3], category_colours(6)[5]
        fig = new_figure(
            7.5,
            1.7 + 0.36 * len(flow) + (0.3 if synthetic else 0),
            title="Sample flow from the raw survey export to the analysis sample",
            subtitle="Survey respondents (rows of the export), unweighted counts",
            synthetic=synthetic,
        )
        left, right = fig.subplots(1, 2, sharey=True, width_ratios=[1.0, 1.0])
        for ax, values, colour, title in (
            (left, excluded, colour_excluded, "Excluded at this step"),
            (right, remaining, colour_remaining, "Remaining after this step"),
        ):
            ax.barh(y, values, height=0.65, color=colour)
            top = float(np.nanmax(values, initial=1.0)) or 1.0
            for yi, v in zip(y, values, strict=True):
                ax.text(v + 0.01 * top, yi, f"{int(v):,}", va="center", fontsize=7.5)
            ax.set_xlim(0, top * 1.2)
            ax.set_title(title, loc="left")
            ax.set_xlabel("Rows (respondents)")
            ax.grid(axis="x")
        left.set_yticks(y, labels)
        left.set_ylim(len(flow) - 0.5, -0.5)
        left.set_ylabel("Step")
        right.tick_params(axis="y", labelleft=False, length=0)
    return finish(fig)


def caption_sample_flow(flow: pd.DataFrame, *, synthetic: bool) -> dict:
    """Alt text and caption with the rows read, excluded and kept, and the largest step."""
    flow = flow.sort_values("step", kind="stable").reset_index(drop=True)
    read = int(flow["n_remaining"].iloc[0] + flow["n_excluded"].iloc[0])
    kept = int(flow["n_remaining"].iloc[-1])
    excluded = flow.iloc[1:] if len(flow) > 1 else flow
    largest = ""
    if len(excluded) and excluded["n_excluded"].max() > 0:
        top = excluded.loc[excluded["n_excluded"].idxmax()]
        largest = f" The largest exclusion is {top['reason']} ({int(top['n_excluded']):,} rows)."
    alt = (
        f"Two horizontal bar charts over {len(flow)} cleaning steps: rows excluded at each "
        f"step and rows remaining after it. Of {read:,} rows read, {read - kept:,} were "
        f"excluded and {kept:,} eligible respondents remain.{largest}"
    )
    caption = (
        "Sample flow: rows of the raw export excluded at each cleaning step, in the order "
        "the steps are applied (blank rows, no consent, no direct client contact, another "
        "country, an empty id, repeated submissions), and the rows remaining after each."
    )
    return caption_record(alt, caption, synthetic=synthetic)
