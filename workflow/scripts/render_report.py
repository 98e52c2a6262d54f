"""Rule render_report: reports/report.html, one self-contained file."""

import json
from pathlib import Path

import pandas as pd
import yaml

from socialwork_ict.codebook import load_codebook
from socialwork_ict.report.context import report_context
from socialwork_ict.report.dictionary import data_dictionary
from socialwork_ict.report.imputation import imputation_section, insert_section
from socialwork_ict.report.items import (
    insert_finding,
    insert_sections,
    items_sections,
    no_discussion_sentence,
)
from socialwork_ict.report.provenance import git_commit, provenance, sha256_bytes
from socialwork_ict.report.render import FIGURES, figure_view, render_report
from socialwork_ict.rule_io import run_rule


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _csv(path):
    # keep_default_na=False + na_values=[""]: only blank cells are missing, so a
    # disclosure-controlled count such as "<5" stays text
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def shown_path(path):
    """A path as the report shows it: as given when relative, the file name when absolute
    (no machine path in an output)."""
    return Path(path).name if Path(path).is_absolute() else str(path)


def _with_plan(html, inp, params, origin):
    """The report with the analysis plan's survey sections and the supervision finding."""
    plan = _json(inp.items_plan)
    figures = {
        section: figure_view(
            f"items_{section}",
            Path(inp[f"items_{section}_png"]).read_bytes(),
            _json(inp[f"items_{section}_json"]),
            synthetic=bool(origin.get("synthetic", False)),
        )
        for section in params.plan_sections
    }
    sections = items_sections(
        Path(inp.items_template).read_text(encoding="utf-8"),
        plan=plan,
        table3=_csv(inp.table3),
        tests=_csv(inp.tests),
        logits=_csv(inp.items_logit),
        any_use=_csv(inp.any_use),
        figures=figures,
        countries=params.countries,
        alpha=float(params.report["alpha"]),
    )
    html = insert_finding(html, no_discussion_sentence(plan.get("no_discussion")))
    titles = [(s["id"], s["title"]) for s in plan["sections"]]
    return insert_sections(html, sections, [*titles, ("any-use", "Any use by breakdown")])


def main(snakemake):
    inp, params = snakemake.input, snakemake.params
    origin = _json(inp.origin)
    codebook = _yaml(inp.codebook)
    published = _yaml(inp.published)
    figures = [
        figure_view(
            name,
            Path(inp[f"{name}_png"]).read_bytes(),
            _json(inp[f"{name}_json"]),
            synthetic=bool(origin.get("synthetic", False)),
        )
        for name in FIGURES
    ]
    digests = {
        f"raw input ({origin.get('input_name', 'unknown')})": origin.get("input_sha256", "unknown"),
        f"config ({shown_path(inp.config)})": sha256_bytes(Path(inp.config).read_bytes()),
        f"targets ({shown_path(inp.targets)})": sha256_bytes(Path(inp.targets).read_bytes()),
        f"codebook ({shown_path(inp.codebook)})": sha256_bytes(Path(inp.codebook).read_bytes()),
        f"published figures ({shown_path(inp.published)})": sha256_bytes(
            Path(inp.published).read_bytes()
        ),
        f"template ({inp.template})": sha256_bytes(Path(inp.template).read_bytes()),
    }
    if params.imputation != "none":
        digests[f"template ({inp.mi_template})"] = sha256_bytes(Path(inp.mi_template).read_bytes())
    context = report_context(
        title=params.report["title"],
        origin=origin,
        sample_flow=_csv(inp.sample_flow),
        diagnostics=_csv(inp.diagnostics),
        margins=_csv(inp.margins),
        targets=_yaml(inp.targets),
        targets_file=shown_path(inp.targets),
        table1=_csv(inp.table1),
        table2=_csv(inp.table2),
        codebook_labels={k: v.get("label", k) for k, v in codebook["columns"].items()},
        dictionary=data_dictionary(load_codebook(inp.codebook)),
        model=_csv(inp.model),
        model_info=_json(inp.model_info),
        predicted=_csv(inp.predicted),
        tests=_csv(inp.tests),
        po_check=_csv(inp.po_check),
        sensitivity=_csv(inp.sensitivity),
        comparison=_csv(inp.comparison),
        sources=published.get("sources", {}),
        figures=figures,
        weighting=params.weighting,
        countries=params.countries,
        alpha=float(params.report["alpha"]),
        provenance=provenance(
            file_digests=digests, config=params.config, commit=git_commit(Path.cwd())
        ),
    )
    html = render_report(Path(inp.template).read_text(encoding="utf-8"), context)
    if params.imputation != "none":
        section = imputation_section(
            Path(inp.mi_template).read_text(encoding="utf-8"),
            counts=_csv(inp.mi_counts),
            model_mi=_csv(inp.mi_model),
            model_cc=_csv(inp.model),
            tests_mi=_csv(inp.mi_tests),
            tests_cc=_csv(inp.tests),
            method=params.imputation,
        )
        html = insert_section(html, section)
    html = _with_plan(html, inp, params, origin)
    output = Path(snakemake.output[0])
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(html)


run_rule(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
