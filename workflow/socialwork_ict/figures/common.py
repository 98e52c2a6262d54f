"""Figures stage: the committed style, shared labels and deterministic rendering.

Every figure is built on a :class:`matplotlib.figure.Figure` (no pyplot, no
global backend) while the committed style file ``socialwork.mplstyle`` is
active, and rendered to bytes by :func:`render` with that style active again
(``svg.hashsalt`` and ``savefig.dpi`` are read at save time). Dates and the
creating software are left out of the file metadata, so the same tables give
byte-identical SVG and PNG files.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib import colormaps
from matplotlib import rcParams as rc
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from socialwork_ict.codes import FACTOR_LEVELS, ICT_FREQ_LABELS
from socialwork_ict.names import POOLED
from socialwork_ict.names import SYNTHETIC_FIGURE_NOTE as SYNTHETIC_NOTE

STYLE_FILE = Path(__file__).with_name("socialwork.mplstyle")

NOTE_COLOUR = "#A63603"
POSITION_DECIMALS = 6  # axes positions, in figure fractions (see finish)


@dataclass(frozen=True)
class WeightingWords:
    """How figure titles, labels and captions name the weighting that ran.

    One set per ``weighting.method`` (data contract §2), so that no label
    says "raked" when the weights were post-stratified or all 1.
    """

    population: str  # figure subtitles
    short: str  # "weighted (raked)"
    weights: str  # "raked weights"
    weight_axis: str
    adjusted: str  # "after raking"
    percentages: str  # the weighted percentages of a caption
    subtitle: str  # the weighting figure's subtitle, with {variables}
    category: str  # a category of the weighting variables


WEIGHTING_WORDS = {
    "rake": WeightingWords(
        population="Social workers, weighted (raked to workforce margins)",
        short="weighted (raked)",
        weights="raked weights",
        weight_axis="Raked weight (mean 1 within country)",
        adjusted="after raking",
        percentages="Weighted percentages (weights raked to workforce margins)",
        subtitle="Social workers; weights raked within each country to workforce margins "
        "of {variables}",
        category="raking category",
    ),
    "poststratify": WeightingWords(
        population="Social workers, weighted (post-stratified to workforce cells)",
        short="weighted (post-stratified)",
        weights="post-stratified weights",
        weight_axis="Post-stratified weight (mean 1 within country)",
        adjusted="after post-stratification",
        percentages="Weighted percentages (weights post-stratified to workforce cells)",
        subtitle="Social workers; weights post-stratified within each country to workforce "
        "cells of {variables}",
        category="weighting category",
    ),
    "none": WeightingWords(
        population="Social workers, unweighted (every weight 1)",
        short="unweighted",
        weights="weights (every weight 1: no weighting)",
        weight_axis="Weight (every weight 1: no weighting)",
        adjusted="with every weight 1",
        percentages="Unweighted percentages (no weighting)",
        subtitle="Social workers; no weighting (every weight 1); workforce margins of "
        "{variables} for comparison",
        category="target category",
    ),
}


def weighting_words(method: str) -> WeightingWords:
    """The labels for ``weighting.method`` (``rake``, ``poststratify`` or ``none``)."""
    return WEIGHTING_WORDS[method]


COUNTRY_NAMES = {
    "CA": "Canada",
    "US": "United States",
    "IL": "Israel",
    "UK": "United Kingdom",
    POOLED: "All countries (pooled)",
}
POOLED_COLOUR = "#000000"

VARIABLE_NAMES = {"age_group": "Age", "country": "Country", "gender": "Gender", "sector": "Sector"}
SPECIAL_TERMS = {"age_per_10y": "Age, per 10 years"}

# SVG: no date (it would change every run) and no software version;
# PNG: no "Software" text chunk. Keys as in matplotlib's savefig(metadata=...).
METADATA = {
    "svg": {"Date": None, "Creator": None},
    "png": {"Software": None},
}

_TERM = re.compile(r"^(?P<variable>[A-Za-z_]+)\[(?P<level>.*)\]$")


@contextmanager
def figure_style() -> Iterator[None]:
    """Matplotlib's defaults plus the committed style file, for one block."""
    with matplotlib.style.context(STYLE_FILE, after_reset=True):
        yield


def new_figure(
    width: float, height: float, *, title: str, subtitle: str, synthetic: bool
) -> Figure:
    """A constrained-layout figure with a two-line title and the synthetic note.

    Call inside :func:`figure_style`. The note is the figure's bottom label, which
    the constrained layout makes room for, so it never overlaps the axes.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.suptitle(f"{title}\n{subtitle}", fontsize=rc["figure.titlesize"], linespacing=1.4)
    if synthetic:
        # supxlabel: a figure-level text that the constrained layout makes room for
        fig.supxlabel(
            SYNTHETIC_NOTE,
            fontsize=8.5,
            fontstyle="italic",
            color=NOTE_COLOUR,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "#FEE6CE", "edgecolor": NOTE_COLOUR},
        )
    return fig


def finish(fig: Figure) -> Figure:
    """Run the constrained layout once and freeze it (call inside figure_style).

    Constrained layout otherwise runs again at every save, starting from the
    previous positions, so two saves of one figure could differ by a fraction
    of a point. The solver (kiwisolver) is also not bit-reproducible between
    figures: two builds of one figure can place an axes one floating-point ulp
    apart, and the SVG backend names each clip path by a hash of the full
    ``repr`` of its rectangle. Axes positions are therefore rounded to
    ``POSITION_DECIMALS`` decimals of the figure size (1e-6 of 7 in is 5e-4 pt),
    which no reader can see and which makes the clip ids reproducible.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    for ax in fig.axes:
        bounds = [round(float(b), POSITION_DECIMALS) for b in ax.get_position(original=True).bounds]
        ax.set_position(bounds, which="both")
    return fig


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes, reproducibly (same figure, same bytes)."""
    if fmt not in METADATA:
        raise ValueError(f"unknown figure format {fmt!r}; expected one of {sorted(METADATA)}")
    metadata = dict(METADATA[fmt])
    if fmt == "svg":
        metadata["Title"] = fig.get_suptitle().split("\n")[0]
    buffer = io.BytesIO()
    with figure_style():
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def category_colours(n: int) -> list[str]:
    """The first n colours of the style's (Okabe-Ito) cycle; call inside figure_style."""
    cycle = rc["axes.prop_cycle"].by_key()["color"]
    return [cycle[i % len(cycle)] for i in range(n)]


def country_colours(countries: Iterable[str]) -> dict[str, str]:
    """One colour per country in the given order; the pooled row is black."""
    countries = list(countries)
    single = [c for c in countries if c != POOLED]
    colours = dict(zip(single, category_colours(len(single)), strict=True))
    if POOLED in countries:
        colours[POOLED] = POOLED_COLOUR
    return colours


def scale_colours() -> dict[int, tuple]:
    """ict_freq code -> colour: the style's diverging colormap at 5 points.

    The neutral middle ("sometimes") is a light grey rather than near-white, so
    it stays visible on the white background.
    """
    cmap = colormaps[rc["image.cmap"]]
    colours = {
        code: cmap(x) for code, x in zip(ICT_FREQ_LABELS, np.linspace(0.1, 0.9, 5), strict=True)
    }
    colours[3] = (0.8, 0.8, 0.8, 1.0)
    return colours


def ordered_countries(values: Iterable[str]) -> list[str]:
    """Countries in table order, the pooled row last."""
    seen = list(dict.fromkeys(str(v) for v in values))
    return [c for c in seen if c != POOLED] + ([POOLED] if POOLED in seen else [])


def ordered_age_groups(values: Iterable[str]) -> list[str]:
    """The contract's age-group order; unknown labels after it, in table order."""
    seen = list(dict.fromkeys(str(v) for v in values))
    known = [a for a in FACTOR_LEVELS["age_group"] if a in seen]
    return known + [a for a in seen if a not in known]


def country_name(code: str) -> str:
    return COUNTRY_NAMES.get(code, code)


def term_label(term: str) -> str:
    """``age_group[60+]`` -> ``Age 60+ (vs <30)``; unknown terms as they are."""
    if term in SPECIAL_TERMS:
        return SPECIAL_TERMS[term]
    match = _TERM.match(term)
    if not match:
        return term
    variable, level = match["variable"], match["level"]
    name = VARIABLE_NAMES.get(variable, variable)
    reference = FACTOR_LEVELS.get(variable, (None,))[0]
    return f"{name} {level} (vs {reference})" if reference else f"{name} {level}"


def term_variable(term: str) -> str:
    match = _TERM.match(term)
    return match["variable"] if match else term


def log_odds_axis(ax: Axes, low: float, high: float, *, label: str) -> None:
    """A log x axis for odds ratios with plain-number ticks and a line at 1."""
    low, high = min(low, 1.0) / 1.25, max(high, 1.0) * 1.25
    candidates = (0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50)
    ticks = [t for t in candidates if low <= t <= high]
    if len(ticks) > 7:  # wide ranges: keep the 1-2-5 ticks only
        ticks = [t for t in ticks if t not in (0.25, 4)]
    if len(ticks) < 5:  # narrow ranges: finer ticks
        finer = (0.25, 0.5, 0.67, 0.8, 1, 1.25, 1.5, 2, 3, 4)
        ticks = sorted({t for t in (*ticks, *finer) if low <= t <= high})
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--", zorder=1)
    ax.grid(axis="x")
    ax.set_xlabel(label)


def finite_range(*columns) -> tuple[float, float]:
    """Smallest and largest finite value over columns (1, 1 when there is none)."""
    values = np.concatenate([np.asarray(c, dtype=float).ravel() for c in columns])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1.0, 1.0
    return float(values.min()), float(values.max())


def with_synthetic_note(caption: str, *, synthetic: bool) -> str:
    return f"{caption} {SYNTHETIC_NOTE}." if synthetic else caption


def caption_record(alt: str, caption: str, *, synthetic: bool) -> dict:
    """The figure's alt text and caption (both carry the synthetic note when synthetic)."""
    return {
        "alt": with_synthetic_note(alt, synthetic=synthetic),
        "caption": with_synthetic_note(caption, synthetic=synthetic),
        "synthetic": bool(synthetic),
    }


def pct(value: float, digits: int = 0) -> str:
    return f"{100 * value:.{digits}f} %"


def draw_interval(
    ax: Axes, y: float, estimate: float, low: float, high: float, *, colour: str, marker="o"
) -> bool:
    """One point estimate with its 95 % CI on a forest plot; "not fitted" when NaN.

    Returns whether the row was drawn as an estimate.
    """
    if not np.isfinite(estimate):
        box = {"boxstyle": "square,pad=0.15", "facecolor": "white", "linewidth": 0}
        ax.text(1.0, y, "not fitted", ha="center", va="center", fontsize=7.5,
                fontstyle="italic", color="#555555", bbox=box)  # fmt: skip
        return False
    if np.isfinite(low) and np.isfinite(high):
        ax.plot([low, high], [y, y], color=colour, linewidth=1.4, solid_capstyle="butt")
    ax.plot([estimate], [y], marker=marker, color=colour, markersize=5, linestyle="none")
    return True
