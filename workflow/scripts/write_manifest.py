"""Rule write_manifest: results/manifest.tsv (sha256 of inputs and outputs)."""

from socialwork_ict.manifest import build_manifest
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    manifest = build_manifest(
        {
            "input": [snakemake.input.raw],
            "config": list(snakemake.input.config),
            "output": list(snakemake.input.outputs),
        }
    )
    write_table(manifest, snakemake.output[0], sep="\t")


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
