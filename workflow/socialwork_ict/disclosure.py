"""Statistical disclosure control of published frequency tables (threshold rule).

Stage: tables / report (protects ``table1_sample.csv``,
``table2_freq_by_age.csv`` and ``weighting_margins.csv`` before they are
published). Pure functions: DataFrames in, DataFrames out, no I/O.

Rule
----
Threshold rule with cell suppression for frequency tables (Hundepool et al.
2012, *Statistical Disclosure Control*, Wiley, ch. 5 "Frequency tables",
§5.2-5.4; the ONS / Eurostat minimum-frequency rule):

1. **Primary suppression.** Every cell whose count ``n`` is below the
   threshold ``k`` (default 5, from the config) is suppressed, *zeros
   included* (``0 <= n < k``): the acceptance criterion is that no published
   cell shows fewer than ``k`` respondents, and suppressing zeros too means a
   published ``"<5"`` cannot be told apart as 0 or 1..4.
2. **Complementary (secondary) suppression.** A *group* is a set of cells
   whose counts add up to a total that is published or derivable, either as
   a row of the same table (e.g. the pooled ``ALL`` row is the sum of the
   countries) or elsewhere (e.g. a country's sample size, published in
   table 1 and the weighting diagnostics). A group with exactly one
   suppressed member (cell or total row) would give that member away by
   subtraction, so the smallest shown cell of the group is suppressed too
   (ties: first in row order; a total row is chosen only when no other cell
   is left). All groups are swept repeatedly, in a fixed order, until a
   sweep changes nothing (a suppression in one dimension can trigger one in
   another), so the result is a deterministic fixed point in which no group
   has exactly one suppressed member.
3. Suppressed cells show ``n`` as ``"<k"`` (e.g. ``"<5"``) and their value
   columns (percentages, CIs, SEs: anything from which the count could be
   recovered) are blanked (NaN). Shown cells show the exact count as text.

Limitations (documented, not handled): the rule does not audit protection
intervals (two suppressed cells whose derivable sum is small are each known
to lie in a narrow range; tau-Argus's modular / hypercube methods do), and it
is not an optimal (minimum-loss) suppression pattern. A group made of one
cell whose total is published elsewhere cannot be protected by suppression
in this table; :func:`suppress_small_cells` warns (:class:`DisclosureWarning`)
when it meets one.

Group specification
-------------------
``groups`` is a list of key-column lists. For each list, the rows sharing
the same values of those columns form one group (rows with a missing key
value are in no group of that list). ``total_key`` (e.g. ``{"country":
"ALL"}``) marks the rows that are totals over a dimension: in a group whose
key columns do *not* include the ``total_key`` columns, the row matching it
is the group's total (the sum of the other members); in a group keyed by
those columns (e.g. ``["country", "variable"]``) the ``ALL`` rows are
ordinary cells of the ``ALL`` group. A group without a total row has its
total published elsewhere. Either way, the suppression rule is the same:
the group's equation ``total = sum(cells)`` must never have exactly one
unknown.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import ICT_FREQ_LABELS
from socialwork_ict.errors import InputError

__all__ = [
    "DEFAULT_K",
    "DisclosureWarning",
    "TABLE1_GROUPS",
    "TABLE1_VALUE_COLUMNS",
    "TABLE2_GROUPS",
    "TABLE2_VALUE_COLUMNS",
    "MARGINS_GROUPS",
    "MARGINS_VALUE_COLUMNS",
    "TOTAL_KEY",
    "threshold_from_config",
    "suppress_small_cells",
    "protect_table1",
    "protect_table2",
    "protect_margins",
    "protect_tables",
]

DEFAULT_K = 5
ALL = "ALL"
TOTAL_KEY: dict[str, object] = {"country": ALL}

#: table 1: categories within country x variable add up to the country's n
#: (the ALL rows to the pooled n); countries within variable x category add
#: up to the ALL row.
TABLE1_GROUPS: tuple[tuple[str, ...], ...] = (("country", "variable"), ("variable", "category"))
TABLE1_VALUE_COLUMNS = ("pct_unweighted", "pct_weighted")

#: table 2: codes within country x age group add up to the age group's n
#: (published in table 1, exactly so up to ict_freq non-response); age
#: groups within country x code add up to table 1's ict_freq count (exactly
#: when no age is missing); countries within age group x code add up to ALL.
TABLE2_GROUPS: tuple[tuple[str, ...], ...] = (
    ("country", "age_group"),
    ("country", "ict_freq"),
    ("age_group", "ict_freq"),
)
TABLE2_VALUE_COLUMNS = ("pct_weighted", "ci_low", "ci_high", "se_weighted")

#: margins: categories within country x variable add up to the country's n
#: (weighting diagnostics); the listed (in-target) categories add up to the
#: base of their shares, which n / sample_share reveals, and so the others
#: (missing, outside the targets) add up to n minus that base.
MARGINS_GROUPS: tuple[tuple[str, ...], ...] = (
    ("country", "variable"),
    ("country", "variable", "_share_base"),
)
MARGINS_VALUE_COLUMNS = ("sample_share", "weighted_share")

SUPPRESSED = "suppressed"
_MISSING_LABELS = {"(missing)": "missing"}  # margins label -> table 1 label


class DisclosureWarning(UserWarning):
    """A cell that suppression within the table cannot protect."""


def threshold_from_config(config: Mapping | None) -> int:
    """The threshold ``k`` from the pipeline config (``disclosure: {k: 5}``), default 5."""
    section = (config or {}).get("disclosure") or {}
    k = section.get("k", DEFAULT_K)
    return _check_k(k)


def _check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InputError("disclosure threshold k must be an integer >= 1", values=[k])
    return int(k)


def _group_members(
    table: pd.DataFrame, groups: Sequence[Sequence[str]], total_key: Mapping | None
) -> list[tuple[np.ndarray, int | None, tuple]]:
    """(cell positions, total-row position or None, label) per group, in a fixed order."""
    total_cols = set(total_key or {})
    is_total = np.zeros(len(table), dtype=bool)
    if total_key:
        missing = [c for c in total_cols if c not in table.columns]
        if missing:
            raise InputError("total_key names a column the table lacks", values=missing)
        is_total = np.logical_and.reduce(
            [(table[c] == v).to_numpy(dtype=bool) for c, v in total_key.items()]
        )
    members = []
    for keys in groups:
        keys = list(keys)
        missing = [c for c in keys if c not in table.columns]
        if missing:
            raise InputError("group key column not in the table", values=missing)
        has_total = bool(total_key) and not (total_cols & set(keys))
        indices = table.reset_index(drop=True).groupby(keys, sort=False, dropna=True).indices
        found = []
        for label, idx in indices.items():
            idx = np.sort(np.asarray(idx))
            totals = idx[is_total[idx]] if has_total else idx[:0]
            if totals.size > 1:
                raise InputError(
                    "a group has more than one total row", values=[label], n_rows=totals.size
                )
            cells = idx[~is_total[idx]] if has_total else idx
            total = int(totals[0]) if totals.size else None
            found.append((int(idx[0]), cells, total, (tuple(keys), label)))
        found.sort(key=lambda item: item[0])
        members.extend((cells, total, label) for _, cells, total, label in found)
    return members


def _suppression_pattern(
    counts: np.ndarray,
    k: int,
    members: list[tuple[np.ndarray, int | None, tuple]],
    force: np.ndarray | None = None,
) -> tuple[np.ndarray, list[tuple]]:
    """Primary then complementary suppression to a fixed point; unprotectable groups."""
    suppressed = counts < k
    if force is not None:
        suppressed |= force
    while True:
        changed = False
        for cells, total, _ in members:
            n_suppressed = int(suppressed[cells].sum()) + (
                int(suppressed[total]) if total is not None else 0
            )
            if n_suppressed != 1:
                continue
            shown = cells[~suppressed[cells]]
            if shown.size:
                choice = int(shown[np.argmin(counts[shown])])  # first minimum: row order
            elif total is not None and not suppressed[total]:
                choice = total
            else:
                continue
            suppressed[choice] = True
            changed = True
        if not changed:
            break
    unprotected = []
    for cells, total, label in members:
        n_suppressed = int(suppressed[cells].sum()) + (
            int(suppressed[total]) if total is not None else 0
        )
        if n_suppressed == 1:
            unprotected.append(label)
    return suppressed, unprotected


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    k: int = DEFAULT_K,
    count: str = "n",
    groups: Sequence[Sequence[str]] = (),
    value_columns: Sequence[str] = (),
    total_key: Mapping[str, object] | None = None,
    force: Iterable[bool] | None = None,
) -> pd.DataFrame:
    """Threshold rule with complementary suppression (see the module docstring).

    ``table``: one row per cell with an integer, non-negative ``count``
    column. ``groups``: list of key-column lists, each defining groups of
    cells that add up to a published total; ``total_key``: the values
    marking total rows (e.g. ``{"country": "ALL"}``), the total of any group
    not keyed by those columns. ``value_columns``: columns that reveal the
    count, blanked (NaN) for suppressed cells. ``force``: optional boolean
    per row, cells to suppress whatever their count (e.g. cells suppressed
    in a linked table), before complementary suppression.

    Returns a copy with ``count`` as text (the exact count, or ``"<k"``),
    blanked value columns and a boolean ``suppressed`` column appended; row
    order and index are kept. Warns (:class:`DisclosureWarning`) for a group
    left with exactly one suppressed cell because no other cell could be
    suppressed (a single cell equal to a total published elsewhere).
    """
    k = _check_k(k)
    if count not in table.columns:
        raise InputError("count column not in the table", column=count)
    if SUPPRESSED in table.columns:
        raise InputError("table already has a 'suppressed' column", column=SUPPRESSED)
    missing = [c for c in value_columns if c not in table.columns]
    if missing:
        raise InputError("value column not in the table", values=missing)
    raw = pd.to_numeric(table[count], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(raw) | (raw < 0) | (raw != np.round(raw))
    if bad.any():
        raise InputError(
            "counts must be non-negative integers", column=count, values=raw[bad], n_rows=bad.sum()
        )
    counts = raw.astype(np.int64)
    forced = None
    if force is not None:
        forced = np.asarray(list(force) if not hasattr(force, "__len__") else force, dtype=bool)
        if forced.shape != counts.shape:
            raise InputError("force must have one boolean per row", n_rows=forced.size)
    members = _group_members(table, groups, total_key)
    suppressed, unprotected = _suppression_pattern(counts, k, members, forced)
    if unprotected:
        warnings.warn(
            f"{len(unprotected)} group(s) with a single suppressed cell that no other "
            f"suppression in the table can protect (first: {unprotected[0]!r})",
            DisclosureWarning,
            stacklevel=2,
        )
    out = table.copy()
    out[count] = np.where(suppressed, f"<{k}", counts.astype(str)).astype(object)
    for column in value_columns:
        if suppressed.any():
            values = out[column]
            if not (pd.api.types.is_float_dtype(values) or values.dtype == object):
                out[column] = values.astype(float)
            out.loc[suppressed, column] = np.nan
    out[SUPPRESSED] = suppressed
    return out


def _present(table: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    return [c for c in columns if c in table.columns]


def protect_table1(
    table1: pd.DataFrame, k: int = DEFAULT_K, *, force: Iterable[bool] | None = None
) -> pd.DataFrame:
    """Table 1 with small cells suppressed (groups: :data:`TABLE1_GROUPS`, total ALL).

    Besides the groups, the ``contact_after_hours`` row ``not asked (skip
    logic)`` equals the ``ict_freq`` row ``never`` of the same country (skip
    logic), so the two are always suppressed together.
    """
    force_mask = np.zeros(len(table1), dtype=bool)
    if force is not None:
        force_mask |= np.asarray(force, dtype=bool)
    skipped = (table1["variable"] == "contact_after_hours") & (
        table1["category"] == "not asked (skip logic)"
    )
    never = (table1["variable"] == "ict_freq") & (table1["category"] == "never")
    while True:
        out = suppress_small_cells(
            table1,
            k=k,
            groups=TABLE1_GROUPS,
            value_columns=_present(table1, TABLE1_VALUE_COLUMNS),
            total_key=TOTAL_KEY,
            force=force_mask,
        )
        pair = set(table1.loc[skipped & out[SUPPRESSED], "country"]) ^ set(
            table1.loc[never & out[SUPPRESSED], "country"]
        )
        if not pair:
            return out
        force_mask |= ((skipped | never) & table1["country"].isin(pair)).to_numpy()


def protect_table2(
    table2: pd.DataFrame,
    k: int = DEFAULT_K,
    *,
    force: Iterable[bool] | None = None,
    table1: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table 2 with small cells suppressed (groups: :data:`TABLE2_GROUPS`, total ALL).

    Value columns: pct_weighted, ci_low, ci_high, se_weighted. ``df`` is the
    domain's size minus its strata, i.e. it reveals table 1's age-group
    count, not the cell's: given the *protected* ``table1``, ``df`` is
    blanked for every country x age group whose table 1 count is suppressed.
    """
    out = suppress_small_cells(
        table2,
        k=k,
        groups=TABLE2_GROUPS,
        value_columns=_present(table2, TABLE2_VALUE_COLUMNS),
        total_key=TOTAL_KEY,
        force=force,
    )
    if table1 is not None and "df" in out.columns:
        hidden = _suppressed_keys(table1, "age_group")
        blank = [(c, a) in hidden for c, a in zip(out["country"], out["age_group"], strict=True)]
        out["df"] = out["df"].astype(float)
        out.loc[np.asarray(blank, dtype=bool), "df"] = np.nan
    return out


def protect_margins(
    margins: pd.DataFrame, k: int = DEFAULT_K, *, force: Iterable[bool] | None = None
) -> pd.DataFrame:
    """Weighting margins with small cells suppressed (groups: :data:`MARGINS_GROUPS`).

    Value columns: sample_share, weighted_share (``target_share`` is not
    data and is kept). The listed categories' ``sample_share`` reveals their
    base (``n / sample_share``), hence the sum of the other categories
    (country n minus base): when those are a single cell and it is
    suppressed, ``sample_share`` of the listed categories is blanked too.
    """
    work = margins.copy()
    listed = work["in_targets"].astype(bool).to_numpy()
    work["_share_base"] = np.where(listed, "listed", "outside")
    n_outside = work.groupby(["country", "variable"], sort=False)["_share_base"].transform(
        lambda s: (s == "outside").sum()
    )
    lone = (~listed) & (n_outside.to_numpy() == 1)
    work.loc[lone, "_share_base"] = None  # a one-cell group: handled below
    out = suppress_small_cells(
        work,
        k=k,
        groups=MARGINS_GROUPS,
        value_columns=_present(work, MARGINS_VALUE_COLUMNS),
        total_key=None,
        force=force,
    ).drop(columns="_share_base")
    hidden = out.loc[lone & out[SUPPRESSED].to_numpy(), ["country", "variable"]]
    blank = (
        pd.MultiIndex.from_frame(out[["country", "variable"]]).isin(
            pd.MultiIndex.from_frame(hidden)
        )
        & listed
    )
    if "sample_share" in out.columns and blank.any():
        out["sample_share"] = out["sample_share"].astype(float)
        out.loc[blank, "sample_share"] = np.nan
    return out


def _suppressed_keys(table1: pd.DataFrame, variable: str) -> set[tuple[str, str]]:
    """(country, category) of the suppressed table 1 cells of ``variable``."""
    rows = table1[(table1["variable"] == variable) & table1[SUPPRESSED]]
    return set(zip(rows["country"], rows["category"], strict=True))


def protect_tables(
    table1: pd.DataFrame,
    table2: pd.DataFrame,
    margins: pd.DataFrame,
    k: int = DEFAULT_K,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Protect the three linked tables jointly, to a common fixed point.

    Links between the tables, beyond each table's own groups:

    - the margins' counts are table 1's counts of the same country,
      variable and category (``(missing)`` = ``missing``): a cell suppressed
      in either table is suppressed in both;
    - table 1's age-group and ict_freq counts are the totals of table 2's
      country x age group and country x code groups: when table 1 suppresses
      such a total and table 2 shows every cell of the group, table 2's
      smallest cell there is suppressed (its group rule then adds another);
    - table 2's ``df`` is blanked where table 1's age-group count is.

    Each round only adds suppressions, so the loop ends.
    """
    k = _check_k(k)
    force1 = np.zeros(len(table1), dtype=bool)
    force2 = np.zeros(len(table2), dtype=bool)
    force_m = np.zeros(len(margins), dtype=bool)
    t1_key = list(zip(table1["country"], table1["variable"], table1["category"], strict=True))
    m_key = [
        (c, v, _MISSING_LABELS.get(g, g))
        for c, v, g in zip(
            margins["country"], margins["variable"], margins["category"], strict=True
        )
    ]
    t1_codes = {label: code for code, label in ICT_FREQ_LABELS.items()}
    while True:
        p1 = protect_table1(table1, k, force=force1)
        pm = protect_margins(margins, k, force=force_m)
        p2 = protect_table2(table2, k, force=force2, table1=p1)
        hidden = {key for key, s in zip(t1_key, p1[SUPPRESSED], strict=True) if s}
        hidden |= {key for key, s in zip(m_key, pm[SUPPRESSED], strict=True) if s}
        new1 = force1 | np.array([key in hidden for key in t1_key], dtype=bool)
        new_m = force_m | np.array([key in hidden for key in m_key], dtype=bool)
        new2 = force2 | p2[SUPPRESSED].to_numpy()
        for column, keys in (
            ("age_group", _suppressed_keys(p1, "age_group")),
            ("ict_freq", {(c, t1_codes.get(g)) for c, g in _suppressed_keys(p1, "ict_freq")}),
        ):
            for country, value in keys:
                rows = np.flatnonzero(
                    (table2["country"] == country).to_numpy() & (table2[column] == value).to_numpy()
                )
                if rows.size and not new2[rows].any():
                    counts = pd.to_numeric(table2["n"]).to_numpy()[rows]
                    new2[rows[np.argmin(counts)]] = True
        if (new1 == force1).all() and (new_m == force_m).all() and (new2 == force2).all():
            return p1, p2, pm
        force1, force_m, force2 = new1, new_m, new2
