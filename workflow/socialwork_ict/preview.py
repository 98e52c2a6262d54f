"""Preview of an export through its codebook: every raw value and what it becomes.

The first thing to look at on a new export (``snakemake --cores 1
preview_export --config input=EXPORT codebook=CODEBOOK``): for every
canonical column, its raw column, each distinct raw value (trimmed) with its
count, and what cleaning makes of it, without running the analysis:

- ``code`` with its ``label``: a valid answer;
- ``missing``: an empty cell, a missing code or a seen-but-unanswered box;
- ``invalid: <problem>``: a value that stops the run (the same rule as
  :func:`socialwork_ict.cleaning.interpret_int_values`, so preview and
  cleaning cannot disagree);
- ``excludes: <reason>``: a value that makes the row ineligible (consent or
  direct client contact not 1, another country, an empty id);
- ``filters: <reason>`` / ``kept by filter``: the values of a codebook
  ``filters`` column.

Respondent ids are summarised (distinct, empty and repeated counts), never
listed. The counts are exact, not disclosure-controlled: like
``results/internal_unsuppressed/``, the preview is for the analyst, never
read by the report and not for publication. Multi-select members show each
raw value with the canonical value it gave in its rows (a blank box becomes 0
or missing depending on the row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socialwork_ict.cleaning import interpret_int_values, problem_text
from socialwork_ict.codebook import Codebook, Column, normalise_token
from socialwork_ict.codes import COUNTRIES
from socialwork_ict.mapping import CanonicalExport

COLUMNS = ["column", "raw_column", "raw_value", "n", "becomes", "label", "status"]
ELIGIBILITY = {"consent": "consent not 1", "direct_client_contact": "direct_client_contact not 1"}


def preview_export(
    raw: pd.DataFrame,
    export: CanonicalExport,
    codebook: Codebook,
    *,
    countries: Sequence[str] = COUNTRIES,
) -> pd.DataFrame:
    """One row per (canonical column, distinct raw value); see the module docstring.

    ``raw`` is the export as read (:func:`socialwork_ict.ingest.read_raw_table`),
    ``export`` its canonical mapping (:func:`socialwork_ict.mapping.to_canonical`).
    """
    raw = raw.reset_index(drop=True)
    table = export.table.reset_index(drop=True)
    sources = _raw_sources(codebook)
    parts = []
    for row_filter in codebook.filters:
        parts.append(_filter_rows(raw[row_filter.raw], row_filter))
    for name, column in codebook.columns.items():
        source = sources.get(name)
        if name == "respondent_id":
            parts.append(_id_rows(table[name], column))
            continue
        raw_values = (
            raw[source].astype(str).str.strip()
            if source in raw.columns
            else pd.Series("", index=table.index, dtype=object)
        )
        canonical = table[name].astype(str).str.strip()
        pairs = (
            pd.DataFrame({"raw_value": raw_values.to_numpy(), "value": canonical.to_numpy()})
            .value_counts(sort=False)
            .rename("n")
            .reset_index()
        )
        meaning = _meaning(pairs["value"], name, column, codebook, countries)
        part = pd.concat([pairs[["raw_value", "n"]], meaning], axis=1)
        part.insert(0, "raw_column", source if source in raw.columns else f"{source} (absent)")
        part.insert(0, "column", name)
        parts.append(_sorted(part))
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def _raw_sources(codebook: Codebook) -> dict[str, str]:
    sources = {name: column.raw for name, column in codebook.columns.items() if column.raw}
    for group in codebook.multi_select:
        if group.form == "joined":
            sources.update(dict.fromkeys(group.members, group.raw))
    return sources


def _sorted(part: pd.DataFrame) -> pd.DataFrame:
    numeric = pd.to_numeric(part["raw_value"], errors="coerce")
    order = np.lexsort((part["raw_value"].astype(str).to_numpy(), numeric.fillna(np.inf)))
    return part.iloc[order].reset_index(drop=True)


def _meaning(
    values: pd.Series, name: str, column: Column, codebook: Codebook, countries: Sequence[str]
) -> pd.DataFrame:
    if column.type == "int":
        interpreted = interpret_int_values(values, column, codebook.missing_for(name))
        becomes, label, status = [], [], []
        for number, state, problem in zip(
            interpreted["number"], interpreted["status"], interpreted["problem"], strict=True
        ):
            if state == "code":
                code = int(number)
                becomes.append(str(code))
                label.append(column.codes.get(code, ""))
                if name in ELIGIBILITY and code != 1:
                    status.append(f"excludes: {ELIGIBILITY[name]}")
                else:
                    status.append("code")
            elif state == "missing":
                becomes.append("")
                label.append("")
                status.append(
                    f"excludes: {ELIGIBILITY[name]}" if name in ELIGIBILITY else "missing"
                )
            else:
                becomes.append("")
                label.append("")
                status.append(f"invalid: {problem_text(problem, column)}")
        return pd.DataFrame({"becomes": becomes, "label": label, "status": status})
    recoded = [column.recode.get(normalise_token(v), v) for v in values]
    if name == "country":
        upper = [str(v).upper() for v in recoded]
        status = [
            "code"
            if v in countries
            else (
                "excludes: empty country"
                if v == ""
                else f"excludes: country not {'/'.join(countries)}"
            )
            for v in upper
        ]
        return pd.DataFrame({"becomes": upper, "label": "", "status": status})
    return pd.DataFrame({"becomes": recoded, "label": "", "status": "text"})


def _id_rows(ids: pd.Series, column: Column) -> pd.DataFrame:
    ids = ids.astype(str).str.strip()
    present = ids[ids != ""]
    repeated = present[present.duplicated(keep=False)]
    rows = [
        ("(distinct ids)", int(present.nunique()), "", "", "text"),
        ("(empty)", int((ids == "").sum()), "", "", "excludes: respondent_id empty"),
        (
            "(ids given more than once)",
            int(repeated.nunique()),
            "",
            "",
            f"repeated submissions: {len(repeated)} rows, resolved by the duplicates rule",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["raw_value", "n", "becomes", "label", "status"])
    frame.insert(0, "raw_column", column.raw)
    frame.insert(0, "column", column.name)
    return frame


def _filter_rows(values: pd.Series, row_filter) -> pd.DataFrame:
    values = values.astype(str).str.strip()
    counts = values.value_counts(sort=False).rename("n").rename_axis("raw_value").reset_index()
    kept = [normalise_token(v) in row_filter.keep for v in counts["raw_value"]]
    counts["becomes"] = ""
    counts["label"] = ""
    counts["status"] = ["kept by filter" if k else f"filters: {row_filter.reason}" for k in kept]
    counts.insert(0, "raw_column", row_filter.raw)
    counts.insert(0, "column", f"(filter {row_filter.raw})")
    return _sorted(counts)


def render_preview_html(preview: pd.DataFrame, *, file: str, warnings: Sequence[str]) -> str:
    """A small self-contained HTML page of the preview (no external resources)."""
    from jinja2 import Environment

    env = Environment(autoescape=True, keep_trailing_newline=True)
    groups = [
        {
            "column": column,
            "raw_column": part["raw_column"].iloc[0],
            "rows": part.to_dict("records"),
            "problem": bool(part["status"].str.startswith("invalid").any()),
        }
        for column, part in preview.groupby("column", sort=False)
    ]
    return env.from_string(PREVIEW_TEMPLATE).render(file=file, groups=groups, warnings=warnings)


PREVIEW_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview of {{ file }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1rem auto; max-width: 60rem; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.3rem 0 1.2rem; }
th, td { border-bottom: 1px solid #ccc; padding: 0.15rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.invalid td { background: #fde2e1; }
tr.excludes td, tr.filters td { color: #6b4e00; }
tr.missing td { color: #666; }
.problem { color: #a40000; font-weight: bold; }
.warning { background: #fff4ce; padding: 0.4rem 0.8rem; }
</style>
</head>
<body>
<h1>Preview of <code>{{ file }}</code></h1>
<p>Every canonical column, each distinct raw value with its count, and what the
codebook makes of it. Nothing here has been analysed.</p>
<p><strong>Internal:</strong> these counts are not disclosure-controlled; do not
publish this page (the published tables are in the report).</p>
{% for w in warnings %}<p class="warning">WARNING: {{ w }}</p>
{% endfor %}
{% for g in groups %}
<h2 id="{{ g.column }}">{{ g.column }} <small>(raw {{ g.raw_column }})</small>
{% if g.problem %}<span class="problem">invalid values</span>{% endif %}</h2>
<table>
<thead><tr><th>raw value</th><th>n</th><th>becomes</th><th>label</th><th>status</th></tr></thead>
<tbody>
{% for r in g.rows %}<tr class="{{ r.status.split(':')[0].split(' ')[0] }}">
<td>{{ r.raw_value if r.raw_value != "" else "(empty)" }}</td><td class="n">{{ r.n }}</td>
<td>{{ r.becomes }}</td><td>{{ r.label }}</td><td>{{ r.status }}</td></tr>
{% endfor %}</tbody>
</table>
{% endfor %}
</body>
</html>
"""
