"""Figures: each plot function on tiny hand-made tables, the synthetic note,
captions, suppressed / not-fitted rows, and byte-identical rendering."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from socialwork_ict.figures import (
    STYLE_FILE,
    SYNTHETIC_NOTE,
    caption_freq_by_age,
    caption_odds_ratios,
    caption_predicted_often,
    caption_sample_flow,
    caption_sensitivity,
    caption_weighting,
    plot_freq_by_age,
    plot_odds_ratios,
    plot_predicted_often,
    plot_sample_flow,
    plot_sensitivity,
    plot_weighting,
    render,
)
from socialwork_ict.figures.common import POSITION_DECIMALS

AGES = ("<30", "30-39", "40-49", "50-59", "60+")


def table2() -> pd.DataFrame:
    rows = []
    for country in ("CA", "US", "ALL"):
        for i, age in enumerate(AGES):
            pct = np.array([30 - 3 * i, 30, 20, 12 + 2 * i, 8 + i], dtype=float)
            pct = 100 * pct / pct.sum()
            for code, p in enumerate(pct, start=1):
                rows.append((country, age, code, str(20 + code), p, p - 3, p + 3))
    return pd.DataFrame(
        rows, columns=["country", "age_group", "ict_freq", "n", "pct_weighted", "ci_low", "ci_high"]
    )


def model() -> pd.DataFrame:
    terms = ["age_group[30-39]", "age_group[60+]", "country[US]", "sector[other]", "threshold 1|2"]
    estimate = np.array([0.4, 0.3, -0.2, 0.0, -1.0])
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": estimate,
            "std_error": 0.1,
            "odds_ratio": np.exp(estimate),
            "ci_low": np.exp(estimate - 0.2),
            "ci_high": np.exp(estimate + 0.2),
            "p_value": 0.01,
        }
    )


def predicted() -> pd.DataFrame:
    rows = []
    for country in ("CA", "US", "ALL"):
        for i, age in enumerate(AGES):
            for outcome, p in (("ict_freq=1", 0.3), ("ict_freq>=4", 0.15 + 0.03 * i)):
                rows.append((country, age, outcome, p, 0.01, p - 0.02, p + 0.02, 100))
    return pd.DataFrame(
        rows,
        columns=["country", "age_group", "outcome", "estimate", "std_error", "ci_low",
                 "ci_high", "n"],
    )  # fmt: skip


def weights() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": [f"R{i}" for i in range(8)],
            "country": ["CA"] * 4 + ["US"] * 4,
            "weight": [0.8, 1.0, 1.0, 1.2, 0.5, 0.9, 1.1, 1.5],
        }
    )


def margins() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["CA", "CA", "CA", "US", "US"],
            "variable": ["age_group", "age_group", "gender", "gender", "gender"],
            "category": ["<30", "30-39", "(missing)", "woman", "man"],
            "in_targets": [True, True, False, True, True],
            "n": ["3", "1", "<5", "3", "1"],
            "sample_share": [0.75, 0.25, 0.01, 0.75, 0.25],
            "weighted_share": [0.6, 0.4, 0.01, 0.8, 0.2],
            "target_share": [0.6, 0.4, np.nan, 0.8, 0.2],
        }
    )


def diagnostics() -> pd.DataFrame:
    return pd.DataFrame({"country": ["CA", "US"], "deff_kish": [1.02, 1.2]})


def sensitivity() -> pd.DataFrame:
    rows = []
    for spec in ("weighted", "country_UK", "age_continuous"):
        terms = (
            ["age_per_10y"] if spec == "age_continuous" else ["age_group[30-39]", "age_group[60+]"]
        )
        for term in terms:
            odds = np.nan if spec == "country_UK" else 1.4
            rows.append((spec, "a description", term, np.log(odds), 0.1, odds, odds / 1.2,
                         odds * 1.2, 0.01, 100, ""))  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["specification", "description", "term", "estimate", "std_error", "odds_ratio",
                 "ci_low", "ci_high", "p_value", "n", "warnings"],
    )  # fmt: skip


def sample_flow() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [0, 1, 2],
            "reason": ["rows read from the raw file", "consent not 1", "duplicate submission"],
            "n_excluded": [0, 5, 2],
            "n_remaining": [100, 95, 93],
        }
    )


FIGURES = {
    "freq_by_age": (plot_freq_by_age, caption_freq_by_age, lambda: (table2(),)),
    "odds_ratios": (plot_odds_ratios, caption_odds_ratios, lambda: (model(),)),
    "predicted_often": (plot_predicted_often, caption_predicted_often, lambda: (predicted(),)),
    "weighting": (
        plot_weighting,
        caption_weighting,
        lambda: (weights(), margins(), diagnostics()),
    ),
    "sensitivity": (plot_sensitivity, caption_sensitivity, lambda: (sensitivity(),)),
    "sample_flow": (plot_sample_flow, caption_sample_flow, lambda: (sample_flow(),)),
}


def figure_texts(fig: Figure) -> list[str]:
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in texts if t]


@pytest.mark.parametrize("name", sorted(FIGURES))
@pytest.mark.parametrize("synthetic", [True, False])
def test_plot_returns_a_labelled_figure(name, synthetic):
    plot, _, tables = FIGURES[name]
    fig = plot(*tables(), synthetic=synthetic)
    assert isinstance(fig, Figure)
    title = fig.get_suptitle()
    assert "Social workers" in title or "respondents" in title
    assert "weighted" in title or "raked" in title  # says whether weighted
    data_axes = [ax for ax in fig.axes if ax.axison]
    assert data_axes
    for ax in data_axes:
        assert ax.get_xlabel() or ax.get_ylabel(), f"{name}: an axes without labels"
    assert any(ax.get_xlabel() for ax in data_axes)
    assert any(ax.get_ylabel() for ax in data_axes)
    assert (SYNTHETIC_NOTE in figure_texts(fig)) is synthetic


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_rendering_is_byte_identical(name):
    plot, _, tables = FIGURES[name]
    for fmt in ("svg", "png"):
        first = render(plot(*tables(), synthetic=True), fmt)
        fig = plot(*tables(), synthetic=True)
        again = [render(fig, fmt), render(fig, fmt)]
        assert first == again[0] == again[1], f"{name}.{fmt} differs between renders"
    svg = render(plot(*tables(), synthetic=True), "svg")
    assert b"<dc:date>" not in svg and b"Matplotlib v" not in svg
    assert b"Software" not in render(plot(*tables(), synthetic=True), "png")


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_axes_positions_are_rounded_so_clip_ids_repeat(name):
    """The layout solver can place an axes one ulp apart between two builds of
    one figure (seen in CI: freq_by_age's clip-path ids differed); finish()
    rounds positions so that cannot reach the SVG's hashed ids."""
    plot, _, tables = FIGURES[name]
    fig = plot(*tables(), synthetic=True)
    assert isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine)  # frozen
    for ax in fig.axes:
        x0, y0 = ax.get_position(original=True).p0
        assert x0 == round(x0, POSITION_DECIMALS) and y0 == round(y0, POSITION_DECIMALS)


@pytest.mark.parametrize("name", sorted(FIGURES))
@pytest.mark.parametrize("synthetic", [True, False])
def test_captions_mention_synthetic(name, synthetic):
    _, caption, tables = FIGURES[name]
    record = caption(*tables(), synthetic=synthetic)
    assert set(record) == {"alt", "caption", "synthetic"}
    assert record["synthetic"] is synthetic
    for key in ("alt", "caption"):
        assert record[key]
        assert (SYNTHETIC_NOTE in record[key]) is synthetic


def test_alt_texts_read_the_direction_from_the_data():
    assert "lowest among the <30 age group" in caption_freq_by_age(table2(), synthetic=False)["alt"]
    assert "more frequent use" in caption_odds_ratios(model(), synthetic=False)["alt"]
    flipped = model().assign(odds_ratio=lambda m: 1 / m["odds_ratio"], ci_low=0.5, ci_high=0.9)
    assert "less frequent use" in caption_odds_ratios(flipped, synthetic=False)["alt"]
    alt = caption_predicted_often(predicted(), synthetic=False)["alt"]
    assert "lowest predicted share in 2 of 2 countries" in alt
    assert "93 eligible respondents" in caption_sample_flow(sample_flow(), synthetic=False)["alt"]


def test_odds_ratio_plot_leaves_out_thresholds():
    fig = plot_odds_ratios(model(), synthetic=False)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 4 and not any("threshold" in label for label in labels)
    assert "Age 30-39 (vs <30)" in labels
    assert fig.axes[0].get_xscale() == "log"


def test_sensitivity_marks_specifications_not_fitted():
    fig = plot_sensitivity(sensitivity(), synthetic=False)
    assert "not fitted" in figure_texts(fig)
    assert (
        "Not fitted: United Kingdom only"
        in caption_sensitivity(sensitivity(), synthetic=False)["alt"]
    )


def test_suppressed_cells_are_not_drawn_as_zero():
    table = table2()
    hit = (table["country"] == "US") & (table["age_group"] == "<30") & (table["ict_freq"] <= 2)
    table.loc[hit, ["n", "pct_weighted", "ci_low", "ci_high"]] = ["<5", np.nan, np.nan, np.nan]
    fig = plot_freq_by_age(table, synthetic=False)
    assert "suppressed (cells < 5)" in figure_texts(fig)
    assert "United States <30" in caption_freq_by_age(table, synthetic=False)["alt"]


def test_cells_hidden_to_protect_others_are_drawn_differently():
    """Issue 13: "x" (withheld to protect a small cell) is not labelled as a small cell."""
    table = table2()
    hit = (table["country"] == "US") & (table["age_group"] == "<30") & (table["ict_freq"] <= 2)
    table.loc[hit, ["n", "pct_weighted", "ci_low", "ci_high"]] = ["x", np.nan, np.nan, np.nan]
    fig = plot_freq_by_age(table, synthetic=False)
    texts = figure_texts(fig)
    assert "withheld (x: protects a small cell)" in texts
    assert "suppressed (cells < 5)" not in texts
    hatched = [p for ax in fig.axes for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    record = caption_freq_by_age(table, synthetic=False)
    assert "withheld to protect a small cell elsewhere (disclosure control, marked x): " \
        "United States <30" in record["alt"]  # fmt: skip
    assert "too few respondents" not in record["alt"]


def test_reliability_flag_marks_the_age_group():
    table = table2().assign(flag="")
    hit = (table["country"] == "CA") & (table["age_group"] == "60+") & (table["ict_freq"] == 5)
    table.loc[hit, "flag"] = "n_eff < 30"
    fig = plot_freq_by_age(table, synthetic=False)
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "60+\u2020" in ticks and ticks.count("60+\u2020") == 1
    record = caption_freq_by_age(table, synthetic=False)
    assert "NCHS" in record["caption"] and "Canada 60+" in record["alt"]
    plain = caption_freq_by_age(table2(), synthetic=False)
    assert "NCHS" not in plain["caption"]


def test_figure_code_does_not_import_pyplot():
    code = "import sys, socialwork_ict.figures; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_style_file_fixes_the_svg_hash_salt():
    text = STYLE_FILE.read_text(encoding="utf-8")
    assert "svg.hashsalt:" in text and "axes.spines.top: False" in text


def test_weighting_caption_names_why_each_category_is_withheld():
    """``<k`` and ``x`` margins are counted apart; an ``x`` category is never called small."""
    table = margins()
    table.loc[3, ["n", "sample_share", "weighted_share"]] = ["<5", np.nan, np.nan]
    table.loc[4, ["n", "sample_share", "weighted_share"]] = ["x", np.nan, np.nan]
    table.loc[0, "sample_share"] = np.nan  # its share would reveal a withheld count
    alt = caption_weighting(weights(), table, diagnostics(), synthetic=False)["alt"]
    assert (
        "3 categories (1 with fewer than 5 respondents; 1 withheld to protect those; "
        "1 whose sample share would reveal a withheld one) (disclosure control) are not shown"
    ) in alt
    assert "suppressed" not in alt


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_weighting_no_word_of_raking(name):
    """``weighting.method: none``: no title, label, alt text or caption says raked."""
    plot, caption, tables = FIGURES[name]
    fig = plot(*tables(), synthetic=False, weighting="none")
    record = caption(*tables(), synthetic=False, weighting="none")
    texts = [*figure_texts(fig), record["alt"], record["caption"]]
    assert not [t for t in texts if "rak" in t.lower()]
    raked = [
        *figure_texts(plot(*tables(), synthetic=False)),
        caption(*tables(), synthetic=False)["caption"],
    ]
    if name in ("freq_by_age", "odds_ratios", "predicted_often", "weighting", "sensitivity"):
        assert any("rak" in t.lower() for t in raked)  # the default names its raking
