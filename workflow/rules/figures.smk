# Figures: matplotlib, one committed style file, SVG and PNG per figure.
#
# Two rules, plot_sample_figures and plot_model_figures, draw the figures of
# FIGURE_SETS (common.smk) from published tables, one job per set so matplotlib
# is imported twice rather than six times and the sample figures do not wait
# for the models. Both run the one script plot_figures.py
# (it draws whichever figures it is given). Each figure is marked when the data
# are synthetic (results/clean/data_origin.json) and its alt text and caption
# are written next to it (results/figures/<figure>.json). The same inputs give
# byte-identical files (fixed style, sizes, dpi and SVG hash salt; no dates in
# the metadata).

FIGURE_STYLE = f"{PACKAGE}/figures/socialwork.mplstyle"

#: the published tables each figure is drawn from (input key -> file)
FIGURE_TABLES = {
    "sample_flow": {"flow": "results/tables/sample_flow.csv"},
    "weighting": {
        "weights": "results/tables/weights.csv",
        "margins": "results/tables/weighting_margins.csv",
        "diagnostics": "results/tables/weighting_diagnostics.csv",
    },
    "freq_by_age": {"table2": "results/tables/table2_freq_by_age.csv"},
    "odds_ratios": {"model": "results/tables/model_ordinal.csv"},
    "predicted_often": {"predicted": "results/tables/predicted_by_age.csv"},
    "sensitivity": {"sensitivity": "results/tables/sensitivity.csv"},
}


def figure_inputs(figures):
    """The tables the given figures are drawn from (input key -> file)."""
    return {key: path for f in figures for key, path in FIGURE_TABLES[f].items()}


def figure_files(figures):
    """Output key <figure>_<ext> -> results/figures/<figure>.<ext>; the SVG is
    flagged for Snakemake's report (REPORT_ENTRIES in common.smk)."""
    files = {}
    for figure in figures:
        for ext in ("svg", "png", "json"):
            path = f"results/figures/{figure}.{ext}"
            files[f"{figure}_{ext}"] = in_report(path) if ext == "svg" else path
    return files


def figure_memory_mb(wildcards, input):
    """weights.csv (read whole for the weighting figure) dominates; else a process."""
    if "weights" in input.keys():
        return memory_mb("weights", TABLE_FILE_FACTOR)(wildcards, input)
    return PROCESS_MB


for figure_set, figures in FIGURE_SETS.items():

    rule:
        """The figures of one set, each as SVG, PNG and alt text/caption JSON.
        A table, the style or a figure module changing redraws the set."""
        name:
            f"plot_{figure_set}_figures"
        input:
            **figure_inputs(figures),
            origin="results/clean/data_origin.json",
            style=FIGURE_STYLE,
            # plot_figures.py imports every figure module; the other set's
            # plot functions never run here, so they are no input of this set
            code=script_code(
                "plot_figures",
                exclude=[f"figures/{f}" for f in FIGURES if f not in figures],
            ),
        output:
            **figure_files(figures),
        log:
            f"logs/plot_{figure_set}_figures.log",
        benchmark:
            f"logs/benchmarks/plot_{figure_set}_figures.tsv"
        conda:
            CONDA_ENV
        resources:
            mem_mb=figure_memory_mb,
        params:
            figures=figures,
            # labels and captions name the weighting that ran
            weighting=config["weighting"]["method"],
        script:
            "../scripts/plot_figures.py"
