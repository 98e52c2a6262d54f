"""Figures stage: weighting diagnostics (weight distribution, achieved margins).

Reads ``weights.csv`` (raked weights, scaled to sum to each country's sample
size, so their mean is 1 per country), ``weighting_margins.csv`` (sample,
weighted and target shares of each raking variable's categories) and
optionally ``weighting_diagnostics.csv`` (Kish design effect per country).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from socialwork_ict.figures.common import (
    caption_record,
    country_colours,
    country_name,
    figure_style,
    finish,
    new_figure,
    ordered_countries,
)


def targeted_margins(margins: pd.DataFrame) -> pd.DataFrame:
    """Margin rows that have a population target."""
    target = pd.to_numeric(margins["target_share"], errors="coerce")
    return margins.assign(target_share=target)[target.notna()].reset_index(drop=True)


def raking_variables(margins: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(targeted_margins(margins)["variable"].astype(str)))


def _subtitle(margins: pd.DataFrame) -> str:
    variables = " and ".join(v.replace("_", " ") for v in raking_variables(margins))
    return f"Social workers; weights raked within each country to workforce margins of {variables}"


def plot_weighting(
    weights: pd.DataFrame,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame | None = None,
    *,
    synthetic: bool,
) -> Figure:
    """Left: box plot of the raked weights by country. Right: achieved vs target shares."""
    countries = ordered_countries(weights["country"])
    targeted = targeted_margins(margins)
    with figure_style():
        colours = country_colours(ordered_countries([*countries, *targeted["country"]]))
        fig = new_figure(
            7.5,
            4.2 + (0.3 if synthetic else 0),
            title="Survey weights: distribution and achieved population margins",
            subtitle=_subtitle(margins),
            synthetic=synthetic,
        )
        left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.15])

        data = [
            weights.loc[weights["country"] == c, "weight"].dropna().to_numpy() for c in countries
        ]
        boxes = left.boxplot(
            data,
            tick_labels=countries,
            widths=0.55,
            patch_artist=True,
            medianprops={"color": "black"},
            # whiskers from the minimum to the maximum weight (published in the
            # diagnostics): no respondent's own weight is drawn as a point
            whis=(0, 100),
            showfliers=False,
        )
        for patch, country in zip(boxes["boxes"], countries, strict=True):
            patch.set_facecolor(colours[country])
            patch.set_alpha(0.75)
        left.axhline(1.0, color="#555555", linewidth=0.8, linestyle="--", zorder=0)
        left.set_xlabel("Country")
        left.set_ylabel("Raked weight (mean 1 within country)")
        left.set_title("Weights by country", loc="left")
        if diagnostics is not None and "deff_kish" in diagnostics:
            deff = diagnostics.set_index("country")["deff_kish"]
            for i, country in enumerate(countries, start=1):
                if country in deff.index and np.isfinite(deff[country]):
                    left.annotate(
                        f"deff\n{deff[country]:.2f}",
                        (i, 1.0),
                        xycoords=("data", "axes fraction"),
                        ha="center",
                        va="top",
                        fontsize=7,
                    )
            top = max((d.max() for d in data if d.size), default=1.0)
            left.set_ylim(top=top * 1.18)

        shares = 100 * targeted[["target_share", "sample_share", "weighted_share"]].astype(float)
        limit = 5 * np.ceil(np.nanmax(shares.to_numpy(), initial=10.0) / 5)
        right.plot([0, limit], [0, limit], color="#555555", linewidth=0.8, linestyle="--")
        for country in ordered_countries(targeted["country"]):
            mask = (targeted["country"] == country).to_numpy()
            part = shares[mask]
            colour = colours[country]
            right.plot(part["target_share"], part["sample_share"], "o", markersize=5,
                       markerfacecolor="none", markeredgecolor=colour)  # fmt: skip
            right.plot(part["target_share"], part["weighted_share"], "o", markersize=3.5,
                       color=colour)  # fmt: skip
        right.set_xlim(0, limit)
        right.set_ylim(0, limit)
        right.set_aspect("equal")
        right.set_xlabel("Population target share (%)")
        right.set_ylabel("Share in the sample (%)")
        right.set_title("Achieved vs target margins", loc="left")
        handles = [
            Line2D([], [], marker="s", linestyle="none", color=colours[c], label=country_name(c))
            for c in ordered_countries(targeted["country"])
        ]
        handles += [
            Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                   markeredgecolor="#333333", label="unweighted"),
            Line2D([], [], marker="o", linestyle="none", color="#333333", markersize=3.5,
                   label="weighted (raked)"),
        ]  # fmt: skip
        right.legend(handles=handles, loc="upper left", fontsize=7.5)
    return finish(fig)


def caption_weighting(
    weights: pd.DataFrame,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame | None = None,
    *,
    synthetic: bool,
) -> dict:
    """Alt text and caption with the weight range and the largest margin gaps."""
    targeted = targeted_margins(margins)
    w = weights["weight"].astype(float)
    gap_before = (targeted["sample_share"].astype(float) - targeted["target_share"]).abs()
    gap_after = (targeted["weighted_share"].astype(float) - targeted["target_share"]).abs()
    worst = targeted.loc[gap_before.idxmax()] if gap_before.notna().any() else None
    hidden = int(targeted["sample_share"].isna().sum())
    design = ""
    if diagnostics is not None and len(diagnostics):
        top = diagnostics.loc[diagnostics["deff_kish"].astype(float).idxmax()]
        design = (
            f" The largest Kish design effect is {float(top['deff_kish']):.2f} "
            f"({country_name(str(top['country']))})."
        )
    margin_text = ""
    if worst is not None:
        where = (
            f"{country_name(str(worst['country']))}, "
            f"{str(worst['variable']).replace('_', ' ')} {worst['category']}"
        )
        margin_text = (
            f" Before weighting the sample differed from the targets by up to "
            f"{100 * gap_before.max():.1f} percentage points ({where}: "
            f"{100 * float(worst['sample_share']):.1f} % vs "
            f"{100 * float(worst['target_share']):.1f} %); after raking the largest "
            f"difference is {100 * gap_after.max():.2f} points."
        )
    if hidden:
        margin_text += f" {hidden} suppressed categories (disclosure control) are not shown."
    alt = (
        f"Two panels. Left: box plots of the raked weights by country; weights range from "
        f"{w.min():.2f} to {w.max():.2f}.{design} Right: each category's unweighted and "
        f"weighted sample share against its population target, with a diagonal line of "
        f"equality.{margin_text}"
    )
    caption = (
        "Weighting diagnostics. Left: raked weights by country (scaled to a mean of 1 "
        "within country; boxes: quartiles and median; whiskers: minimum to maximum; "
        "deff = Kish design effect from unequal weights). Right: share of "
        "each raking category in the unweighted sample (open circles) and after raking "
        "(filled) against the population target; the dashed line marks equality. Categories "
        "without a target (missing values, another gender) are not shown."
    )
    return caption_record(alt, caption, synthetic=synthetic)
