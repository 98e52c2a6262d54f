"""Memory estimates and the memory budget (resources: mem_mb, socialwork_ict.resources).

Every rule that holds respondent-level data declares a peak-memory estimate
that grows with its input, so Snakemake never runs jobs together whose
estimates exceed ``--resources mem_mb=N`` (profiles/default: 2000). That is
what keeps a 1,000,000-respondent run near 2 GB (benchmarks/RESULTS.md).
"""

from __future__ import annotations

import re

import pytest
from workflow_runner import copy_project, snakemake

DATA_RULES = (
    "simulate_survey",
    "clean_responses",
    "rake_weights",
    "tabulate_sample",
    "tabulate_items",
    "test_items",
    "fit_ordinal_model",
    "test_age_association",
    "fit_sensitivity_model",
    "compare_published",
    "plot_sample_figures",
)
#: the rules of multiple imputation (imputation.method: chained), which hold the data too
MI_RULES = ("impute_responses", "analyse_imputation", "pool_imputations")
#: PROCESS_MB (socialwork_ict.resources): no estimate is below one Python process with pandas
PROCESS_MB = 250


def job_blocks(output: str) -> dict[str, str]:
    """rule name -> the text Snakemake prints for its (first) job."""
    blocks = {}
    for match in re.finditer(r"^(?:local)?rule (\w+):\n((?:    .*\n)+)", output, re.MULTILINE):
        blocks.setdefault(match.group(1), match.group(2))
    return blocks


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("resources"))


def test_every_data_rule_declares_a_memory_estimate(project):
    result = snakemake(project, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    blocks = job_blocks(result.stdout + result.stderr)
    for rule in DATA_RULES:
        assert "mem_mb=" in blocks[rule], (rule, blocks[rule])
    # known before any file exists: the generator's estimate follows config synthetic.n_eligible
    simulate = int(re.search(r"mem_mb=(\d+)", blocks["simulate_survey"]).group(1))
    assert simulate == int(PROCESS_MB + 0.0008 * 4354)


def test_the_imputation_rules_declare_a_memory_estimate(tmp_path):
    """impute_responses, analyse_imputation and pool_imputations hold the analysis
    file and m completed copies of its variables: each declares an estimate
    that the budget counts, at least one process."""
    project = copy_project(tmp_path / "mi")
    (project / "mi.yaml").write_text("imputation:\n  method: chained\n  m: 4\n")
    made = snakemake(project, "results/weights/weighted_responses.parquet")
    assert made.returncode == 0, made.stderr[-2000:]
    # the analysis file exists, so the estimates are numbers (from its size), not <TBD>
    result = snakemake(project, "-n", "--configfile", "mi.yaml")
    assert result.returncode == 0, result.stderr[-2000:]
    blocks = job_blocks(result.stdout + result.stderr)
    for rule in MI_RULES:
        mem = re.search(r"mem_mb=(\d+)", blocks[rule])
        assert mem is not None, (rule, blocks[rule])
        assert int(mem.group(1)) >= PROCESS_MB, (rule, blocks[rule])


def test_budget_runs_data_jobs_one_at_a_time_and_estimates_follow_the_input(project):
    """With a budget below two jobs' estimates no two data jobs overlap, and the
    run still completes (an estimate above the budget is capped to it)."""
    result = snakemake(project, "--resources", "mem_mb=300", cores=4)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    running: set[str] = set()
    jobid_rule = {}
    for line in output.splitlines():
        started = re.match(r"^(?:local)?rule (\w+):", line)
        if started:
            current = started.group(1)
            continue
        jobid = re.match(r"^    jobid: (\d+)", line)
        if jobid:
            jobid_rule[jobid.group(1)] = current
            if current in DATA_RULES:
                assert not running, f"{current} started while {running} ran"
                running.add(current)
            continue
        finished = re.match(r"^Finished jobid: (\d+)", line)
        if finished:
            running.discard(jobid_rule.get(finished.group(1)))
    blocks = job_blocks(output)
    for rule in DATA_RULES:
        mem = int(re.search(r"mem_mb=(\d+)", blocks[rule]).group(1))
        assert PROCESS_MB <= mem <= 300, (rule, mem)
