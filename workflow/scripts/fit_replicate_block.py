"""Rule fit_replicate_block: the primary model refitted with one block of replicates."""

import io
import logging

import numpy as np

from socialwork_ict.inference.replicates import block_ranges
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.models.model_frame import (
    complete_case_rows,
    complete_cases,
    read_model_respondents,
)
from socialwork_ict.models.ordinal import fit_ordinal, ordinal_replicate_estimates
from socialwork_ict.rule_io import run_rule, write_bytes

log = logging.getLogger("socialwork_ict.fit_replicate_block")


def main(snakemake):
    everyone = read_model_respondents(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    ranges = block_ranges(design.n_replicates, int(params.blocks))
    start, stop = ranges[int(snakemake.wildcards.block)]
    frame, _ = complete_cases(everyone)
    fit = fit_ordinal(frame)
    thetas = ordinal_replicate_estimates(
        fit, frame, design.subset(start, stop), complete_case_rows(everyone)
    )
    log.info("replicates %d to %d of %d refitted", start + 1, stop, design.n_replicates)
    buffer = io.BytesIO()
    np.save(buffer, thetas, allow_pickle=False)  # exact float64, read by fit_ordinal_model
    write_bytes(buffer.getvalue(), snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
