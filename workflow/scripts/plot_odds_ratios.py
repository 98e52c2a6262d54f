"""Rule plot_odds_ratios: forest plot of the primary model's odds ratios."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import caption_odds_ratios, plot_odds_ratios, render
from socialwork_ict.rule_io import run_rule, write_json

log = logging.getLogger("socialwork_ict.plot_odds_ratios")


def main(snakemake):
    model = pd.read_csv(snakemake.input.model)
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    figure = plot_odds_ratios(model, synthetic=synthetic)
    for fmt in ("svg", "png"):
        Path(snakemake.output[fmt]).write_bytes(render(figure, fmt))
    caption = caption_odds_ratios(model, synthetic=synthetic)
    write_json(caption, snakemake.output.caption)
    log.info("synthetic=%s; alt text: %s", synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
