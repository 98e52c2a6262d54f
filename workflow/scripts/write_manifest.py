"""Rule write_manifest: results/manifest.tsv (sha256 of inputs and outputs)."""

from socialwork_ict.manifest import MANIFEST_COLUMNS, build_manifest
from socialwork_ict.rule_io import run_rule, write_rows


def main(snakemake):
    manifest = build_manifest(
        {
            "input": [snakemake.input.raw],
            "config": list(snakemake.input.config),
            "output": list(snakemake.input.outputs),
        }
    )
    write_rows(manifest, MANIFEST_COLUMNS, snakemake.output[0], sep="\t")


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
