"""Build ``reports/report.html`` from the run's files (rule ``render_report``).

Reads the declared tables, figures and side files, computes the provenance
(sha256 of the raw input, config, targets, codebook, published figures and
templates; package versions; the git commit), assembles the context
(:func:`~socialwork_ict.report.context.report_context`), renders the
template (:func:`~socialwork_ict.report.render.render_report`) and adds the
multiple-imputation section when imputation ran.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
import yaml

from socialwork_ict.codebook import load_codebook
from socialwork_ict.manifest import sha256_of
from socialwork_ict.names import FIGURES
from socialwork_ict.report.context import report_context
from socialwork_ict.report.dictionary import data_dictionary
from socialwork_ict.report.imputation import imputation_section, insert_section
from socialwork_ict.report.items import (
    NO_DISCUSSION_CLAIM,
    insert_finding,
    insert_sections,
    items_sections,
    no_discussion_sentence,
)
from socialwork_ict.report.provenance import git_commit, provenance
from socialwork_ict.report.render import figure_view, render_report


def _yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _csv(path):
    # keep_default_na=False + na_values=[""]: only blank cells are missing, so a
    # disclosure-controlled count such as "<5" stays text
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def shown_path(path) -> str:
    """A path as the report shows it: as given when relative, the file name when absolute
    (no machine path in an output)."""
    return Path(path).name if Path(path).is_absolute() else str(path)


def input_digests(files: Mapping[str, str], origin: Mapping, imputation: str) -> dict[str, str]:
    """The report's file digests: label naming the file -> sha256.

    The raw input's digest comes from the cleaning (data_origin.json); the
    config, targets, codebook, published figures and templates are hashed here
    (the imputation section's template only when imputation ran)."""
    digests = {
        f"raw input ({origin.get('input_name', 'unknown')})": origin.get("input_sha256", "unknown"),
        f"config ({shown_path(files['config'])})": sha256_of(files["config"]),
        f"targets ({shown_path(files['targets'])})": sha256_of(files["targets"]),
        f"codebook ({shown_path(files['codebook'])})": sha256_of(files["codebook"]),
        f"published figures ({shown_path(files['published'])})": sha256_of(files["published"]),
        f"template ({files['template']})": sha256_of(files["template"]),
    }
    if imputation != "none":
        digests[f"template ({files['mi_template']})"] = sha256_of(files["mi_template"])
    if "items_template" in files.keys():
        digests[f"template ({files['items_template']})"] = sha256_of(files["items_template"])
    return digests


def build_report(
    files: Mapping[str, str],
    *,
    report: Mapping,
    weighting: Mapping,
    countries: list[str],
    config: Mapping,
    imputation: str,
    country: str | None = None,
    plan_sections: Sequence[str] = (),
) -> str:
    """The report's HTML from the rule's input files (``files``: input key -> path).

    ``report``: the config's report settings (title, alpha); ``weighting``,
    ``countries``: as configured; ``config``: the effective config (its digest
    is in the provenance); ``imputation``: the imputation method (``none``: no
    multiple-imputation section); ``country``: one country's report
    (``reports/report_{country}.html``), None for the whole study;
    ``plan_sections``: the analysis plan's survey sections (a section per
    survey section, from ``items_plan``; none: no such sections; a country's
    report leaves them out, as it leaves out the figures, which draw every
    country)."""
    origin = _json(files["origin"])
    codebook = _yaml(files["codebook"])
    published = _yaml(files["published"])
    figures = [
        figure_view(
            name,
            Path(files[f"{name}_png"]).read_bytes(),
            _json(files[f"{name}_json"]),
            synthetic=bool(origin.get("synthetic", False)),
        )
        for name in FIGURES
    ]
    context = report_context(
        title=report["title"],
        origin=origin,
        sample_flow=_csv(files["sample_flow"]),
        diagnostics=_csv(files["diagnostics"]),
        margins=_csv(files["margins"]),
        targets=_yaml(files["targets"]),
        targets_file=shown_path(files["targets"]),
        table1=_csv(files["table1"]),
        table2=_csv(files["table2"]),
        codebook_labels={k: v.get("label", k) for k, v in codebook["columns"].items()},
        dictionary=data_dictionary(load_codebook(files["codebook"])),
        model=_csv(files["model"]),
        model_info=_json(files["model_info"]),
        predicted=_csv(files["predicted"]),
        tests=_csv(files["tests"]),
        po_check=_csv(files["po_check"]),
        sensitivity=_csv(files["sensitivity"]),
        comparison=_csv(files["comparison"]),
        sources=published.get("sources", {}),
        figures=figures,
        weighting=weighting,
        countries=countries,
        alpha=float(report["alpha"]),
        country=country,
        codebook_file=shown_path(files["codebook"]),
        published_file=shown_path(files["published"]),
        provenance=provenance(
            file_digests=input_digests(files, origin, imputation),
            config=config,
            commit=git_commit(Path.cwd()),
        ),
    )
    html = render_report(Path(files["template"]).read_text(encoding="utf-8"), context)
    if imputation != "none":
        section = imputation_section(
            Path(files["mi_template"]).read_text(encoding="utf-8"),
            counts=_csv(files["mi_counts"]),
            model_mi=_csv(files["mi_model"]),
            model_cc=_csv(files["model"]),
            tests_mi=_csv(files["mi_tests"]),
            tests_cc=_csv(files["tests"]),
            method=imputation,
        )
        html = insert_section(html, section)
    if plan_sections and country is None:  # (a country's report: that country's tables only)
        html = _with_plan(html, files, plan_sections, countries, float(report["alpha"]), origin)
    return html


def _with_plan(html, files, plan_sections, countries, alpha, origin):
    """The report with the analysis plan's survey sections and the supervision finding."""
    plan = _json(files["items_plan"])
    figures = {
        section: figure_view(
            f"items_{section}",
            Path(files[f"items_{section}_png"]).read_bytes(),
            _json(files[f"items_{section}_json"]),
            synthetic=bool(origin.get("synthetic", False)),
        )
        for section in plan_sections
    }
    sections = items_sections(
        Path(files["items_template"]).read_text(encoding="utf-8"),
        plan=plan,
        table3=_csv(files["table3"]),
        tests=_csv(files["tests"]),
        logits=_csv(files["items_logit"]),
        any_use=_csv(files["any_use"]),
        figures=figures,
        countries=countries,
        alpha=alpha,
    )
    comparison = _csv(files["comparison"])
    claim = comparison[comparison["id"] == NO_DISCUSSION_CLAIM]["published"]
    published = f"{float(claim.iloc[0]):g}" if len(claim) else None
    html = insert_finding(html, no_discussion_sentence(plan.get("no_discussion"), published))
    titles = [(s["id"], s["title"]) for s in plan["sections"]]
    return insert_sections(html, sections, [*titles, ("any-use", "Any use by breakdown")])
