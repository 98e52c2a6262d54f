"""Render the self-contained HTML report (Jinja2, StrictUndefined, autoescape).

Stage: report (``reports/report.html``). The template
(``workflow/templates/report.html.j2``) holds the page and its inline CSS;
this module turns the result tables into display-ready views (formatted
cells, captions, header labels) and renders one HTML string:

- ``jinja2.Environment(undefined=StrictUndefined, autoescape=True)``: a
  missing variable raises instead of printing nothing, and every string from
  data or config (codebook labels, target sources, file names) is escaped;
- figures are inlined as PNG ``data:`` URIs (base64) with their alt text, so
  the file needs nothing else: no external CSS, JS, fonts or images;
- no clock time, stable order: the same inputs give a byte-identical report.

Numbers are formatted here (fixed decimals per column); text cells such as a
disclosure-controlled ``"<5"`` count pass through unchanged, blank cells stay
blank.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
import pandas as pd

from socialwork_ict.names import FIGURES  # noqa: F401 (the report's figures, in order)
from socialwork_ict.names import SYNTHETIC_REPORT_NOTE as SYNTHETIC_NOTE
from socialwork_ict.report.trace import compact, key_source, span, traced_html

#: column -> header label shown in the report (default: the column name with spaces)
HEADERS = {
    "n": "n",
    "pct_unweighted": "% unweighted",
    "pct_weighted": "% weighted",
    "ci_low": "95 % CI low",
    "ci_high": "95 % CI high",
    "se_weighted": "SE (weighted)",
    "df": "design df",
    "std_error": "SE",
    "odds_ratio": "odds ratio",
    "p_value": "p",
    "df_num": "df (num.)",
    "df_den": "df (den.)",
    "deff_kish": "Kish deff",
    "n_effective": "effective n",
    "sum_weights": "sum of weights",
    "min_weight": "min weight",
    "max_weight": "max weight",
    "min_weight_over_mean": "min / mean",
    "max_weight_over_mean": "max / mean",
    "n_outside_targets": "outside targets",
    "n_trimmed": "trimmed",
    "trim_rounds": "trim rounds",
    "sample_share": "sample share",
    "weighted_share": "weighted share",
    "target_share": "target share",
    "in_targets": "in targets",
    "n_excluded": "excluded",
    "n_remaining": "remaining",
    "po_estimate": "PO estimate",
    "po_std_error": "PO SE",
}

#: figure -> its title in the report (every figure of socialwork_ict.names.FIGURES)
FIGURE_TITLES = {
    "sample_flow": "Sample flow",
    "weighting": "Weighting",
    "freq_by_age": "Frequency of use by age group",
    "odds_ratios": "Odds ratios of the age groups",
    "predicted_often": "Predicted share using informal ICT often or very often",
    "sensitivity": "Sensitivity of the age effects",
}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def format_p_value(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "" if _is_missing(value) else str(value)
    return "< 0.001" if number < 0.001 else f"{number:.3f}"


def _number(value: Any) -> float | None:
    """A float for numeric cells (numbers or numeric strings); None for text / blank."""
    if _is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def format_cell(value: Any, decimals: int | None) -> str:
    """Fixed decimals for numbers; ``inf`` as is; text (e.g. ``"<5"``) unchanged; blank ''."""
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = _number(value)
    if number is None:
        return str(value)
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    if decimals is None:
        text = str(value)
        return text
    if decimals == 0:
        return f"{number:,.0f}".replace(",", "\u2009") if abs(number) >= 10000 else f"{number:.0f}"
    return f"{number:.{decimals}f}"


def table_view(
    frame: pd.DataFrame,
    *,
    caption: str,
    decimals: Mapping[str, int | None] | None = None,
    headers: Mapping[str, str] | None = None,
    row_header: str | None = None,
    note: str = "",
    sources: Sequence[Sequence[str]] | None = None,
) -> dict:
    """A display-ready table: caption, header labels, formatted cells.

    ``decimals`` maps columns to decimals (None: shown as stored; absent:
    text, or 3 decimals for a float column). ``p_value`` columns use
    ``< 0.001``. ``row_header`` names the column rendered as ``<th scope=row>``.
    ``sources`` gives each cell's source (:mod:`~socialwork_ict.report.trace`),
    row by row; the template puts it in ``data-source`` and the hover.
    """
    decimals = dict(decimals or {})
    labels = {**HEADERS, **(headers or {})}
    columns = list(frame.columns)
    rows = []
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        row_sources = sources[i] if sources is not None else [""] * len(columns)
        for name, value, source in zip(columns, record, row_sources, strict=True):
            if name == "p_value":
                text = format_p_value(value)
            elif name in decimals:
                text = format_cell(value, decimals[name])
            elif isinstance(value, float):
                text = format_cell(value, 3)
            else:
                text = format_cell(value, None)
            numeric = _number(value) is not None and not isinstance(value, bool)
            # a source where a number is shown (labels and text cells name things)
            shown = numeric or any(ch.isdigit() for ch in text)
            cells.append({"text": text, "numeric": numeric, "source": source if shown else ""})
        rows.append(cells)
    header_index = columns.index(row_header) if row_header in columns else 0
    table_file, table_keys, compacted = compact([[c["source"] for c in row] for row in rows])
    for row, row_sources in zip(rows, compacted, strict=True):
        for cell, source in zip(row, row_sources, strict=True):
            cell["source"] = source
    return {
        "file": table_file,
        "key_columns": table_keys,
        "caption": caption,
        "headers": [labels.get(c, c.replace("_", " ")) for c in columns],
        "rows": rows,
        "row_header": header_index,
        "note": note,
    }


def figure_view(
    name: str, png: bytes, meta: Mapping[str, str], *, synthetic: bool
) -> dict[str, str]:
    """A figure inlined as a PNG data URI, with alt text and caption.

    On synthetic data the caption says so once: the figure's own caption
    record carries the figures' note; the report's note is added only to a
    caption that lacks one.
    """
    alt = str(meta["alt"]).strip()
    caption = str(meta["caption"]).strip()
    if synthetic and "synthetic" not in caption.lower():
        caption = f"{caption} {SYNTHETIC_NOTE}"
    return {
        "name": name,
        "title": FIGURE_TITLES.get(name, name.replace("_", " ")),
        "alt": alt,
        "caption": caption,
        "src": "data:image/png;base64," + base64.b64encode(report_png(png)).decode("ascii"),
    }


#: colours of the report's inlined figures (flat charts with anti-aliased text)
REPORT_PNG_COLOURS = 32


def report_png(png: bytes) -> bytes:
    """A figure's PNG as the report inlines it: a 32-colour palette, no dithering.

    The figures are flat colours plus anti-aliased edges, so a median-cut
    palette (Pillow's ``quantize``) keeps them as they look while the file
    shrinks about threefold; deterministic for the same input bytes. The
    figure files themselves stay full-colour.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        palette = image.convert("RGB").quantize(
            colors=REPORT_PNG_COLOURS,
            method=Image.Quantize.MEDIANCUT,
            dither=Image.Dither.NONE,
        )
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def target_views(
    targets: Mapping[str, Any], countries: Sequence[str], targets_file: str = "config/targets.yaml"
) -> list[dict]:
    """Per country: the targets' source, the `illustrative` label if present, the shares
    (each with its key in the targets file)."""
    views = []
    for country in countries:
        block = targets.get(country) or {}
        shares = []
        for variable, values in block.items():
            if variable in ("source", "illustrative") or not isinstance(values, Mapping):
                continue
            if variable == "joint":
                continue
            for category, share in values.items():
                key = key_source(targets_file, country, variable, category)
                labels = key_source(targets_file, country, variable)
                shares.append({"variable": str(variable), "category": str(category),
                               "share": format_cell(share, 3), "key": key,
                               "labels": labels})  # fmt: skip
        views.append(
            {
                "country": country,
                "source": str(block.get("source", "not given")),
                "source_key": key_source(targets_file, country, "source"),
                "illustrative": str(block["illustrative"]) if "illustrative" in block else "",
                "illustrative_key": key_source(targets_file, country, "illustrative"),
                "shares": shares,
            }
        )
    return views


def make_environment() -> jinja2.Environment:
    """Autoescaping, StrictUndefined, no clock or random globals; the ``traced``
    filter (:func:`~socialwork_ict.report.trace.traced_html`) and ``src``
    (:func:`~socialwork_ict.report.trace.span`) mark numbers with their source."""
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["traced"] = traced_html
    environment.filters["src"] = span
    return environment


def render_report(template: str, context: Mapping[str, Any]) -> str:
    """Render ``template`` (the template's text) with ``context``; one HTML string."""
    return make_environment().from_string(template).render(**context)
