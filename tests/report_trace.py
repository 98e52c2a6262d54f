"""Trace every number of a rendered report to its source (tests' helper).

What counts as a number: a token of the visible text of ``<main>`` matching
:data:`NUMBER` (digits with an optional decimal part, thousands groups and
exponent; a leading minus unless it is a hyphen) that is not glued to a
letter, ``§`` or ``.`` (``under-30s``, ``age_per_10y``, ``§1b``, ``9.27.1``
are not numbers), outside

- :data:`SKIPPED_ELEMENTS`: ``<code>`` (file names, digests, the commit,
  versions), column headers (``<thead>``), captions, headings and the
  contents list, which name things;
- :data:`NAMES`: labels that contain digits but name a category or term
  (the age groups ``<30`` ... ``60+`` of ``socialwork_ict.codes``, ``threshold
  1|2``, ``ict_freq>=4``, "95 % CI", "Table 2") and the one literature
  reference of the fixed prose.

A number is traced when its nearest element with ``data-source`` resolves
(see ``socialwork_ict.report.trace`` for the forms) to a value that matches
it: a number rounded to the token's decimals (``< 0.001`` means the value is
below 0.001), a key of a mapping (a category label of the targets file),
several numbers for ``a; b`` in order, or a text (a config or
caption string, a table's text cell) that equals, contains or is contained
in the element's text.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import yaml

from socialwork_ict.codebook import load_codebook
from socialwork_ict.codes import AGE_GROUPS
from socialwork_ict.report.dictionary import data_dictionary
from socialwork_ict.report.trace import expand

NUMBER = re.compile(
    r"(?<![\w§.])(?:(?<![\w-])-)?\d+(?:[\u2009,]\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.]*\w)"
)
SKIPPED_ELEMENTS = {"code", "thead", "caption", "h1", "h2", "h3", "h4", "nav", "style", "title"}
NAMES = re.compile(
    "|".join(
        [
            *(re.escape(g) for g in sorted(AGE_GROUPS, key=len, reverse=True)),
            r"threshold \d+\|\d+",
            r"ict_freq ?[<>=]+ ?\d+",
            r"95 % (?:CI|interval|logit|confidence)",
            r"Table \d",
            r"Little & Rubin 2019, ch\. 3",
        ]
    )
)
VOID = {"br", "img", "meta", "input", "link", "hr", "wbr"}


@dataclass
class Element:
    tag: str
    source: str | None
    parent: Element | None
    texts: list[str] = field(default_factory=list)
    table: tuple[str, str] | None = None

    def full_source(self) -> str:
        """The source, a compact table cell (``#values:column``) expanded with its table's."""
        node = self
        while node is not None and node.table is None:
            node = node.parent
        return expand(self.source, *node.table) if node is not None else self.source

    def traced_by(self) -> Element | None:
        node = self
        while node is not None and node.source is None:
            node = node.parent
        return node

    def skipped(self) -> bool:
        node = self
        while node is not None:
            if node.tag in SKIPPED_ELEMENTS:
                return True
            node = node.parent
        return False


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("root", None, None)
        self.node = self.root
        self.in_main = False
        self.pieces: list[tuple[Element, str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
        if tag in VOID:
            return
        attrs = dict(attrs)
        element = Element(tag, attrs.get("data-source"), self.node)
        if "data-table" in attrs:
            element.table = (attrs["data-table"], attrs.get("data-keys", ""))
        self.node = element

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        node = self.node
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.node = node.parent
        if tag == "main":
            self.in_main = False

    def handle_data(self, data):
        if self.in_main:
            self.pieces.append((self.node, data))
            node = self.node
            while node is not None:  # every ancestor's full text
                node.texts.append(data)
                node = node.parent


def numbers(text: str) -> list[str]:
    """The number tokens of ``text`` (names blanked first)."""
    return NUMBER.findall(NAMES.sub(" ", text))


class Resolver:
    """Values of source strings in a project folder (tables, JSON, YAML, config)."""

    def __init__(self, project: Path, config_overrides: Sequence[Mapping] = ()):
        self.project = Path(project)
        self._tables: dict[str, pd.DataFrame] = {}
        self.config = yaml.safe_load((self.project / "config/config.yaml").read_text())
        for override in config_overrides:  # --configfile / --config, merged as Snakemake does
            self.config = _merged(self.config, override)

    def file(self, path: str) -> Path:
        """A source's file: in the project, or the configured file (``targets``,
        ``codebook``) the report names by its file name because it lies outside."""
        inside = self.project / path
        if inside.exists() or "/" in path:
            return inside
        for key in ("targets", "codebook"):
            configured = self.config.get(key)
            if configured and Path(configured).name == path:
                return Path(configured)
        return inside

    def table(self, path: str) -> pd.DataFrame:
        if path not in self._tables:
            if path.endswith((".yaml", ".yml")):  # the data dictionary of a codebook
                frame = data_dictionary(load_codebook(self.file(path))).astype(str)
            else:
                frame = pd.read_csv(self.file(path), dtype=str, keep_default_na=False)
            self._tables[path] = frame
        return self._tables[path]

    def _rows(self, path: str, keys: str) -> pd.DataFrame:
        frame = self.table(path)
        mask = pd.Series(True, index=frame.index)
        for item in re.split(r",(?=[\w ]+=)", keys) if keys else []:
            key, value = item.split("=", 1)
            if "*" in value:  # a glob (count sources of a per-country report)
                mask &= frame[key].map(lambda v, pattern=value: fnmatch.fnmatchcase(v, pattern))
            else:
                mask &= frame[key] == value
        return frame[mask]

    def value(self, source: str):
        source = source.strip()
        if "{" in source:
            names = {}

            def number(match):
                names[f"v{len(names)}"] = float(self.value(match.group(1)))
                return f"v{len(names) - 1}"

            expression = re.sub(r"\{([^{}]*)\}", number, source)
            if not re.fullmatch(r"[v\d\s.+\-*/()]*", expression):
                raise ValueError(f"not arithmetic: {source}")
            return eval(expression, {"__builtins__": {}}, names)  # noqa: S307
        if "; " in source:
            return [self.value(part) for part in source.split("; ")]
        if source.startswith("count("):
            path, keys = source.removeprefix("count(").removesuffix(")").split("#", 1)
            return len(self._rows(path, keys))
        if source.startswith("config:"):
            return self._dotted(self.config, source.removeprefix("config:"))
        path, rest = source.split("#", 1)
        if path.endswith(".json"):
            return self._dotted(json.loads((self.file(path)).read_text()), rest)
        if path.endswith((".yaml", ".yml")) and ":" not in rest:
            return self._dotted(yaml.safe_load((self.file(path)).read_text()), rest)
        keys, column = rest.rsplit(":", 1)
        rows = self._rows(path, keys)
        if len(rows) != 1:
            raise KeyError(f"{len(rows)} rows for {source}")
        return rows[column].iloc[0]

    @staticmethod
    def _dotted(data, dotted: str):
        for part in dotted.split("."):
            data = data[int(part)] if isinstance(data, list) else data[part]
        return data


def _merged(base: Mapping, override: Mapping) -> dict:
    """``base`` updated by ``override`` key by key, nested mappings merged (Snakemake's
    ``update_config``)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def matches(token: str, value, text: str) -> bool:
    """Does the shown ``token`` (in the element's ``text``) show ``value``?"""
    number = _as_number(value)
    if number is None or math.isnan(number):
        return False
    shown = float(token.replace("\u2009", "").replace(",", ""))
    if text.lstrip().startswith("<") and text.lstrip("< ").startswith(token):
        return number < shown
    if "e" in token:
        return math.isclose(number, shown, rel_tol=1e-9)
    decimals = len(token.split(".", 1)[1]) if "." in token else 0
    return abs(number - shown) <= 0.5 * 10**-decimals + 1e-9 * max(1.0, abs(number))


def _normal(text: str) -> str:
    """Runs of ASCII white space as one space (the thin space of ``15 493`` is kept)."""
    return re.sub(r"[ \t\n\r\f\v]+", " ", str(text)).strip()


@dataclass
class TraceResult:
    numbers: int
    untraced: list[str]
    wrong: list[str]
    sources: list[str]

    @property
    def traced_share(self) -> float:
        return 1.0 - (len(self.untraced) + len(self.wrong)) / max(self.numbers, 1)


def trace_report(html: str, project: Path, config_overrides: Sequence[Mapping] = ()) -> TraceResult:
    """Every number of the report's visible text, traced or not (see the module docstring);
    ``config_overrides``: the run's ``--configfile`` contents, in order."""
    parser = _Parser()
    parser.feed(html)
    resolver = Resolver(project, config_overrides)
    total, untraced, wrong, sources = 0, [], [], []
    checked: dict[int, bool] = {}
    for node, data in parser.pieces:
        if node.skipped():
            continue
        found = numbers(data)
        if not found:
            continue
        total += len(found)
        owner = node.traced_by()
        if owner is None:
            untraced += [f"{token} in {_normal(data)[:80]!r}" for token in found]
            continue
        if id(owner) in checked:
            if not checked[id(owner)]:
                wrong += found
            continue
        text = _normal("".join(owner.texts))
        source = owner.full_source()
        ok, problem = _check(source, text, resolver)
        checked[id(owner)] = ok
        sources.append(source)
        if not ok:
            wrong.append(f"{text[:80]!r} <- {source}: {problem}")
    return TraceResult(total, untraced, wrong, sources)


def _check(source: str, text: str, resolver: Resolver) -> tuple[bool, str]:
    try:
        value = resolver.value(source)
    except (KeyError, ValueError, IndexError, FileNotFoundError, TypeError) as error:
        return False, f"unresolved ({error})"
    tokens = numbers(text)
    if isinstance(value, list):
        ok = len(tokens) == len(value) and all(
            matches(t, v, t) for t, v in zip(tokens, value, strict=True)
        )
        return ok, f"values {value}"
    if isinstance(value, dict):  # a category label: one of the mapping's keys
        return text in {_normal(k) for k in value}, f"keys {sorted(map(str, value))[:8]}"
    if _as_number(value) is not None:
        ok = len(tokens) == 1 and matches(tokens[0], value, text)
        return ok, f"value {value}"
    value = _normal(value)
    ok = bool(value) and (value in text or text in value)
    return ok, f"text {value[:80]!r}"
