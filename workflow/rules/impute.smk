# Multiple imputation of item non-response (imputation: in the config; none by default).
# The m imputations run as jobs of the {batch} wildcard (imputation_jobs:
# batched, imputation_batches jobs; per_imputation, one job each, on a cluster).


rule impute_responses:
    """The job's completed datasets by chained equations (imputation.method:
    chained), imputation l seeded by [seed, l]: one long file, imputation
    column first."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("impute_responses"),
    output:
        "results/imputation/completed/{batch}.csv",
    log:
        "logs/impute_responses/{batch}.log",
    benchmark:
        "logs/benchmarks/impute_responses/{batch}.tsv"
    wildcard_constraints:
        batch="[0-9]+(-[0-9]+)?",
    # with imputation on, the imputation jobs head the longest chain (impute ->
    # analyse -> pool -> sensitivity -> report): started before the others
    priority: 2
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        # what the job's imputations depend on (not m: adding imputations keeps the others)
        imputations=batch_imputations,
        seed=IMPUTATION["seed"],
        iterations=IMPUTATION["iterations"],
        variables=IMPUTATION["variables"],
    script:
        "../scripts/impute_responses.py"


rule analyse_imputation:
    """The primary model, Rao-Scott tests and Table 2 on each of the job's
    completed datasets, with the complete-case analysis' weights, design and
    variance path: one long file per table."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        completed=batch_completed_files,
        code=script_code("analyse_imputation"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        ordinal="results/imputation/analysis/{batch}/ordinal.csv",
        interaction="results/imputation/analysis/{batch}/interaction.csv",
        tests="results/imputation/analysis/{batch}/tests.csv",
        table2="results/imputation/analysis/{batch}/table2.csv",
    log:
        "logs/analyse_imputation/{batch}.log",
    benchmark:
        "logs/benchmarks/analyse_imputation/{batch}.tsv"
    wildcard_constraints:
        batch="[0-9]+(-[0-9]+)?",
    priority: 2
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        imputations=batch_imputations,
        long=LONG_COMPLETED,
        countries=config["countries"],
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/analyse_imputation.py"


rule pool_imputations:
    """Rubin's rules over the m analyses: the pooled model, D1 and D2 tests,
    Table 2 pooled on the logit scale, the multiple_imputation rows of
    sensitivity.csv and the counts of imputed values."""
    input:
        ordinal=expand(
            "results/imputation/analysis/{batch}/ordinal.csv",
            batch=IMPUTATION_BATCHES,
        ),
        interaction=expand(
            "results/imputation/analysis/{batch}/interaction.csv",
            batch=IMPUTATION_BATCHES,
        ),
        tests=expand(
            "results/imputation/analysis/{batch}/tests.csv",
            batch=IMPUTATION_BATCHES,
        ),
        table2=expand(
            "results/imputation/analysis/{batch}/table2.csv",
            batch=IMPUTATION_BATCHES,
        ),
        completed=[
            path for batch in IMPUTATION_BATCHES for path in completed_files(batch)
        ],
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("pool_imputations"),
    output:
        ordinal="results/tables/model_ordinal_mi.csv",
        tests="results/tables/tests_mi.csv",
        counts="results/tables/imputed_counts.csv",
        table2="results/imputation/pooled/table2_freq_by_age.csv",
        sensitivity="results/imputation/pooled/sensitivity.csv",
    log:
        "logs/pool_imputations.log",
    benchmark:
        "logs/benchmarks/pool_imputations.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        method=IMPUTATION["method"],
        long=LONG_COMPLETED,
    script:
        "../scripts/pool_imputations.py"
