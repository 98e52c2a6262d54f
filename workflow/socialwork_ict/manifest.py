"""The run's manifest: sha256 of every output and of everything it was built from.

``results/manifest.tsv`` (tab-separated, sorted by role then path) lists the
raw input, the config, codebook, targets and published-claims files, and
every published table, figure and the report, each with its size and
sha256. ``snakemake --cores 4 verify`` recomputes every hash and fails,
naming the file, when one differs or a file is missing: a reviewer can prove
that the files in hand are the ones the run produced.

Paths are as the workflow names them (relative to the project folder). The
raw input may live anywhere (``--config input=/data/export.csv``): it is
recorded by file name only (no absolute paths in outputs) and verified
against the input the workflow is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

MANIFEST_COLUMNS = ["role", "path", "bytes", "sha256"]
INPUT_ROLE = "input"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(files: Mapping[str, Iterable[str | Path]]) -> list[dict[str, object]]:
    """One record per file: role (``input``, ``config``, ``output``), path, bytes, sha256.

    Sorted by role, then path. Plain records, not a DataFrame: the rule that
    writes the manifest runs last on every build and need not import pandas.
    """
    rows = []
    for role, paths in files.items():
        for path in paths:
            path = Path(path)
            shown = path.name if role == INPUT_ROLE else path.as_posix()
            rows.append(
                {
                    "role": role,
                    "path": shown,
                    "bytes": path.stat().st_size,
                    "sha256": sha256_of(path),
                }
            )
    return sorted(rows, key=lambda row: (row["role"], row["path"]))


def manifest_problems(
    manifest: Iterable[Mapping[str, object]], *, raw_input: str | Path
) -> list[str]:
    """One line per file whose bytes no longer match the manifest (or that is gone).

    ``manifest``: its records (e.g. ``csv.DictReader`` over manifest.tsv).
    """
    problems = []
    for row in manifest:
        shown = str(row["path"])
        path = Path(raw_input) if row["role"] == INPUT_ROLE else Path(shown)
        if not path.exists():
            problems.append(f"manifest: missing file {shown}")
            continue
        actual = sha256_of(path)
        if actual != row["sha256"]:
            problems.append(
                f"manifest: file {shown} changed (sha256 {actual[:12]}..., "
                f"manifest {str(row['sha256'])[:12]}...)"
            )
    return problems
