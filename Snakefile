# The #socialwork survey pipeline: a table of contents.
#
#   ingest and cleaning -> survey weighting -> models -> figures -> report
#
# Run: snakemake --cores 4                         (embedded synthetic default)
#      snakemake --cores 4 --config input=PATH targets=PATH   (a real export)
# Rule graph: snakemake --rulegraph | dot -Tsvg > rulegraph.svg


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/weight.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    """The report, and every published table and figure it is built from."""
    input:
        "reports/report.html",
        "results/tables/published_vs_reproduced.csv",
        "results/tables/sample_flow.csv",
        "results/clean/responses.parquet",
        "results/tables/weights.csv",
        "results/tables/weighting_diagnostics.csv",
        "results/tables/weighting_margins.csv",
        "results/tables/table1_sample.csv",
        "results/tables/table2_freq_by_age.csv",
        "results/tables/model_ordinal.csv",
        "results/tables/predicted_by_age.csv",
        "results/tables/tests.csv",
        "results/tables/sensitivity.csv",
        expand(
            "results/figures/{figure}.{ext}",
            figure=FIGURES,
            ext=["svg", "png", "json"],
        ),
