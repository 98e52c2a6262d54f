"""Key findings of the report: sentences generated from the result tables.

Stage: report. Nothing here is hard-coded prose about the results: every
number, direction and verdict comes from the tables passed in, so the
sentences change when the data change. Pure functions: DataFrames in,
a list of plain-text sentences out (the template escapes them). Each number
is marked with its source (:func:`~socialwork_ict.report.trace.traced`: the
table cell of the data contract's file, or the config key); the template's
``traced`` filter renders the marks, :func:`~socialwork_ict.report.trace.plain`
removes them.

Sentences, in order:

1. the age effect: odds ratio and 95 % CI of each age group vs the
   under-30s in the primary proportional-odds model, and its direction;
   then the published claim as stated (the under-30s against the older
   groups, one contrast), the overall age test and the departure from a
   linear trend;
2. the Rao-Scott tests of age group x frequency, per country and pooled;
3. the age x country interaction (does the age pattern differ between
   countries?), the design-based Wald F test;
4. the proportional-odds check for age group (its verdict);
5. the weighted share of any informal ICT use (ict_freq >= 2) per country,
   from Table 1 (cells suppressed by disclosure control are not used);
6. the published-vs-reproduced tally, and any model or weighting warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from socialwork_ict.codes import AGE_GROUPS, ICT_FREQ_LABELS
from socialwork_ict.names import (
    AGE_TERMS,
    CONTRAST_TEST,
    NONLINEARITY_TEST,
    POOLED,
    WALD_AGE_TEST,
)
from socialwork_ict.names import RAO_SCOTT_TEST as RAO_SCOTT
from socialwork_ict.names import WALD_INTERACTION_TEST as WALD
from socialwork_ict.report.trace import (
    COMPARISON_TABLE,
    MODEL_TABLE,
    TABLE1,
    TESTS_TABLE,
    cell_source,
    count_source,
    traced,
)

REFERENCE_AGE = AGE_GROUPS[0]
PO_TEST = "proportional_odds[age_group]"
PO_ALL = "proportional_odds[all terms]"
AGE_CLAIM_TESTS = (CONTRAST_TEST, WALD_AGE_TEST, NONLINEARITY_TEST)
USE_CATEGORIES = tuple(ICT_FREQ_LABELS[code] for code in (2, 3, 4, 5))
NEVER = ICT_FREQ_LABELS[1]


def format_p(p: float, source: str | None = None) -> str:
    """``p < 0.001`` or ``p = 0.047`` (three decimals); the number marked with ``source``."""
    if p is None or math.isnan(float(p)):
        return "p not available"
    text = "< 0.001" if p < 0.001 else f"= {float(p):.3f}"
    if source is None:
        return f"p {text}"
    if p < 0.001:
        return f"p {traced(text, source)}"
    return f"p = {traced(text[2:], source)}"


def _alpha(alpha: float) -> str:
    return traced(f"{alpha:g}", "config:report.alpha")


def _test_cell(row, column: str, text: str) -> str:
    return traced(text, cell_source(TESTS_TABLE, {"test": row["test"]}, column))


def format_df(value: float) -> str:
    value = float(value)
    if math.isinf(value):
        return "inf"
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 or value >= 100 else f"{value:.1f}"


def _list(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def age_effect_sentence(model: pd.DataFrame) -> str:
    """Odds ratios (95 % CI) of each age group vs <30, with the overall direction."""
    terms = model.set_index("term")
    present = [t for t in AGE_TERMS if t in terms.index and pd.notna(terms.loc[t, "odds_ratio"])]
    if not present:
        return "The primary model has no age-group estimates."
    parts = []
    for term in present:
        row = terms.loc[term]
        group = term.removeprefix("age_group[").removesuffix("]")
        odds, low, high = (
            traced(f"{row[c]:.2f}", cell_source(MODEL_TABLE, {"term": term}, c))
            for c in ("odds_ratio", "ci_low", "ci_high")
        )
        parts.append(f"{group} OR {odds} (95 % CI {low} to {high})")
    odds = terms.loc[present, "odds_ratio"].astype(float)
    low = terms.loc[present, "ci_low"].astype(float)
    high = terms.loc[present, "ci_high"].astype(float)
    if (odds > 1).all():
        direction = (
            f"every older age group reported more frequent informal ICT use than the "
            f"under-{REFERENCE_AGE.lstrip('<')}s"
        )
    elif (odds < 1).all():
        direction = (
            f"every older age group reported less frequent informal ICT use than the "
            f"under-{REFERENCE_AGE.lstrip('<')}s"
        )
    else:
        more = [t.removeprefix("age_group[").removesuffix("]") for t in present if odds[t] > 1]
        less = [t.removeprefix("age_group[").removesuffix("]") for t in present if odds[t] <= 1]
        direction = (
            f"the direction is mixed: {_list(more) or 'no group'} above and "
            f"{_list(less) or 'no group'} at or below the under-{REFERENCE_AGE.lstrip('<')}s"
        )
    crossing = [
        t.removeprefix("age_group[").removesuffix("]") for t in present if low[t] <= 1 <= high[t]
    ]
    tail = (
        f" The 95 % interval includes an odds ratio of one for {_list(crossing)}."
        if crossing
        else " No 95 % interval includes an odds ratio of one."
    )
    return (
        "In the primary survey-weighted proportional-odds model (adjusted for country, gender "
        f"and sector), {direction}: {'; '.join(parts)}.{tail}"
    )


def _f_text(row) -> str:
    """``F = 3.48 on 15.9 and 41357 df, p < 0.001``, each number marked with its tests.csv cell."""
    return (
        f"F = {_test_cell(row, 'statistic', format(row['statistic'], '.2f'))} on "
        f"{_test_cell(row, 'df_num', format_df(row['df_num']))} and "
        f"{_test_cell(row, 'df_den', format_df(row['df_den']))} df, "
        f"{format_p(row['p_value'], cell_source(TESTS_TABLE, {'test': row['test']}, 'p_value'))}"
    )


def age_claim_sentence(tests: pd.DataFrame, alpha: float) -> str | None:
    """The claim "under-30s use less than older groups" tested as stated (one contrast),
    with the overall age test and the departure from linearity (None if not computed)."""
    by_name = tests.set_index("test", drop=False)
    if not set(AGE_CLAIM_TESTS) <= set(by_name.index):
        return None
    contrast, overall, nonlinear = (by_name.loc[name] for name in AGE_CLAIM_TESTS)
    verdict = "supported" if contrast["p_value"] < alpha else "not supported"
    shape = (
        "departs from a straight line over the age groups, so the linear trend "
        "test says nothing about a steady increase with age"
        if nonlinear["p_value"] < alpha
        else "does not depart detectably from a straight line over the age groups"
    )
    return (
        f"Tested as stated (the under-30s against the four older groups, one design-based "
        f"contrast), the published age claim is {verdict} at {_alpha(alpha)} "
        f"({_f_text(contrast)}); "
        f"{_test_cell(contrast, 'method', contrast['method'].split(': ', 1)[1])}. "
        f"Overall age effect: {_f_text(overall)}. "
        f"The age pattern {shape} ({_f_text(nonlinear)})."
    )


def rao_scott_sentence(tests: pd.DataFrame, countries: Sequence[str], alpha: float) -> str:
    """Which countries show an age x frequency association at ``alpha``."""
    by_name = tests.set_index("test", drop=False)
    found, significant, not_significant = [], [], []
    for country in [*countries, POOLED]:
        name = RAO_SCOTT.format(country)
        if name not in by_name.index:
            continue
        row = by_name.loc[name]
        label = "pooled" if country == POOLED else country
        text = f"{label} ({_f_text(row)})"
        found.append(name)
        (significant if row["p_value"] < alpha else not_significant).append(text)
    if not found:
        return "No Rao-Scott test of age group by frequency is available."
    sentence = "Rao-Scott tests of age group by frequency of use: "
    clauses = []
    if significant:
        clauses.append(f"associated at the {_alpha(alpha)} level in {_list(significant)}")
    if not_significant:
        clauses.append(
            f"no association detected at the {_alpha(alpha)} level in {_list(not_significant)}"
        )
    return sentence + "; ".join(clauses) + "."


def interaction_sentence(tests: pd.DataFrame, alpha: float) -> str:
    """Does the age pattern differ between countries? (age x country Wald F test)."""
    found = tests[tests["test"] == WALD]
    if found.empty:
        return "The age x country interaction test is not available."
    row = found.iloc[0]
    differs = row["p_value"] < alpha
    verdict = (
        "differed between countries" if differs else "did not differ detectably between countries"
    )
    return (
        f"The age pattern {verdict} (design-based Wald test of age group x country: "
        f"{_f_text(row)}; "
        f"{'significant' if differs else 'not significant'} at {_alpha(alpha)})."
    )


def proportional_odds_sentence(tests: pd.DataFrame, alpha: float) -> str:
    """Verdict of the Brant-type proportional-odds check for age group."""
    found = tests[tests["test"] == PO_TEST]
    if found.empty:
        return "The proportional-odds check is not available."
    row = found.iloc[0]
    stats = f"design-based Brant-type Wald {_f_text(row)}"
    every = tests[tests["test"] == PO_ALL]
    tail = (
        f" For every covariate jointly: {_f_text(every.iloc[0])}"
        f" ({'rejected' if every.iloc[0]['p_value'] < alpha else 'not rejected'})."
        if not every.empty
        else ""
    )
    if row["p_value"] < alpha:
        return (
            f"The proportional-odds assumption for age group was rejected at {_alpha(alpha)} "
            f"({stats}): "
            "the age effects differ across the cut-points of the frequency scale; the binary "
            "sensitivity fit (often or very often) shows one of them." + tail
        )
    return (
        f"The proportional-odds assumption for age group was not rejected at {_alpha(alpha)} "
        f"({stats}): one odds ratio per age group summarises the cut-points." + tail
    )


def any_use_prevalence(table1: pd.DataFrame, countries: Sequence[str]) -> dict[str, float | None]:
    """Weighted % with any informal ICT use (ict_freq >= 2) among answers, per country.

    From Table 1's ``ict_freq`` rows: (rarely + sometimes + often + very
    often) / (all answered categories). ``None`` when a needed cell is
    suppressed (blank) by disclosure control or absent.
    """
    rows = table1[table1["variable"] == "ict_freq"]
    out: dict[str, float | None] = {}
    pooled = [POOLED] if (rows["country"].astype(str) == POOLED).any() else []
    for country in [*countries, *pooled]:
        cells = rows[rows["country"] == country].set_index("category")["pct_weighted"]
        needed = [NEVER, *USE_CATEGORIES]
        values = pd.to_numeric(cells.reindex(needed), errors="coerce")
        if values.isna().any():
            out[country] = None
            continue
        total = float(values.sum())
        out[country] = 100.0 * float(values[list(USE_CATEGORIES)].sum()) / total if total else None
    return out


def hidden_reason(table1: pd.DataFrame, country: str) -> str:
    """Why a country's ict_freq share is not shown: which disclosure label hides a cell."""
    rows = table1[(table1["variable"] == "ict_freq") & (table1["country"] == country)]
    labels = rows["n"].astype(str)
    if labels.str.startswith("<").any():
        return "not shown (a category has fewer respondents than the disclosure threshold)"
    if (labels == "x").any():
        return "not shown (a category is withheld to protect a small cell elsewhere)"
    return "not shown"


def prevalence_source(country: str) -> str:
    """The any-use share as arithmetic over Table 1's weighted % cells (trace.py's form)."""

    def cell(category):
        keys = {"country": country, "variable": "ict_freq", "category": category}
        return "{" + cell_source(TABLE1, keys, "pct_weighted") + "}"

    use = "+".join(cell(c) for c in USE_CATEGORIES)
    return f"100*({use})/({cell(NEVER)}+{use})"


def prevalence_sentence(table1: pd.DataFrame, countries: Sequence[str]) -> str:
    shares = any_use_prevalence(table1, countries)
    parts = []
    for country, value in shares.items():
        label = "all countries pooled" if country == POOLED else country
        parts.append(
            f"{label} {traced(f'{value:.1f}', prevalence_source(country))} %"
            if value is not None
            else f"{label} {hidden_reason(table1, country)}"
        )
    shown = [v for k, v in shares.items() if k != POOLED and v is not None]
    spread = ""
    if len(shown) >= 2:
        top = max((k for k in shares if k != POOLED and shares[k] is not None), key=shares.get)
        bottom = min((k for k in shares if k != POOLED and shares[k] is not None), key=shares.get)
        spread = f" It was highest in {top} and lowest in {bottom}."
    return (
        "Weighted share of respondents who used informal ICT with clients at least rarely "
        f"(of those who answered): {_list(parts)}.{spread}"
    )


def published_sentence(comparison: pd.DataFrame, claims: str | None = None) -> str:
    """The published-vs-reproduced tally; ``claims``: the claim ids counted (a glob such
    as ``*_UK`` in a per-country report, as its count sources say)."""
    counts = comparison["status"].value_counts()
    match = int(counts.get("match", 0))
    mismatch = int(counts.get("mismatch", 0))
    not_rep = int(counts.get("not reproducible", 0))
    absent = int(counts.get("not in this export", 0))

    def n(value, status=None):
        keys = {} if claims is None else {"id": claims}
        if status is not None:
            keys["status"] = status
        return traced(value, count_source(COMPARISON_TABLE, **keys))

    sentence = (
        f"Of {n(len(comparison))} published figures and claims, {n(match, 'match')} match "
        f"within tolerance, {n(mismatch, 'mismatch')} do not and "
        f"{n(not_rep, 'not reproducible')} cannot be reproduced from the data contract's items."
    )
    if absent:
        sentence += (
            f" {n(absent, 'not in this export')} need optional items (data contract §1b) that "
            "are not in this export."
        )
    if mismatch:
        ids = comparison.loc[comparison["status"] == "mismatch", "id"].astype(str)
        sentence += f" Mismatches: {_list(list(ids))}."
    return sentence


def key_findings(
    *,
    model: pd.DataFrame,
    tests: pd.DataFrame,
    table1: pd.DataFrame,
    comparison: pd.DataFrame,
    warnings: Sequence[str],
    countries: Sequence[str],
    alpha: float = 0.05,
    claims: str | None = None,
) -> list[str]:
    """The report's key-finding sentences (plain text), in the module docstring's order."""
    sentences = [
        age_effect_sentence(model),
        *[s for s in (age_claim_sentence(tests, alpha),) if s],
        rao_scott_sentence(tests, countries, alpha),
        interaction_sentence(tests, alpha),
        proportional_odds_sentence(tests, alpha),
        prevalence_sentence(table1, countries),
        published_sentence(comparison, claims),
    ]
    if warnings:
        sentences.append(
            "The fits and weighting reported "
            f"{'a warning' if len(warnings) == 1 else 'warnings'}: see Model warnings."
        )
    return sentences


def collect_warnings(
    model_info: Mapping, sensitivity: pd.DataFrame, diagnostics: pd.DataFrame
) -> list[str]:
    """Warnings of the primary fit, the sensitivity fits and raking convergence, in order."""
    out = [f"primary model: {w}" for w in model_info.get("warnings", [])]
    if not model_info.get("converged", True):
        out.append("primary model: did not converge")
    if "warnings" in sensitivity:
        seen = set()
        for row in sensitivity.itertuples(index=False):
            text = row.warnings
            if isinstance(text, str) and text.strip() and (row.specification, text) not in seen:
                seen.add((row.specification, text))
                out.append(f"sensitivity {row.specification}: {text.strip()}")
    if "converged" in diagnostics:
        for row in diagnostics.itertuples(index=False):
            if str(row.converged).strip().lower() not in ("true", "1"):
                out.append(f"weighting {row.country}: raking did not converge")
    return out
