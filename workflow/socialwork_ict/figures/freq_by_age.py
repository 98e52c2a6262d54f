"""Figures stage: weighted frequency of informal ICT use by age group (Table 2).

Diverging stacked bars (Heiberger & Robbins 2014, "Design of diverging stacked
bar charts for Likert scales", *J Stat Softw* 57(5)): never and rarely left of
zero, sometimes split at zero, often and very often right of zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from socialwork_ict.codes import ICT_FREQ_LABELS
from socialwork_ict.figures.common import (
    POOLED,
    WEIGHTED,
    caption_record,
    country_name,
    figure_style,
    finish,
    new_figure,
    ordered_age_groups,
    ordered_countries,
    scale_colours,
)

CODES = tuple(ICT_FREQ_LABELS)  # 1..5
LABEL_MIN_PCT = 8.0  # segments narrower than this carry no number


def weighted_percentages(table2: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """country -> age group x ict_freq code table of weighted percentages.

    A category without a row is 0 %; a suppressed cell (disclosure control:
    blank percentage) stays NaN, so its age group is not drawn.
    """
    frame = table2.assign(
        ict_freq=pd.to_numeric(table2["ict_freq"]).astype(int),
        pct_weighted=pd.to_numeric(table2["pct_weighted"], errors="coerce"),
    )
    out = {}
    for country in ordered_countries(frame["country"]):
        part = frame[frame["country"] == country]
        wide = part.set_index(["age_group", "ict_freq"])["pct_weighted"].unstack("ict_freq")
        out[country] = wide.reindex(
            index=ordered_age_groups(part["age_group"]), columns=CODES, fill_value=0.0
        )
    return out


def suppressed_label(table2: pd.DataFrame) -> str:
    """How suppressed cells read in the figure, e.g. "suppressed (cells < 5)"."""
    shown = table2["n"].astype(str)
    marks = sorted(set(shown[shown.str.startswith("<")]))
    return f"suppressed (cells {marks[0].replace('<', '< ')})" if marks else "suppressed"


def hidden_reasons(table2: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(country, age group) -> "threshold" (a cell shows ``<k``) or "protect" (one shows ``x``).

    Data contract v2: ``<k`` marks a cell below the threshold, ``x`` a cell
    withheld only so that another cannot be recovered from the totals.
    """
    n = table2["n"].astype(str)
    out: dict[tuple[str, str], str] = {}
    for key, part in n.groupby([table2["country"].astype(str), table2["age_group"].astype(str)]):
        if part.str.startswith("<").any():
            out[key] = "threshold"
        elif (part == "x").any():
            out[key] = "protect"
    return out


PROTECT_TEXT = "withheld (x: protects a small cell)"
FLAG_MARK = "\u2020"  # dagger after the age group: an imprecise estimate (NCHS 2017)


def flagged_rows(table2: pd.DataFrame) -> set[tuple[str, str]]:
    """(country, age group) with a shown estimate carrying a reliability ``flag``."""
    if "flag" not in table2.columns:
        return set()
    flag = table2["flag"].fillna("").astype(str)
    rows = table2[flag != ""]
    return set(zip(rows["country"].astype(str), rows["age_group"].astype(str), strict=True))


def country_sizes(table2: pd.DataFrame) -> dict[str, int]:
    """Respondents per country, where no cell of that country is suppressed."""
    counts = pd.to_numeric(table2["n"], errors="coerce")
    out = {}
    for country, part in counts.groupby(table2["country"].astype(str), sort=False):
        if part.notna().all():
            out[country] = int(part.sum())
    return out


def often_share(table2: pd.DataFrame) -> dict[str, pd.Series]:
    """country -> % often or very often (codes 4, 5) by age group (suppressed left out)."""
    return {c: (w[4] + w[5]).dropna() for c, w in weighted_percentages(table2).items()}


def plot_freq_by_age(table2: pd.DataFrame, *, synthetic: bool) -> Figure:
    """Diverging stacked bars of weighted ict_freq by age group, one panel per country."""
    shares = weighted_percentages(table2)
    counts = country_sizes(table2)
    suppressed_text = suppressed_label(table2)
    reasons = hidden_reasons(table2)
    flagged = flagged_rows(table2)
    with figure_style():
        colours = scale_colours()
        height = 1.9 + 1.2 * len(shares) + (0.3 if synthetic else 0)
        fig = new_figure(
            7.0,
            height,
            title="How often social workers use informal ICT with clients, by age group",
            subtitle=WEIGHTED,
            synthetic=synthetic,
        )
        grid = fig.add_gridspec(len(shares) + 1, 1, height_ratios=[0.45] + [1.0] * len(shares))
        key = fig.add_subplot(grid[0])
        axes = [fig.add_subplot(grid[i + 1]) for i in range(len(shares))]
        for ax in axes[1:]:
            ax.sharex(axes[0])
        extent = 10.0
        for ax, (country, wide) in zip(axes, shares.items(), strict=True):
            values = wide.to_numpy(dtype=float, copy=True)
            y = np.arange(len(wide))
            hidden = np.isnan(values).any(axis=1)
            values[hidden] = 0.0
            left = -(values[:, 0] + values[:, 1] + values[:, 2] / 2)
            extent = max(extent, float(np.max(-left, initial=0)))
            extent = max(
                extent, float(np.max(values[:, 2] / 2 + values[:, 3] + values[:, 4], initial=0))
            )
            for yi in np.flatnonzero(hidden):
                protect = reasons.get((country, str(wide.index[yi]))) == "protect"
                if protect:  # drawn differently: a hatched band behind the label
                    ax.barh(yi, 2 * extent, left=-extent, height=0.72, color="none",
                            edgecolor="#bbbbbb", hatch="///", linewidth=0, zorder=1)  # fmt: skip
                ax.text(0, yi, PROTECT_TEXT if protect else suppressed_text, ha="center",
                        va="center", fontsize=7, fontstyle="italic", color="#555555", zorder=3,
                        bbox={"facecolor": "white", "linewidth": 0, "pad": 1})  # fmt: skip
            for j, code in enumerate(CODES):
                widths = values[:, j]
                ax.barh(y, widths, left=left, height=0.72, color=colours[code], linewidth=0)
                for yi, (x0, w) in enumerate(zip(left, widths, strict=True)):
                    if w >= LABEL_MIN_PCT:
                        ax.text(
                            x0 + w / 2,
                            yi,
                            f"{w:.0f}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if code in (1, 5) else "black",
                        )
                left = left + widths
            ax.axvline(0, color="#333333", linewidth=0.8)
            ticks = [
                f"{age}{FLAG_MARK}" if (country, str(age)) in flagged and not hidden[i] else age
                for i, age in enumerate(wide.index)
            ]
            ax.set_yticks(y, ticks)
            ax.invert_yaxis()
            ax.set_ylabel("Age group")
            n_text = f" (n = {counts[country]:,})" if country in counts else ""
            ax.set_title(f"{country_name(country)}{n_text}", loc="left")
            ax.tick_params(axis="y", length=0)
            ax.spines["left"].set_visible(False)
        limit = 10 * np.ceil(extent / 10)
        axes[-1].set_xlim(-limit, limit)
        axes[-1].xaxis.set_major_locator(MultipleLocator(20 if limit > 40 else 10))
        axes[-1].xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0f}"))
        axes[-1].set_xlabel(
            "Weighted % of social workers   \u2190 never / rarely  |  often / very often \u2192"
        )
        for ax in axes[:-1]:
            ax.tick_params(axis="x", labelbottom=True)
        handles = [Patch(color=colours[c], label=ICT_FREQ_LABELS[c]) for c in CODES]
        key.axis("off")
        key.legend(
            handles=handles,
            loc="center",
            ncols=len(CODES),
            title="Informal ICT use between sessions",
        )
        return finish(fig)


def caption_freq_by_age(table2: pd.DataFrame, *, synthetic: bool) -> dict:
    """Alt text and caption, with the age pattern of often/very often use read from the table."""
    shares = often_share(table2)
    countries = [c for c in shares if c != POOLED]
    headline = shares.get(POOLED, shares[countries[0]] if countries else None)
    where = "pooled over countries" if POOLED in shares else f"in {country_name(countries[0])}"
    pattern = ""
    if headline is not None and len(headline):
        low, high = headline.idxmin(), headline.idxmax()
        pattern = (
            f" {where.capitalize()}, the share using informal ICT often or very often is "
            f"lowest among the {low} age group ({headline[low]:.0f} %) and highest among "
            f"the {high} age group ({headline[high]:.0f} %)."
        )
        first = headline.index[0]
        judged = [c for c in countries if first in shares[c].index]
        youngest_lowest = [c for c in judged if shares[c].idxmin() == first]
        if judged:
            pattern += (
                f" The {first} age group has the lowest share in {len(youngest_lowest)} "
                f"of the {len(judged)} countries where it is shown."
            )
    alt = (
        "Diverging stacked bar chart, one panel per country and one pooled: for each age "
        "group, the weighted percentage of social workers using informal ICT with clients "
        "never or rarely (left of zero), sometimes (split at zero) and often or very often "
        f"(right of zero).{pattern}"
    )
    reasons = hidden_reasons(table2)
    rows = [
        (f"{country_name(c)} {age}", reasons.get((c, str(age)), "threshold"))
        for c, wide in weighted_percentages(table2).items()
        for age in wide.index[wide.isna().any(axis=1)]
    ]
    small = [name for name, why in rows if why == "threshold"]
    protected = [name for name, why in rows if why == "protect"]
    if small:
        alt += (
            f" Not shown because a cell counts too few respondents (disclosure control): "
            f"{', '.join(small)}."
        )
    if protected:
        alt += (
            " Not shown because a cell is withheld to protect a small cell elsewhere "
            f"(disclosure control, marked x): {', '.join(protected)}."
        )
    caption = (
        "Frequency of informal ICT use with clients between sessions, by age group and "
        "country. Weighted percentages (weights raked to workforce "
        "margins); 95 % confidence intervals are in Table 2. Numbers inside bars are "
        f"percentages of at least {LABEL_MIN_PCT:.0f} %."
    )
    if small:
        caption += (
            " Age groups with a suppressed cell (fewer respondents than the disclosure "
            "threshold) are not drawn."
        )
    if protected:
        caption += (
            " Hatched age groups have a cell withheld (x) only so that a small cell "
            "cannot be recovered from the totals."
        )
    flagged = [
        f"{country_name(c)} {age}"
        for c, wide in weighted_percentages(table2).items()
        for age in wide.index
        if (c, str(age)) in flagged_rows(table2) and not wide.loc[age].isna().any()
    ]
    if flagged:
        caption += (
            f" {FLAG_MARK} An estimate in this age group is imprecise (Table 2's flag, after "
            "the NCHS Data Presentation Standards for Proportions, 2017); it is shown, "
            "not suppressed."
        )
        alt += f" Imprecise estimates (flagged in Table 2) in: {', '.join(flagged)}."
    return caption_record(alt, caption, synthetic=synthetic)
