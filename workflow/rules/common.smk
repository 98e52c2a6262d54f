# Helpers shared by every rule: config validation and input resolution.

from pathlib import Path

from snakemake.utils import min_version, validate

min_version("9.0")


validate(config, schema="../schemas/config.schema.yaml")

# The codebook is validated structurally at start-up as well, so a broken
# codebook stops the run before any job starts.
import yaml as _yaml

with open(config["codebook"], encoding="utf-8") as _handle:
    validate(_yaml.safe_load(_handle), schema="../schemas/codebook.schema.yaml")

SYNTHETIC = config["input"] == "synthetic"
SYNTHETIC_RAW = "results/raw/synthetic_survey.csv"
PACKAGE = "workflow/socialwork_ict"


def raw_input_file(wildcards):
    """The raw survey file: the user's export, or the generated synthetic default."""
    return SYNTHETIC_RAW if SYNTHETIC else config["input"]


def package_modules(*names):
    """Package modules a rule's outputs depend on (a method change reruns it)."""
    return [f"{PACKAGE}/{name}.py" for name in names]
