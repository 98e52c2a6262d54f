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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

import numpy as np
import pandas as pd

from socialwork_ict.items import section_rows
from socialwork_ict.names import POOLED
from socialwork_ict.report.findings import format_p
from socialwork_ict.report.render import make_environment, table_view

__all__ = ["insert_finding", "insert_sections", "items_sections", "no_discussion_sentence"]

#: the sections go before this tag of the rendered report
ANCHOR = '<section id="sensitivity"'
#: the end of the key findings list
FINDINGS_END = '</ul>\n</section>\n\n<section id="data"'


def _num(value) -> float:
    return float(pd.to_numeric(value, errors="coerce"))


def _estimate(cell: pd.DataFrame, country: str) -> str:
    row = cell[cell["country"] == country]
    if row.empty:
        return "-"
    record = row.iloc[0]
    pct = _num(record["pct_weighted"])
    if not np.isfinite(pct):
        return f"suppressed (n {record['n']})"
    low, high = _num(record["ci_low"]), _num(record["ci_high"])
    interval = f" ({low:.1f}-{high:.1f})" if np.isfinite(low) and np.isfinite(high) else ""
    return f"{pct:.1f}{interval}"


def _sentence(label: str, cell: pd.DataFrame, tests: pd.DataFrame, countries, alpha) -> str:
    pooled = cell[cell["country"] == POOLED]
    if pooled.empty or not np.isfinite(_num(pooled.iloc[0]["pct_weighted"])):
        return f"{label}: the pooled estimate is suppressed (disclosure control)."
    record = pooled.iloc[0]
    low, high = _num(record["ci_low"]), _num(record["ci_high"])
    interval = f", 95 % CI {low:.1f}-{high:.1f}" if np.isfinite(low) and np.isfinite(high) else ""
    text = f"{label}: {_num(record['pct_weighted']):.1f} % pooled (weighted{interval})"
    shown = [
        (c, _num(cell.loc[cell["country"] == c, "pct_weighted"].iloc[0]))
        for c in countries
        if (cell["country"] == c).any()
    ]
    shown = [(c, v) for c, v in shown if np.isfinite(v)]
    if len(shown) > 1:
        low, high = min(shown, key=lambda r: r[1]), max(shown, key=lambda r: r[1])
        text += f"; from {low[1]:.1f} % ({low[0]}) to {high[1]:.1f} % ({high[0]}) by country"
    variable = cell["variable"].iloc[0]
    test = tests[tests["test"] == f"rao_scott_{variable}_x_age_group[ALL]"]
    if len(test) and np.isfinite(_num(test.iloc[0]["statistic"])):
        row = test.iloc[0]
        verdict = "differs" if _num(row["p_value"]) < alpha else "does not differ significantly"
        text += (
            f"; it {verdict} by age group (Rao-Scott F = {_num(row['statistic']):.2f}, "
            f"{format_p(_num(row['p_value']))})"
        )
    return text + "."


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
        display = pd.DataFrame(
            [
                {"estimate": label, **{c: _estimate(cell, c) for c in [*countries, POOLED]}}
                for label, cell in rows
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
                    note="Table 3 (results/tables/table3_items.csv); suppressed: disclosure "
                    "control (<k threshold, x protecting another cell).",
                ),
                "sentences": [
                    _sentence(label, cell, tests, countries, alpha) for label, cell in rows
                ],
                "logits": table_view(
                    part[["variable", "term", "odds_ratio", "ci_low", "ci_high", "p_value"]],
                    caption=f"{section['title']}: age-group odds ratios of the binary items "
                    "(survey-weighted logit on age group, country, gender and sector)",
                    decimals={"odds_ratio": 2, "ci_low": 2, "ci_high": 2},
                )
                if len(part)
                else None,
                "absent": absent,
            }
        )
    any_use_view = table_view(
        any_use,
        caption="Weighted % with any informal ICT use by sector, field of practice and "
        "client population (95 % CI)",
        decimals={"pct_weighted": 1, "ci_low": 1, "ci_high": 1},
    )
    env = make_environment()
    return env.from_string(template).render(sections=views, any_use=any_use_view)


def no_discussion_sentence(estimate: Mapping | None) -> str | None:
    """The key finding on not discussing informal ICT use with supervisors or colleagues."""
    if not estimate or not np.isfinite(estimate.get("pct_weighted", np.nan)):
        return None
    where = ", ".join(estimate["countries"])
    return (
        f"{estimate['pct_weighted']:.1f} % (95 % CI {estimate['ci_low']:.1f}-"
        f"{estimate['ci_high']:.1f}, weighted) of social workers in {where} never discussed "
        "their informal ICT use with a supervisor or with colleagues (published: 41 %)."
    )


def insert_finding(html: str, sentence: str | None) -> str:
    """``html`` with ``sentence`` as the last key finding (unchanged when None)."""
    if not sentence:
        return html
    at = html.index(FINDINGS_END)
    return html[:at] + f"<li>{sentence}</li>\n" + html[at:]


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
