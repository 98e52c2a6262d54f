# Survey weighting: analysis file + population targets -> raked weights and diagnostics.


rule rake_weights:
    """Rake each country's respondents to its population margins; diagnostics."""
    input:
        analysis="results/clean/responses.parquet",
        targets=config["targets"],
        code=script_code("rake_weights"),
    output:
        weights="results/tables/weights.csv",
        diagnostics="results/internal_unsuppressed/weighting_diagnostics.csv",
        margins="results/internal_unsuppressed/weighting_margins.csv",
        weighted="results/weights/weighted_responses.parquet",
    log:
        "logs/rake_weights.log",
    benchmark:
        "logs/benchmarks/rake_weights.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("analysis", ANALYSIS_FILE_FACTOR),
    params:
        weighting=config["weighting"],
    script:
        "../scripts/rake_weights.py"
