# The analysis plan (config analysis_plan, socialwork_ict.items): Table 3, the
# items' tests and logits, one figure per survey section. Table 3 is published
# by tabulate_sample (model.smk), inside the one disclosure problem; its tests
# join tests.csv in test_age_association.

from socialwork_ict.plan import load_plan

# the plan is checked against the codebook at start-up: a wrong item stops the
# run with one line before any job starts
try:
    load_plan(config.get("analysis_plan"), load_codebook(config["codebook"]))
except InputError as error:
    stop(f"config key analysis_plan: {error.message()}")

#: the section figures (SVG, PNG, alt text and caption JSON)
ITEM_FIGURES = {
    f"items_{section}_{ext}": item_figure(section, ext)
    for section in PLAN_SECTIONS
    for ext in FIGURE_FORMATS
}
#: what the plan adds to the report's inputs
ITEM_REPORT_FILES = {
    **{k: v for k, v in ITEM_FIGURES.items() if not k.endswith("_svg")},
    "table3": "results/tables/table3_items.csv",
    "items_logit": "results/tables/items_logit.csv",
    "any_use": "results/tables/any_use_by_breakdown.csv",
    "items_plan": "results/models/items_plan.json",
    "items_template": project_file("workflow/templates/items_section.html.j2"),
}


rule tabulate_items:
    """Table 3 of the analysis plan (weighted %, 95 % CI, SE, deff, n; unsuppressed,
    published by tabulate_sample) and weighted any-use by sector, field and population.
    """
    input:
        weighted="results/weights/weighted_responses.parquet",
        codebook=config["codebook"],
        targets=config["targets"],
        factors=replicate_factors_file,
        code=script_code("tabulate_items"),
    output:
        table3="results/internal_unsuppressed/table3_items.csv",
        any_use=in_report("results/tables/any_use_by_breakdown.csv"),
        plan="results/models/items_plan.json",
    log:
        "logs/tabulate_items.log",
    benchmark:
        "logs/benchmarks/tabulate_items.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        plan=config.get("analysis_plan"),
        countries=config["countries"],
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
        disclosure=config["disclosure"],
    script:
        "../scripts/tabulate_items.py"


rule test_items:
    """The plan's Rao-Scott tests by breakdown (rows of tests.csv) and the
    survey-weighted logit of each binary item on the covariates."""
    input:
        weighted="results/weights/weighted_responses.parquet",
        codebook=config["codebook"],
        targets=config["targets"],
        factors=replicate_factors_file,
        code=script_code("test_items"),
    output:
        tests="results/models/item_tests.csv",
        logits=in_report("results/tables/items_logit.csv"),
    log:
        "logs/test_items.log",
    benchmark:
        "logs/benchmarks/test_items.tsv"
    # the longest job after rake_weights heads the longest chain (test_items ->
    # test_age_association -> compare_published -> render_report): started first
    priority: 1
    conda:
        CONDA_ENV
    resources:
        mem_mb=memory_mb("weighted", ANALYSIS_FILE_FACTOR),
    params:
        plan=config.get("analysis_plan"),
        countries=config["countries"],
        variance=VARIANCE,
        weighting=config["weighting"],
        seed=config["seed"],
    script:
        "../scripts/test_items.py"


rule plot_item_figures:
    """One figure per survey section of the plan, from the published Table 3."""
    input:
        table3="results/tables/table3_items.csv",
        plan="results/models/items_plan.json",
        origin="results/clean/data_origin.json",
        style=f"{PACKAGE}/figures/socialwork.mplstyle",
        # the package's other figure modules are imported (figures/__init__)
        # but never run here
        code=script_code("plot_item_figures", exclude=[f"figures/{f}" for f in FIGURES]),
    output:
        **{
            key: (in_report(path) if key.endswith("_svg") else path)
            for key, path in ITEM_FIGURES.items()
        },
    log:
        "logs/plot_item_figures.log",
    benchmark:
        "logs/benchmarks/plot_item_figures.tsv"
    conda:
        CONDA_ENV
    params:
        sections=PLAN_SECTIONS,
    script:
        "../scripts/plot_item_figures.py"
