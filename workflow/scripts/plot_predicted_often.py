"""Rule plot_predicted_often: predicted P(often/very often) by age group and country."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import caption_predicted_often, plot_predicted_often, render
from socialwork_ict.rule_io import run_rule, write_json

log = logging.getLogger("socialwork_ict.plot_predicted_often")


def main(snakemake):
    predicted = pd.read_csv(snakemake.input.predicted)
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    figure = plot_predicted_often(predicted, synthetic=synthetic)
    for fmt in ("svg", "png"):
        Path(snakemake.output[fmt]).write_bytes(render(figure, fmt))
    caption = caption_predicted_often(predicted, synthetic=synthetic)
    write_json(caption, snakemake.output.caption)
    log.info("synthetic=%s; alt text: %s", synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
