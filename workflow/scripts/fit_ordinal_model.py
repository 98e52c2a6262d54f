"""Rule fit_ordinal_model: primary proportional-odds model, vcov, predictions."""

import logging

import pandas as pd

from socialwork_ict.models.model_frame import MODEL_VARIABLES, complete_cases
from socialwork_ict.models.ordinal import fit_ordinal
from socialwork_ict.models.predict import standardised_predictions
from socialwork_ict.rule_io import run_rule, write_json, write_table

log = logging.getLogger("socialwork_ict.fit_ordinal_model")


def main(snakemake):
    frame, n_left_out = complete_cases(
        pd.read_parquet(snakemake.input.weighted, columns=[*MODEL_VARIABLES, "weight"])
    )
    fit = fit_ordinal(frame)
    log.info("%d complete cases, %d left out; converged=%s after %d iterations",
             fit.n, n_left_out, fit.converged, fit.iterations)  # fmt: skip
    for warning in fit.warnings:
        log.warning("model warning: %s", warning)
    write_table(fit.coef_table(), snakemake.output.coefficients)
    write_table(fit.vcov.rename_axis("term").reset_index(), snakemake.output.vcov)
    write_table(standardised_predictions(fit, frame), snakemake.output.predicted)
    write_json(
        {
            "model": "ict_freq ~ age_group + country + gender + sector (proportional odds, logit)",
            "variance": "Taylor linearization, strata = country, R survey::svyrecvar factors",
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
