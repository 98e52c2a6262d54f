"""The analysis plan (config ``analysis_plan``) read and checked against the codebook.

Stage: configuration (read at start-up by ``workflow/rules/items.smk`` and by
the plan's rules; the statistics are in :mod:`socialwork_ict.items`).
Pandas-free: the Snakefile imports it at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from socialwork_ict.codes import OPTIONAL_COLUMNS
from socialwork_ict.errors import InputError

__all__ = ["KINDS", "PlanItem", "Section", "load_plan", "plan_columns"]

#: the kinds of item a plan may list
KINDS = ("binary", "ordinal", "nominal", "multi-select")


@dataclass(frozen=True)
class PlanItem:
    """One item of the plan (``columns``: its data columns, one unless multi-select)."""

    name: str
    kind: str
    section: str
    columns: tuple[str, ...]
    asked: tuple[str, int] | None
    breakdowns: tuple[str, ...]
    label: str
    codes: tuple[tuple[int, str], ...]
    column_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A survey section of the plan; ``left_out``: (item, absent columns) of the
    items whose optional columns the codebook does not declare."""

    id: str
    title: str
    items: tuple[PlanItem, ...]
    left_out: tuple[tuple[str, tuple[str, ...]], ...] = ()


log = logging.getLogger(__name__)


def load_plan(plan: Mapping | None, codebook) -> tuple[Section, ...]:
    """The config's ``analysis_plan`` checked against the codebook.

    Each single item must be a codebook column with a code list (binary:
    exactly the codes 0 and 1); each multi-select column a 0/1 codebook
    column; ``asked`` names a codebook column. Absent ``asked``: the
    codebook's ``asked_if``. An item whose columns are optional contract
    columns (data contract §1b) that the codebook does not declare (a v1
    export's codebook) is left out with a warning: not in this export.
    Raises :class:`InputError` naming the item.
    """
    if not plan:
        return ()
    default_breakdowns = tuple(plan.get("breakdowns") or ())
    sections = []
    seen: set[str] = set()
    for section in plan["sections"]:
        items, left_out = [], []
        for spec in section["items"]:
            name, kind = spec["name"], spec["kind"]
            where = f"analysis_plan item {name!r}"
            if name in seen:
                raise InputError(f"{where}: listed twice")
            seen.add(name)
            if kind == "multi-select":
                columns = tuple(spec.get("columns") or ())
                if not columns:
                    raise InputError(f"{where}: a multi-select needs its columns")
            else:
                if spec.get("columns"):
                    raise InputError(f"{where}: only a multi-select lists columns")
                columns = (name,)
            absent = [column for column in columns if column not in codebook.columns]
            if absent and set(columns) <= set(OPTIONAL_COLUMNS):
                log.warning("%s: optional column(s) %s not in the codebook: not in this export, "
                            "left out of the plan", where, ", ".join(absent))  # fmt: skip
                left_out.append((name, tuple(absent)))
                continue
            for column in columns:
                if column not in codebook.columns:
                    raise InputError(f"{where}: {column!r} is not a codebook column")
                codes = dict(codebook.columns[column].codes)
                if not codes:
                    raise InputError(f"{where}: codebook column {column!r} has no code list")
                if kind in ("binary", "multi-select") and set(codes) != {0, 1}:
                    raise InputError(
                        f"{where}: a {kind} column needs the codes 0 and 1",
                        column=column,
                        values=sorted(codes),
                    )
            asked = spec.get("asked")
            if asked is None:
                asked = codebook.columns[columns[0]].asked_if
            if asked in (None, "all"):
                gate = None
            else:
                if asked["column"] not in codebook.columns:
                    raise InputError(f"{where}: asked column {asked['column']!r} is unknown")
                gate = (str(asked["column"]), int(asked["min"]))
            column = codebook.columns[columns[0]]
            items.append(
                PlanItem(
                    name=name,
                    kind=kind,
                    section=section["id"],
                    columns=columns,
                    asked=gate,
                    breakdowns=tuple(spec.get("breakdowns", default_breakdowns)),
                    label=column.label if kind != "multi-select" else name.replace("_", " "),
                    codes=tuple(dict(column.codes).items()),
                    column_labels=tuple(codebook.columns[c].label or c for c in columns),
                )
            )
        sections.append(Section(section["id"], section["title"], tuple(items), tuple(left_out)))
    return tuple(sections)


def plan_columns(sections: Sequence[Section]) -> list[str]:
    """Every analysis column the plan reads (items, filters, breakdowns), in order."""
    columns: list[str] = []
    for section in sections:
        for item in section.items:
            columns += [*item.columns, *([item.asked[0]] if item.asked else []), *item.breakdowns]
    return list(dict.fromkeys(columns))
