"""Figures stage: one survey section of the analysis plan (Table 3).

A dot plot (Cleveland & McGill 1984, "Graphical perception", *JASA*
79:531-554: positions on a common scale): one row per item category (a
binary item's "yes", each choice of a multi-select, every category of the
others), the pooled weighted percentage with its 95 % CI as a black dot and
line, each country's percentage as a coloured marker. Suppressed cells
(disclosure control) are not drawn; an item the export lacks is named in
the subtitle.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from socialwork_ict.figures.common import (
    POOLED,
    caption_record,
    country_colours,
    country_name,
    figure_style,
    finish,
    new_figure,
    ordered_countries,
)
from socialwork_ict.items import section_rows, short_label

__all__ = ["caption_items_section", "plot_items_section"]


def plot_items_section(table3: pd.DataFrame, section: Mapping, *, synthetic: bool,
                       absent: list[str] = ()) -> Figure:  # fmt: skip
    """The section's dot plot (see the module docstring)."""
    rows = section_rows(table3, section)
    countries = ordered_countries(table3["country"]) if len(table3) else [POOLED]
    with figure_style():
        height = 1.6 + 0.32 * max(len(rows), 1)
        subtitle = "Weighted % (pooled: 95 % CI), by country"
        if absent:
            subtitle += f"; not in this export: {', '.join(absent)}"
        fig = new_figure(8.0, height, title=section["title"], subtitle=subtitle,
                         synthetic=synthetic)  # fmt: skip
        ax = fig.add_subplot()
        colours = country_colours(countries)
        for y, (_, cell) in enumerate(rows):
            by_country = cell.set_index("country")
            for country in countries:
                if country not in by_country.index:
                    continue
                record = by_country.loc[country]
                pct = pd.to_numeric(record["pct_weighted"], errors="coerce")
                if not np.isfinite(pct):
                    continue
                if country == POOLED:
                    low = pd.to_numeric(record["ci_low"], errors="coerce")
                    high = pd.to_numeric(record["ci_high"], errors="coerce")
                    if np.isfinite(low) and np.isfinite(high):
                        ax.plot([low, high], [y, y], color=colours[country], linewidth=1.4)
                    ax.plot([pct], [y], "o", color=colours[country], markersize=5.5, zorder=3)
                else:
                    ax.plot([pct], [y], "|", color=colours[country], markersize=9,
                            markeredgewidth=2, zorder=2)  # fmt: skip
        ax.set_yticks(range(len(rows)), [short_label(label) for label, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Weighted % of respondents asked")
        ax.grid(axis="x", linewidth=0.4, alpha=0.5)
        handles = [
            Line2D([], [], marker="o" if c == POOLED else "|", linestyle="none",
                   color=colours[c], markersize=7, markeredgewidth=2,
                   label="All countries (95 % CI)" if c == POOLED else country_name(c))
            for c in countries
        ]  # fmt: skip
        ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True)
        return finish(fig)


def caption_items_section(table3: pd.DataFrame, section: Mapping, *, synthetic: bool,
                          absent: list[str] = ()) -> dict:  # fmt: skip
    """Alt text and caption: the pooled estimates named, lowest and highest."""
    rows = section_rows(table3, section)
    pooled = []
    for label, cell in rows:
        value = pd.to_numeric(cell.loc[cell["country"] == POOLED, "pct_weighted"],
                              errors="coerce")  # fmt: skip
        if len(value) and np.isfinite(value.iloc[0]):
            pooled.append((label, float(value.iloc[0])))
    if pooled:
        low = min(pooled, key=lambda r: r[1])
        high = max(pooled, key=lambda r: r[1])
        alt = (
            f"Dot plot of {len(pooled)} estimates of {section['title']}: pooled weighted "
            f"percentages from {low[1]:.0f} % ({low[0]}) to {high[1]:.0f} % ({high[0]}), "
            "with each country's percentage marked."
        )
    else:
        alt = f"{section['title']}: no estimate in this export."
    caption = (
        f"{section['title']}: weighted percentage of respondents asked (Table 3), pooled "
        "with its 95 % confidence interval (dot and line) and per country (ticks)."
    )
    if absent:
        caption += f" Not in this export: {', '.join(absent)}."
    return caption_record(alt, caption, synthetic=synthetic)
