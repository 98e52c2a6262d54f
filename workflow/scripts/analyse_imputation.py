"""Rule analyse_imputation: the model, tests and Table 2 of each of the job's completed files."""

from socialwork_ict.blas import single_thread
from socialwork_ict.imputation.batches import ANALYSIS_KEYS, analyse_batch
from socialwork_ict.rule_io import run_rule, write_table


def main(snakemake):
    single_thread()  # the jobs run in parallel: no oversubscribed BLAS threads
    params = snakemake.params
    result = analyse_batch(
        snakemake.input.weighted, list(snakemake.input.completed), params.imputations,
        long=params.long, variance=params.variance, weighting=params.weighting,
        seed=params.seed, targets=snakemake.input.targets, countries=params.countries,
    )  # fmt: skip
    for name in ANALYSIS_KEYS:
        write_table(result[name], snakemake.output[name])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
