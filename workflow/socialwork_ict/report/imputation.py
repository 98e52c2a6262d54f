"""The report's multiple-imputation section: imputed counts, FMI per term, CC vs MI.

Rendered from ``workflow/templates/imputation_section.html.j2`` only when
``imputation.method`` is not ``none``, and inserted before the sensitivity
section (so the default report, template and bytes, is unchanged). Inputs:
``imputed_counts.csv``, the pooled ``model_ordinal_mi.csv`` and
``tests_mi.csv`` (:mod:`socialwork_ict.imputation.analysis`) and the
complete-case ``model_ordinal.csv`` and ``tests.csv``; every number carries
its source (:mod:`socialwork_ict.report.trace`). The comparison shows,
per term, the complete-case and MI estimates and SEs, the relative change of
the SE and the shift of the estimate in complete-case SEs, and the fraction
of missing information (``fmi_barnard_rubin``, Rubin 1987 eq. 3.1.10 with
the Barnard-Rubin df).
"""

from __future__ import annotations

import pandas as pd

from socialwork_ict.report.render import make_environment, table_view
from socialwork_ict.report.trace import MODEL_TABLE, TESTS_TABLE, cell_source, traced

#: the data contract's paths of the imputation tables the section shows
COUNTS_TABLE = "results/tables/imputed_counts.csv"
MODEL_MI_TABLE = "results/tables/model_ordinal_mi.csv"
TESTS_MI_TABLE = "results/tables/tests_mi.csv"

#: the columns of the imputed-values table
COUNT_COLUMNS = ("variable", "n_missing", "pct_missing", "n_imputed", "n_skip_logic")

#: the section goes before this tag of the rendered report
ANCHOR = '<section id="sensitivity"'


def imputation_section(
    template: str,
    *,
    counts: pd.DataFrame,
    model_mi: pd.DataFrame,
    model_cc: pd.DataFrame,
    tests_mi: pd.DataFrame,
    tests_cc: pd.DataFrame,
    method: str,
) -> str:
    """The section's HTML (template text and the tables named in the module docstring)."""
    m = int(tests_mi["m"].iloc[0])
    imputed = counts[counts["n_imputed"] > 0]
    cc = model_cc.set_index("term")
    mi = model_mi.set_index("term").loc[[t for t in cc.index if t in model_mi["term"].values]]
    comparison = pd.DataFrame(
        {
            "term": mi.index,
            "estimate_cc": cc.loc[mi.index, "estimate"].to_numpy(),
            "std_error_cc": cc.loc[mi.index, "std_error"].to_numpy(),
            "estimate_mi": mi["estimate"].to_numpy(),
            "std_error_mi": mi["std_error"].to_numpy(),
            "se_change_pct": 100 * (mi["std_error"].to_numpy() / cc.loc[mi.index, "std_error"] - 1),
            "shift_in_cc_se": (mi["estimate"].to_numpy() - cc.loc[mi.index, "estimate"])
            / cc.loc[mi.index, "std_error"],
            "fmi": mi["fmi_barnard_rubin"].to_numpy(),
            "df_barnard_rubin": mi["df_barnard_rubin"].to_numpy(),
        }
    )
    cc_tests = tests_cc.set_index("test")
    rows, test_sources = [], []
    for record in tests_mi.itertuples(index=False):
        base = cc_tests.loc[record.test] if record.test in cc_tests.index else None
        key = {"test": record.test}
        test_sources.append(
            {
                **({} if base is None else {
                    "statistic_cc": cell_source(TESTS_TABLE, key, "statistic"),
                    "p_value_cc": cell_source(TESTS_TABLE, key, "p_value"),
                }),
                "statistic_mi": cell_source(TESTS_MI_TABLE, key, "statistic"),
                **{c: cell_source(TESTS_MI_TABLE, key, c) for c in ("df_num", "df_den", "p_value")},
            }
        )  # fmt: skip
        rows.append(
            {
                "test": record.test,
                "statistic_cc": None if base is None else float(base["statistic"]),
                "p_value_cc": None if base is None else float(base["p_value"]),
                "statistic_mi": record.statistic,
                "df_num": record.df_num,
                "df_den": record.df_den,
                "p_value": record.p_value,
                "pooling": "D1" if record.method.startswith("D1") else "D2",
            }
        )
    tests = pd.DataFrame(rows)
    what = "supplied completed files" if method == "supplied" else "chained equations"
    total = int(imputed["n_imputed"].sum())
    m_source = cell_source(TESTS_MI_TABLE, {"test": tests_mi["test"].iloc[0]}, "m")
    total_source = "+".join(
        "{" + cell_source(COUNTS_TABLE, {"variable": v}, "n_imputed") + "}"
        for v in imputed["variable"]
    ) or cell_source(COUNTS_TABLE, {"variable": counts["variable"].iloc[0]}, "n_imputed")
    summary = (
        f"{traced(str(m), m_source)} imputations ({what}); {traced(str(total), total_source)} "
        f"values imputed ({', '.join(imputed['variable'].astype(str))}). Each "
        "completed dataset is analysed with the complete-case design, weights and variance; "
        "the results are pooled by Rubin's rules with Barnard-Rubin df (intervals t(df)), "
        "tests by D1 (Wald) and D2 (Rao-Scott)."
    )
    context = {
        "summary": summary,
        "counts": table_view(
            counts[list(COUNT_COLUMNS)],
            sources=[
                ["", *(cell_source(COUNTS_TABLE, {"variable": v}, c) for c in COUNT_COLUMNS[1:])]
                for v in counts["variable"]
            ],
            caption="Item non-response and imputed values per variable",
            decimals={"n_missing": 0, "pct_missing": 1, "n_imputed": 0, "n_skip_logic": 0},
            note="Skip-logic blanks (not asked) are not item non-response and never imputed; "
            "a follow-up item whose filter question was itself missing is imputed only where "
            "the imputed filter answer asks it (n imputed: the most over the imputations).",
        ),
        "comparison": table_view(
            comparison,
            caption="Primary model: complete cases (CC) vs multiple imputation (MI), with the "
            "fraction of missing information (FMI) per term",
            decimals={"se_change_pct": 1, "shift_in_cc_se": 2, "df_barnard_rubin": 0},
            sources=_by_column(comparison, [_comparison_sources(t) for t in comparison["term"]]),
        ),
        "tests": table_view(
            tests,
            caption="Tests: complete cases vs pooled over the imputations",
            decimals={"df_num": 1, "df_den": 0},
            sources=_by_column(tests, test_sources),
        ),
    }
    return make_environment().from_string(template).render(**context)


def _comparison_sources(term: str) -> dict[str, str]:
    """Source of each number of one comparison row, by column."""
    key = {"term": term}
    cc_estimate, cc_se = (cell_source(MODEL_TABLE, key, c) for c in ("estimate", "std_error"))
    mi_estimate, mi_se = (cell_source(MODEL_MI_TABLE, key, c) for c in ("estimate", "std_error"))
    return {
        "estimate_cc": cc_estimate,
        "std_error_cc": cc_se,
        "estimate_mi": mi_estimate,
        "std_error_mi": mi_se,
        "se_change_pct": f"100*({{{mi_se}}}/{{{cc_se}}}-1)",
        "shift_in_cc_se": f"({{{mi_estimate}}}-{{{cc_estimate}}})/{{{cc_se}}}",
        "fmi": cell_source(MODEL_MI_TABLE, key, "fmi_barnard_rubin"),
        "df_barnard_rubin": cell_source(MODEL_MI_TABLE, key, "df_barnard_rubin"),
    }


def _by_column(frame: pd.DataFrame, sources: list[dict[str, str]]) -> list[list[str]]:
    """Row-by-row sources in ``frame``'s column order ('' for a column without one)."""
    return [[row.get(column, "") for column in frame.columns] for row in sources]


def insert_section(html: str, section: str) -> str:
    """``html`` with ``section`` inserted before the sensitivity section."""
    at = html.index(ANCHOR)
    return html[:at] + section + html[at:]
