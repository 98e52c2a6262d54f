"""Draw a set of figures from their published tables and write each one's files.

Stage: figures (rules ``plot_sample_figures`` and ``plot_model_figures``).
Each figure is drawn by its pure ``plot_<figure>`` function, rendered with
:func:`~socialwork_ict.figures.common.render` (deterministic SVG and PNG
bytes) and written atomically next to its ``caption_<figure>`` record
(alt text and caption, JSON). The synthetic-data note follows
``results/clean/data_origin.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from socialwork_ict.figures.common import render
from socialwork_ict.figures.freq_by_age import caption_freq_by_age, plot_freq_by_age
from socialwork_ict.figures.odds_ratios import caption_odds_ratios, plot_odds_ratios
from socialwork_ict.figures.predicted_often import caption_predicted_often, plot_predicted_often
from socialwork_ict.figures.sample_flow import caption_sample_flow, plot_sample_flow
from socialwork_ict.figures.sensitivity import caption_sensitivity, plot_sensitivity
from socialwork_ict.figures.weighting import caption_weighting, plot_weighting
from socialwork_ict.rule_io import write_bytes, write_json

log = logging.getLogger("socialwork_ict.plot_figures")

#: figure -> (plot function, caption function, the rule's input keys of its tables),
#: for every figure of socialwork_ict.names.FIGURES
FIGURE_DRAWERS = {
    "freq_by_age": (plot_freq_by_age, caption_freq_by_age, ("table2",)),
    "odds_ratios": (plot_odds_ratios, caption_odds_ratios, ("model",)),
    "predicted_often": (plot_predicted_often, caption_predicted_often, ("predicted",)),
    "weighting": (plot_weighting, caption_weighting, ("weights", "margins", "diagnostics")),
    "sensitivity": (plot_sensitivity, caption_sensitivity, ("sensitivity",)),
    "sample_flow": (plot_sample_flow, caption_sample_flow, ("flow",)),
}


def draw_figures(
    figures: Iterable[str],
    *,
    tables: Mapping[str, str],
    origin: str | Path,
    outputs: Mapping[str, str],
    weighting: str,
) -> None:
    """Draw ``figures`` and write ``outputs["<figure>_svg|png|json"]``.

    ``tables`` maps a table's input key (FIGURE_DRAWERS) to its CSV file,
    ``origin`` is the cleaning's data_origin.json and ``weighting`` the
    weighting method that ran (labels and captions name it).
    """
    synthetic = bool(json.loads(Path(origin).read_text(encoding="utf-8"))["synthetic"])
    for name in figures:
        plot, caption_of, table_keys = FIGURE_DRAWERS[name]
        frames = [pd.read_csv(tables[key]) for key in table_keys]
        figure = plot(*frames, synthetic=synthetic, weighting=weighting)
        for fmt in ("svg", "png"):
            write_bytes(render(figure, fmt), outputs[f"{name}_{fmt}"])
        caption = caption_of(*frames, synthetic=synthetic, weighting=weighting)
        write_json(caption, outputs[f"{name}_json"])
        log.info("%s: synthetic=%s; alt text: %s", name, synthetic, caption["alt"])
