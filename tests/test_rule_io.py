"""The writers at the rules' edges (socialwork_ict.rule_io), the manifest records, and
which modules the light rules and Snakemake's start-up checks import."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
from workflow_runner import ROOT

from socialwork_ict.manifest import MANIFEST_COLUMNS, build_manifest, manifest_problems
from socialwork_ict.rule_io import concatenate_csv, write_rows, write_table

RECORDS = [
    {"role": "output", "path": "results/tables/a,b.csv", "bytes": 12, "sha256": "00ff"},
    {"role": "input", "path": '=HYPERLINK("x")', "bytes": 0, "sha256": "-1"},
    {"role": "config", "path": "line\nbreak ü", "bytes": 123456789012, "sha256": "@sum"},
]


def test_write_rows_gives_the_bytes_write_table_gives(tmp_path):
    """The manifest is written without pandas but exactly like every other table:
    minimal quoting, \\n line ends, UTF-8, formula cells prefixed with '."""
    for sep in (",", "\t"):
        write_rows(RECORDS, MANIFEST_COLUMNS, tmp_path / "rows.txt", sep=sep)
        write_table(pd.DataFrame(RECORDS, columns=MANIFEST_COLUMNS), tmp_path / "t.txt", sep=sep)
        assert (tmp_path / "rows.txt").read_bytes() == (tmp_path / "t.txt").read_bytes()
    assert "'=HYPERLINK" in (tmp_path / "rows.txt").read_text(encoding="utf-8")


def test_rules_that_only_hash_files_do_not_import_pandas():
    code = (
        "import sys, socialwork_ict.rule_io, socialwork_ict.manifest;print('pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_snakefile_start_up_checks_do_not_import_pandas():
    """The rule files import package modules to check config, codebook, targets and
    the analysis plan at start-up; pandas there would cost every snakemake call (dry runs and no-op
    reruns included) ~0.25 s where no plugin has imported it already."""
    imports = [
        match.group(0)
        for path in sorted((ROOT / "workflow/rules").glob("*.smk"))
        for match in re.finditer(
            r"^from socialwork_ict\S* import (?:\([^)]*\)|.*)$", path.read_text(), re.MULTILINE
        )
    ]
    assert imports
    code = "\n".join([*imports, "import sys", "print('pandas' in sys.modules)"])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_manifest_records_are_sorted_and_checked(tmp_path):
    (tmp_path / "b.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("x\n2\n", encoding="utf-8")
    raw = tmp_path / "export.csv"
    raw.write_text("id\n1\n", encoding="utf-8")
    records = build_manifest({"output": [tmp_path / "b.csv", tmp_path / "a.csv"], "input": [raw]})
    assert [(r["role"], r["path"]) for r in records] == [
        ("input", "export.csv"),
        ("output", (tmp_path / "a.csv").as_posix()),
        ("output", (tmp_path / "b.csv").as_posix()),
    ]
    assert records[0]["bytes"] == raw.stat().st_size
    assert manifest_problems(records, raw_input=raw) == []
    (tmp_path / "a.csv").write_text("x\n3\n", encoding="utf-8")
    (tmp_path / "b.csv").unlink()
    problems = manifest_problems(records, raw_input=raw)
    assert len(problems) == 2
    assert "changed" in problems[0] and "a.csv" in problems[0]
    assert "missing file" in problems[1] and "b.csv" in problems[1]


def test_outputs_are_readable_as_the_umask_says(tmp_path):
    import os

    from socialwork_ict.rule_io import write_json, write_parquet

    old = os.umask(0o022)
    try:
        write_json({"a": 1}, tmp_path / "a.json")
        write_parquet(__import__("pandas").DataFrame({"x": [1]}), tmp_path / "a.parquet")
        os.umask(0o027)
        write_json({"a": 1}, tmp_path / "b.json")
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "a.parquet").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o640


def test_concatenated_csv_keeps_one_header_and_every_row_byte_for_byte(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"spec,x\nweighted,0.100000000000001\n")
    second.write_bytes(b'spec,x\nunweighted,"a, b"\n')
    target = tmp_path / "out" / "all.csv"
    concatenate_csv([first, second], target)
    assert target.read_bytes() == b'spec,x\nweighted,0.100000000000001\nunweighted,"a, b"\n'
