"""Shared test fixtures.

``oracle_*`` fixtures come from ``tests/fixtures/oracle_small`` (copied from
``shared/fixtures/oracle-small``; see its PROVENANCE.md): a synthetic survey
and what R's ``survey`` package computed on it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from socialwork_ict.codes import GENDER_LABELS, SECTOR_LABELS, age_group_from_age, as_factor

ORACLE_DIR = Path(__file__).parent / "fixtures" / "oracle_small"
CHECKOUT_PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "socialwork_ict"


#: test levels (tests/README.md). ``workflow``: runs the real snakemake CLI;
#: ``browser``: headless Chromium; ``slurm``: a one-node SLURM cluster;
#: ``slow``: everything that costs more than about half a second on the 2-core
#: machine (the CLI, browser and SLURM tests, the hypothesis properties,
#: replicate variance at full size, figure rendering, the format batteries).
#: The fast level, ``python -m pytest -m "not slow"``, is the unit tests and
#: the quick R known answers.
WORKFLOW_MODULES = {
    "test_analyst_mistakes",
    "test_interrupted_runs",
    "test_report_workflow",
    "test_reproducibility",
    "test_workflow_bad_input",
    "test_workflow_end_to_end",
    "test_workflow_imputation",
    "test_workflow_oracle",
    "test_workflow_oracle_calibration",
    "test_workflow_plan",
    "test_workflow_resources",
}
BROWSER_MODULES = {"test_report_browser"}
#: the one-node SLURM cluster (also workflow: it runs the CLI)
SLURM_MODULES = {"test_slurm_cluster"}
#: fixtures that run the CLI: a test using one is a workflow test wherever it is
WORKFLOW_FIXTURES = {"synthetic_run", "project"}
#: single workflow tests in otherwise fast modules
WORKFLOW_TESTS = {"test_profiles_parse", "test_through_the_cli"}
#: modules whose every test is slow (properties, batteries over many layouts)
SLOW_MODULES = {
    "test_draft_codebook",
    "test_export_layouts",
    "test_hostile_inputs",
    "test_ingest_fast_path",
    "test_properties_cleaning",
    "test_weighting_properties",
}
#: slow tests in otherwise fast modules (by function name, or module::name where
#: the name recurs; every parameter)
SLOW_TESTS = {
    "test_a_workbook_renamed_csv_is_named",
    "test_cells_hidden_to_protect_others_are_drawn_differently",
    "test_table3_joins_the_one_disclosure_problem",
    "test_table3_yes_rows_are_r_item_means_on_every_design",
    "test_estimates_match_statsmodels_glm",
    "test_every_module_a_script_imports_is_a_code_input",
    "test_figure_code_does_not_import_pyplot",
    "test_item_means_with_deff",
    "test_labels_are_honest",
    "test_linked_tables_agree",
    "test_layout_reads_as_the_plain_csv",
    "test_no_eligible_rows_and_missing_country_stop_the_run",
    "test_no_import_cycle_in_the_package",
    "test_no_weighting_no_word_of_raking",
    "test_planted_leak_one_more_total_is_caught",
    "test_plot_returns_a_labelled_figure",
    "test_reliability_flag_marks_the_age_group",
    "test_rendering_is_byte_identical",
    "test_rows_in_equal_rows_kept_plus_rows_excluded",
    "test_simulated_true_coefficients_inside_95_ci",
    "test_snakefmt_is_clean",
    "test_split_checkboxes_unticked_blank",
    "test_suppressed_cells_are_not_drawn_as_zero",
    "test_inference_replicates::test_ordinal_and_logistic_models",
    "test_inference_replicates::test_table2",
    "test_inference_replicates::test_rao_scott_and_wald_tests",
    "test_replicate_ses_match_refitting_every_replicate_by_hand",
    "test_audit_passes_and_never_writes_the_count",
    "test_imputations_are_deterministic_given_the_seed",
    "test_unweighted_point_estimates_match_statsmodels_orderedmodel",
    "test_xlsx_several_sheets_without_sheet_is_a_warning",
    "test_xlsx_unknown_sheet_stops_listing_the_sheets",
    "test_zero_cells_are_published_by_default",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
        elif module in SLURM_MODULES:
            item.add_marker(pytest.mark.slurm)
            item.add_marker(pytest.mark.workflow)
        elif (
            module in WORKFLOW_MODULES
            or WORKFLOW_FIXTURES & set(item.fixturenames)
            or item.originalname in WORKFLOW_TESTS
            or "cli" in item.originalname.split("_")
        ):
            item.add_marker(pytest.mark.workflow)
        if (
            module in SLOW_MODULES
            or item.originalname in SLOW_TESTS
            or f"{module}::{item.originalname}" in SLOW_TESTS
            or item.get_closest_marker("workflow")
            or item.get_closest_marker("browser")
        ):
            item.add_marker(pytest.mark.slow)


def pytest_sessionstart(session):
    """Stop at once if the installed package is another checkout's copy: the
    tests (and the workflow runs they start) would test the wrong code."""
    import socialwork_ict

    imported = Path(socialwork_ict.__file__).resolve().parent
    if imported != CHECKOUT_PACKAGE:
        pytest.exit(
            f"socialwork_ict is imported from {imported}, not from this checkout "
            f"({CHECKOUT_PACKAGE}): run `pip install -r requirements-dev.txt` here",
            returncode=3,
        )


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    """The README's default run, `snakemake --cores 4` on the synthetic default,
    in a fresh copy of the project; shared by the workflow and report tests."""
    from workflow_runner import copy_project, snakemake

    project = copy_project(tmp_path_factory.mktemp("synthetic"))
    result = snakemake(project, cores=4)
    assert result.returncode == 0, result.stderr[-3000:]
    return project


@pytest.fixture(scope="session")
def oracle_dir() -> Path:
    return ORACLE_DIR


@pytest.fixture(scope="session")
def oracle_expected():
    """name -> DataFrame of every R output in expected/ (keep_default_na off for 'Inf')."""
    return {p.stem: pd.read_csv(p) for p in sorted((ORACLE_DIR / "expected").glob("*.csv"))}


@pytest.fixture(scope="session")
def oracle_targets() -> dict:
    return yaml.safe_load((ORACLE_DIR / "targets.yaml").read_text())


@pytest.fixture(scope="session")
def oracle_frame() -> pd.DataFrame:
    """Eligible respondents of the oracle raw file, in raw-file order, with the
    analysis file's labelled factors (country, age_group, gender, sector).

    The fixture has no missing values, -99 codes or duplicates, so eligibility
    is consent == 1 and direct_client_contact == 1.
    """
    raw = pd.read_csv(ORACLE_DIR / "raw.csv", dtype={"respondent_id": str})
    frame = raw[(raw["consent"] == 1) & (raw["direct_client_contact"] == 1)].reset_index(drop=True)
    frame["age_group"] = age_group_from_age(frame["age"])
    frame["country"] = as_factor(frame["country"], "country")
    frame["gender"] = as_factor(frame["gender"].map(GENDER_LABELS), "gender")
    frame["sector"] = as_factor(frame["sector"].map(SECTOR_LABELS), "sector")
    return frame


@pytest.fixture(scope="session")
def oracle_weighted_frame(oracle_frame, oracle_expected) -> pd.DataFrame:
    """The oracle frame with R's raked weights in column ``weight``."""
    weights = oracle_expected["weights"]
    assert list(weights["respondent_id"]) == list(oracle_frame["respondent_id"])
    return oracle_frame.assign(weight=weights["weight"].to_numpy())
