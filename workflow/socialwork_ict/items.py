"""The analysis plan of the survey's sections 2-5: Table 3, its tests and logits.

Stage: tables and models (``table3_items.csv``, the ``tests.csv`` rows
``rao_scott_<item>_x_<breakdown>[<country>]``, ``items_logit.csv``). The plan
is the config's ``analysis_plan`` (validated by the config schema and here
against the codebook): sections, each with its items, their kind (binary,
ordinal, nominal, multi-select), who was asked and the variables they are
tested against. Pure functions: the analysis frame and a variance design in,
DataFrames out.

Statistics (every one through the design of
:mod:`~socialwork_ict.inference.variance`, as Tables 1-2):

- **Table 3**: for each item column, country and pooled ``ALL``, the weighted
  percentage of each category among the respondents who were asked and
  answered, R ``svymean(~factor(x), subset(design, country == c & asked),
  na.rm = TRUE, deff = "replace")`` with ``svyciprop(method = "logit")``
  (:func:`~socialwork_ict.inference.proportions.category_proportions`, the
  computation of Table 2's cells: domain estimation, Lumley 2010,
  *Complex Surveys*, §2.2-2.3; ``deff`` by
  :func:`~socialwork_ict.inference.proportions.proportion_deff`). ``ALL``
  pools the countries with strata = country and the weights as they are.
  A multi-select question has one row per choice (``variable``): the % who
  ticked it among those who answered it.
- **Who was asked** (skip logic): an item asked only where ``column >= min``
  (the codebook's ``asked_if`` unless the plan says otherwise) is estimated
  in the domain of respondents not skipped, i.e. everyone except those with
  ``column < min`` and no answer (the cleaning's ``<item>_skipped``), so a
  blank by skip logic is never item non-response.
- **Tests**: the Rao-Scott second-order F of item x breakdown
  (:func:`~socialwork_ict.inference.rao_scott.rao_scott_test`, R
  ``svychisq(~item + age_group, subset(design, country == c & asked),
  statistic = "F")``), per country and pooled.
- **Logits**: each binary item (and each choice of a multi-select) on the
  plan's covariates, R ``svyglm(item ~ age_group + country + gender +
  sector, design, family = quasibinomial())`` on the whole design (complete
  cases, zero influence elsewhere;
  :func:`~socialwork_ict.models.logistic.fit_logistic`,
  :func:`~socialwork_ict.models.logistic.logistic_design_vcov`); t(df) CIs
  and p as ``summary.svyglm``; odds-ratio CI bounds.

An item whose column the export lacks (or no eligible respondent answered:
an absent optional item, data contract §1b) is listed in ``absent`` and has
no rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from socialwork_ict.codebook import load_codebook
from socialwork_ict.errors import InputError
from socialwork_ict.inference.variance import rule_design
from socialwork_ict.names import POOLED as ALL
from socialwork_ict.plan import KINDS, PlanItem, Section, load_plan, plan_columns

log = logging.getLogger("socialwork_ict.items")

__all__ = [
    "ALL",
    "ANY_USE_BREAKDOWNS",
    "KINDS",
    "LOGIT_COLUMNS",
    "TABLE3_COLUMNS",
    "PlanItem",
    "Section",
    "any_use_by_breakdown",
    "item_logits",
    "item_tests",
    "load_plan",
    "no_discussion_estimate",
    "plan_inputs",
    "plan_columns",
    "plan_summary",
    "section_rows",
    "short_label",
    "table3_items",
]

#: Table 3 as computed (``df`` is dropped from the published table: for a
#: skip-logic item it would publish the number asked)
TABLE3_COLUMNS = (
    "section",
    "item",
    "variable",
    "country",
    "category",
    "n",
    "pct_weighted",
    "ci_low",
    "ci_high",
    "se",
    "deff",
    "df",
)
LOGIT_COLUMNS = (
    "section",
    "item",
    "variable",
    "term",
    "estimate",
    "std_error",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "df",
    "note",
)


def _codes(values: pd.Series, codes: Sequence[tuple[int, str]]) -> np.ndarray:
    """Integer codes of a coded or labelled column as floats (NaN = missing)."""
    if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values):
        by_label = {label: float(code) for code, label in codes}
        text = values.astype("string")
        return (
            text.map(by_label, na_action="ignore")
            .astype("Float64")
            .to_numpy(dtype=float, na_value=np.nan)
        )
    return (
        pd.to_numeric(values, errors="coerce")
        .astype("Float64")
        .to_numpy(dtype=float, na_value=np.nan)
    )


def _present(frame: pd.DataFrame, column: str) -> bool:
    """The export has ``column`` (an absent optional item is an all-blank column)."""
    return column in frame and bool(frame[column].notna().any())


def _asked(frame: pd.DataFrame, item: PlanItem, values: np.ndarray) -> np.ndarray:
    """Respondents not skipped: all but those below the filter with no answer."""
    if item.asked is None:
        return np.ones(len(frame), dtype=bool)
    column, minimum = item.asked
    gate = pd.to_numeric(frame[column], errors="coerce").astype("Float64")
    below = (gate < minimum).fillna(False).to_numpy(dtype=bool)
    return ~(below & np.isnan(values))


def _units(frame: pd.DataFrame, sections: Sequence[Section]):
    """(item, column, values, asked) of every present column; and the absent items."""
    units, absent = [], []
    for section in sections:
        for name, columns in section.left_out:
            absent.append({"section": section.id, "item": name, "columns": list(columns),
                           "reason": "not in the codebook"})  # fmt: skip
        for item in section.items:
            missing = [c for c in item.columns if not _present(frame, c)]
            if item.asked and not _present(frame, item.asked[0]):
                missing.append(item.asked[0])
            if missing:
                absent.append({"section": section.id, "item": item.name, "columns": missing,
                               "reason": "no answers"})  # fmt: skip
                continue
            for column in item.columns:
                values = _codes(frame[column], item.codes)
                units.append((item, column, values, _asked(frame, item, values)))
    return units, absent


def _country_blocks(frame: pd.DataFrame, countries: Sequence[str]) -> list[tuple[str, np.ndarray]]:
    """(country, mask) of each country and ``ALL`` (every respondent of ``countries``)."""
    labels = frame["country"].astype("string").to_numpy(dtype=object, na_value=None)
    blocks = [(c, labels == c) for c in countries]
    blocks.append((ALL, np.isin(labels, list(countries))))
    return blocks


def _asked_domains(blocks, asked: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """(country, mask) of each :func:`_country_blocks` entry among the ``asked``."""
    return [(c, mask & asked) for c, mask in blocks]


def table3_items(
    frame: pd.DataFrame, sections: Sequence[Section], design, countries: Sequence[str]
) -> tuple[pd.DataFrame, list[dict]]:
    """Table 3 (columns :data:`TABLE3_COLUMNS`, 0-100 scale) and the absent items.

    ``design`` covers every row of ``frame`` (all eligible respondents).
    Rows: plan order of items and columns, then countries and ``ALL``, then
    the codebook's categories in code order (a multi-select choice: one row,
    its ``yes``; ``variable`` names the choice). An empty category has n = 0 and pct 0.
    """
    from socialwork_ict.inference.proportions import category_proportions, proportion_deff

    units, absent = _units(frame, sections)
    blocks = _country_blocks(frame, countries)
    pieces = []
    for item, column, values, asked in units:
        codes = (1, 0) if item.kind == "multi-select" else tuple(c for c, _ in item.codes)
        labels = tuple(dict(item.codes)[c] for c in codes)
        domains = _asked_domains(blocks, asked)
        estimates = category_proportions(values, design, [d for _, d in domains], codes)
        for (country, _), est in zip(domains, estimates, strict=True):
            keep = slice(0, 1) if item.kind == "multi-select" else slice(None)
            n = np.asarray(est["n"], dtype=np.int64)
            p = np.asarray(est["proportion"], dtype=float)
            se = np.asarray(est["se"], dtype=float)
            deff = proportion_deff(p, se**2, np.full(p.shape, n.sum()))
            pieces.append(
                pd.DataFrame(
                    {
                        "section": item.section,
                        "item": item.name,
                        "variable": column,
                        "country": country,
                        "category": list(labels)[keep],
                        "n": n[keep],
                        "pct_weighted": 100.0 * p[keep],
                        "ci_low": 100.0 * np.asarray(est["ci_low"])[keep],
                        "ci_high": 100.0 * np.asarray(est["ci_high"])[keep],
                        "se": 100.0 * se[keep],
                        "deff": deff[keep],
                        "df": int(est["df"]),
                    }
                )
            )
    if not pieces:
        return pd.DataFrame(columns=list(TABLE3_COLUMNS)), absent
    return pd.concat(pieces, ignore_index=True)[list(TABLE3_COLUMNS)], absent


def item_tests(
    frame: pd.DataFrame, sections: Sequence[Section], design, countries: Sequence[str]
) -> pd.DataFrame:
    """``tests.csv`` rows ``rao_scott_<column>_x_<breakdown>[<country>]`` of the plan.

    Per item column and breakdown: the Rao-Scott F per country and pooled
    (a ``country`` breakdown: pooled only) in the item's asked domain. A
    table with fewer than two observed levels has no test (NaN, said in
    ``method``).
    """
    from socialwork_ict.inference.rao_scott import TESTS_COLUMNS, rao_scott_domain_tests

    units, _ = _units(frame, sections)
    blocks = _country_blocks(frame, countries)
    breakdown_values: dict[str, pd.Series] = {}
    nan = {k: np.nan for k in ("statistic", "df_num", "df_den", "p_value")}
    rows = []
    for item, column, values, asked in units:
        answers = pd.Series(np.where(asked, values, np.nan), name=column)
        domains = _asked_domains(blocks, asked)
        for breakdown in item.breakdowns:
            if not _present(frame, breakdown):
                continue
            if breakdown not in breakdown_values:
                breakdown_values[breakdown] = pd.Series(frame[breakdown].to_numpy(), name=breakdown)
            tested = domains[-1:] if breakdown == "country" else domains
            skip = f"; asked where {item.asked[0]} >= {item.asked[1]}" if item.asked else ""
            method = f"Rao-Scott F: svychisq(~{column}+{breakdown} statistic='F'){skip}"
            not_tested = f"{method}; not tested: fewer than two observed levels"
            try:
                results = rao_scott_domain_tests(
                    answers, breakdown_values[breakdown], design, [b for _, b in tested]
                )
            except ValueError:
                results = [None] * len(tested)
            for (country, _), result in zip(tested, results, strict=True):
                rows.append(
                    {
                        "test": f"rao_scott_{column}_x_{breakdown}[{country}]",
                        "country": country,
                        **(nan if result is None else {k: result[k] for k in nan}),
                        "method": not_tested if result is None else method,
                    }
                )
    return pd.DataFrame(rows, columns=list(TESTS_COLUMNS))


def item_logits(
    frame: pd.DataFrame, sections: Sequence[Section], design, covariates: Sequence[str]
) -> pd.DataFrame:
    """Survey-weighted logit of each binary item (and multi-select choice) on ``covariates``.

    Columns :data:`LOGIT_COLUMNS`; ``odds_ratio``, ``ci_low`` and
    ``ci_high`` on the odds-ratio scale. A model that cannot be fitted
    (separation, a constant outcome) has one row with term ``(not fitted)``
    and the reason in ``note``.
    """
    from socialwork_ict.models.logistic import fit_logistic, logistic_design_vcov

    units, _ = _units(frame, sections)
    pieces = []
    weight = frame["weight"].to_numpy(dtype=float)
    # what every item's model shares: its covariates, taken once
    model_columns = frame[[*covariates, "weight"]]
    complete = ~np.isnan(weight) & model_columns[list(covariates)].notna().all(axis=1).to_numpy()
    country = frame["country"].to_numpy()
    for item, column, values, asked in units:
        if item.kind not in ("binary", "multi-select"):
            continue
        keep = asked & ~np.isnan(values) & complete
        rows = np.flatnonzero(keep)
        data = model_columns.iloc[rows].reset_index(drop=True)
        data["country"] = country[rows]
        data["_y"] = values[rows]
        base = {"section": item.section, "item": item.name, "variable": column}
        try:
            # no sandwich of its own: the covariance is the design's, below
            fit = fit_logistic(
                data, response="_y", at_least=None, terms=tuple(covariates), sandwich_vcov=False
            )
            vcov, df_residual = logistic_design_vcov(fit, data, design, rows)
            fit = replace(fit, vcov=vcov, df_residual=df_residual)
        except InputError as error:
            pieces.append(pd.DataFrame([{**base, "term": "(not fitted)", "note": error.problem}]))
            continue
        table = fit.coef_table().drop(columns=["df"], errors="ignore")
        table["df"] = fit.df_residual
        table["note"] = "; ".join(fit.warnings)
        for key, value in base.items():
            table[key] = value
        pieces.append(table)
    if not pieces:
        return pd.DataFrame(columns=list(LOGIT_COLUMNS))
    return pd.concat(pieces, ignore_index=True).reindex(columns=list(LOGIT_COLUMNS))


#: the breakdowns of the "ubiquitous" claim (config/published.yaml), in table order
ANY_USE_BREAKDOWNS = ("sector", "field_of_practice", "client_population")


#: the columns of ``any_use_by_breakdown.csv``
ANY_USE_COLUMNS = ("breakdown", "category", "pct_weighted", "ci_low", "ci_high", "suppressed",
                   "flag")  # fmt: skip


def any_use_by_breakdown(frame: pd.DataFrame, design, disclosure=None) -> pd.DataFrame:
    """Weighted % with any informal ICT use (ict_freq >= 2) by sector, field of practice
    and client population, with 95 % logit CIs (``any_use_by_breakdown.csv``).

    The computation of the ``ubiquitous`` claim
    (:func:`~socialwork_ict.report.published.any_use_by_category`: R
    ``svymean(~any_use, subset(design, category), na.rm = TRUE)`` and
    ``svyciprop(method = "logit")`` on ``design``), published as a table. A
    breakdown the export lacks is left out. Counts are not published.
    ``suppressed`` and ``flag``: :func:`any_use_suppression` (``disclosure``:
    :class:`~socialwork_ict.disclosure.DisclosureSettings`, default k = 5) and the
    NCHS (2017) reliability flag (:func:`~socialwork_ict.reliability.reliability_flags`
    with the domain's n and design df) of a shown share.
    """
    from socialwork_ict.disclosure import DisclosureSettings
    from socialwork_ict.reliability import reliability_flags
    from socialwork_ict.report.published import BREAKDOWNS, absent_columns, any_use_by_category

    by = [b for b in ANY_USE_BREAKDOWNS if not absent_columns(frame, BREAKDOWNS[b])]
    table = any_use_by_category(frame, by, design)
    table["suppressed"] = any_use_suppression(table, disclosure or DisclosureSettings())
    hidden = (table["suppressed"] != "").to_numpy()
    labels = table["suppressed"].value_counts()
    log.info(
        "any-use shares: %d of %d withheld by disclosure control (%s)",
        int(hidden.sum()),
        int((table["n"] > 0).sum()),
        ", ".join(f"{labels[label]} {label}" for label in sorted(labels.index) if label) or "none",
    )
    table.loc[hidden, ["pct_weighted", "ci_low", "ci_high"]] = np.nan
    columns = ["pct_weighted", "se", "ci_low", "ci_high", "df", "n"]
    table["flag"] = reliability_flags(*(table[c].to_numpy(dtype=float) for c in columns))
    return table[list(ANY_USE_COLUMNS)]


def any_use_suppression(table: pd.DataFrame, disclosure) -> np.ndarray:
    """``"<k"``, ``"x"`` or ``""`` for each share of :func:`any_use_by_breakdown`.

    A weighted share of a binary in a domain publishes the domain's two cells
    (with and without any use) up to the weights, so the threshold rule of the
    frequency tables applies to them (Hundepool et al. 2012, §5.2): ``<k`` when
    the domain's respondents with an answer, or those with or without any use,
    number ``1 <= n < k`` (``0 <= n < k`` with ``disclosure.zeros: sensitive``;
    an empty domain has no share and no label). Secondary (``x``): the categories
    of a single-select breakdown (sector, field of practice) partition the
    respondents, so their weighted totals add up to the published pooled
    weighted total, the categories' weighted sizes being published in Tables 1
    and 3; one hidden share would follow from the others. When a single-select
    breakdown has exactly one withheld share, the share of its next-smallest
    category is withheld too (complementary suppression, §5.3). Client
    populations overlap (a respondent may serve several), so no such equation
    links them. These shares are not cells of the linked problem of
    :mod:`socialwork_ict.disclosure` (they are weighted, not counts): this rule
    is applied on its own, and the audit does not cover it.
    """
    k = disclosure.k
    low = 0 if disclosure.zeros == "sensitive" else 1
    n = table["n"].to_numpy(dtype=int)
    yes = table["n_yes"].to_numpy(dtype=int)
    no = n - yes
    small = (n > 0) & ((n < k) | ((yes >= low) & (yes < k)) | ((no >= low) & (no < k)))
    status = np.where(small, f"<{k}", "").astype(object)
    for breakdown in ("sector", "field_of_practice"):
        rows = np.flatnonzero((table["breakdown"] == breakdown).to_numpy() & (n > 0))
        withheld = rows[status[rows] != ""]
        if withheld.size == 1:
            shown = rows[status[rows] == ""]
            if shown.size:
                status[shown[np.argmin(n[shown])]] = "x"  # the first of the smallest
    return status


def plan_summary(sections: Sequence[Section], absent: Sequence[Mapping]) -> dict:
    """The plan as the report reads it: sections, items (kind, label, who was asked)
    and the items not in this export."""
    return {
        "sections": [
            {
                "id": section.id,
                "title": section.title,
                "items": [
                    {
                        "name": item.name,
                        "kind": item.kind,
                        "label": item.label,
                        "columns": list(item.columns),
                        "column_labels": list(item.column_labels),
                        "asked": None if item.asked is None else list(item.asked),
                        "breakdowns": list(item.breakdowns),
                    }
                    for item in section.items
                ],
            }
            for section in sections
        ],
        "absent": [dict(entry) for entry in absent],
    }


def no_discussion_estimate(
    frame: pd.DataFrame, design, countries: Sequence[str] = ("CA", "US", "IL")
) -> dict | None:
    """Weighted % who never discussed informal ICT use with a supervisor or colleagues.

    The published finding's item (``no_discussion`` of ``config/published.yaml``:
    both discussion items 0; 0 when either is 1) in ``countries`` pooled, R
    ``svymean(~no_discussion, subset(design, country %in% countries), na.rm =
    TRUE)`` with ``svyciprop(method = "logit")`` on the domain's design df
    (:func:`~socialwork_ict.inference.proportions.domain_mean`). None when
    the export lacks an item or a country.
    """
    from socialwork_ict.inference.proportions import domain_mean, logit_ci
    from socialwork_ict.report.published import item_indicator

    labels = frame["country"].astype(str)
    countries = [c for c in countries if (labels == c).any()]
    if not countries or not all(
        _present(frame, c) for c in ("discussed_supervisor", "discussed_colleagues")
    ):
        return None
    values = item_indicator(frame, "no_discussion").to_numpy(dtype=float, na_value=np.nan)
    domain = labels.isin(countries).to_numpy()
    est = domain_mean(values, design, domain)
    low, high = logit_ci(np.array([est["mean"]]), np.array([est["se"]]),
                         np.array([design.df(domain)]))  # fmt: skip
    return {
        "countries": list(countries),
        "pct_weighted": 100.0 * est["mean"],
        "ci_low": 100.0 * float(low[0]),
        "ci_high": 100.0 * float(high[0]),
        "se": 100.0 * est["se"],
        "deff": est["deff"],
    }


def section_rows(table3: pd.DataFrame, section: Mapping) -> list[tuple[str, pd.DataFrame]]:
    """(row label, that row's Table 3 rows for every country) in plan order."""
    rows = []
    part = table3[table3["section"] == section["id"]]
    for item in section["items"]:
        rows_item = part[part["item"] == item["name"]]
        labels = dict(zip(item.get("columns", []), item.get("column_labels", []), strict=False))
        for variable, by_var in rows_item.groupby("variable", sort=False):
            for category, cell in by_var.groupby("category", sort=False):
                if item["kind"] == "binary" and category != "yes":
                    continue
                if item["kind"] == "multi-select":
                    label = labels.get(variable, variable)
                elif item["kind"] == "binary":
                    label = item["label"]
                else:
                    label = f"{short_label(_bare(item['label']), 34)}: {category}"
                rows.append((label, cell))
    return rows


def _bare(label: str) -> str:
    """A codebook label without its closing parenthesis (e.g. "(asked of users)")."""
    return re.sub(r"\s*\([^)]*\)$", "", label)


def short_label(text: str, width: int = 58) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


def plan_inputs(weighted, codebook, targets, *, plan, variance, weighting, seed):
    """The weighted respondents, the checked plan's sections and the run's variance
    design (:func:`~socialwork_ict.inference.variance.rule_design`): what rules
    ``tabulate_items`` and ``test_items`` both start from."""
    frame = pd.read_parquet(weighted)
    sections = load_plan(plan, load_codebook(codebook))
    return frame, sections, rule_design(frame, variance, weighting, seed, targets)
