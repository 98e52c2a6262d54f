"""Rule clean_responses: raw export -> analysis file, exclusions, sample flow
(socialwork_ict.cleaning.clean_export)."""

from socialwork_ict.cleaning import clean_export
from socialwork_ict.rule_io import run_rule, write_json, write_parquet, write_table


def main(snakemake):
    result, origin = clean_export(
        snakemake.input.raw,
        snakemake.input.codebook,
        countries=tuple(snakemake.params.countries),
        synthetic=snakemake.params.synthetic,
        failed_sample_flow=snakemake.params.failed_sample_flow,
    )
    write_parquet(result.analysis, snakemake.output.analysis)
    write_table(result.exclusions, snakemake.output.exclusions)
    write_table(result.sample_flow, snakemake.output.sample_flow)
    write_json(origin, snakemake.output.origin)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
