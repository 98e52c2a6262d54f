# The #socialwork survey pipeline: a table of contents.
#
#   ingest and cleaning -> survey weighting -> models -> figures -> report
#
# Run: snakemake --cores 4                         (embedded synthetic default)
#      snakemake --cores 4 --config input=PATH targets=PATH   (a real export)
# Rule graph: snakemake --rulegraph | dot -Tsvg > rulegraph.svg
# Snakemake's report of the results: snakemake --report report.zip
# As a module of another workflow: workflow/Snakefile (README).


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/weight.smk"
include: "workflow/rules/items.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/impute.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/draft.smk"


rule all:
    """The report, every published table and figure, and the run's manifest."""
    input:
        PUBLISHED_OUTPUTS,
        "results/manifest.tsv",
