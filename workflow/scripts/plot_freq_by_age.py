"""Rule plot_freq_by_age: weighted ict_freq by age group, diverging stacked bars."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures import caption_freq_by_age, plot_freq_by_age, render
from socialwork_ict.rule_io import run_rule, write_json

log = logging.getLogger("socialwork_ict.plot_freq_by_age")


def main(snakemake):
    table2 = pd.read_csv(snakemake.input.table2)
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    figure = plot_freq_by_age(table2, synthetic=synthetic)
    for fmt in ("svg", "png"):
        Path(snakemake.output[fmt]).write_bytes(render(figure, fmt))
    caption = caption_freq_by_age(table2, synthetic=synthetic)
    write_json(caption, snakemake.output.caption)
    log.info("synthetic=%s; alt text: %s", synthetic, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
