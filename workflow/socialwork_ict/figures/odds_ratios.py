"""Figures stage: forest plot of the primary proportional-odds model's odds ratios.

Reads ``model_ordinal.csv`` (data contract §4): odds ratios with Wald 95 %
intervals from the survey-weighted cumulative-logit model with design-based
(linearization) standard errors. Threshold terms are not effects and are left
out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from socialwork_ict.figures.common import (
    VARIABLE_NAMES,
    WEIGHTED,
    caption_record,
    category_colours,
    draw_interval,
    figure_style,
    finish,
    finite_range,
    log_odds_axis,
    new_figure,
    term_label,
    term_variable,
)


def effect_terms(model: pd.DataFrame) -> pd.DataFrame:
    """The model's effect rows (thresholds dropped), in table order."""
    keep = ~model["term"].astype(str).str.startswith("threshold")
    return model.loc[keep].reset_index(drop=True)


def plot_odds_ratios(model: pd.DataFrame, *, synthetic: bool) -> Figure:
    """Odds ratios with 95 % CIs on a log axis, a reference line at 1, one row per term."""
    terms = effect_terms(model)
    variables = list(dict.fromkeys(terms["term"].map(term_variable)))
    with figure_style():
        colours = dict(zip(variables, category_colours(len(variables)), strict=True))
        fig = new_figure(
            7.0,
            1.6 + 0.3 * len(terms) + (0.3 if synthetic else 0),
            title="Odds of more frequent informal ICT use (proportional-odds model)",
            subtitle=f"{WEIGHTED}; design-based 95 % CIs",
            synthetic=synthetic,
        )
        ax = fig.add_subplot()
        y = np.arange(len(terms))
        for yi, row in zip(y, terms.itertuples(index=False), strict=True):
            colour = colours[term_variable(row.term)]
            drawn = draw_interval(ax, yi, row.odds_ratio, row.ci_low, row.ci_high, colour=colour)
            text = (
                f"{row.odds_ratio:.2f} ({row.ci_low:.2f}\u2013{row.ci_high:.2f})"
                if drawn
                else "not fitted"
            )
            ax.text(1.02, yi, text, transform=ax.get_yaxis_transform(), va="center", fontsize=8)
        ax.text(1.02, -1, "OR (95 % CI)", transform=ax.get_yaxis_transform(), va="center",
                fontsize=8, fontweight="bold")  # fmt: skip
        low, high = finite_range(terms["ci_low"], terms["ci_high"], terms["odds_ratio"])
        log_odds_axis(
            ax, low, high, label="Odds ratio, log scale (> 1: more frequent use than reference)"
        )
        ax.set_yticks(y, [term_label(t) for t in terms["term"]])
        ax.set_ylim(len(terms) - 0.5, -1.5)
        ax.set_ylabel("Model term (reference level)")
    return finish(fig)


def caption_odds_ratios(model: pd.DataFrame, *, synthetic: bool) -> dict:
    """Alt text and caption; the alt text reads the age-group direction from the table."""
    terms = effect_terms(model)
    age = terms[terms["term"].map(term_variable) == "age_group"]
    fitted = age[np.isfinite(age["odds_ratio"])]
    summary = ""
    if len(fitted):
        above = fitted[fitted["ci_low"] > 1]
        below = fitted[fitted["ci_high"] < 1]
        direction = (
            "more" if (fitted["odds_ratio"] > 1).all()
            else "less" if (fitted["odds_ratio"] < 1).all()
            else "mixed"
        )  # fmt: skip
        trend = (
            f"every older age group has {direction} frequent use than the under-30s"
            if direction != "mixed"
            else "the age groups differ from the under-30s in both directions"
        )
        summary = (
            f" Compared with social workers under 30, {trend} (odds ratios "
            f"{fitted['odds_ratio'].min():.2f} to {fitted['odds_ratio'].max():.2f}); "
            f"{len(above)} of {len(fitted)} age intervals lie wholly above 1 and "
            f"{len(below)} wholly below 1."
        )
    names = ", ".join(VARIABLE_NAMES.get(v, v).lower() for v in dict.fromkeys(
        terms["term"].map(term_variable)))  # fmt: skip
    alt = (
        f"Forest plot of {len(terms)} odds ratios with 95 % confidence intervals on a "
        f"log scale, with a dashed reference line at 1, for {names}.{summary}"
    )
    caption = (
        "Odds ratios of more frequent informal ICT use (a higher category of the 5-point "
        "scale) from the survey-weighted proportional-odds model of ict_freq on age group, "
        "country, gender and sector, with design-based (linearization) 95 % Wald confidence "
        "intervals, strata = country. References: age under 30, Canada, women, public "
        "sector. Threshold terms are not shown."
    )
    return caption_record(alt, caption, synthetic=synthetic)
