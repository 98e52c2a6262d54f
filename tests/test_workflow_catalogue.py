"""The package modules behind the rule files: the output catalogue
(socialwork_ict.outputs), the memory model (socialwork_ict.resources) and the
run-end handlers (socialwork_ict.run_end)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from socialwork_ict import names, outputs, resources, run_end

ROOT = Path(__file__).resolve().parents[1]


def test_published_outputs_are_the_report_the_tables_and_every_figure_file():
    files = outputs.published_outputs(imputation=False)
    assert files[0] == "reports/report.html"
    assert (
        len(files) == len(set(files)) == 1 + len(outputs.PUBLISHED_TABLES) + 3 * len(names.FIGURES)
    )
    for figure in names.FIGURES:
        for ext in ("svg", "png", "json"):
            assert f"results/figures/{figure}.{ext}" in files
    assert not set(outputs.IMPUTATION_OUTPUTS) & set(files)


def test_multiple_imputation_adds_its_tables_after_the_report():
    files = outputs.published_outputs(imputation=True)
    assert files[1:4] == list(outputs.IMPUTATION_OUTPUTS)
    assert set(files) - set(outputs.published_outputs(imputation=False)) == set(
        outputs.IMPUTATION_OUTPUTS
    )
    assert set(outputs.IMPUTATION_OUTPUTS) <= set(outputs.IMPUTATION_REPORT_FILES.values())


def test_every_report_entry_is_a_published_file_with_a_caption():
    published = set(outputs.published_outputs(imputation=False)) | {"results/manifest.tsv"}
    for path in outputs.REPORT_ENTRIES:
        assert path in published, path
        entry = outputs.report_entry(path)
        caption = ROOT / "workflow" / "rules" / entry["caption"]
        assert caption.resolve().is_file(), caption
        assert entry["labels"]["file"] == Path(path).name
    # respondent-level weights are published but kept out of Snakemake's report
    assert "results/tables/weights.csv" not in outputs.REPORT_ENTRIES


def test_memory_estimate_is_a_process_plus_a_multiple_of_the_input(tmp_path):
    data = tmp_path / "weighted.parquet"
    data.write_bytes(b"\0" * 2**20 * 3)  # 3 MB
    estimate = resources.memory_mb("weighted", resources.ANALYSIS_FILE_FACTOR)
    assert estimate(None, {"weighted": str(data)}) == int(
        resources.PROCESS_MB + resources.ANALYSIS_FILE_FACTOR * 3
    )
    assert resources.synthetic_memory_mb({"CA": 1000, "US": 1500}) == int(
        resources.PROCESS_MB + resources.SYNTHETIC_MB_PER_RESPONDENT * 2500
    )


def _failed_verify_log(path: Path) -> None:
    path.write_text(
        "ERROR socialwork_ict.verify: claim t2: reproduced 41.0, published 45.0\n"
        "INFO socialwork_ict.verify: verify: FAILED: 1 problem(s)\n"
        "INFO snakemake: not a verify line\n",
        encoding="utf-8",
    )


def test_a_failed_verify_of_this_run_is_repeated_on_stderr(tmp_path, capsys):
    log = tmp_path / "verify.log"
    _failed_verify_log(log)
    run_end.repeat_verify_failure(log, run_started=time.time() - 60)
    assert capsys.readouterr().err.splitlines() == [
        "ERROR claim t2: reproduced 41.0, published 45.0",
        "verify: FAILED: 1 problem(s)",
    ]


@pytest.mark.parametrize("case", ["older than the run", "passed", "absent"])
def test_no_repeat_without_a_failed_verify_of_this_run(tmp_path, capsys, case):
    log = tmp_path / "verify.log"
    if case == "older than the run":
        _failed_verify_log(log)
        os.utime(log, (time.time() - 3600, time.time() - 3600))
    elif case == "passed":
        log.write_text("INFO socialwork_ict.verify: verify: passed\n", encoding="utf-8")
    run_end.repeat_verify_failure(log, run_started=time.time() - 60)
    assert capsys.readouterr().err == ""


def test_only_the_schedulers_timers_are_cancelled():
    class Scheduler:
        def _schedule_reevalutation(self):
            pass

    scheduler_timer = threading.Timer(60, Scheduler()._schedule_reevalutation)
    other_timer = threading.Timer(60, lambda: None)
    scheduler_timer.start()
    other_timer.start()
    try:
        run_end.cancel_scheduler_timers()
        scheduler_timer.join(timeout=5)
        assert not scheduler_timer.is_alive()
        assert other_timer.is_alive()
    finally:
        other_timer.cancel()
        scheduler_timer.cancel()
