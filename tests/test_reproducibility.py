"""Reproducible for reviewers: byte-identical reruns, the manifest, incremental rebuilds."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile

import pytest
from workflow_runner import ROOT, copy_project, files_under, snakemake

from socialwork_ict.models.sensitivity import VARIANCE_SPECIFICATIONS, specification_names

#: not outputs: timings and logs differ between runs by nature
NOT_COMPARED = ("logs", ".snakemake")


def _compared_files(project):
    return {
        p.relative_to(project): p.read_bytes()
        for folder in ("results", "reports")
        for p in files_under(project / folder)
    }


def test_two_clean_runs_in_different_folders_are_byte_identical(synthetic_run, tmp_path):
    other = copy_project(tmp_path / "another folder")
    result = snakemake(other, cores=4)
    assert result.returncode == 0, result.stderr[-3000:]
    first, second = _compared_files(synthetic_run), _compared_files(other)
    assert sorted(first) == sorted(second)
    differing = [str(path) for path in first if first[path] != second[path]]
    assert differing == []
    diff = subprocess.run(
        ["diff", "-r", str(synthetic_run / "results"), str(other / "results")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert diff.returncode == 0, diff.stdout[:2000]


def test_no_absolute_paths_or_clock_time_in_outputs(synthetic_run):
    for path, data in _compared_files(synthetic_run).items():
        if path.suffix in (".png", ".parquet"):
            continue
        text = data.decode("utf-8", errors="replace")
        assert str(synthetic_run) not in text, path
        assert tempfile.gettempdir() not in text and str(ROOT) not in text, path
        assert not re.search(r"20\d\d-\d\d-\d\d[T ]\d\d:\d\d", text), path


@pytest.fixture()
def finished_copy(synthetic_run, tmp_path):
    """A copy of the finished default run (mtimes kept), safe to tamper with."""
    target = tmp_path / "copy"
    shutil.copytree(synthetic_run, target, symlinks=True, copy_function=shutil.copy2)
    return target


def test_verify_passes_then_names_a_file_changed_by_one_byte(finished_copy):
    assert snakemake(finished_copy, "verify").returncode == 0
    table = finished_copy / "results/tables/model_ordinal.csv"
    data = bytearray(table.read_bytes())
    data[-2] = ord("0") if data[-2] != ord("0") else ord("1")
    table.write_bytes(bytes(data))
    result = snakemake(finished_copy, "verify")
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert any("results/tables/model_ordinal.csv changed" in line for line in errors), errors
    assert "Traceback" not in result.stderr


def _planned_jobs(project) -> set[str]:
    """The rules a dry run would run (parsed from snakemake's job-stats table)."""
    result = snakemake(project, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return set()
    stats = text.split("Job stats:", 1)[1].split("total", 1)[0]
    return {line.split()[0] for line in stats.splitlines()[3:] if line.strip()}


#: one job per figure set draws its figures (workflow/rules/figures.smk; the
#: analysis plan's section figures: items.smk)
FIGURE_RULES = {"plot_sample_figures", "plot_model_figures", "plot_item_figures"}


def test_a_finished_run_has_nothing_to_do(finished_copy):
    assert _planned_jobs(finished_copy) == set()


def test_changing_the_figure_style_reruns_only_figures_and_report(finished_copy):
    style = finished_copy / "workflow/socialwork_ict/figures/socialwork.mplstyle"
    style.write_text(style.read_text() + "\n# a style change\n")
    jobs = _planned_jobs(finished_copy)
    assert jobs == FIGURE_RULES | {"render_report", "write_manifest", "all"}


def test_changing_the_weighting_method_reruns_weighting_and_everything_after(finished_copy):
    config = finished_copy / "config/config.yaml"
    text = config.read_text()
    assert "  method: rake\n" in text
    config.write_text(text.replace("  method: rake\n", "  method: none\n"))
    jobs = _planned_jobs(finished_copy)
    after_weighting = {
        "rake_weights", "tabulate_sample", "fit_ordinal_model", "test_age_association",
        "fit_sensitivity_model", "collect_sensitivity", "compare_published", "render_report",
    }  # fmt: skip
    assert after_weighting <= jobs
    # every figure is redrawn (the sample set includes the weighting figure)
    assert FIGURE_RULES <= jobs
    # cleaning (and so the sample flow table) does not depend on the weights
    assert not {"clean_responses", "simulate_survey"} & jobs


def test_changing_a_model_figure_redraws_only_the_model_set(finished_copy):
    module = finished_copy / "workflow/socialwork_ict/figures/odds_ratios.py"
    module.write_text(module.read_text() + "\n# a change to one model figure\n")
    jobs = _planned_jobs(finished_copy)
    assert jobs == {"plot_model_figures", "render_report", "write_manifest", "all"}


def test_sensitivity_table_is_identical_with_one_job_per_specification(finished_copy):
    one_job = (finished_copy / "results/tables/sensitivity.csv").read_bytes()
    result = snakemake(
        finished_copy, "results/tables/sensitivity.csv",
        "--config", "sensitivity_jobs=per_specification",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "fit_sensitivity_model" in result.stdout + result.stderr
    per_spec = sorted(p.name for p in (finished_copy / "results/models/sensitivity").iterdir())
    # the earlier batch "all" and one file per specification (the default config: raked)
    names = specification_names(variance=VARIANCE_SPECIFICATIONS)
    assert per_spec == sorted(["all.csv", *(f"{name}.csv" for name in names)])
    assert (finished_copy / "results/tables/sensitivity.csv").read_bytes() == one_job
