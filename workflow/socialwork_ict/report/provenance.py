"""Provenance of the report: file digests, software versions, the git commit.

Stage: report. What a reader needs to tie the report to its inputs: the
sha256 of the raw input, the config, the population targets, the codebook
and the published figures; the versions of the packages that computed it
(``importlib.metadata``) and of Snakemake; the git commit of the code
(``git rev-parse HEAD``, "unknown" outside a git checkout). No clock time:
the same inputs give the same provenance, so the report is byte-identical.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

#: distributions whose versions the report lists, in this order
PACKAGES = (
    "socialwork-ict",
    "snakemake",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "matplotlib",
    "jinja2",
    "pyreadstat",
    "pyyaml",
    "pyarrow",
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_config(config: Mapping) -> str:
    """Digest of the effective config (after command-line overrides), canonical JSON."""
    text = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256_bytes(text.encode("utf-8"))


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """``{distribution: version}`` from importlib.metadata; "not installed" if absent."""
    versions = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(directory: str | Path = ".") -> str:
    """``git rev-parse HEAD`` in ``directory``, or "unknown" (no git, not a checkout)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            check=False,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else "unknown"


def provenance(
    *,
    file_digests: Mapping[str, str],
    config: Mapping,
    commit: str,
    versions: Mapping[str, str] | None = None,
) -> dict:
    """The provenance block of the report (sorted, clock-free).

    ``file_digests`` maps a label (e.g. ``"targets (config/targets.yaml)"``)
    to its sha256; the effective config's digest is added.
    """
    versions = dict(versions if versions is not None else package_versions())
    digests = dict(sorted(file_digests.items()))
    digests["effective config (after command-line overrides)"] = sha256_config(config)
    return {
        "files": digests,
        "versions": versions,
        "snakemake": versions.get("snakemake", "not installed"),
        "git_commit": commit,
    }
