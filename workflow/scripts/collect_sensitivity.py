"""Rule collect_sensitivity: concatenate the specifications' rows in order."""

from pathlib import Path

from socialwork_ict.rule_io import run_rule


def main(snakemake):
    # Plain text concatenation (header once): no pandas import, bytes unchanged.
    lines = []
    for number, path in enumerate(snakemake.input.specifications):
        rows = Path(path).read_text(encoding="utf-8").splitlines(keepends=True)
        lines.extend(rows if number == 0 else rows[1:])
    Path(snakemake.output[0]).write_text("".join(lines), encoding="utf-8")


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
