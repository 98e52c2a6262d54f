# Ingest and cleaning: raw export -> typed analysis file + sample flow.


rule simulate_survey:
    """Write the embedded synthetic default raw file (only when input: synthetic)."""
    input:
        code=script_code("simulate_survey"),
    output:
        SYNTHETIC_RAW,
    log:
        "logs/simulate_survey.log",
    benchmark:
        "logs/benchmarks/simulate_survey.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=synthetic_memory_mb(config["synthetic"]["n_eligible"]),
    params:
        seed=config["seed"],
        n_eligible=config["synthetic"]["n_eligible"],
    script:
        "../scripts/simulate_survey.py"


rule clean_responses:
    """Read the raw file through the codebook, check it, apply eligibility."""
    input:
        raw=raw_input_file,
        codebook=config["codebook"],
        code=script_code("clean_responses"),
    output:
        analysis="results/clean/responses.parquet",
        exclusions="results/clean/exclusions.csv",
        origin="results/clean/data_origin.json",
        sample_flow=in_report("results/tables/sample_flow.csv"),
    log:
        "logs/clean_responses.log",
    benchmark:
        "logs/benchmarks/clean_responses.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("raw", RAW_FILE_FACTOR),
    params:
        synthetic=SYNTHETIC,
        countries=config["countries"],
        failed_sample_flow="logs/clean_responses.sample_flow.csv",
    script:
        "../scripts/clean_responses.py"


rule preview_export:
    """Every raw value of the export and what the codebook makes of it (not part of all):
    snakemake --cores 1 preview_export --config input=EXPORT codebook=CODEBOOK"""
    input:
        raw=raw_input_file,
        codebook=config["codebook"],
        code=script_code("preview_export"),
    output:
        csv="results/preview/preview.csv",
        html="results/preview/preview.html",
    log:
        "logs/preview_export.log",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("raw", RAW_FILE_FACTOR),
    params:
        synthetic=SYNTHETIC,
        countries=config["countries"],
    script:
        "../scripts/preview_export.py"
