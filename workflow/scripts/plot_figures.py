"""Rules plot_sample_figures and plot_model_figures: figures as SVG, PNG and JSON
(socialwork_ict.figures.draw.draw_figures)."""

from socialwork_ict.figures.draw import draw_figures
from socialwork_ict.rule_io import run_rule


def main(snakemake):
    draw_figures(
        snakemake.params.figures,
        tables=snakemake.input,
        origin=snakemake.input.origin,
        outputs=snakemake.output,
        weighting=snakemake.params.weighting,
    )


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
