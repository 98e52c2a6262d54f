"""What a run publishes: the output catalogue of ``rule all`` and Snakemake's report.

The report, every published table and figure it is built from, and what the
multiple imputation adds; for Snakemake's own report (``snakemake --report
report.zip``) the category, caption (``workflow/report/<caption>.rst``) and
label of each file. Respondent-level files (``weights.csv``) and the
unsuppressed tables are not in the report.

Pandas-free: the Snakefile imports it at start-up.
"""

from __future__ import annotations

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


def published_outputs(imputation: bool) -> list[str]:
    """Every published file of a run, in manifest order: the report, the imputation
    outputs (``imputation``: multiple imputation is on), the tables, the figures."""
    return (
        ["reports/report.html"]
        + (list(IMPUTATION_OUTPUTS) if imputation else [])
        + [f"results/tables/{table}.csv" for table in PUBLISHED_TABLES]
        + [f"results/figures/{figure}.{ext}" for figure in FIGURES for ext in FIGURE_FORMATS]
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
}


def report_entry(path: str) -> dict:
    """The keyword arguments of Snakemake's ``report()`` for ``path`` (REPORT_ENTRIES):
    caption file relative to workflow/rules/, category and labels."""
    category, caption, label = REPORT_ENTRIES[path]
    return {
        "caption": f"../report/{caption}.rst",
        "category": category,
        "labels": {"result": label, "file": path.rsplit("/", 1)[-1]},
    }
