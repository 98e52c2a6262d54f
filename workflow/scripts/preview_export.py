"""Rule preview_export: every raw value of the export and what the codebook makes of it."""

import logging
from pathlib import Path

from socialwork_ict.codebook import load_codebook
from socialwork_ict.ingest import read_export_and_table
from socialwork_ict.preview import preview_export, render_preview_html
from socialwork_ict.rule_io import run_rule, write_bytes, write_table

log = logging.getLogger("socialwork_ict.preview_export")


def main(snakemake):
    raw_path = Path(snakemake.input.raw)
    codebook = load_codebook(snakemake.input.codebook)
    raw, export = read_export_and_table(raw_path, codebook)
    preview = preview_export(raw, export, codebook, countries=tuple(snakemake.params.countries))
    for warning in export.warnings:
        log.warning("%s", warning)
    invalid = preview[preview["status"].str.startswith("invalid")]
    for row in invalid.itertuples():
        log.warning(
            "column %r: %r (%d rows) is %s", row.raw_column, row.raw_value, row.n, row.status
        )
    write_table(preview, snakemake.output.csv)
    name = "synthetic default" if snakemake.params.synthetic else raw_path.name
    html = render_preview_html(preview, file=name, warnings=export.warnings)
    write_bytes(html.encode("utf-8"), snakemake.output.html)
    log.info("preview of %s: %d rows, %d invalid values", name, len(preview), len(invalid))


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
