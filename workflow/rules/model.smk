# Models and tables of the age x frequency relationship (design-based).


rule tabulate_sample:
    """Table 1 (sample by country), Table 2 (frequency by age, weighted, 95 % CI),
    the weighting margins and diagnostics, published after disclosure control of
    everything published (with the claims' counts); the attacker's audit."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        margins="results/internal_unsuppressed/weighting_margins.csv",
        diagnostics="results/internal_unsuppressed/weighting_diagnostics.csv",
        published=config["published"],
        table3="results/internal_unsuppressed/table3_items.csv",
        code=script_code("tabulate_sample"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        table1=in_report("results/tables/table1_sample.csv"),
        table2=in_report("results/tables/table2_freq_by_age.csv"),
        table3=in_report("results/tables/table3_items.csv"),
        margins=in_report("results/tables/weighting_margins.csv"),
        diagnostics=in_report("results/tables/weighting_diagnostics.csv"),
        audit=in_report("results/tables/disclosure_audit.csv"),
        withheld="results/disclosure/withheld_claims.csv",
        table1_internal="results/internal_unsuppressed/table1_sample.csv",
        table2_internal="results/internal_unsuppressed/table2_freq_by_age.csv",
    log:
        "logs/tabulate_sample.log",
    benchmark:
        "logs/benchmarks/tabulate_sample.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        countries=config["countries"],
        disclosure=config["disclosure"],
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/tabulate_sample.py"


rule fit_replicate_block:
    """The primary model refitted with one block of replicate weights: with
    replicate_jobs: per_block (the SLURM profile) the replicate refits fan out
    over replicate_blocks jobs, collected by fit_ordinal_model."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("fit_replicate_block"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        "results/models/replicates/block_{block}.npy",
    log:
        "logs/fit_replicate_block/{block}.log",
    benchmark:
        "logs/benchmarks/fit_replicate_block/{block}.tsv"
    wildcard_constraints:
        block="[0-9]+",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
        blocks=len(REPLICATE_BLOCKS),
    script:
        "../scripts/fit_replicate_block.py"


rule fit_ordinal_model:
    """Primary proportional-odds model, its design-based variance and predictions."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("fit_ordinal_model"),
        targets=config["targets"],
        factors=replicate_factors_file,
        replicate_blocks=replicate_block_files,
    output:
        coefficients=in_report("results/tables/model_ordinal.csv"),
        vcov="results/models/model_ordinal_vcov.csv",
        vcov_exact="results/models/model_ordinal_vcov.npy",
        predicted=in_report("results/tables/predicted_by_age.csv"),
        info="results/models/model_info.json",
    log:
        "logs/fit_ordinal_model.log",
    benchmark:
        "logs/benchmarks/fit_ordinal_model.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/fit_ordinal_model.py"


rule test_age_association:
    """Rao-Scott tests, age x country Wald test, trend test, proportional-odds check."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        item_tests="results/models/item_tests.csv",
        vcov="results/models/model_ordinal_vcov.npy",
        model_info="results/models/model_info.json",
        code=script_code("test_age_association"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        tests=in_report("results/tables/tests.csv"),
        po_check="results/models/proportional_odds_check.csv",
        interaction="results/models/model_ordinal_interaction.csv",
    log:
        "logs/test_age_association.log",
    benchmark:
        "logs/benchmarks/test_age_association.tsv"
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
        "../scripts/test_age_association.py"


rule fit_sensitivity_model:
    """The age effects under a batch of sensitivity specifications: all of them,
    or one each (sensitivity_jobs: per_specification) so a cluster fits them
    in parallel."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        code=script_code("fit_sensitivity_model"),
        targets=config["targets"],
        factors=replicate_factors_file,
    output:
        "results/models/sensitivity/{batch}.csv",
    log:
        "logs/fit_sensitivity_model/{batch}.log",
    benchmark:
        "logs/benchmarks/fit_sensitivity_model/{batch}.tsv"
    wildcard_constraints:
        batch="[a-zA-Z0-9_]+",
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        countries=config["countries"],
        specifications=sensitivity_batch,
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/fit_sensitivity_model.py"


rule collect_sensitivity:
    """sensitivity.csv: the specifications' rows, in the documented order."""
    input:
        specifications=SENSITIVITY_FILES,
        code=script_code("collect_sensitivity"),
    output:
        in_report("results/tables/sensitivity.csv"),
    log:
        "logs/collect_sensitivity.log",
    benchmark:
        "logs/benchmarks/collect_sensitivity.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/collect_sensitivity.py"
