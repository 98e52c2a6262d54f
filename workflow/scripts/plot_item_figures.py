"""Rule plot_item_figures: one figure per survey section of the plan (SVG, PNG, JSON)."""

import json
import logging
from pathlib import Path

import pandas as pd

from socialwork_ict.figures.common import render
from socialwork_ict.figures.items import caption_items_section, plot_items_section
from socialwork_ict.rule_io import run_rule, write_bytes, write_json

log = logging.getLogger("socialwork_ict.plot_item_figures")


def main(snakemake):
    origin = json.loads(Path(snakemake.input.origin).read_text(encoding="utf-8"))
    synthetic = bool(origin["synthetic"])
    plan = json.loads(Path(snakemake.input.plan).read_text(encoding="utf-8"))
    table3 = pd.read_csv(snakemake.input.table3, keep_default_na=False, na_values=[""])
    for section in plan["sections"]:
        absent = [a["item"] for a in plan["absent"] if a["section"] == section["id"]]
        name = f"items_{section['id']}"
        figure = plot_items_section(table3, section, synthetic=synthetic, absent=absent)
        for fmt in ("svg", "png"):
            write_bytes(render(figure, fmt), snakemake.output[f"{name}_{fmt}"])
        caption = caption_items_section(table3, section, synthetic=synthetic, absent=absent)
        write_json(caption, snakemake.output[f"{name}_json"])
        log.info("%s: alt text: %s", name, caption["alt"])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
