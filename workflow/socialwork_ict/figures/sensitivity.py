"""Figures stage: the age effects across sensitivity specifications.

Reads ``sensitivity.csv`` (one row per specification x term): odds ratios of
the age terms with 95 % CIs from the primary model and its variants
(unweighted, trimmed weights, binary logit, each country alone, continuous
age). A specification that could not be fitted has NaN estimates and is shown
as "not fitted".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from socialwork_ict.figures.common import (
    POOLED_COLOUR,
    caption_record,
    category_colours,
    country_name,
    draw_interval,
    figure_style,
    finish,
    finite_range,
    log_odds_axis,
    new_figure,
    term_label,
)

SPECIFICATION_NAMES = {
    "weighted": "Primary (weighted)",
    "unweighted": "Unweighted",
    "trimmed_weights": "Trimmed weights",
    "binary_logit": "Binary logit (often+)",
    "age_continuous": "Age continuous",
}


def specification_label(name: str) -> str:
    if name in SPECIFICATION_NAMES:
        return SPECIFICATION_NAMES[name]
    if name.startswith("country_"):
        return f"{country_name(name.removeprefix('country_'))} only"
    return name.replace("_", " ")


def age_rows(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """Rows of the age terms (age_group[...] and continuous age), in table order."""
    term = sensitivity["term"].astype(str)
    keep = term.str.startswith("age_group[") | term.str.startswith("age_")
    return sensitivity.loc[keep].reset_index(drop=True)


def plot_sensitivity(sensitivity: pd.DataFrame, *, synthetic: bool) -> Figure:
    """Forest plot: one band per specification, the age terms dodged within it."""
    rows = age_rows(sensitivity)
    specs = list(dict.fromkeys(rows["specification"].astype(str)))
    group_terms = list(dict.fromkeys(t for t in rows["term"] if str(t).startswith("age_group[")))
    with figure_style():
        colours = dict(zip(group_terms, category_colours(len(group_terms)), strict=True))
        fig = new_figure(
            7.0,
            2.0 + 0.55 * len(specs) + (0.3 if synthetic else 0),
            title="Age effects across model specifications",
            subtitle="Social workers; weighted (raked) unless stated; odds ratios with 95 % CIs",
            synthetic=synthetic,
        )
        ax = fig.add_subplot()
        step = 0.8 / max(len(group_terms), 1)
        for i, spec in enumerate(specs):
            if i % 2 == 0:
                ax.axhspan(i - 0.5, i + 0.5, color="#f2f2f2", zorder=0, linewidth=0)
            part = rows[rows["specification"] == spec]
            if not np.isfinite(part["odds_ratio"].astype(float)).any():
                draw_interval(ax, i, np.nan, np.nan, np.nan, colour="black")
                continue
            for row in part.itertuples(index=False):
                if row.term in colours:
                    k = group_terms.index(row.term)
                    y = i - 0.4 + step * (k + 0.5)
                    colour, marker = colours[row.term], "o"
                else:
                    y, colour, marker = i, POOLED_COLOUR, "D"
                draw_interval(ax, y, row.odds_ratio, row.ci_low, row.ci_high,
                              colour=colour, marker=marker)  # fmt: skip
        low, high = finite_range(rows["ci_low"], rows["ci_high"], rows["odds_ratio"])
        log_odds_axis(
            ax, low, high, label="Odds ratio vs under-30s, log scale (> 1: more frequent use)"
        )
        ax.set_yticks(np.arange(len(specs)), [specification_label(s) for s in specs])
        ax.set_ylim(len(specs) - 0.5, -0.5)
        ax.set_ylabel("Specification")
        ax.tick_params(axis="y", length=0)
        handles = [
            Line2D([], [], marker="o", color=colours[t], label=term_label(t).removeprefix("Age "))
            for t in group_terms
        ]
        other = [t for t in dict.fromkeys(rows["term"]) if t not in colours]
        handles += [
            Line2D([], [], marker="D", color=POOLED_COLOUR, label=term_label(t)) for t in other
        ]
        ax.legend(handles=handles, title="Age term", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish(fig)


def caption_sensitivity(sensitivity: pd.DataFrame, *, synthetic: bool) -> dict:
    """Alt text and caption: in how many specifications all age-group odds ratios exceed 1."""
    rows = age_rows(sensitivity)
    groups = rows[rows["term"].astype(str).str.startswith("age_group[")]
    fitted, all_above, not_fitted = [], [], []
    for spec, part in groups.groupby("specification", sort=False):
        odds = part["odds_ratio"].astype(float)
        if not np.isfinite(odds).any():
            not_fitted.append(specification_label(str(spec)))
            continue
        fitted.append(spec)
        if (odds > 1).all():
            all_above.append(spec)
    for spec, part in rows.groupby("specification", sort=False):
        if (
            spec not in set(groups["specification"])
            and not np.isfinite(part["odds_ratio"].astype(float)).any()
        ):
            not_fitted.append(specification_label(str(spec)))
    missing = f" Not fitted: {', '.join(not_fitted)}." if not_fitted else ""
    alt = (
        f"Forest plot of the age-group odds ratios (reference: under 30) with 95 % "
        f"confidence intervals in {rows['specification'].nunique()} model specifications "
        f"on a log scale with a reference line at 1. In {len(all_above)} of {len(fitted)} "
        f"fitted age-group specifications every older age group has an odds ratio above 1, "
        f"that is more frequent use than the under-30s.{missing}"
    )
    caption = (
        "Sensitivity of the age effects: the primary survey-weighted proportional-odds model, "
        "the same model unweighted and with trimmed weights, a survey-weighted binary logit "
        "of often/very often use, the model fitted in each country alone, and age as a "
        "continuous term (odds ratio per 10 years). Specifications that could not be "
        "fitted are marked \u201cnot fitted\u201d."
    )
    return caption_record(alt, caption, synthetic=synthetic)
