"""Disclosure control of everything the pipeline publishes, as one linked problem.

Stage: tables (``table1_sample.csv``, ``table2_freq_by_age.csv``,
``weighting_margins.csv``, the counts of ``weighting_diagnostics.csv`` and
the counts and unweighted percentages of ``published_vs_reproduced.csv``;
the audit ``disclosure_audit.csv``). Pure functions: DataFrames in,
DataFrames out; the optimisation and the audit are in
:mod:`socialwork_ict.suppression`.

Rules (Hundepool et al. 2012, *Statistical Disclosure Control*, Wiley, ch. 5)
----------------------------------------------------------------------------
1. **Primary rule**: the threshold rule on unweighted respondent counts, a
   cell with ``1 <= n < k`` is unsafe (``disclosure.k``, default 5).
   **Zero cells** (``disclosure.zeros``): ``safe`` (default) publishes them:
   an empty cell identifies nobody, and the threshold rule of Hundepool et
   al. (2012, §5.2) and of tau-Argus concerns cells with contributors;
   ``sensitive`` treats them as unsafe too (the stricter choice against
   "group disclosure", §5.2.2: a zero tells that nobody in the row has the
   attribute).
2. **Secondary suppression**: cells are chosen by a mixed-integer program
   over *all* published tables together, minimising the information loss
   (``disclosure.objective``: ``respondents``, the number of respondents in
   secondary cells, ties broken by fewer cells; or ``cells``, ties broken
   by fewer respondents) subject to every primary cell's protection.
3. **Protection level**: an attacker who knows every published number and
   the tables' additive relations must not narrow a primary cell to an
   interval narrower than ``P`` (``disclosure.protection``, default ``k``):
   the sliding protection interval of Hundepool et al. (2012, §4.2.2, ch.
   5) and tau-Argus (protection interval, "sliding protection"). With ``P
   = k`` the attacker cannot even tell that the cell is below ``k``.
4. **Audit**: the attacker's linear programs give each primary cell's
   feasible interval (``disclosure_audit.csv``: never the true count); the
   run stops (:class:`DisclosureError`) if any is narrower than ``P``.
5. **Labels** (data contract v2): ``n`` is ``<k`` for a threshold cell and
   ``x`` for a cell hidden only to protect another; the values from which
   either could be recovered are blanked.

What is published, and how it is linked
---------------------------------------
Cells: Table 1's counts (countries and ``ALL``), Table 2's counts, the
weighting margins' counts (the same cells as Table 1's), the base of the
margins' listed categories (their ``sample_share`` reveals it), each
country's sample size (published in several tables: never suppressed),
``n_outside_targets`` of the weighting diagnostics, and for every claim of
``published_vs_reproduced.csv`` with a percentage its base (printed) and its
count (percentage x base: two decimals identify the count exactly below
10,000). Relations: every category set adds up to its country's size; the
countries add up to ``ALL``; Table 2's cells add up to Table 1's age-group
and frequency counts up to unpublished cells (respondents missing the other
variable: *hidden* cells of the problem, unknown to the attacker but bound
by the equations); a claim's count and base are sums of Table 1 cells, or
for ``no_discussion`` of the unpublished supervisor x colleagues table
(hidden cells); ``n_outside_targets`` is the country size minus the
unpublished count of respondents inside every raking variable's targets
(hidden cells of the raking variables' joint table). Table 2's ``df`` (the
age group's size minus its strata) is Table 1's age-group cell and is
blanked with it; a withheld margins base blanks the listed categories'
``sample_share``.

Not modelled (documented limitations): weighted percentages and CIs are
treated as not revealing counts (they are blanked for suppressed cells);
``weights.csv`` publishes one weight per respondent, and respondents of the
same raking cell share a weight, so the age x gender counts can be read off
it: it is outside cell suppression and belongs in a restricted release.
The audit is the attacker's linear relaxation (as in tau-Argus): exact for
two-way structures (tested by brute force), an outer bound otherwise; it
does not use the bound ``1 <= n < k`` that the ``<k`` label itself tells.
The figures and the report's sentences are drawn from the published tables
only, so they publish nothing the problem does not hold.

Table 3 (``table3_items.csv``, :mod:`socialwork_ict.items`) joins the same
problem: a count of an item also in Table 1 is Table 1's cell (the same
respondents: Table 3's domain drops only skip-logic blanks, which Table 1
counts apart); any other count is a cell of its own, with per country the
relation "its categories plus an unpublished (hidden) count of respondents
without an answer add up to the country's size" and the countries adding up
to ``ALL``; a claim on such an item (``initiated_by_both``,
``search_inappropriate``) is the sum of its cells. Its ``df`` is not
published (for a skip-logic item it would give the number asked). Not
modelled: that the number not asked of a skip-logic item is at most Table 1's
count below the filter (an inequality).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from socialwork_ict.codes import ICT_FREQ_LABELS
from socialwork_ict.errors import InputError
from socialwork_ict.names import POOLED as ALL
from socialwork_ict.suppression import (
    CANDIDATE,
    FIXED,
    HIDDEN,
    PRIMARY,
    LinkedCells,
    feasible_intervals,
    protect,
    secondary_lower_bound,
    threshold_primary,
)

__all__ = [
    "AUDIT_COLUMNS",
    "DEFAULT_K",
    "DisclosureError",
    "DisclosureSettings",
    "SECONDARY_LABEL",
    "Protected",
    "build_problem",
    "protect_published",
    "settings_from_config",
    "threshold_from_config",
]

DEFAULT_K = 5
SUPPRESSED = "suppressed"
SECONDARY_LABEL = "x"
MISSING = "missing"
MARGINS_MISSING = "(missing)"
SKIPPED = "not asked (skip logic)"
OBJECTIVES = ("respondents", "cells")
ZERO_RULES = ("safe", "sensitive")
METHODS = ("sequential", "joint")
AUDIT_COLUMNS = [
    "table",
    "country",
    "variable",
    "category",
    "age_group",
    "ict_freq",
    "feasible_low",
    "feasible_high",
    "protection_required",
    "protected",
]
TABLE1_VALUE_COLUMNS = ("pct_unweighted", "pct_weighted", "deff")
TABLE2_VALUE_COLUMNS = ("pct_weighted", "ci_low", "ci_high", "se_weighted", "deff", "df")
TABLE3_VALUE_COLUMNS = ("pct_weighted", "ci_low", "ci_high", "se", "deff")
MARGINS_VALUE_COLUMNS = ("sample_share", "weighted_share")

#: claim item -> (Table 1 variable, categories counted, categories of the base)
CLAIM_CELLS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "any_use": ("ict_freq", tuple(ICT_FREQ_LABELS.values())[1:], tuple(ICT_FREQ_LABELS.values())),
    "contact_after_hours": ("contact_after_hours", ("yes",), ("yes", "no")),
    "friend_request": ("friend_request", ("yes",), ("yes", "no")),
    "searched_client_online": ("searched_client_online", ("yes",), ("yes", "no")),
    "client_searched_worker": ("client_searched_worker", ("yes",), ("yes", "no")),
    "no_workplace_policy": ("workplace_policy", ("no",), ("yes", "no", "don't know")),
}
#: claim items published in neither Table 1 nor Table 2 (contract v2 §1b items): their
#: count and base are cells of their own, bounded by the claim's total only unless
#: Table 3 publishes the item (then they are sums of its cells, TABLE3_CLAIM_CELLS)
UNLINKED_CLAIM_ITEMS = ("initiated_by_both", "search_inappropriate")
_ANSWER = {1: "yes", 0: "no"}


class DisclosureError(InputError):
    """The audit found a primary cell the published numbers do not protect."""


@dataclass(frozen=True)
class DisclosureSettings:
    """``disclosure:`` config section (see the module docstring)."""

    k: int = DEFAULT_K
    zeros: str = "safe"
    protection: int | None = None  # None: k
    objective: str = "respondents"
    method: str = "sequential"
    time_limit: float = 60.0

    @property
    def protection_level(self) -> int:
        return self.k if self.protection is None else self.protection


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InputError("disclosure threshold k must be an integer >= 1", values=[k])
    return int(k)


def threshold_from_config(config: Mapping | None) -> int:
    """The threshold ``k`` from the pipeline config (``disclosure: {k: 5}``), default 5."""
    section = (config or {}).get("disclosure") or {}
    return _check_k(section.get("k", DEFAULT_K))


def settings_from_config(section: Mapping | None) -> DisclosureSettings:
    """:class:`DisclosureSettings` from the config's ``disclosure`` section (validated)."""
    section = dict(section or {})
    k = _check_k(section.get("k", DEFAULT_K))
    zeros = section.get("zeros", "safe")
    objective = section.get("objective", "respondents")
    protection = section.get("protection")
    if zeros not in ZERO_RULES:
        raise InputError("disclosure.zeros must be safe or sensitive", values=[zeros])
    if objective not in OBJECTIVES:
        raise InputError("disclosure.objective must be respondents or cells", values=[objective])
    if protection is not None:
        protection = _check_k(protection)
    method = section.get("method", "sequential")
    if method not in METHODS:
        raise InputError("disclosure.method must be sequential or joint", values=[method])
    time_limit = float(section.get("time_limit", 60.0))
    return DisclosureSettings(k, zeros, protection, objective, method, time_limit)


# ---- the linked problem ------------------------------------------------------------


class _Builder:
    """Cells by key (a number published twice is one cell) and equations."""

    def __init__(self, settings: DisclosureSettings) -> None:
        self.settings = settings
        self.index: dict[tuple, int] = {}
        self.values: list[float] = []
        self.roles: list[str] = []
        self.upper: list[float] = []
        self.rows: list[dict[int, float]] = []
        self.rhs: list[float] = []
        self.implies: list[tuple[int, int]] = []

    def cell(self, key: tuple, value: float, upper: float, role: str | None = None) -> int:
        """The cell ``key`` (created on first use); role by the threshold rule unless given."""
        if key in self.index:
            j = self.index[key]
            if self.values[j] != value:
                raise ValueError(f"cell {key} published with two values")
            if role == FIXED:
                self.roles[j] = FIXED
            return j
        if role is None:
            primary = threshold_primary(
                np.array([value]), self.settings.k, self.settings.zeros == "sensitive"
            )[0]
            role = PRIMARY if primary else CANDIDATE
        self.index[key] = len(self.values)
        self.values.append(float(value))
        self.roles.append(role)
        self.upper.append(float(upper))
        return self.index[key]

    def equation(self, terms: Sequence[tuple[int, float]], rhs: float = 0.0) -> None:
        row: dict[int, float] = {}
        for j, coefficient in terms:
            row[j] = row.get(j, 0.0) + coefficient
        self.rows.append(row)
        self.rhs.append(rhs)

    def problem(self) -> LinkedCells:
        values = np.array(self.values)
        data, r_index, c_index = [], [], []
        for r, row in enumerate(self.rows):
            for j, coefficient in row.items():
                r_index.append(r)
                c_index.append(j)
                data.append(coefficient)
        matrix = sp.csr_array((data, (r_index, c_index)), shape=(len(self.rows), values.size))
        tie = 1.0 / (1.0 + values.size)
        if self.settings.objective == "respondents":
            cost = values + tie
        else:
            cost = 1.0 + values / (1.0 + values.sum())
        return LinkedCells(
            values, self.roles, cost, self.upper, matrix, self.rhs, self.implies, list(self.index)
        )


def _table1_cells(b: _Builder, table1: pd.DataFrame, totals: Mapping[str, int]) -> np.ndarray:
    index = np.empty(len(table1), dtype=np.int64)
    for row, (c, v, g, n) in enumerate(
        zip(table1["country"], table1["variable"], table1["category"], table1["n"], strict=True)
    ):
        index[row] = b.cell(("table1", c, v, g), int(n), totals[c])
    for c, part in table1.groupby("country", sort=False):
        for v, group in part.groupby("variable", sort=False):
            cells = [b.index[("table1", c, v, g)] for g in group["category"]]
            b.equation([(j, 1.0) for j in cells] + [(b.index[("total", c)], -1.0)])
    countries = [c for c in totals if c != ALL]
    for (v, g), _ in table1[table1["country"] == ALL].groupby(["variable", "category"], sort=False):
        terms = [(b.index[("table1", c, v, g)], 1.0) for c in countries]
        b.equation(terms + [(b.index[("table1", ALL, v, g)], -1.0)])
    return index


def _table2_cells(
    b: _Builder, table2: pd.DataFrame, table1: pd.DataFrame, totals: Mapping[str, int]
) -> np.ndarray:
    """Table 2's cells; with hidden cells for respondents missing age or frequency."""
    index = np.empty(len(table2), dtype=np.int64)
    for row, (c, a, f, n) in enumerate(
        zip(table2["country"], table2["age_group"], table2["ict_freq"], table2["n"], strict=True)
    ):
        index[row] = b.cell(("table2", c, a, int(f)), int(n), totals[c])
    t1 = table1.set_index(["country", "variable", "category"])["n"]
    countries = [c for c in totals if c != ALL]
    ages = list(dict.fromkeys(table2["age_group"]))
    codes = sorted({int(f) for f in table2["ict_freq"]})
    counts = table2.set_index(["country", "age_group", "ict_freq"])["n"]
    for (a, f), _ in table2[table2["country"] == ALL].groupby(["age_group", "ict_freq"]):
        terms = [(b.index[("table2", c, a, int(f))], 1.0) for c in countries]
        b.equation(terms + [(b.index[("table2", ALL, a, int(f))], -1.0)])
    for c in countries:
        miss_freq = {}
        for a in ages:
            value = int(t1[(c, "age_group", a)]) - sum(int(counts[(c, a, f)]) for f in codes)
            miss_freq[a] = b.cell(("hidden: freq missing", c, a), value, totals[c], HIDDEN)
            terms = [(b.index[("table2", c, a, f)], 1.0) for f in codes]
            b.equation(
                terms + [(miss_freq[a], 1.0), (b.index[("table1", c, "age_group", a)], -1.0)]
            )
        miss_age = {}
        for f in codes:
            label = ICT_FREQ_LABELS[f]
            value = int(t1[(c, "ict_freq", label)]) - sum(int(counts[(c, a, f)]) for a in ages)
            miss_age[f] = b.cell(("hidden: age missing", c, f), value, totals[c], HIDDEN)
            terms = [(b.index[("table2", c, a, f)], 1.0) for a in ages]
            b.equation(
                terms + [(miss_age[f], 1.0), (b.index[("table1", c, "ict_freq", label)], -1.0)]
            )
        both_value = int(t1[(c, "age_group", MISSING)]) - sum(b.values[miss_age[f]] for f in codes)
        both = b.cell(("hidden: both missing", c), both_value, totals[c], HIDDEN)
        b.equation(
            [(miss_age[f], 1.0) for f in codes]
            + [(both, 1.0), (b.index[("table1", c, "age_group", MISSING)], -1.0)]
        )
        b.equation(
            [(miss_freq[a], 1.0) for a in ages]
            + [(both, 1.0), (b.index[("table1", c, "ict_freq", MISSING)], -1.0)]
        )
    return index


def _table3_cells(b: _Builder, table3: pd.DataFrame, totals: Mapping[str, int]) -> np.ndarray:
    """Table 3's cells: Table 1's where Table 1 publishes the same count, else their own."""
    index = np.empty(len(table3), dtype=np.int64)
    own: dict[tuple, list[int]] = {}  # (country, variable) -> Table 3's own cells
    for row, (c, v, g, n) in enumerate(
        zip(table3["country"], table3["variable"], table3["category"], table3["n"], strict=True)
    ):
        shared = ("table1", c, v, g) in b.index
        key = ("table1" if shared else "table3", c, v, g)
        index[row] = b.cell(key, int(n), totals[c])
        if not shared and c != ALL:
            own.setdefault((c, v), []).append(int(index[row]))
    countries = [c for c in totals if c != ALL]
    for (c, v), members in own.items():
        cells = list(dict.fromkeys(members))
        value = totals[c] - sum(b.values[j] for j in cells)
        unanswered = b.cell(("hidden: table3 unanswered", c, v), value, totals[c], HIDDEN)
        b.equation([(j, 1.0) for j in cells] + [(unanswered, 1.0), (b.index[("total", c)], -1.0)])
    for key in [k for k in b.index if k[0] == "table3" and k[1] == ALL]:
        terms = [(b.index[("table3", c, *key[2:])], 1.0) for c in countries]
        b.equation(terms + [(b.index[key], -1.0)])
    return index


def _margins_cells(
    b: _Builder, margins: pd.DataFrame, totals: Mapping[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The margins' counts (Table 1 cells) and per row its listed base cell."""
    index = np.empty(len(margins), dtype=np.int64)
    base = np.full(len(margins), -1, dtype=np.int64)
    for row, (c, v, g, n) in enumerate(
        zip(margins["country"], margins["variable"], margins["category"], margins["n"], strict=True)
    ):
        label = MISSING if g == MARGINS_MISSING else g
        key = ("table1", c, v, label)
        if key not in b.index:
            raise ValueError(f"margins category {key} has no Table 1 cell")
        index[row] = b.cell(key, int(n), totals[c])
    listed = margins["in_targets"].astype(bool).to_numpy()
    for (c, v), group in margins.groupby(["country", "variable"], sort=False):
        rows = group.index.to_numpy()
        members = index[rows[listed[rows]]]
        value = sum(b.values[j] for j in members)
        j = b.cell(("margins base", c, v), value, totals[c])
        b.equation([(m, 1.0) for m in members] + [(j, -1.0)])
        base[rows[listed[rows]]] = j
    return index, base


def _category(values: pd.Series, labels: Mapping[int, str] | None = None) -> np.ndarray:
    """Labels of a coded or labelled column, ``missing`` where missing or -99."""
    if labels is not None:
        numeric = pd.to_numeric(values, errors="coerce").astype("Float64")
        text = numeric.map({float(k): v for k, v in labels.items()}, na_action="ignore")
        return text.astype(object).where(text.notna(), MISSING).to_numpy()
    text = values.astype("string")
    return text.astype(object).where(text.notna() & (text != ""), MISSING).to_numpy()


def _outside_cells(
    b: _Builder,
    frame: pd.DataFrame,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame,
    totals: Mapping[str, int],
) -> np.ndarray:
    """``n_outside_targets`` per diagnostics row, linked by the raking variables' joint table."""
    index = np.full(len(diagnostics), -1, dtype=np.int64)
    variables = list(dict.fromkeys(margins["variable"]))
    for row, (c, n_out) in enumerate(
        zip(diagnostics["country"], diagnostics["n_outside_targets"], strict=True)
    ):
        j_out = b.cell(("n_outside_targets", c), int(n_out), totals[c])
        index[row] = j_out
        if not variables:  # no raking variables: nobody is outside
            continue
        rows = frame[frame["country"].astype(str) == c]
        parts = {}
        for v in variables:
            block = margins[(margins["country"] == c) & (margins["variable"] == v)]
            listed = set(block.loc[block["in_targets"].astype(bool), "category"])
            labels = _category(rows[v])
            labels = np.where(labels == MISSING, MARGINS_MISSING, labels)
            parts[v] = np.where(np.isin(labels, list(listed)), "listed", labels)
            outside = [g for g in block.loc[~block["in_targets"].astype(bool), "category"]]
            parts[f"{v} levels"] = ["listed", *outside]
        joint = pd.Series(list(zip(*(parts[v] for v in variables), strict=True))).value_counts()
        combos = list(itertools.product(*(parts[f"{v} levels"] for v in variables)))
        cells = {
            combo: b.cell(
                ("hidden: raking cell", c, combo), int(joint.get(combo, 0)), totals[c], HIDDEN
            )
            for combo in combos
        }
        inside = cells[tuple("listed" for _ in variables)]
        b.equation([(inside, 1.0), (j_out, 1.0), (b.index[("total", c)], -1.0)])
        for i, v in enumerate(variables):
            for level in parts[f"{v} levels"]:
                if level == "listed":
                    target = b.index[("margins base", c, v)]
                else:
                    label = MISSING if level == MARGINS_MISSING else level
                    target = b.index[("table1", c, v, label)]
                members = [cells[combo] for combo in combos if combo[i] == level]
                b.equation([(m, 1.0) for m in members] + [(target, -1.0)])
    return index


def _claim_cells(
    b: _Builder, frame: pd.DataFrame, claims: Sequence[Mapping], totals: Mapping[str, int]
) -> dict[str, tuple[int, int]]:
    """claim id -> (count cell, base cell) for every percentage claim."""
    from socialwork_ict.report.published import unweighted_percent

    out = {}
    for claim in claims:
        if claim.get("kind") not in ("percent", "percent_above"):
            continue
        item, countries = claim["item"], list(claim["countries"])
        if item not in CLAIM_CELLS and item not in ("no_discussion", *UNLINKED_CLAIM_ITEMS):
            raise ValueError(f"claim {claim['id']}: no linked cells for item {item!r}")
        if any(c not in totals for c in countries):
            continue  # a country outside this run: the claim has no base
        value, base = unweighted_percent(frame, item, countries)
        if base == 0:
            continue
        count = int(round(value * base / 100.0))
        upper = sum(totals[c] for c in countries)
        j_count = b.cell(("claim", claim["id"], "count"), count, upper)
        j_base = b.cell(("claim", claim["id"], "base"), base, upper)
        b.implies.append((j_base, j_count))  # a percentage is withheld with its base
        if item in UNLINKED_CLAIM_ITEMS:
            out[claim["id"]] = (j_count, j_base)
            continue
        if item == "no_discussion":
            count_terms, base_terms = _no_discussion(b, frame, countries, totals)
        else:
            variable, counted, based = CLAIM_CELLS[item]
            count_terms = [b.index[("table1", c, variable, g)] for c in countries for g in counted]
            base_terms = [b.index[("table1", c, variable, g)] for c in countries for g in based]
            count_terms = [(j, 1.0) for j in count_terms]
            base_terms = [(j, 1.0) for j in base_terms]
        b.equation([*count_terms, (j_count, -1.0)])
        b.equation([*base_terms, (j_base, -1.0)])
        out[claim["id"]] = (j_count, j_base)
    return out


def _no_discussion(b: _Builder, frame, countries, totals):
    """Hidden supervisor x colleagues cells; the claim's count and base as their sums."""
    levels = ("yes", "no", MISSING)
    count_terms, base_terms = [], []
    for c in countries:
        rows = frame[frame["country"].astype(str) == c]
        sup = _category(rows["discussed_supervisor"], _ANSWER)
        col = _category(rows["discussed_colleagues"], _ANSWER)
        joint = pd.Series(list(zip(sup, col, strict=True))).value_counts()
        cells = {
            (i, j): b.cell(
                ("hidden: discussed", c, i, j), int(joint.get((i, j), 0)), totals[c], HIDDEN
            )
            for i in levels
            for j in levels
        }
        for i in levels:
            b.equation(
                [(cells[(i, j)], 1.0) for j in levels]
                + [(b.index[("table1", c, "discussed_supervisor", i)], -1.0)]
            )
            b.equation(
                [(cells[(j, i)], 1.0) for j in levels]
                + [(b.index[("table1", c, "discussed_colleagues", i)], -1.0)]
            )
        count_terms.append((cells[("no", "no")], 1.0))
        answered = [(i, j) for i in levels for j in levels if "yes" in (i, j)] + [("no", "no")]
        base_terms.extend((cells[key], 1.0) for key in answered)
    return count_terms, base_terms


def build_problem(
    table1: pd.DataFrame,
    table2: pd.DataFrame,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame,
    frame: pd.DataFrame,
    claims: Sequence[Mapping],
    settings: DisclosureSettings | None = None,
    table3: pd.DataFrame | None = None,
):
    """The linked problem of everything published (arguments as :func:`protect_published`).

    Returns the builder (``.problem()`` gives the
    :class:`~socialwork_ict.suppression.LinkedCells`, ``.index`` maps a
    cell's key to its position) and the row -> cell maps of the tables.
    """
    b = _Builder(settings or DisclosureSettings())
    ages = table1[table1["variable"] == table1["variable"].iloc[0]]
    totals = {str(c): int(n) for c, n in ages.groupby("country", sort=False)["n"].sum().items()}
    for c, n in totals.items():
        b.cell(("total", c), n, n, FIXED)
    b.equation(
        [(b.index[("total", c)], 1.0) for c in totals if c != ALL]
        + [(b.index[("total", ALL)], -1.0)]
    )
    i1 = _table1_cells(b, table1, totals)
    i2 = _table2_cells(b, table2, table1, totals)
    im, base = _margins_cells(b, margins, totals)
    io = _outside_cells(b, frame, margins, diagnostics, totals)
    ic = _claim_cells(b, frame, claims, totals)
    i3 = None
    if table3 is not None:
        i3 = _table3_cells(b, table3, totals)
        _link_claims_to_table3(b, claims, ic)
    return b, (i1, i2, im, base, io, ic, i3)


#: claim items whose count and base Table 3 publishes: item -> (variable, categories
#: counted, categories of the base)
TABLE3_CLAIM_CELLS = {
    "initiated_by_both": ("contact_initiator", ("both",), ("client", "social worker", "both")),
    "search_inappropriate": ("search_inappropriate", ("yes",), ("yes", "no")),
}


def _link_claims_to_table3(b: _Builder, claims: Sequence[Mapping], ic: Mapping) -> None:
    """A claim on an item of :data:`TABLE3_CLAIM_CELLS` is a sum of Table 3's cells."""
    for claim in claims:
        spec = TABLE3_CLAIM_CELLS.get(claim.get("item"))
        if spec is None or claim["id"] not in ic:
            continue
        variable, counted, based = spec
        keys = {
            part: [("table3", c, variable, g) for c in claim["countries"] for g in groups]
            for part, groups in (("count", counted), ("base", based))
        }
        if not all(key in b.index for part in keys.values() for key in part):
            continue  # the item is not in this run's Table 3
        for (part, members), j in zip(keys.items(), ic[claim["id"]], strict=True):
            cells = [b.index[key] for key in members]
            if sum(b.values[m] for m in cells) != b.values[j]:
                raise ValueError(f"claim {claim['id']}: its {part} is not Table 3's sum")
            b.equation([(m, 1.0) for m in cells] + [(j, -1.0)])


# ---- applying the pattern ----------------------------------------------------------


@dataclass
class Protected:
    """The published tables after disclosure control, the audit and what was solved."""

    table1: pd.DataFrame
    table2: pd.DataFrame
    margins: pd.DataFrame
    diagnostics: pd.DataFrame
    claims: pd.DataFrame  # id, withheld (True: count and base not published)
    audit: pd.DataFrame
    summary: dict
    table3: pd.DataFrame | None = None


def _labelled(
    table: pd.DataFrame, index: np.ndarray, suppressed: np.ndarray, primary: np.ndarray, k: int
) -> pd.DataFrame:
    out = table.copy()
    hidden = suppressed[index]
    counts = table["n"].astype(np.int64).astype(str).to_numpy(dtype=object)
    counts = np.where(hidden & primary[index], f"<{k}", counts)
    counts = np.where(hidden & ~primary[index], SECONDARY_LABEL, counts)
    out["n"] = counts.astype(object)
    out[SUPPRESSED] = hidden
    return out


def _blank(table: pd.DataFrame, mask: np.ndarray, columns: Sequence[str]) -> None:
    for column in columns:
        if column in table.columns and mask.any():
            table[column] = table[column].astype(float)
            table.loc[mask, column] = np.nan


def protect_published(
    table1: pd.DataFrame,
    table2: pd.DataFrame,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame,
    frame: pd.DataFrame,
    claims: Sequence[Mapping],
    settings: DisclosureSettings | None = None,
    table3: pd.DataFrame | None = None,
) -> Protected:
    """Protect every published count jointly; audit; return the published versions.

    ``table1``, ``table2``, ``margins`` and ``diagnostics`` are the
    unsuppressed tables; ``frame`` the eligible respondents (for the hidden
    cross-classifications and the claims); ``claims`` the ``claims`` list of
    ``config/published.yaml``; ``table3`` the unsuppressed Table 3 (optional;
    published without its ``df``). Raises :class:`DisclosureError` if the audit
    finds a primary cell narrower than the protection level.
    """
    settings = settings or DisclosureSettings()
    b, (i1, i2, im, base, io, ic, i3) = build_problem(
        table1, table2, margins, diagnostics, frame, claims, settings, table3
    )
    cells = b.problem()
    pattern = protect(
        cells, settings.protection_level, method=settings.method, time_limit=settings.time_limit
    )
    suppressed = pattern.suppressed
    primary = cells.role == PRIMARY

    # the audit: every primary cell, once per published appearance
    audit_cells = np.flatnonzero(primary)
    low, high = feasible_intervals(cells, suppressed, audit_cells)
    interval = dict(zip(audit_cells.tolist(), zip(low, high, strict=True), strict=True))
    p_level = settings.protection_level
    rows = []
    appearances = [
        ("table1_sample", table1, i1, ("country", "variable", "category")),
        ("table2_freq_by_age", table2, i2, ("country", "age_group", "ict_freq")),
        ("weighting_margins", margins, im, ("country", "variable", "category")),
    ]
    if table3 is not None:
        appearances.append(("table3_items", table3, i3, ("country", "variable", "category")))
    for name, table, index, keys in appearances:
        for row in np.flatnonzero(primary[index]):
            lo, hi = interval[int(index[row])]
            record = {key: table[key].iloc[row] for key in keys}
            rows.append({"table": name, **record, **_verdict(lo, hi, p_level)})
    for row in np.flatnonzero(primary[io]):
        lo, hi = interval[int(io[row])]
        record = {"country": diagnostics["country"].iloc[row], "variable": "n_outside_targets"}
        rows.append({"table": "weighting_diagnostics", **record, **_verdict(lo, hi, p_level)})
    for ident, (j_count, j_base) in ic.items():
        for what, j in (("count", j_count), ("base", j_base)):
            if primary[j]:
                lo, hi = interval[int(j)]
                record = {"variable": ident, "category": what}
                rows.append(
                    {"table": "published_vs_reproduced", **record, **_verdict(lo, hi, p_level)}
                )
    audit = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    if "ict_freq" in audit:
        audit["ict_freq"] = audit["ict_freq"].astype("Int64")
    failed = audit[~audit["protected"].astype(bool)]
    if len(failed):
        first = failed.iloc[0]
        raise DisclosureError(
            f"disclosure audit: {len(failed)} primary cell(s) narrower than the protection "
            f"level {p_level} (first: {first['table']} "
            f"{', '.join(str(first[c]) for c in AUDIT_COLUMNS[1:6] if pd.notna(first[c]))}: "
            f"feasible {first['feasible_low']:g} to {first['feasible_high']:g})"
        )

    p1 = _labelled(table1, i1, suppressed, primary, settings.k)
    _blank(p1, p1[SUPPRESSED].to_numpy(), TABLE1_VALUE_COLUMNS)
    p2 = _labelled(table2, i2, suppressed, primary, settings.k)
    _blank(p2, p2[SUPPRESSED].to_numpy(), TABLE2_VALUE_COLUMNS[:-1])
    age_cell = np.array(
        [
            b.index[("table1", c, "age_group", a)]
            for c, a in zip(table2["country"], table2["age_group"], strict=True)
        ]
    )
    _blank(p2, suppressed[age_cell], ["df"])
    pm = _labelled(margins, im, suppressed, primary, settings.k)
    _blank(pm, pm[SUPPRESSED].to_numpy(), MARGINS_VALUE_COLUMNS)
    base_hidden = (base >= 0) & suppressed[np.maximum(base, 0)]
    _blank(pm, base_hidden, ["sample_share"])
    pd_ = diagnostics.copy()
    out_counts = (
        diagnostics["n_outside_targets"].astype(np.int64).astype(str).to_numpy(dtype=object)
    )
    out_counts = np.where(suppressed[io] & primary[io], f"<{settings.k}", out_counts)
    out_counts = np.where(suppressed[io] & ~primary[io], SECONDARY_LABEL, out_counts)
    pd_["n_outside_targets"] = out_counts.astype(object)
    claim_rows = pd.DataFrame(
        {
            "id": list(ic),
            "withheld": [
                bool(suppressed[j_count] or suppressed[j_base]) for j_count, j_base in ic.values()
            ],
            "base_withheld": [bool(suppressed[j_base]) for _, j_base in ic.values()],
        },
        columns=["id", "withheld", "base_withheld"],
    )
    published = ~np.isin(cells.role, [HIDDEN])
    secondary = suppressed & ~primary & published
    summary = {
        "method": pattern.method,
        "cells": int(published.sum()),
        "primary": int(primary.sum()),
        "secondary": int(secondary.sum()),
        "secondary_lower_bound": secondary_lower_bound(cells),
        "respondents_in_secondary": int(cells.values[secondary].sum()),
        "hidden_cells": int((cells.role == HIDDEN).sum()),
        "equations": int(cells.rhs.size),
        "protection_level": p_level,
    }
    p3 = None
    if table3 is not None:
        p3 = _labelled(table3, i3, suppressed, primary, settings.k).drop(columns=["df"])
        _blank(p3, p3[SUPPRESSED].to_numpy(), TABLE3_VALUE_COLUMNS)
    return Protected(p1, p2, pm, pd_, claim_rows, audit, summary, p3)


def _verdict(low: float, high: float, level: int) -> dict:
    return {
        "feasible_low": round(float(low), 6),
        "feasible_high": round(float(high), 6) if np.isfinite(high) else np.inf,
        "protection_required": level,
        "protected": bool(high - low >= level - 1e-6),
    }
