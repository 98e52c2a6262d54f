"""Rule plot_sample_flow: rows excluded and remaining per cleaning step."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import caption_sample_flow, plot_sample_flow, render
from socialwork_ict.rule_io import run_rule, write_json

log = logging.getLogger("socialwork_ict.plot_sample_flow")


def main(snakemake):
    flow = pd.read_csv(snakemake.input.flow)
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    figure = plot_sample_flow(flow, synthetic=synthetic)
    for fmt in ("svg", "png"):
        Path(snakemake.output[fmt]).write_bytes(render(figure, fmt))
    caption = caption_sample_flow(flow, synthetic=synthetic)
    write_json(caption, snakemake.output.caption)
    log.info("synthetic=%s; alt text: %s", synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
