"""Rules plot_sample_figures and plot_model_figures: figures as SVG, PNG and JSON.

Draws the figures the rule names in ``params.figures`` (one set per job, so
matplotlib is imported once per set). Each figure is drawn by the package's
pure ``plot_<figure>`` function from its tables, rendered with ``render`` and
written atomically next to its ``caption_<figure>`` record.
"""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import (
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
from socialwork_ict.rule_io import run_rule, write_bytes, write_json

log = logging.getLogger("socialwork_ict.plot_figures")

#: figure -> (plot function, caption function, the rule's input keys of its tables)
FIGURES = {
    "freq_by_age": (plot_freq_by_age, caption_freq_by_age, ("table2",)),
    "odds_ratios": (plot_odds_ratios, caption_odds_ratios, ("model",)),
    "predicted_often": (plot_predicted_often, caption_predicted_often, ("predicted",)),
    "weighting": (plot_weighting, caption_weighting, ("weights", "margins", "diagnostics")),
    "sensitivity": (plot_sensitivity, caption_sensitivity, ("sensitivity",)),
    "sample_flow": (plot_sample_flow, caption_sample_flow, ("flow",)),
}


def main(snakemake):
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    for name in snakemake.params.figures:
        plot, caption_of, table_keys = FIGURES[name]
        tables = [pd.read_csv(snakemake.input[key]) for key in table_keys]
        figure = plot(*tables, synthetic=synthetic)
        for fmt in ("svg", "png"):
            write_bytes(render(figure, fmt), snakemake.output[f"{name}_{fmt}"])
        caption = caption_of(*tables, synthetic=synthetic)
        write_json(caption, snakemake.output[f"{name}_json"])
        log.info("%s: synthetic=%s; alt text: %s", name, synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
