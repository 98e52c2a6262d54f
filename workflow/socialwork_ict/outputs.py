"""What a run publishes: the output catalogue of ``rule all`` and Snakemake's report.

The report, every published table and figure it is built from, and what the
multiple imputation adds; for Snakemake's own report (``snakemake --report
report.zip``) the category, caption (``workflow/report/<caption>.rst``) and
label of each file. Respondent-level files (``weights.csv``) and the
unsuppressed tables are not in the report.

Pandas-free: the Snakefile imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from socialwork_ict.names import FIGURE_FORMATS, FIGURES

#: the published tables, results/tables/<table>.csv
PUBLISHED_TABLES = (
    "sample_flow",
    "weights",
    "weighting_diagnostics",
    "weighting_margins",
    "table1_sample",
    "table2_freq_by_age",
    "model_ordinal",
    "predicted_by_age",
    "tests",
    "sensitivity",
    "published_vs_reproduced",
    "disclosure_audit",
    "table3_items",
    "items_logit",
    "any_use_by_breakdown",
)

#: what the multiple imputation adds to the published outputs
IMPUTATION_OUTPUTS = (
    "results/tables/model_ordinal_mi.csv",
    "results/tables/tests_mi.csv",
    "results/tables/imputed_counts.csv",
)

#: the report's multiple-imputation section inputs (render_report input key -> file)
IMPUTATION_REPORT_FILES = {
    "mi_model": "results/tables/model_ordinal_mi.csv",
    "mi_tests": "results/tables/tests_mi.csv",
    "mi_counts": "results/tables/imputed_counts.csv",
    "mi_template": "workflow/templates/imputation_section.html.j2",
}


def item_figure(section: str, ext: str) -> str:
    """The figure of one survey section of the analysis plan (rule plot_item_figures)."""
    return f"results/figures/items_{section}.{ext}"


def published_outputs(imputation: bool, plan_sections: Sequence[str] = ()) -> list[str]:
    """Every published file of a run, in manifest order: the report, the imputation
    outputs (``imputation``: multiple imputation is on), the tables, the figures,
    then the figures of the analysis plan's survey sections (``plan_sections``)."""
    return (
        ["reports/report.html"]
        + (list(IMPUTATION_OUTPUTS) if imputation else [])
        + [f"results/tables/{table}.csv" for table in PUBLISHED_TABLES]
        + [f"results/figures/{figure}.{ext}" for figure in FIGURES for ext in FIGURE_FORMATS]
        + [item_figure(section, ext) for section in plan_sections for ext in FIGURE_FORMATS]
    )


#: file -> (category, caption, label) in Snakemake's report
REPORT_ENTRIES = {
    "reports/report.html": ("1. Report", "report_html", "the HTML report"),
    "results/tables/sample_flow.csv": ("2. Sample", "sample_flow", "sample flow"),
    "results/tables/table1_sample.csv": ("2. Sample", "table1", "Table 1"),
    "results/figures/sample_flow.svg": ("2. Sample", "figure_sample_flow", "figure"),
    "results/tables/weighting_diagnostics.csv": (
        "3. Weighting",
        "weighting_diagnostics",
        "diagnostics",
    ),
    "results/tables/weighting_margins.csv": ("3. Weighting", "weighting_margins", "margins"),
    "results/figures/weighting.svg": ("3. Weighting", "figure_weighting", "figure"),
    "results/tables/table2_freq_by_age.csv": ("4. Frequency by age", "table2", "Table 2"),
    "results/figures/freq_by_age.svg": ("4. Frequency by age", "figure_freq_by_age", "figure"),
    "results/tables/model_ordinal.csv": ("5. Model and tests", "model_ordinal", "model"),
    "results/tables/predicted_by_age.csv": (
        "5. Model and tests",
        "predicted_by_age",
        "predicted shares",
    ),
    "results/tables/tests.csv": ("5. Model and tests", "tests", "tests"),
    "results/figures/odds_ratios.svg": (
        "5. Model and tests",
        "figure_odds_ratios",
        "figure: odds ratios",
    ),
    "results/figures/predicted_often.svg": (
        "5. Model and tests",
        "figure_predicted_often",
        "figure: predicted shares",
    ),
    "results/tables/sensitivity.csv": ("6. Sensitivity", "sensitivity", "sensitivity"),
    "results/figures/sensitivity.svg": ("6. Sensitivity", "figure_sensitivity", "figure"),
    "results/tables/published_vs_reproduced.csv": (
        "7. Published vs reproduced",
        "published_vs_reproduced",
        "claims",
    ),
    "results/tables/disclosure_audit.csv": (
        "8. Disclosure and provenance",
        "disclosure_audit",
        "disclosure audit",
    ),
    "results/manifest.tsv": ("8. Disclosure and provenance", "manifest", "manifest"),
    "results/tables/table3_items.csv": ("9. Survey sections", "table3", "Table 3"),
    "results/tables/items_logit.csv": ("9. Survey sections", "items_logit", "item logits"),
    "results/tables/any_use_by_breakdown.csv": (
        "9. Survey sections",
        "any_use_by_breakdown",
        "any use by breakdown",
    ),
}
#: Snakemake's report entry of a survey section's figure (item_figure(section, "svg"))
ITEM_FIGURE_ENTRY = ("9. Survey sections", "figure_items", "figure: {section}")


def report_entry(path: str) -> dict:
    """The keyword arguments of Snakemake's ``report()`` for ``path`` (REPORT_ENTRIES):
    caption file relative to workflow/rules/, category and labels."""
    name = path.rsplit("/", 1)[-1]
    if path not in REPORT_ENTRIES and name.startswith("items_") and name.endswith(".svg"):
        category, caption, label = ITEM_FIGURE_ENTRY
        label = label.format(section=name[len("items_") : -len(".svg")])
    else:
        category, caption, label = REPORT_ENTRIES[path]
    return {
        "caption": f"../report/{caption}.rst",
        "category": category,
        "labels": {"result": label, "file": path.rsplit("/", 1)[-1]},
    }
