"""Where each number of the report comes from: source strings and their markup.

Stage: report. Every number the report shows carries its source in the HTML
(``data-source`` and a CSS hover showing it), the showyourwork idea for an HTML
report. A source string is one of:

- a table cell:
  ``results/tables/table2_freq_by_age.csv#country=CA,age_group=<30,ict_freq=1:pct_weighted``
  (file, ``#``, the row's key columns as ``column=value`` joined by ``,``, ``:``, the column);
- a key of a JSON or YAML file: ``results/models/model_info.json#df_residual``,
  ``config/targets.yaml#CA.gender.woman``; ``config:weighting.epsilon`` is a key of the
  run's configuration (``config/config.yaml`` with its command-line overrides);
- a count of table rows: ``count(results/tables/published_vs_reproduced.csv#status=match)``
  (a value with ``*`` is a glob, e.g. ``id=*_UK``);
- arithmetic over sources in braces, e.g. ``100*({a}+{b})/({c})`` for a share
  computed from table cells.

Numbers inside generated sentences are marked with :func:`traced` (plain text
with invisible markers); the template's ``traced`` filter
(:func:`traced_html`) escapes the text and turns each marked number into
``<span class="src" data-source=...>``, and :func:`plain` removes
the marks. Table cells carry their source in the table view
(:func:`cell_source`), written compactly (:func:`compact`: the table's
``data-table`` and ``data-keys``, the cell's ``#values:column``, the hover a CSS
``::after`` of it). ``tests/test_report_traceable.py`` resolves every
source of a rendered report against the files and compares it with the
number shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import markupsafe

#: start of a source, start of the marked text, end of the marked text
_OPEN, _MID, _CLOSE = "\x02", "\x03", "\x04"
_MARK = re.compile(f"{_OPEN}([^{_MID}]*){_MID}([^{_CLOSE}]*){_CLOSE}")

#: the data contract's paths of the tables the generated sentences quote
MODEL_TABLE = "results/tables/model_ordinal.csv"
TESTS_TABLE = "results/tables/tests.csv"
TABLE1 = "results/tables/table1_sample.csv"
COMPARISON_TABLE = "results/tables/published_vs_reproduced.csv"
MODEL_INFO = "results/models/model_info.json"
DATA_ORIGIN = "results/clean/data_origin.json"


def cell_source(path: str, keys: Mapping[str, Any] | Iterable[tuple[str, Any]], column: str) -> str:
    """``path#key=value,...:column``: one cell of a published table."""
    items = keys.items() if isinstance(keys, Mapping) else keys
    return f"{path}#{','.join(f'{k}={v}' for k, v in items)}:{column}"


def key_source(path: str, *keys: Any) -> str:
    """``path#a.b.c``: one value of a JSON / YAML file (``config:a.b`` for the run's config)."""
    dotted = ".".join(str(k) for k in keys)
    return f"config:{dotted}" if path == "config" else f"{path}#{dotted}"


def count_source(path: str, **keys: Any) -> str:
    """``count(path#key=value)``: the number of rows of a table with those values."""
    return f"count({path}#{','.join(f'{k}={v}' for k, v in keys.items())})"


def traced(text: Any, source: str) -> str:
    """``text`` (a number as shown) marked with its ``source``; plain text otherwise."""
    return f"{_OPEN}{source}{_MID}{text}{_CLOSE}"


def plain(text: str) -> str:
    """The text without its source marks (what a reader sees)."""
    return _MARK.sub(r"\2", str(text))


def span(text: Any, source: str) -> markupsafe.Markup:
    """The one element that carries a source: ``<span class="src" data-source>`` (its
    hover is the report's CSS ``[data-source]:hover::after``, so the source is written once)."""
    return markupsafe.Markup('<span class="src" data-source="{0}">{1}</span>').format(source, text)


def traced_html(text: Any) -> markupsafe.Markup:
    """Jinja filter ``traced``: escaped text, each marked number as a :func:`span`."""
    out, last = [], 0
    text = str(text)
    for match in _MARK.finditer(text):
        out.append(markupsafe.escape(text[last : match.start()]))
        out.append(span(match.group(2), match.group(1)))
        last = match.end()
    out.append(markupsafe.escape(text[last:]))
    return markupsafe.Markup("").join(out)


def _parts(source: str) -> tuple[str, tuple[str, ...], tuple[str, ...], str] | None:
    """``(file, key names, key values, column)`` of a table-cell source, else None."""
    if "{" in source or "; " in source or "#" not in source:
        return None
    path, rest = source.split("#", 1)
    if ":" not in rest or path.endswith(".json"):
        return None
    keys, column = rest.rsplit(":", 1)
    pairs = [item.split("=", 1) for item in _KEY_SPLIT.split(keys) if item]
    if any(len(pair) != 2 for pair in pairs):
        return None
    return path, tuple(k for k, _ in pairs), tuple(v for _, v in pairs), column


_KEY_SPLIT = re.compile(r",(?=[\w ]+=)")


def compact(rows: Sequence[Sequence[str]]) -> tuple[str, str, list[list[str]]]:
    """Cell sources of one table written once per table: the most frequent file and key
    columns go to the table (``data-table``, ``data-keys``), each such cell keeps
    ``#value,value:column`` (each part of a several-number source ``a; b`` likewise);
    :func:`expand` gives the full source back."""
    counts: dict[tuple[str, tuple[str, ...]], int] = {}
    for row in rows:
        for source in row:
            for part in source.split("; "):
                parts = _parts(part)
                if parts:
                    counts[parts[:2]] = counts.get(parts[:2], 0) + 1
    if not counts:
        return "", "", [list(row) for row in rows]
    table, keys = max(counts, key=counts.get)

    def short(source: str) -> str:
        parts = _parts(source)
        if parts and parts[:2] == (table, keys):
            return f"#{','.join(parts[2])}:{parts[3]}"
        return source

    out = [
        ["; ".join(short(part) for part in source.split("; ")) for source in row] for row in rows
    ]
    return table, ",".join(keys), out


def expand(source: str, table: str, keys: str) -> str:
    """The full source of a compact cell source ``#value,...:column`` of ``table``
    (of each part of ``a; b``)."""
    if "; " in source:
        return "; ".join(expand(part, table, keys) for part in source.split("; "))
    if not source.startswith("#"):
        return source
    values, column = source[1:].rsplit(":", 1)
    names = keys.split(",")
    split = values.split(",", len(names) - 1) if names != [""] else []
    return cell_source(table, zip(names, split, strict=True), column)


def sources_frame(
    frame, path: str, keys: Sequence[str], columns: Mapping[str, str] | None = None
) -> list[list[str]]:
    """Per row and column of ``frame``: the cell's source in ``path`` (row keys ``keys``).

    ``columns`` maps a shown column to the table's column when they differ.
    """
    columns = dict(columns or {})
    out = []
    for _, row in frame.iterrows():
        key = [(k, row[k]) for k in keys]
        out.append([cell_source(path, key, columns.get(c, c)) for c in frame.columns])
    return out
