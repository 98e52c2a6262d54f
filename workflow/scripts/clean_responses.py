"""Rule clean_responses: raw export -> analysis file, exclusions, sample flow."""

import logging
from pathlib import Path

from socialwork_ict.cleaning import EmptySampleError, clean_responses, data_origin
from socialwork_ict.codebook import load_codebook
from socialwork_ict.ingest import read_export
from socialwork_ict.rule_io import run_rule, write_json, write_parquet, write_table

log = logging.getLogger("socialwork_ict.clean_responses")


def log_sample_flow(sample_flow, level=logging.INFO):
    for row in sample_flow.itertuples():
        log.log(
            level,
            "step %s %s: excluded %s, remaining %s",
            row.step,
            row.reason,
            row.n_excluded,
            row.n_remaining,
        )


def main(snakemake):
    raw_path = Path(snakemake.input.raw)
    codebook = load_codebook(snakemake.input.codebook)
    export = read_export(raw_path, codebook)
    try:
        result = clean_responses(
            export, codebook, file=raw_path.name, countries=tuple(snakemake.params.countries)
        )
    except EmptySampleError as error:
        # the sample flow up to the step that emptied it, outside results/
        log_sample_flow(error.sample_flow, logging.WARNING)
        write_table(error.sample_flow, snakemake.params.failed_sample_flow)
        raise
    log_sample_flow(result.sample_flow)
    for warning in result.warnings:
        log.warning("%s", warning)
    write_parquet(result.analysis, snakemake.output.analysis)
    write_table(result.exclusions, snakemake.output.exclusions)
    write_table(result.sample_flow, snakemake.output.sample_flow)
    write_json(
        data_origin(result, raw_path, synthetic=snakemake.params.synthetic), snakemake.output.origin
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
