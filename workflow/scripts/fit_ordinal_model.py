"""Rule fit_ordinal_model: primary proportional-odds model, vcov, predictions."""

import logging
from dataclasses import replace

import numpy as np

from socialwork_ict.inference.variance import design_description, rule_design
from socialwork_ict.models.model_frame import (
    complete_case_rows,
    complete_cases,
    read_model_respondents,
)
from socialwork_ict.models.ordinal import coefficient_deff, fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.predict import standardised_predictions
from socialwork_ict.rule_io import run_rule, write_json, write_table

log = logging.getLogger("socialwork_ict.fit_ordinal_model")


def main(snakemake):
    everyone = read_model_respondents(snakemake.input.weighted)
    params = snakemake.params
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    frame, n_left_out = complete_cases(everyone)
    rows = complete_case_rows(everyone)
    fit = fit_ordinal(frame)
    # replicate_jobs: per_block: the replicate refits come from fit_replicate_block's jobs
    blocks = list(snakemake.input.replicate_blocks)
    thetas = np.vstack([np.load(path, allow_pickle=False) for path in blocks]) if blocks else None
    vcov, df_residual = ordinal_design_vcov(fit, frame, design, rows, thetas=thetas)
    fit = replace(fit, vcov=vcov, df_residual=df_residual)
    variance = (
        f"{design_description(design)}, strata = country, every eligible respondent in the "
        "design (item non-response as domains, R's rule)"
    )
    log.info("%d complete cases, %d left out; converged=%s after %d iterations",
             fit.n, n_left_out, fit.converged, fit.iterations)  # fmt: skip
    for warning in fit.warnings:
        log.warning("model warning: %s", warning)
    coefficients = fit.coef_table()
    coefficients["deff"] = coefficient_deff(fit).to_numpy()
    write_table(coefficients, snakemake.output.coefficients)
    write_table(fit.vcov.rename_axis("term").reset_index(), snakemake.output.vcov)
    predictions = standardised_predictions(fit, frame, design=design, rows=rows)
    write_table(predictions, snakemake.output.predicted)
    write_json(
        {
            "model": "ict_freq ~ age_group + country + gender + sector (proportional odds, logit)",
            "variance": variance,
            "n_complete_cases": int(fit.n),
            "n_left_out_missing": n_left_out,
            "df_residual": int(fit.df_residual),
            "converged": bool(fit.converged),
            "iterations": int(fit.iterations),
            "max_gradient": float(fit.max_gradient),
            "warnings": list(fit.warnings),
        },
        snakemake.output.info,
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
