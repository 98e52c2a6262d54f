"""Rule fit_ordinal_model: primary proportional-odds model, vcov, predictions
(socialwork_ict.models.primary.fit_primary_model)."""

import numpy as np

from socialwork_ict.inference.variance import rule_design
from socialwork_ict.models.model_frame import read_model_respondents
from socialwork_ict.models.primary import fit_primary_model, save_vcov
from socialwork_ict.rule_io import run_rule, write_json, write_table


def main(snakemake):
    everyone = read_model_respondents(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    # replicate_jobs: per_block: the replicate refits come from fit_replicate_block's jobs
    blocks = list(snakemake.input.replicate_blocks)
    thetas = np.vstack([np.load(path, allow_pickle=False) for path in blocks]) if blocks else None
    model = fit_primary_model(everyone, design, thetas=thetas)
    write_table(model.coefficients, snakemake.output.coefficients)
    write_table(model.vcov, snakemake.output.vcov)
    save_vcov(model.vcov, snakemake.output.vcov_exact)
    write_table(model.predicted, snakemake.output.predicted)
    write_json(model.info, snakemake.output.info)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
