# Figures: matplotlib, one committed style file, SVG and PNG per figure.
#
# One rule draws every figure of FIGURES (common.smk) from published tables, in
# one job so matplotlib is imported once: each figure is marked when the data are
# synthetic (results/clean/data_origin.json) and its alt text and caption are
# written next to it (results/figures/<figure>.json). The same inputs give
# byte-identical files (fixed style, sizes, dpi and SVG hash salt; no dates in
# the metadata).

FIGURE_STYLE = f"{PACKAGE}/figures/socialwork.mplstyle"

#: output key <figure>_<ext> -> results/figures/<figure>.<ext>
FIGURE_FILES = {
    f"{figure}_{ext}": f"results/figures/{figure}.{ext}"
    for figure in FIGURES
    for ext in ("svg", "png", "json")
}


rule plot_figures:
    """The six figures, each as SVG, PNG and alt text/caption JSON: frequency by
    age, odds ratios, predicted often/very often, weighting, sensitivity and
    sample flow. Any table, the style or a figure module changing redraws all six."""
    input:
        table2="results/tables/table2_freq_by_age.csv",
        model="results/tables/model_ordinal.csv",
        predicted="results/tables/predicted_by_age.csv",
        weights="results/tables/weights.csv",
        margins="results/tables/weighting_margins.csv",
        diagnostics="results/tables/weighting_diagnostics.csv",
        sensitivity="results/tables/sensitivity.csv",
        flow="results/tables/sample_flow.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__",
            "figures/common",
            *(f"figures/{figure}" for figure in FIGURES),
        ),
    output:
        **FIGURE_FILES,
    log:
        "logs/plot_figures.log",
    benchmark:
        "logs/benchmarks/plot_figures.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weights", TABLE_FILE_FACTOR),
    params:
        figures=FIGURES,
    script:
        "../scripts/plot_figures.py"
