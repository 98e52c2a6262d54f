"""Rule simulate_survey: write the synthetic default raw survey file."""

from socialwork_ict.rule_io import run_rule, write_table
from socialwork_ict.synthetic import generate_raw_survey


def main(snakemake):
    raw = generate_raw_survey(
        seed=snakemake.params.seed, n_eligible=dict(snakemake.params.n_eligible)
    )
    write_table(raw, snakemake.output[0])


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
