"""Rule analyse_imputation: the per-imputation model, tests and Table 2 of one completed file."""

from socialwork_ict.blas import single_thread
from socialwork_ict.imputation.analysis import analyse_completed
from socialwork_ict.imputation.supplied import read_completed
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.models.model_frame import read_model_respondents
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    single_thread()  # the m jobs run in parallel: no oversubscribed BLAS threads
    everyone = read_model_respondents(snakemake.input.weighted, extra=("age",))
    params = snakemake.params
    # the complete-case analysis' design (raking cells as observed) over the same rows
    design = rule_design(
        everyone, params.variance, params.weighting, params.seed, snakemake.input.targets
    )
    frame = read_completed(snakemake.input.completed, everyone)
    result = analyse_completed(frame, design=design, countries=tuple(params.countries))
    for name in ("ordinal", "interaction", "tests", "table2"):
        write_table(result[name], snakemake.output[name])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
