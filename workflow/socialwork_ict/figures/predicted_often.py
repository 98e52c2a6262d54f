"""Figures stage: predicted probability of often/very often use by age group.

Reads ``predicted_by_age.csv``: marginally standardised predictions of the
primary proportional-odds model (outcome ``ict_freq>=4``, predictive margins
averaged with the survey weights within each country and pooled) with
design-based delta-method 95 % CIs on the logit scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from socialwork_ict.figures.common import (
    POOLED,
    WEIGHTED,
    caption_record,
    country_colours,
    country_name,
    figure_style,
    finish,
    new_figure,
    ordered_age_groups,
    ordered_countries,
)

OUTCOME = "ict_freq>=4"


def often_predictions(predicted: pd.DataFrame, outcome: str = OUTCOME) -> pd.DataFrame:
    """The rows of one outcome, in table order."""
    return predicted[predicted["outcome"] == outcome].reset_index(drop=True)


def plot_predicted_often(
    predicted: pd.DataFrame, *, synthetic: bool, outcome: str = OUTCOME
) -> Figure:
    """Predicted probability (with 95 % CI) by age group, one dodged series per country."""
    rows = often_predictions(predicted, outcome)
    countries = ordered_countries(rows["country"])
    ages = ordered_age_groups(rows["age_group"])
    with figure_style():
        colours = country_colours(countries)
        fig = new_figure(
            7.0,
            4.4 + (0.3 if synthetic else 0),
            title="Predicted share using informal ICT often or very often, by age group",
            subtitle=f"{WEIGHTED}; model-based, 95 % CIs",
            synthetic=synthetic,
        )
        ax = fig.add_subplot()
        width = 0.7 / max(len(countries), 1)
        for k, country in enumerate(countries):
            part = rows[rows["country"] == country].set_index("age_group").reindex(ages)
            x = np.arange(len(ages)) - 0.35 + width * (k + 0.5)
            estimate = part["estimate"].to_numpy(dtype=float)
            low = part["ci_low"].to_numpy(dtype=float)
            high = part["ci_high"].to_numpy(dtype=float)
            pooled = country == POOLED
            ax.errorbar(
                x,
                100 * estimate,
                yerr=100 * np.vstack([estimate - low, high - estimate]),
                color=colours[country],
                marker="D" if pooled else "o",
                markersize=5,
                linewidth=0.9 if not pooled else 1.3,
                elinewidth=1.3,
                capsize=0,
                label=country_name(country),
            )
        ax.set_xticks(np.arange(len(ages)), ages)
        ax.set_xlabel("Age group")
        ax.set_ylabel("Predicted probability of often / very often use")
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_ylim(bottom=0)
        ax.grid(axis="y")
        ax.legend(title="Country", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish(fig)


def caption_predicted_often(
    predicted: pd.DataFrame, *, synthetic: bool, outcome: str = OUTCOME
) -> dict:
    """Alt text and caption; the alt text says in which countries under-30s are lowest."""
    rows = often_predictions(predicted, outcome)
    countries = ordered_countries(rows["country"])
    ages = ordered_age_groups(rows["age_group"])
    lowest = {}
    for country in countries:
        part = rows[rows["country"] == country].set_index("age_group")["estimate"].dropna()
        if len(part):
            lowest[country] = part.idxmin()
    single = [c for c in countries if c != POOLED]
    youngest = ages[0] if ages else ""
    with_lowest = [country_name(c) for c in single if lowest.get(c) == youngest]
    detail = ""
    if POOLED in lowest:
        pooled = rows[rows["country"] == POOLED].set_index("age_group")["estimate"]
        detail = (
            f" Pooled, the predicted share is {100 * pooled.get(youngest, np.nan):.0f} % for "
            f"the {youngest} age group and {100 * pooled.max():.0f} % for the "
            f"{pooled.idxmax()} age group."
        )
    alt = (
        f"Dot plot of the predicted percentage of social workers using informal ICT often "
        f"or very often, with 95 % confidence intervals, for {len(ages)} age groups, one "
        f"coloured series per country and one pooled. The {youngest} age group has the "
        f"lowest predicted share in {len(with_lowest)} of {len(single)} countries"
        + (f" ({', '.join(with_lowest)})" if with_lowest else "")
        + f".{detail}"
    )
    caption = (
        "Predicted probability of using informal ICT often or very often (ict_freq 4 or 5), "
        "by age group and country: predictive margins of the survey-weighted "
        "proportional-odds model (each respondent's covariates as observed, age group set "
        "to each level, averaged with the survey weights), with design-based 95 % "
        "confidence intervals."
    )
    return caption_record(alt, caption, synthetic=synthetic)
