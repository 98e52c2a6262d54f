"""Rule plot_weighting: weight distribution and achieved vs target margins."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import caption_weighting, plot_weighting, render
from socialwork_ict.rule_io import run_rule, write_json

log = logging.getLogger("socialwork_ict.plot_weighting")


def main(snakemake):
    weights = pd.read_csv(snakemake.input.weights)
    margins = pd.read_csv(snakemake.input.margins)
    diagnostics = pd.read_csv(snakemake.input.diagnostics)
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    figure = plot_weighting(weights, margins, diagnostics, synthetic=synthetic)
    for fmt in ("svg", "png"):
        Path(snakemake.output[fmt]).write_bytes(render(figure, fmt))
    caption = caption_weighting(weights, margins, diagnostics, synthetic=synthetic)
    write_json(caption, snakemake.output.caption)
    log.info("synthetic=%s; alt text: %s", synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
