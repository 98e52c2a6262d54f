# Multiple imputation of item non-response (imputation: in the config; none by default).


rule impute_responses:
    """One completed dataset by chained equations (imputation.method: chained),
    seeded by the imputation's number: the m imputations are m parallel jobs."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("impute_responses"),
    output:
        "results/imputation/completed/{imputation}.csv",
    log:
        "logs/impute_responses/{imputation}.log",
    benchmark:
        "logs/benchmarks/impute_responses/{imputation}.tsv"
    wildcard_constraints:
        imputation="[0-9]+",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        # what one imputation depends on (not m: adding imputations keeps the others)
        seed=IMPUTATION["seed"],
        iterations=IMPUTATION["iterations"],
        variables=IMPUTATION["variables"],
    script:
        "../scripts/impute_responses.py"


rule analyse_imputation:
    """The primary model, Rao-Scott tests and Table 2 on one completed dataset,
    with the complete-case analysis' weights, design and variance path."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        completed=completed_file,
        code=script_code("analyse_imputation"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        ordinal="results/imputation/analysis/{imputation}/ordinal.csv",
        interaction="results/imputation/analysis/{imputation}/interaction.csv",
        tests="results/imputation/analysis/{imputation}/tests.csv",
        table2="results/imputation/analysis/{imputation}/table2.csv",
    log:
        "logs/analyse_imputation/{imputation}.log",
    benchmark:
        "logs/benchmarks/analyse_imputation/{imputation}.tsv"
    wildcard_constraints:
        imputation="[0-9]+",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
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
            "results/imputation/analysis/{imputation}/ordinal.csv",
            imputation=IMPUTATIONS,
        ),
        interaction=expand(
            "results/imputation/analysis/{imputation}/interaction.csv",
            imputation=IMPUTATIONS,
        ),
        tests=expand(
            "results/imputation/analysis/{imputation}/tests.csv",
            imputation=IMPUTATIONS,
        ),
        table2=expand(
            "results/imputation/analysis/{imputation}/table2.csv",
            imputation=IMPUTATIONS,
        ),
        completed=[completed_path(number) for number in IMPUTATIONS],
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
    script:
        "../scripts/pool_imputations.py"
