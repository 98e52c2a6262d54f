"""``weighting.method: none`` through the CLI: the report, the figures' labels and
their captions say no word of raking (every label true for the method that ran)."""

from __future__ import annotations

import json
import re

import yaml
from workflow_runner import copy_project, snakemake

from socialwork_ict.names import FIGURES

#: raking in any form (rake, raked, raking), as a word
RAKING = re.compile(r"\brak(?:e|ed|es|ing)\b", flags=re.IGNORECASE)


def test_weighting_none_report_has_no_word_of_raking_cli(tmp_path):
    project = copy_project(tmp_path / "none")
    (project / "none.yaml").write_text("weighting:\n  method: none\n", encoding="utf-8")
    result = snakemake(project, "--configfile", "none.yaml", cores=2)
    assert result.returncode == 0, result.stderr[-3000:]
    # every rule is a script: the default profile does not print an empty shell command
    assert "Shell command: None" not in result.stdout + result.stderr

    html = (project / "reports/report.html").read_text(encoding="utf-8")
    html = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)  # inlined images
    texts = {"reports/report.html": html}
    for path in sorted((project / "results/figures").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        texts[path.name] = json.dumps(record, ensure_ascii=False)
    for path in sorted((project / "results/figures").glob("*.svg")):
        # matplotlib writes each text it draws as paths, after an XML comment with the text
        comments = re.findall(r"<!-- (.*?) -->", path.read_text(encoding="utf-8"))
        texts[path.name] = "\n".join(comments)
    found = {
        name: sorted({m.group(0) for m in RAKING.finditer(text)})
        for name, text in texts.items()
        if RAKING.search(text)
    }
    assert found == {}
    # the report, and every figure's caption and SVG text (the six figures and one
    # per survey section of the analysis plan)
    sections = yaml.safe_load((project / "config/config.yaml").read_text(encoding="utf-8"))
    figures = len(FIGURES) + len(sections["analysis_plan"]["sections"])
    assert len(texts) == 1 + 2 * figures
    assert "every weight 1" in html  # the Methods line says what ran
