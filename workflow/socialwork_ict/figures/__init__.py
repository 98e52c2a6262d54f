"""Figures stage: one pure function per published figure, plus its alt text and caption.

Each ``plot_<name>(table(s), *, synthetic)`` returns a
:class:`matplotlib.figure.Figure` drawn with the committed style file
(``socialwork.mplstyle``); each ``caption_<name>(...)`` returns
``{"alt", "caption", "synthetic"}`` read from the same tables. No file I/O:
rule scripts render with :func:`render` (deterministic SVG/PNG bytes) and write.
"""

from socialwork_ict.figures.common import STYLE_FILE, SYNTHETIC_NOTE, render
from socialwork_ict.figures.freq_by_age import caption_freq_by_age, plot_freq_by_age
from socialwork_ict.figures.odds_ratios import caption_odds_ratios, plot_odds_ratios
from socialwork_ict.figures.predicted_often import caption_predicted_often, plot_predicted_often
from socialwork_ict.figures.sample_flow import caption_sample_flow, plot_sample_flow
from socialwork_ict.figures.sensitivity import caption_sensitivity, plot_sensitivity
from socialwork_ict.figures.weighting import caption_weighting, plot_weighting

__all__ = [
    "STYLE_FILE",
    "SYNTHETIC_NOTE",
    "caption_freq_by_age",
    "caption_odds_ratios",
    "caption_predicted_often",
    "caption_sample_flow",
    "caption_sensitivity",
    "caption_weighting",
    "plot_freq_by_age",
    "plot_odds_ratios",
    "plot_predicted_often",
    "plot_sample_flow",
    "plot_sensitivity",
    "plot_weighting",
    "render",
]
