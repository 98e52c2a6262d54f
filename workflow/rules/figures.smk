# Figures: matplotlib, one committed style file, SVG and PNG per figure.
#
# Each rule draws one figure from published tables, marks it when the data are
# synthetic (results/clean/data_origin.json) and writes its alt text and caption
# next to it (results/figures/<figure>.json). The same inputs give byte-identical
# files (fixed style, sizes, dpi and SVG hash salt; no dates in the metadata).

FIGURE_STYLE = f"{PACKAGE}/figures/socialwork.mplstyle"


rule plot_freq_by_age:
    """Diverging stacked bars of weighted ict_freq by age group, one panel per country and pooled."""
    input:
        table2="results/tables/table2_freq_by_age.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__", "figures/common", "figures/freq_by_age"
        ),
    output:
        svg="results/figures/freq_by_age.svg",
        png="results/figures/freq_by_age.png",
        caption="results/figures/freq_by_age.json",
    log:
        "logs/plot_freq_by_age.log",
    benchmark:
        "logs/benchmarks/plot_freq_by_age.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_freq_by_age.py"


rule plot_odds_ratios:
    """Forest plot of the primary proportional-odds model's odds ratios (thresholds left out)."""
    input:
        model="results/tables/model_ordinal.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__", "figures/common", "figures/odds_ratios"
        ),
    output:
        svg="results/figures/odds_ratios.svg",
        png="results/figures/odds_ratios.png",
        caption="results/figures/odds_ratios.json",
    log:
        "logs/plot_odds_ratios.log",
    benchmark:
        "logs/benchmarks/plot_odds_ratios.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_odds_ratios.py"


rule plot_predicted_often:
    """Predicted probability of often/very often use by age group and country, 95 % CIs."""
    input:
        predicted="results/tables/predicted_by_age.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__", "figures/common", "figures/predicted_often"
        ),
    output:
        svg="results/figures/predicted_often.svg",
        png="results/figures/predicted_often.png",
        caption="results/figures/predicted_often.json",
    log:
        "logs/plot_predicted_often.log",
    benchmark:
        "logs/benchmarks/plot_predicted_often.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_predicted_often.py"


rule plot_weighting:
    """Weighting diagnostics: weights by country, achieved vs target margins."""
    input:
        weights="results/tables/weights.csv",
        margins="results/tables/weighting_margins.csv",
        diagnostics="results/tables/weighting_diagnostics.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules("figures/__init__", "figures/common", "figures/weighting"),
    output:
        svg="results/figures/weighting.svg",
        png="results/figures/weighting.png",
        caption="results/figures/weighting.json",
    log:
        "logs/plot_weighting.log",
    benchmark:
        "logs/benchmarks/plot_weighting.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_weighting.py"


rule plot_sensitivity:
    """Age odds ratios across sensitivity specifications (NaN rows shown as not fitted)."""
    input:
        sensitivity="results/tables/sensitivity.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__", "figures/common", "figures/sensitivity"
        ),
    output:
        svg="results/figures/sensitivity.svg",
        png="results/figures/sensitivity.png",
        caption="results/figures/sensitivity.json",
    log:
        "logs/plot_sensitivity.log",
    benchmark:
        "logs/benchmarks/plot_sensitivity.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_sensitivity.py"


rule plot_sample_flow:
    """Sample flow: rows excluded at each cleaning step and rows remaining."""
    input:
        flow="results/tables/sample_flow.csv",
        origin="results/clean/data_origin.json",
        style=FIGURE_STYLE,
        code=package_modules(
            "figures/__init__", "figures/common", "figures/sample_flow"
        ),
    output:
        svg="results/figures/sample_flow.svg",
        png="results/figures/sample_flow.png",
        caption="results/figures/sample_flow.json",
    log:
        "logs/plot_sample_flow.log",
    benchmark:
        "logs/benchmarks/plot_sample_flow.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/plot_sample_flow.py"
