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
from socialwork_ict.imputation.settings import (
    imputation_batches,
    imputation_numbers,
    imputation_settings,
)
from socialwork_ict.names import (
    FIGURE_FORMATS,
    FIGURE_SETS,
    FIGURES,
    run_specifications,
)
from socialwork_ict.outputs import IMPUTATION_REPORT_FILES as MI_REPORT_FILES
from socialwork_ict.outputs import item_figure, published_outputs, report_entry
from socialwork_ict.resources import ANALYSIS_FILE_FACTOR, RAW_FILE_FACTOR
from socialwork_ict.resources import PROCESS_MB, TABLE_FILE_FACTOR
from socialwork_ict.resources import memory_mb, synthetic_memory_mb
from socialwork_ict.run_end import cancel_scheduler_timers, repeat_verify_failure
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
#: the imputation jobs (the {batch} wildcard of impute_responses and
#: analyse_imputation) -> their imputations: imputation_batches runs of them
#: (batched), or one job each (per_imputation, set by the SLURM profile)
IMPUTATIONS = imputation_numbers(IMPUTATION)
try:
    IMPUTATION_BATCHES = imputation_batches(
        IMPUTATIONS,
        config.get("imputation_jobs", "batched"),
        config.get("imputation_batches", 2),
    )
except InputError as error:
    stop(error.message())
#: chained imputations are made as one long file per job; supplied ones are the
#: user's files, one per imputation
LONG_COMPLETED = IMPUTATION["method"] == "chained"


def completed_files(batch):
    """The completed files of a job: its long file (chained) or its supplied files."""
    if LONG_COMPLETED:
        return [f"results/imputation/completed/{batch}.csv"]
    return [IMPUTATION["files"][number - 1] for number in IMPUTATION_BATCHES[batch]]


def batch_completed_files(wildcards):
    """The completed files the job analyses."""
    return completed_files(wildcards.batch)


def batch_imputations(wildcards):
    """The imputation numbers of the job."""
    return IMPUTATION_BATCHES[wildcards.batch]


#: what a run publishes (socialwork_ict.outputs): the report and every table and
#: figure it is built from, plus the multiple imputation's outputs when it is on
#: the analysis plan's survey sections (one figure and one report section each)
PLAN_SECTIONS = [
    s["id"] for s in (config.get("analysis_plan") or {}).get("sections", [])
]
PUBLISHED_OUTPUTS = published_outputs(
    imputation=bool(IMPUTATIONS), plan_sections=PLAN_SECTIONS
)
#: the report's multiple-imputation section inputs (none without imputation)
IMPUTATION_REPORT_FILES = MI_REPORT_FILES if IMPUTATIONS else {}


def in_report(path):
    """``path`` flagged for Snakemake's report with its category, caption and label
    (socialwork_ict.outputs.REPORT_ENTRIES); the file itself is unchanged."""
    return report(path, **report_entry(path))


#: sensitivity specifications (socialwork_ict.models.sensitivity), in table order
SENSITIVITY_SPECIFICATIONS = run_specifications(
    config["weighting"]["method"], config["countries"]
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


def built_once(path):
    """An input that is built when missing but never rebuilt because it is older
    than its own inputs: ``verify`` must check outputs as they are, not remake
    them (a tampered table would otherwise be rebuilt before the check)."""

    def existing_or_build(wildcards):
        return [] if Path(path).exists() else [path]

    return existing_or_build


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


def other_figure_modules(figure_set):
    """The figure modules of the other sets: plot_figures.py imports every figure
    module, but the other sets' plot functions never run in this set's job."""
    return [
        f"figures/{figure}"
        for name, figures in FIGURE_SETS.items()
        if name != figure_set
        for figure in figures
    ]


#: when this run started (repeat_verify_failure repeats only this run's verify log)
RUN_STARTED = time.time()


onsuccess:
    cancel_scheduler_timers()


onerror:
    cancel_scheduler_timers()
    repeat_verify_failure("logs/verify.log", RUN_STARTED)
