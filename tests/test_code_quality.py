"""Code-quality gates, run with the test suite (and so by CI): ruff, snakefmt, profiles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_runner import copy_project, snakemake

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "workflow/rules").glob("*.smk"))
SNAKEMAKE_FILES = ["Snakefile", "workflow/Snakefile", *RULE_FILES]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_check_is_clean():
    result = _run(sys.executable, "-m", "ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakefmt_is_clean():
    snakefmt = shutil.which("snakefmt")
    assert snakefmt, "snakefmt is in requirements-dev.txt"
    result = _run(snakefmt, "--check", *SNAKEMAKE_FILES)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("profile", ["default", "slurm"])
def test_profiles_parse(tmp_path, profile):
    project = copy_project(tmp_path / "project")  # profiles/ included
    result = snakemake(project, "--profile", f"profiles/{profile}", "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Job stats" in result.stdout + result.stderr
