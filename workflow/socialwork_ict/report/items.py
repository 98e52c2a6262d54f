"""The report's survey-section sections (analysis plan) and the supervision finding.

Rendered from ``workflow/templates/items_section.html.j2`` and inserted
before the sensitivity section (as the multiple-imputation section), one
``<section>`` per survey section of the plan: its figure, its part of
Table 3 (pooled and per country, published values only: suppressed cells
show their ``<k``/``x`` label) and generated sentences (pooled estimate
with its 95 % CI, the country range, the Rao-Scott test by age group).
The key finding on discussing informal ICT use with supervisors or
colleagues (the study's second published finding) is added to the key
findings list from the weighted estimate of ``no_discussion``.

Every number carries its source (:mod:`~socialwork_ict.report.trace`): a
Table 3 cell is ``table3_items.csv`` keyed by variable (the item, or the
choice of a multi-select item), country and category, an estimate with its
interval the three cells as ``a; b; c``; the tests are ``tests.csv`` rows,
the odds ratios ``items_logit.csv`` rows (variable, term), the breakdown
``any_use_by_breakdown.csv`` rows (breakdown, category), the finding the keys
of ``items_plan.json`` and its published % the claim's
``published_vs_reproduced.csv`` cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from socialwork_ict.items import section_rows
from socialwork_ict.names import POOLED
from socialwork_ict.report.findings import format_p
from socialwork_ict.report.render import make_environment, table_view
from socialwork_ict.report.trace import (
    COMPARISON_TABLE,
    TESTS_TABLE,
    cell_source,
    key_source,
    sources_frame,
    traced,
    traced_html,
)

__all__ = ["insert_finding", "insert_sections", "items_sections", "no_discussion_sentence"]

#: the sections go before this tag of the rendered report
ANCHOR = '<section id="sensitivity"'
#: the end of the key findings list
FINDINGS_END = '</ul>\n</section>\n\n<section id="data"'

#: the data contract's paths of the tables the sections show (sources of their numbers)
TABLE3 = "results/tables/table3_items.csv"
ITEMS_LOGIT = "results/tables/items_logit.csv"
ANY_USE = "results/tables/any_use_by_breakdown.csv"
ITEMS_PLAN = "results/models/items_plan.json"
#: the key columns of those tables (a Table 3 variable names its item, or its choice of a
#: multi-select item; a binary item's variable its logit)
TABLE3_KEYS = ("variable", "country", "category")
LOGIT_KEYS = ("variable", "term")
ANY_USE_KEYS = ("breakdown", "category")
#: the published claim the supervision finding reproduces (config/published.yaml)
NO_DISCUSSION_CLAIM = "no_discussion_CA_US_IL"


def _num(value) -> float:
    return float(pd.to_numeric(value, errors="coerce"))


def _source(record, column: str) -> str:
    """The Table 3 cell ``column`` of ``record`` (one row of table3_items.csv)."""
    return cell_source(TABLE3, [(k, record[k]) for k in TABLE3_KEYS], column)


def _estimate(cell: pd.DataFrame, country: str) -> tuple[str, str]:
    """The shown estimate of ``country`` and its source (the cells, ``a; b; c``)."""
    row = cell[cell["country"] == country]
    if row.empty:
        return "-", ""
    record = row.iloc[0]
    pct = _num(record["pct_weighted"])
    if not np.isfinite(pct):
        return f"suppressed (n {record['n']})", _source(record, "n")
    low, high = _num(record["ci_low"]), _num(record["ci_high"])
    if np.isfinite(low) and np.isfinite(high):
        columns = ("pct_weighted", "ci_low", "ci_high")
        source = "; ".join(_source(record, c) for c in columns)
        return f"{pct:.1f} ({low:.1f}-{high:.1f})", source
    return f"{pct:.1f}", _source(record, "pct_weighted")


def _sentence(label: str, cell: pd.DataFrame, tests: pd.DataFrame, countries, alpha) -> str:
    pooled = cell[cell["country"] == POOLED]
    if pooled.empty or not np.isfinite(_num(pooled.iloc[0]["pct_weighted"])):
        return f"{label}: the pooled estimate is suppressed (disclosure control)."
    record = pooled.iloc[0]

    def shown(record, column):
        return traced(f"{_num(record[column]):.1f}", _source(record, column))

    low, high = _num(record["ci_low"]), _num(record["ci_high"])
    interval = (
        f", 95 % CI {shown(record, 'ci_low')}-{shown(record, 'ci_high')}"
        if np.isfinite(low) and np.isfinite(high)
        else ""
    )
    text = f"{label}: {shown(record, 'pct_weighted')} % pooled (weighted{interval})"
    values = [
        (c, cell[cell["country"] == c].iloc[0]) for c in countries if (cell["country"] == c).any()
    ]
    values = [(c, r) for c, r in values if np.isfinite(_num(r["pct_weighted"]))]
    if len(values) > 1:
        low = min(values, key=lambda v: _num(v[1]["pct_weighted"]))
        high = max(values, key=lambda v: _num(v[1]["pct_weighted"]))
        text += (
            f"; from {shown(low[1], 'pct_weighted')} % ({low[0]}) to "
            f"{shown(high[1], 'pct_weighted')} % ({high[0]}) by country"
        )
    variable = cell["variable"].iloc[0]
    test = tests[tests["test"] == f"rao_scott_{variable}_x_age_group[ALL]"]
    if len(test) and np.isfinite(_num(test.iloc[0]["statistic"])):
        row = test.iloc[0]
        verdict = "differs" if _num(row["p_value"]) < alpha else "does not differ significantly"
        keys = {"test": row["test"]}
        statistic = traced(
            f"{_num(row['statistic']):.2f}", cell_source(TESTS_TABLE, keys, "statistic")
        )
        p_value = format_p(_num(row["p_value"]), cell_source(TESTS_TABLE, keys, "p_value"))
        text += f"; it {verdict} by age group (Rao-Scott F = {statistic}, {p_value})"
    return text + "."


#: the columns of items_logit.csv a section's odds-ratio table shows
LOGIT_SHOWN = ("variable", "term", "odds_ratio", "ci_low", "ci_high", "p_value")


def any_use_note(any_use: pd.DataFrame) -> str:
    """The any-use table's note on its withheld shares and flags (empty if none)."""
    if "suppressed" not in any_use.columns:
        return ""
    labels = any_use["suppressed"].fillna("").astype(str)
    marks = sorted(set(labels[labels.str.startswith("<")]))
    notes = []
    if marks:
        k = traced(marks[0].removeprefix("<"), key_source("config", "disclosure", "k"))
        notes.append(
            f"A share marked '<{k}' is withheld because its category, or its users or non-users "
            f"of informal ICT, number fewer than {k} respondents (threshold rule)."
        )
    if (labels == "x").any():
        notes.append(
            "A share marked 'x' is withheld only so that a withheld share of the same breakdown "
            "cannot be derived from the others and the pooled share."
        )
    if "flag" in any_use.columns and (any_use["flag"].fillna("").astype(str) != "").any():
        notes.append(
            "A flag marks an imprecise share (NCHS data presentation standards for proportions)."
        )
    return " ".join(notes)


def items_sections(
    template: str,
    *,
    plan: Mapping,
    table3: pd.DataFrame,
    tests: pd.DataFrame,
    logits: pd.DataFrame,
    any_use: pd.DataFrame,
    figures: Mapping[str, dict],
    countries: Sequence[str],
    alpha: float,
) -> str:
    """The sections' HTML (template text, the plan summary and the published tables)."""
    views = []
    for section in plan["sections"]:
        rows = section_rows(table3, section)
        shown = [[_estimate(cell, c) for c in [*countries, POOLED]] for _, cell in rows]
        display = pd.DataFrame(
            [
                [label, *(text for text, _ in row)]
                for (label, _), row in zip(rows, shown, strict=True)
            ],
            columns=["estimate", *countries, POOLED],
        )
        absent = [a["item"] for a in plan["absent"] if a["section"] == section["id"]]
        names = [item["name"] for item in section["items"]]
        part = logits[logits["item"].isin(names) & logits["term"].str.startswith("age_group")]
        views.append(
            {
                "id": section["id"],
                "title": section["title"],
                "figure": figures[section["id"]],
                "table": table_view(
                    display,
                    caption=f"{section['title']}: weighted % (95 % CI) of respondents asked",
                    row_header="estimate",
                    sources=[["", *(source for _, source in row)] for row in shown],
                    note="Table 3 (results/tables/table3_items.csv); suppressed: disclosure "
                    "control (<k threshold, x protecting another cell).",
                ),
                "sentences": [
                    _sentence(label, cell, tests, countries, alpha) for label, cell in rows
                ],
                "logits": table_view(
                    part[list(LOGIT_SHOWN)],
                    caption=f"{section['title']}: age-group odds ratios of the binary items "
                    "(survey-weighted logit on age group, country, gender and sector)",
                    decimals={"odds_ratio": 2, "ci_low": 2, "ci_high": 2},
                    sources=sources_frame(part[list(LOGIT_SHOWN)], ITEMS_LOGIT, LOGIT_KEYS),
                )
                if len(part)
                else None,
                "absent": absent,
            }
        )
    labels = [c for c in ("suppressed", "flag") if c in any_use.columns]
    empty = [c for c in labels if (any_use[c].fillna("").astype(str) == "").all()]
    any_use = any_use.drop(columns=empty)  # a label column shows only when it labels
    any_use_view = table_view(
        any_use,
        caption="Weighted % with any informal ICT use by sector, field of practice and "
        "client population (95 % CI)",
        decimals={"pct_weighted": 1, "ci_low": 1, "ci_high": 1},
        sources=sources_frame(any_use, ANY_USE, ANY_USE_KEYS),
        note=any_use_note(any_use),
    )
    env = make_environment()
    return env.from_string(template).render(sections=views, any_use=any_use_view)


def no_discussion_sentence(estimate: Mapping | None, published: Any = None) -> str | None:
    """The key finding on not discussing informal ICT use with supervisors or colleagues
    (``estimate``: ``no_discussion`` of items_plan.json; ``published``: the claim's
    published % in published_vs_reproduced.csv, None: not quoted)."""
    if not estimate or not np.isfinite(estimate.get("pct_weighted", np.nan)):
        return None

    def shown(key):
        return traced(f"{estimate[key]:.1f}", key_source(ITEMS_PLAN, "no_discussion", key))

    where = ", ".join(estimate["countries"])
    claim = cell_source(COMPARISON_TABLE, {"id": NO_DISCUSSION_CLAIM}, "published")
    quoted = "" if published is None else f" (published: {traced(published, claim)} %)"
    return (
        f"{shown('pct_weighted')} % (95 % CI {shown('ci_low')}-{shown('ci_high')}, weighted) "
        f"of social workers in {where} never discussed their informal ICT use with a "
        f"supervisor or with colleagues{quoted}."
    )


def insert_finding(html: str, sentence: str | None) -> str:
    """``html`` with ``sentence`` as the last key finding (unchanged when None)."""
    if not sentence:
        return html
    at = html.index(FINDINGS_END)
    return html[:at] + f"<li>{traced_html(sentence)}</li>\n" + html[at:]


#: the contents entry the survey sections' entries go before
NAV_ANCHOR = '<li><a href="#sensitivity">'


def insert_sections(html: str, sections: str, titles: Sequence[tuple[str, str]] = ()) -> str:
    """``html`` with the survey sections inserted before the sensitivity section and
    their (id, title) entries in the contents before its entry."""
    at = html.index(ANCHOR)
    html = html[:at] + sections + html[at:]
    if titles and NAV_ANCHOR in html:
        at = html.index(NAV_ANCHOR)
        links = "".join(f'<li><a href="#items-{i}">{escape(t)}</a></li>\n' for i, t in titles)
        html = html[:at] + links + html[at:]
    return html
