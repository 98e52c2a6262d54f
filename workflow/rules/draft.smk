# Draft a codebook from an export (not part of `rule all`):
#   snakemake --cores 1 draft_codebook --config input=EXPORT


rule draft_codebook:
    """Read what the export knows (question text, ImportIds, SPSS labels and
    missing values) and write a draft codebook plus the review list of edits."""
    input:
        export=raw_input_file,
        canonical="config/codebook.yaml",
        code=script_code("draft_codebook"),
    output:
        codebook="results/draft/codebook.yaml",
        review="results/draft/codebook_review.md",
        review_csv="results/draft/codebook_review.csv",
    log:
        "logs/draft_codebook.log",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("export", RAW_FILE_FACTOR),
    script:
        "../scripts/draft_codebook.py"
