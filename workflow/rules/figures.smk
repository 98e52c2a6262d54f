# Figures: matplotlib, one committed style file, SVG and PNG per figure.
#
# Two rules, plot_sample_figures and plot_model_figures, draw the figures of
# FIGURE_SETS (socialwork_ict.names) from published tables, one job per set so
# matplotlib is imported twice rather than six times and the sample figures do
# not wait for the models. Both run the one script plot_figures.py
# (socialwork_ict.figures.draw: it draws whichever figures it is given). Each
# figure is marked when the data are synthetic (results/clean/data_origin.json)
# and its alt text and caption are written next to it
# (results/figures/<figure>.json). The same inputs give byte-identical files
# (fixed style, sizes, dpi and SVG hash salt; no dates in the metadata).

FIGURE_STYLE = f"{PACKAGE}/figures/socialwork.mplstyle"


rule plot_sample_figures:
    """The sample flow, weighting and frequency-by-age figures, each as SVG, PNG
    and alt text/caption JSON. A table, the style or a figure module changing
    redraws the set."""
    input:
        flow="results/tables/sample_flow.csv",
        weights="results/tables/weights.csv",
        margins="results/tables/weighting_margins.csv",
        diagnostics="results/tables/weighting_diagnostics.csv",
        table2="results/tables/table2_freq_by_age.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=script_code("plot_figures", exclude=other_figure_modules("sample")),
    output:
        sample_flow_svg=in_report("results/figures/sample_flow.svg"),
        sample_flow_png="results/figures/sample_flow.png",
        sample_flow_json="results/figures/sample_flow.json",
        weighting_svg=in_report("results/figures/weighting.svg"),
        weighting_png="results/figures/weighting.png",
        weighting_json="results/figures/weighting.json",
        freq_by_age_svg=in_report("results/figures/freq_by_age.svg"),
        freq_by_age_png="results/figures/freq_by_age.png",
        freq_by_age_json="results/figures/freq_by_age.json",
    log:
        "logs/plot_sample_figures.log",
    benchmark:
        "logs/benchmarks/plot_sample_figures.tsv"
    conda:
        CONDA_ENV
    resources:
        # weights.csv, read whole for the weighting figure, dominates
        mem_mb=memory_mb("weights", TABLE_FILE_FACTOR),
    params:
        figures=FIGURE_SETS["sample"],
        # labels and captions name the weighting that ran
        weighting=config["weighting"]["method"],
    script:
        "../scripts/plot_figures.py"


rule plot_model_figures:
    """The odds-ratio, predicted-share and sensitivity figures, each as SVG, PNG
    and alt text/caption JSON. A table, the style or a figure module changing
    redraws the set."""
    input:
        model="results/tables/model_ordinal.csv",
        predicted="results/tables/predicted_by_age.csv",
        sensitivity="results/tables/sensitivity.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=script_code("plot_figures", exclude=other_figure_modules("model")),
    output:
        odds_ratios_svg=in_report("results/figures/odds_ratios.svg"),
        odds_ratios_png="results/figures/odds_ratios.png",
        odds_ratios_json="results/figures/odds_ratios.json",
        predicted_often_svg=in_report("results/figures/predicted_often.svg"),
        predicted_often_png="results/figures/predicted_often.png",
        predicted_often_json="results/figures/predicted_often.json",
        sensitivity_svg=in_report("results/figures/sensitivity.svg"),
        sensitivity_png="results/figures/sensitivity.png",
        sensitivity_json="results/figures/sensitivity.json",
    log:
        "logs/plot_model_figures.log",
    benchmark:
        "logs/benchmarks/plot_model_figures.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=PROCESS_MB,
    params:
        figures=FIGURE_SETS["model"],
        weighting=config["weighting"]["method"],
    script:
        "../scripts/plot_figures.py"
