# Helpers shared by every rule: config validation and input resolution.

import os
import sys
import time
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


import yaml

from socialwork_ict.code_dependencies import script_dependencies
from socialwork_ict.codebook import load_codebook
from socialwork_ict.errors import InputError
from socialwork_ict.imputation.settings import imputation_numbers, imputation_settings
from socialwork_ict.settings import check_against_schema
from socialwork_ict.weighting.targets import load_targets, validate_targets


def stop(message):
    """A user's config mistake: one line on stderr and exit 1, no traceback."""
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)


#: this project's folder (config/, workflow/), found from this file rather than
#: from the main Snakefile, so that the workflow also runs as a Snakemake module
#: of another workflow (README "Using it as a Snakemake module")
PROJECT_DIR = Path(str(workflow.current_basedir)).resolve().parents[1]


def project_file(path):
    """A file of this project as the rules name it: relative to the working
    directory, so ``config/config.yaml`` when run from the project folder and
    e.g. ``socialwork/config/config.yaml`` when used as a module from its parent."""
    return os.path.relpath(PROJECT_DIR / path)


SCHEMAS = PROJECT_DIR / "workflow" / "schemas"


def validate_against(data, schema, what):
    """Validate against a JSON schema; the first violation as one line naming the key.

    This is the whole validation (draft 2020-12, every error collected):
    ``snakemake.utils.validate`` would only repeat it (the schemas set no
    defaults; defaults live in the YAML files)."""
    try:
        check_against_schema(data, SCHEMAS / schema, what=what)
    except InputError as error:
        stop(error.message())


validate_against(config, "config.schema.yaml", "config")

# The input file, the codebook and the targets are checked at start-up too, so
# a missing file or a broken side table stops the run before any job starts
# (and before anything is written under results/).
if config["input"] != "synthetic" and not Path(config["input"]).is_file():
    stop(f"file {config['input']}: the input file does not exist (config key input)")
_factors = (config.get("variance") or {}).get("replicate_factors")
if _factors and not Path(_factors).is_file():
    stop(
        f"file {_factors}: the replicate factor file does not exist (config key variance)"
    )
try:
    # YAML traps, the schema, then the codebook's logic (docs/codebook-v2.md)
    load_codebook(config["codebook"], schema=SCHEMAS / "codebook.schema.yaml")
    if config["weighting"]["method"] != "none":
        validate_targets(
            load_targets(config["targets"]),
            source=Path(config["targets"]).name,
            variables=config["weighting"]["variables"],
            countries_in_data=config["countries"],
            require_joint=config["weighting"]["method"] == "poststratify",
        )
except InputError as error:
    stop(error.message())
except (OSError, yaml.YAMLError) as error:
    stop(f"file {config['codebook']}: cannot read the codebook: {error}")

SYNTHETIC = config["input"] == "synthetic"
SYNTHETIC_RAW = "results/raw/synthetic_survey.csv"
PACKAGE = project_file("workflow/socialwork_ict")
# Every rule runs in the project's one environment (environment.yml). The
# recommended conda use is to create it once and run snakemake inside it.
CONDA_ENV = "../../environment.yml"


#: the imputation settings (data contract v2 §3); absent = none (complete cases)
try:
    IMPUTATION = imputation_settings(config)
except InputError as error:
    stop(error.message())
for _path in IMPUTATION["files"] if IMPUTATION["method"] == "supplied" else []:
    if not Path(_path).is_file():
        stop(f"file {_path}: the completed file does not exist (config key imputation)")
#: the imputations 1..m (the {imputation} wildcard); none without imputation
IMPUTATIONS = imputation_numbers(IMPUTATION)


def completed_path(number):
    """Completed file of imputation ``number``: supplied, or made by impute_responses."""
    if IMPUTATION["method"] == "supplied":
        return IMPUTATION["files"][int(number) - 1]
    return f"results/imputation/completed/{number}.csv"


def completed_file(wildcards):
    """The completed file of the job's imputation."""
    return completed_path(wildcards.imputation)


#: what the multiple imputation adds to a run (nothing with method none)
IMPUTATION_OUTPUTS = (
    [
        "results/tables/model_ordinal_mi.csv",
        "results/tables/tests_mi.csv",
        "results/tables/imputed_counts.csv",
    ]
    if IMPUTATIONS
    else []
)
#: the report's multiple-imputation section inputs (none without imputation)
IMPUTATION_REPORT_FILES = (
    {
        "mi_model": "results/tables/model_ordinal_mi.csv",
        "mi_tests": "results/tables/tests_mi.csv",
        "mi_counts": "results/tables/imputed_counts.csv",
        "mi_template": "workflow/templates/imputation_section.html.j2",
    }
    if IMPUTATIONS
    else {}
)


#: the report's figures in two sets, each drawn by one job (figures.smk): the
#: sample set needs only the cleaning, weighting and Table 2 outputs, so it
#: does not wait for the models
FIGURE_SETS = {
    "sample": ["sample_flow", "weighting", "freq_by_age"],
    "model": ["odds_ratios", "predicted_often", "sensitivity"],
}
FIGURES = [figure for figures in FIGURE_SETS.values() for figure in figures]


#: what a run publishes: the report and every table and figure it is built from
PUBLISHED_TABLES = [
    "sample_flow",
    "weights",
    "weighting_diagnostics",
    "weighting_margins",
    "table1_sample",
    "table2_freq_by_age",
    "model_ordinal",
    "predicted_by_age",
    "tests",
    "sensitivity",
    "published_vs_reproduced",
    "disclosure_audit",
]
PUBLISHED_OUTPUTS = (
    ["reports/report.html"]
    + IMPUTATION_OUTPUTS
    + [f"results/tables/{table}.csv" for table in PUBLISHED_TABLES]
    + [
        f"results/figures/{figure}.{ext}"
        for figure in FIGURES
        for ext in ("svg", "png", "json")
    ]
)


#: Snakemake's own report (snakemake --report report.zip): the category, the
#: caption (workflow/report/<caption>.rst, rendered with the run's config) and
#: a label of each published table, figure and report. Respondent-level files
#: (weights.csv) and the unsuppressed tables are left out.
REPORT_ENTRIES = {
    "reports/report.html": ("1. Report", "report_html", "the HTML report"),
    "results/tables/sample_flow.csv": ("2. Sample", "sample_flow", "sample flow"),
    "results/tables/table1_sample.csv": ("2. Sample", "table1", "Table 1"),
    "results/figures/sample_flow.svg": ("2. Sample", "figure_sample_flow", "figure"),
    "results/tables/weighting_diagnostics.csv": (
        "3. Weighting",
        "weighting_diagnostics",
        "diagnostics",
    ),
    "results/tables/weighting_margins.csv": (
        "3. Weighting",
        "weighting_margins",
        "margins",
    ),
    "results/figures/weighting.svg": ("3. Weighting", "figure_weighting", "figure"),
    "results/tables/table2_freq_by_age.csv": (
        "4. Frequency by age",
        "table2",
        "Table 2",
    ),
    "results/figures/freq_by_age.svg": (
        "4. Frequency by age",
        "figure_freq_by_age",
        "figure",
    ),
    "results/tables/model_ordinal.csv": (
        "5. Model and tests",
        "model_ordinal",
        "model",
    ),
    "results/tables/predicted_by_age.csv": (
        "5. Model and tests",
        "predicted_by_age",
        "predicted shares",
    ),
    "results/tables/tests.csv": ("5. Model and tests", "tests", "tests"),
    "results/figures/odds_ratios.svg": (
        "5. Model and tests",
        "figure_odds_ratios",
        "figure: odds ratios",
    ),
    "results/figures/predicted_often.svg": (
        "5. Model and tests",
        "figure_predicted_often",
        "figure: predicted shares",
    ),
    "results/tables/sensitivity.csv": ("6. Sensitivity", "sensitivity", "sensitivity"),
    "results/figures/sensitivity.svg": (
        "6. Sensitivity",
        "figure_sensitivity",
        "figure",
    ),
    "results/tables/published_vs_reproduced.csv": (
        "7. Published vs reproduced",
        "published_vs_reproduced",
        "claims",
    ),
    "results/tables/disclosure_audit.csv": (
        "8. Disclosure and provenance",
        "disclosure_audit",
        "disclosure audit",
    ),
    "results/manifest.tsv": ("8. Disclosure and provenance", "manifest", "manifest"),
}


def in_report(path):
    """``path`` flagged for Snakemake's report with its category, caption and label
    (REPORT_ENTRIES); the file itself is unchanged."""
    category, caption, label = REPORT_ENTRIES[path]
    return report(
        path,
        caption=f"../report/{caption}.rst",
        category=category,
        labels={"result": label, "file": Path(path).name},
    )


#: sensitivity specifications (socialwork_ict.models.sensitivity), in table order
SENSITIVITY_SPECIFICATIONS = (
    ["weighted"]
    # the primary model under each variance method (calibrated needs raked weights)
    + (["calibrated"] if config["weighting"]["method"] == "rake" else [])
    + ["bootstrap", "unweighted", "trimmed_weights", "binary_logit"]
    + [f"country_{country}" for country in config["countries"]]
    + ["age_continuous"]
)
#: the sensitivity jobs: one batch "all", or one batch per specification
SENSITIVITY_BATCHES = (
    ["all"] if config["sensitivity_jobs"] == "one" else SENSITIVITY_SPECIFICATIONS
)


#: every file of sensitivity.csv, in table order: the batches, then the pooled
#: multiple-imputation rows when imputation is on
SENSITIVITY_FILES = [
    f"results/models/sensitivity/{batch}.csv" for batch in SENSITIVITY_BATCHES
] + (["results/imputation/pooled/sensitivity.csv"] if IMPUTATIONS else [])


def sensitivity_batch(wildcards):
    """The specifications one fit_sensitivity_model job fits."""
    if wildcards.batch == "all":
        return SENSITIVITY_SPECIFICATIONS
    return [wildcards.batch]


#: the variance settings (data contract v2 §3); absent = calibrated linearisation
VARIANCE = config.get("variance") or {}


#: the primary model's replicate refits in blocks, one job each (replicate_jobs:
#: per_block, set by the SLURM profile, with a replicate variance method)
REPLICATE_BLOCKS = (
    list(range(config.get("replicate_blocks", 10)))
    if config.get("replicate_jobs", "one") == "per_block"
    and VARIANCE.get("method", "linearization") != "linearization"
    else []
)


def replicate_block_files(wildcards):
    """The blocks' replicate estimates fit_ordinal_model collects (none: one job)."""
    return expand("results/models/replicates/block_{block}.npy", block=REPLICATE_BLOCKS)


def replicate_factors_file(wildcards):
    """The supplied replicate factor file, when variance.replicate_factors names one."""
    path = VARIANCE.get("replicate_factors")
    return [path] if path else []


def raw_input_file(wildcards):
    """The raw survey file: the user's export, or the generated synthetic default."""
    return SYNTHETIC_RAW if SYNTHETIC else config["input"]


# Memory. Every job that holds respondent-level data declares an estimate of
# its peak memory (resources: mem_mb), so Snakemake never runs jobs together
# whose estimates exceed the budget given with --resources mem_mb=N (the
# default profile gives 2048; a cluster profile requests it per job). An
# estimate is a Python process with pandas/pyarrow loaded plus a multiple of
# the size of the file the job reads; the multiples are the per-job max_rss
# at n = 1,000,000 (benchmarks/run_benchmarks.py, logs/benchmarks/) divided by
# that file's size, rounded up. Estimates above the budget are capped to it by
# Snakemake (the job then runs alone).
#: a Python job with pandas/pyarrow/matplotlib loaded (largest max_rss at
#: n = 4,354: 207 MB, the figure job), rounded up
PROCESS_MB = 250
#: MB per MB of the raw export (text held as typed columns while checked; an
#: irregular CSV, read by the slow path, needs the most: 1.33 GB for 52.5 MB)
RAW_FILE_FACTOR = 24
#: MB per MB of the analysis parquet (models: design matrix, scores,
#: influences; test_age_association needs the most: up to 1004 MB for 7.5 MB)
ANALYSIS_FILE_FACTOR = 102
#: MB per MB of a published CSV table read whole (weights.csv for the figures)
TABLE_FILE_FACTOR = 4
#: MB per synthetic respondent generated
SYNTHETIC_MB_PER_RESPONDENT = 0.0008


def memory_mb(input_key, factor):
    """mem_mb estimate of a job: PROCESS_MB + factor x size (MB) of input[input_key].

    Evaluated by Snakemake once the input exists (before that it is "TBD")."""

    def estimate(wildcards, input):
        size_mb = Path(input[input_key]).stat().st_size / 2**20
        return int(PROCESS_MB + factor * size_mb)

    return estimate


def synthetic_memory_mb():
    """mem_mb estimate of generating the synthetic raw export."""
    n = sum(config["synthetic"]["n_eligible"].values())
    return int(PROCESS_MB + SYNTHETIC_MB_PER_RESPONDENT * n)


def built_once(path):
    """An input that is built when missing but never rebuilt because it is older
    than its own inputs: ``verify`` must check outputs as they are, not remake
    them (a tampered table would otherwise be rebuilt before the check)."""

    def existing_or_build(wildcards):
        return [] if Path(path).exists() else [path]

    return existing_or_build


def package_modules(*names):
    """Package modules by name (for a rule without a script of its own)."""
    return [f"{PACKAGE}/{name}.py" for name in names]


def script_code(script, exclude=()):
    """The package files a rule's script imports, directly or transitively
    (socialwork_ict.code_dependencies): a change to any of them reruns the rule,
    and no hand-written list can drift. ``exclude`` drops modules (by name) the
    rule's script imports but whose code cannot reach this rule's outputs."""
    dropped = {f"{PACKAGE}/{name}.py" for name in exclude}
    files = script_dependencies(
        PROJECT_DIR / "workflow/scripts" / f"{script}.py", PACKAGE
    )
    return [path for path in files if path not in dropped]


def cancel_scheduler_timers():
    """Let Snakemake exit as soon as the workflow has finished.

    Snakemake's job-rate limiter (--max-jobs-per-timespan, default 100/1s)
    re-arms a non-daemon ``threading.Timer`` of one second at every scheduling
    step; Python waits for the last one at exit, adding up to a second to every
    run that executed a job (measured: 1.3 s from "Complete log" to exit on
    the default run, 0.4 s with this). The timers only wake the scheduler,
    which has stopped when onsuccess/onerror run, so cancelling them is safe.
    """
    import threading

    for thread in threading.enumerate():
        if isinstance(thread, threading.Timer) and "_schedule_reevalutation" in getattr(
            thread.function, "__qualname__", ""
        ):
            thread.cancel()


#: when this run started (see repeat_verify_failure)
RUN_STARTED = time.time()


def repeat_verify_failure():
    """After a failed run whose ``verify`` job failed, repeat its problems and
    summary (logs/verify.log, written by this run) on the console below
    Snakemake's own error text (only its closing log-file, elapsed-time and
    WorkflowError lines come after)."""
    log = Path("logs/verify.log")
    if not log.is_file() or log.stat().st_mtime < RUN_STARTED:
        return
    lines = log.read_text(encoding="utf-8").splitlines()
    if not any("verify: FAILED" in line for line in lines):
        return
    for line in lines:
        level, _, message = line.partition(" socialwork_ict.verify: ")
        if message:
            print(
                f"{level} {message}" if level == "ERROR" else message, file=sys.stderr
            )


onsuccess:
    cancel_scheduler_timers()


onerror:
    cancel_scheduler_timers()
    repeat_verify_failure()
