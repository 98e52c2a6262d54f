# The HTML report and the published-vs-reproduced verification.

# Each figure's PNG (inlined in the report) and its alt text and caption (JSON).
REPORT_FIGURE_FILES = {
    f"{name}_{kind}": f"results/figures/{name}.{ext}"
    for name in FIGURES
    for kind, ext in (("png", "png"), ("json", "json"))
}


rule compare_published:
    """Published figures and claims vs this run (unweighted %, like the publication)."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        model="results/tables/model_ordinal.csv",
        tests="results/tables/tests.csv",
        sensitivity="results/tables/sensitivity.csv",
        published=config["published"],
        withheld="results/disclosure/withheld_claims.csv",
        any_use="results/tables/any_use_by_breakdown.csv",
        targets=config["targets"],
        factors=replicate_factors_file,
        code=script_code("compare_published"),
    output:
        in_report("results/tables/published_vs_reproduced.csv"),
    log:
        "logs/compare_published.log",
    benchmark:
        "logs/benchmarks/compare_published.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/compare_published.py"


rule render_report:
    """One self-contained HTML report from the declared tables and figures."""
    input:
        **REPORT_FIGURE_FILES,
        **IMPUTATION_REPORT_FILES,
        **ITEM_REPORT_FILES,
        origin="results/clean/data_origin.json",
        sample_flow="results/tables/sample_flow.csv",
        diagnostics="results/tables/weighting_diagnostics.csv",
        margins="results/tables/weighting_margins.csv",
        table1="results/tables/table1_sample.csv",
        table2="results/tables/table2_freq_by_age.csv",
        model="results/tables/model_ordinal.csv",
        model_info="results/models/model_info.json",
        predicted="results/tables/predicted_by_age.csv",
        tests="results/tables/tests.csv",
        po_check="results/models/proportional_odds_check.csv",
        sensitivity="results/tables/sensitivity.csv",
        comparison="results/tables/published_vs_reproduced.csv",
        config=project_file("config/config.yaml"),
        targets=config["targets"],
        codebook=config["codebook"],
        published=config["published"],
        template=project_file("workflow/templates/report.html.j2"),
        code=script_code("render_report"),
    output:
        in_report("reports/report.html"),
    log:
        "logs/render_report.log",
    benchmark:
        "logs/benchmarks/render_report.tsv"
    conda:
        CONDA_ENV
    params:
        report=config["report"],
        weighting=config["weighting"],
        countries=config["countries"],
        config=config,
        imputation=IMPUTATION["method"],
        plan_sections=PLAN_SECTIONS,
    script:
        "../scripts/render_report.py"


rule write_manifest:
    """sha256 of every published output and of the input, config and side tables."""
    input:
        outputs=PUBLISHED_OUTPUTS,
        raw=raw_input_file,
        config=[
            project_file("config/config.yaml"),
            config["codebook"],
            config["targets"],
            config["published"],
        ],
        code=script_code("write_manifest"),
    output:
        in_report("results/manifest.tsv"),
    log:
        "logs/write_manifest.log",
    benchmark:
        "logs/benchmarks/write_manifest.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/write_manifest.py"


#: what verify checks, as it is on disk (never rebuilt by verify: built_once)
VERIFIED_RESULTS = {
    "weighted": "results/weights/weighted_responses.parquet",
    "model": "results/tables/model_ordinal.csv",
    "tests": "results/tables/tests.csv",
    "sensitivity": "results/tables/sensitivity.csv",
    "any_use": "results/tables/any_use_by_breakdown.csv",
    "manifest": "results/manifest.tsv",
}


rule verify:
    """Fail naming every published claim the run does not reproduce and every
    output whose bytes differ from the manifest (runs each time asked).

    It checks the files as they are: an output edited after the run is
    reported, not rebuilt (see ``built_once`` in common.smk)."""
    input:
        **{key: built_once(path) for key, path in VERIFIED_RESULTS.items()},
        published=config["published"],
        targets=config["targets"],
        factors=replicate_factors_file,
        code=script_code("verify_outputs"),
    log:
        "logs/verify.log",
    conda:
        CONDA_ENV
    params:
        results=VERIFIED_RESULTS,
        withheld="results/disclosure/withheld_claims.csv",
        raw=raw_input_file(None),
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/verify_outputs.py"


use rule render_report as render_country_report with:
    output:
        "reports/report_{country}.html",
    log:
        "logs/render_report_{country}.log",
    benchmark:
        "logs/benchmarks/render_report_{country}.tsv"
    wildcard_constraints:
        country="|".join(config["countries"]),
    params:
        report=config["report"],
        weighting=config["weighting"],
        countries=config["countries"],
        config=config,
        imputation=IMPUTATION["method"],
        plan_sections=PLAN_SECTIONS,
        country=lambda wildcards: wildcards.country,
