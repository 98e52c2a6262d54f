"""Rule collect_sensitivity: concatenate the specifications' rows in order."""

from socialwork_ict.rule_io import concatenate_csv, run_rule


def main(snakemake):
    concatenate_csv(snakemake.input.specifications, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
