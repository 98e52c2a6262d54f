"""Rule verify: recheck the run's published claims and file hashes
(socialwork_ict.verify.verify_run); fails naming each problem."""

from socialwork_ict.rule_io import run_rule
from socialwork_ict.verify import verify_run


def main(snakemake):
    verify_run(
        {
            "published": snakemake.input.published,
            "targets": snakemake.input.targets,
            **{key: snakemake.params[key] for key in ("results", "withheld", "raw")},
            **{key: snakemake.params[key] for key in ("variance", "weighting", "seed")},
        },
        log_file=snakemake.log[0],
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
