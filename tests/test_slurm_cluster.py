"""The SLURM profile on a real one-node cluster (README "Trying the SLURM profile
on one machine"): the README's block, run verbatim in a copy of the project,
against a local run of the same config.

The cluster is Debian's SLURM started by ``.ci/slurm_cluster.sh`` (root; it
installs the packages when missing), so the test runs in CI (``CI`` set) and,
elsewhere, only when asked: ``SOCIALWORK_SLURM_TEST=1 python -m pytest -m slurm``.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from workflow_runner import ROOT, copy_project, files_under, snakemake

IN_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
ASKED = os.environ.get("SOCIALWORK_SLURM_TEST") == "1"
#: what the README's block must finish within (a hang, e.g. a status command
#: that never sees a job finish, fails the test instead of blocking CI)
TIMEOUT_S = 40 * 60
#: the memory budget of profiles/default, which the SLURM profile counts globally
BUDGET_MB = 2048

if not (IN_CI or ASKED):
    pytest.skip(
        "brings up a SLURM cluster as root (installs Debian packages): runs in CI, "
        "or with SOCIALWORK_SLURM_TEST=1",
        allow_module_level=True,
    )


def readme_block() -> str:
    """The bash block of the README paragraph "Trying the SLURM profile on one machine"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("**Trying the SLURM profile on one machine**")
    match = re.search(r"```bash\n(.*?)```", readme[start:], flags=re.S)
    assert match, "README: no bash block after 'Trying the SLURM profile on one machine'"
    return match.group(1)


def processes_mentioning(text: str) -> list[str]:
    """PIDs of live processes whose command line or environment contains ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or proc.name == str(os.getpid()):
            continue
        try:
            blobs = [(proc / "cmdline").read_bytes(), (proc / "environ").read_bytes()]
        except OSError:
            continue
        if any(text.encode() in blob for blob in blobs):
            found.append(proc.name)
    return found


def accounted_jobs(path: Path) -> list[dict]:
    """The sacct table the README's block writes (JobID|Comment|State|ReqMem|Submit|Start|End)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="|"))


def megabytes(req_mem: str) -> float:
    """sacct's ReqMem (e.g. ``255M``, ``2G``; SLURM 22.05 has no per-node suffix)."""
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?)n?c?", req_mem).groups()
    return float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024**2, "": 1}[unit]


def most_memory_in_flight(jobs: list[dict]) -> tuple[float, int]:
    """Largest sum of ReqMem (and count) of jobs submitted and not yet ended, over time."""
    events = []
    for job in jobs:
        events.append((datetime.fromisoformat(job["Submit"]), 1, megabytes(job["ReqMem"])))
        events.append((datetime.fromisoformat(job["End"]), 0, -megabytes(job["ReqMem"])))
    in_flight, count, most, most_count = 0.0, 0, 0.0, 0
    # at equal times an end (0) comes before a submission (1)
    for _time, is_submit, mem in sorted(events):
        in_flight += mem
        count += 1 if is_submit else -1
        if in_flight > most:
            most, most_count = in_flight, count
    return most, most_count


#: the SLURM profile's config overrides (profiles/slurm/config.yaml `config:`): the
#: local run takes the same, so the effective config (in the report) is the same
PROFILE_CONFIG = (
    "sensitivity_jobs=per_specification",
    "replicate_jobs=per_block",
    "imputation_jobs=per_imputation",
)


def test_slurm_profile_on_a_cluster_is_byte_identical_to_a_local_run(tmp_path):
    if os.geteuid() != 0:
        pytest.fail("the one-node SLURM cluster needs root (CI runs as root)")
    block = readme_block()
    profile = yaml.safe_load((ROOT / "profiles/slurm/config.yaml").read_text(encoding="utf-8"))
    assert tuple(profile["config"]) == PROFILE_CONFIG

    local = copy_project(tmp_path / "local")
    result = snakemake(local, "--config", *PROFILE_CONFIG, cores=2)
    assert result.returncode == 0, result.stderr[-3000:]

    cluster = copy_project(tmp_path / "cluster")
    shutil.copytree(ROOT / ".ci", cluster / ".ci")
    # the README's folder (its block names it), not one a caller may have set
    state = cluster / ".slurm"
    env = {k: v for k, v in os.environ.items() if k != "SOCIALWORK_SLURM_DIR"}
    try:
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block],
            cwd=cluster,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    finally:
        # the block ends with `down`; this only matters when it stopped before
        subprocess.run(["bash", ".ci/slurm_cluster.sh", "down"], cwd=cluster, env=env, check=False)
    output = run.stdout[-2000:] + run.stderr[-6000:]
    assert run.returncode == 0, output

    # torn down: no daemon or job left that was started with this cluster's
    # folder, the folder and srun's configuration link gone
    assert processes_mentioning(str(state)) == [], output
    assert not state.exists()
    assert not Path("/run/slurm/conf").is_symlink()

    # every job on the cluster and accounted COMPLETED; the account was given
    jobs = accounted_jobs(cluster / "logs" / "slurm_jobs.txt")
    rules = {re.sub(r"^rule_|_wildcards_.*$", "", job["Comment"]) for job in jobs}
    planned = snakemake(local, "--config", *PROFILE_CONFIG, "-n", "-F")
    assert planned.returncode == 0, planned.stderr[-2000:]
    assert {job["State"] for job in jobs} == {"COMPLETED"}, jobs
    expected_jobs = len(re.findall(r"^rule (?!all:)\w+:", planned.stdout, flags=re.M))
    assert len(jobs) == expected_jobs, (len(jobs), expected_jobs, rules)
    assert "fit_sensitivity_model" in rules and "render_report" in rules
    assert "sacct: invalid option" not in run.stderr
    assert "No SLURM account given" not in run.stderr

    # the memory budget capped what was submitted at once, and jobs did overlap
    most, count = most_memory_in_flight(jobs)
    assert most <= BUDGET_MB, (most, count)
    assert count >= 2, (most, count)

    # byte-identical outputs
    def tree(project):
        return {
            path.relative_to(project).as_posix(): path.read_bytes()
            for folder in ("results", "reports")
            for path in files_under(project / folder)
        }

    local_files, cluster_files = tree(local), tree(cluster)
    assert sorted(cluster_files) == sorted(local_files)
    differing = [name for name in local_files if local_files[name] != cluster_files[name]]
    assert differing == []
    assert "reports/report.html" in local_files and len(local_files) > 40
