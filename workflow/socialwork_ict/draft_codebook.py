"""Draft a codebook from what a survey export knows about itself.

Input: an :class:`Export` (every raw column's name, question text or SPSS
variable label, Qualtrics ImportId, SPSS value labels, user-missing values,
measurement level, and its distinct values with their counts), read by
:func:`read_export`; and the canonical items (the shipped default codebook's
``columns``: label, type, codes or range).

Output (:class:`Draft`): a codebook v2 (``docs/codebook-v2.md``) as YAML text
with a comment on every suggestion, and a review list (Markdown and CSV
rows) whose first section is the edits the analyst must make.

Method (deterministic; every number is written into the review):

* **Tokens.** Texts are lower-cased and split into words; stop words and
  words under two letters are dropped; a word is stemmed by dropping a plural
  ``s`` (``ies`` -> ``y``), then ``ing`` or ``ed``, then a final ``e``.
  An item's vocabulary is its name, its label and a short keyword list
  (:data:`KEYWORDS`). A word's weight is 1 / the number of items whose
  vocabulary holds it, so ``client`` (many items) counts less than ``email``.
* **Text score** of raw column *c* for item *k*: the mean of *precision* (the
  weight of *c*'s known words that *k*'s vocabulary holds, over the weight of
  all of *c*'s known words) and *recall* (the weight of *k*'s name and label
  words found in *c*, over their total). *c*'s words are its question text or
  variable label, its choice text and its name. A raw column named exactly
  like the item scores 1.
* **Value fit** (0-1): how many of the column's distinct values (or value
  labels) the item can read: codes or in-range numbers, labels that equal an
  item code's label or a listed synonym (:data:`CODE_SYNONYMS`), country
  names, missing labels ("Prefer not to say", "Don't know" except where it is
  a valid code, as for ``workplace_policy``), a checkbox's one ticked value.
* **Score** = 0.7 x text + 0.3 x fit. Pairs with text score >= 0.3 are
  assigned greedily, best score first (ties: item order, then column order),
  one raw column per item and one item per raw column. The contract's
  optional items (§1b, ``required: false``) choose after the required ones
  and only columns with a word no required item has; one not found is left
  out of the draft (the analyses that need it are skipped).
* **Confidence.** high: text >= 0.6, every value read, and the next best
  column for the item and the next best item for the column score at least
  0.15 lower; medium: text >= 0.45 and fit >= 0.5; low: otherwise.

Qualtrics metadata columns are never matched; the identifying ones (IP
address, location, recipient name and e-mail, external reference) are listed
as outside the analysis, and ``Status`` / ``Finished`` get a drafted row
filter.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from socialwork_ict.codebook import ExportFormat
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_raw_table

# ---------------------------------------------------------------------------
# What the export knows


@dataclass(frozen=True)
class RawColumn:
    """One column of the export and everything the export says about it."""

    name: str
    question: str = ""  # Qualtrics question text, or an SPSS variable label
    import_id: str = ""  # Qualtrics ImportId (QID7_1, QID7_TEXT, ...)
    value_labels: tuple[tuple[str, str], ...] = ()  # SPSS: (raw value as a cell, label)
    user_missing: tuple[str, ...] = ()  # SPSS user-missing values (as cells)
    missing_ranges: tuple[tuple[float, float], ...] = ()  # SPSS missing ranges (lo, hi)
    measure: str = ""  # SPSS measurement level (nominal, ordinal, scale)
    #: distinct non-empty trimmed cells with their counts (none kept beyond MAX_DISTINCT)
    values: tuple[tuple[str, int], ...] = ()
    n_empty: int = 0
    n_distinct: int = 0  # distinct non-empty cells
    n_filled: int = 0  # non-empty cells

    @property
    def distinct(self) -> list[str]:
        return [value for value, _ in self.values]

    def count(self, value: str) -> int:
        return dict(self.values).get(value, 0)


@dataclass(frozen=True)
class Export:
    """An export's columns in file order, and how it was recognised."""

    file: str  # the file's name (never its path)
    kind: str  # "qualtrics", "spss" or "table"
    n_rows: int
    columns: tuple[RawColumn, ...]
    mr_sets: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # SPSS (name, label, members)
    delimiter: str = ""  # a text file's delimiter, as sniffed from its header line
    #: codebook ``export`` options the file needed to be read (decimal, encoding)
    options: tuple[tuple[str, str], ...] = ()


IMPORT_ID_MARK = '{"ImportId"'
#: a column with more distinct values is no coded item (an id, a date, free text):
#: its values are not kept
MAX_DISTINCT = 200
DELIMITERS = (",", ";", "\t", "|")


def read_export(path: str | Path) -> Export:
    """Read an export's metadata and distinct values (CSV/TSV/TXT, .xlsx or .sav).

    A .sav is read with pyreadstat (metadata with user-missing values kept);
    any other file through :func:`socialwork_ict.ingest.read_raw_table`, plus
    its first three records for Qualtrics' question-text and ImportId rows.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("the input file does not exist", file=path.name)
    if path.suffix.lower() in (".sav", ".zsav"):
        return _read_sav_export(path)
    table, options = _read_table(path)
    duplicated = sorted({name for name in table.columns if list(table.columns).count(name) > 1})
    if duplicated:
        raise InputError("duplicated column names in the header", file=path.name, values=duplicated)
    xlsx = path.suffix.lower() == ".xlsx"
    header_rows = _xlsx_header_records(path) if xlsx else _header_records(path)
    rows = {name: table[name] for name in table.columns}
    return export_from_rows(
        path.name,
        list(table.columns),
        rows,
        header_rows,
        delimiter="" if xlsx else _sniff_delimiter(_head_text(path)),
        options=options,
    )


#: ``export`` options tried, in order, when an export cannot be read with the defaults:
#: decimal commas (a European Excel re-save), then Windows-1252 text (Excel's "CSV")
RETRIED_OPTIONS = ({"decimal": ","}, {"encoding": "cp1252"}, {"encoding": "cp1252", "decimal": ","})


def _read_table(path: Path):
    """The export as read by ingest, and the ``export`` options that needed.

    With the defaults first; if ingest refuses the file, each of
    :data:`RETRIED_OPTIONS` in turn (cp1252 only for text that is neither UTF-8
    nor binary); if none reads it, ingest's first error stands.
    """
    try:
        return read_raw_table(path), ()
    except InputError as error:
        first = error
    head = path.read_bytes()
    eight_bit = b"\x00" not in head[:4096] and not _is_utf8(head)
    for options in RETRIED_OPTIONS:
        if "encoding" in options and not eight_bit:
            continue
        try:
            return read_raw_table(path, ExportFormat(**options)), tuple(options.items())
        except InputError:
            continue
    raise first


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _xlsx_header_records(path: Path) -> list[list[str]]:
    """The first three rows of a workbook's first sheet (Qualtrics' Excel export keeps
    its question-text and ImportId rows there); none if openpyxl is not installed."""
    try:
        from openpyxl import load_workbook
    except ImportError:
        return []
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (read_raw_table has already named an unreadable file)
        return []
    try:
        rows = book.worksheets[0].iter_rows(min_row=1, max_row=3, values_only=True)
        return [["" if cell is None else _cell(cell) for cell in row] for row in rows]
    finally:
        book.close()


def _head_text(path: Path) -> str:
    """The first MiB of a text file, decoded (UTF-16 by its byte-order mark, else UTF-8;
    undecodable bytes replaced: only the header's names and delimiters matter here)."""
    data = path.read_bytes()[: 1 << 20]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        text = data.decode("utf-8-sig", errors="replace")
    return text.lstrip("\ufeff")


def _sniff_delimiter(text: str) -> str:
    """The most frequent of ``,`` ``;`` tab ``|`` in the header line (ties: comma)."""
    first_line = text.split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


def _header_records(path: Path) -> list[list[str]]:
    """The first three records of a delimited text file (header, question text, ImportId)."""
    text = _head_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    records = []
    try:
        for row in reader:
            if row:
                records.append(row)
            if len(records) == 3:
                break
    except csv.Error:  # a record cut at 1 MiB: the rows before it are enough
        pass
    return records


def export_from_rows(
    file: str,
    names: list[str],
    rows: dict[str, list[str]],
    header_rows: list[list[str]],
    *,
    delimiter: str = "",
    options: tuple[tuple[str, str], ...] = (),
) -> Export:
    """An :class:`Export` from a text table and its first records (pure).

    ``header_rows`` are the file's first records as written; if the second or
    third holds ImportIds, the second is Qualtrics' question-text row.
    ``options`` are the codebook ``export`` options the file was read with.
    """
    questions: dict[str, str] = {}
    import_ids: dict[str, str] = {}
    kind = "table"
    if len(header_rows) >= 2:
        position = next(
            (
                p
                for p in (2, 1)
                if len(header_rows) > p
                and any(c.strip().startswith(IMPORT_ID_MARK) for c in header_rows[p])
            ),
            None,
        )
        if position is not None:
            kind = "qualtrics"
            header = [h.strip().lstrip("\ufeff") for h in header_rows[0]]
            for index, cell in enumerate(header_rows[position]):
                if index < len(header):
                    import_ids[header[index]] = _import_id(cell)
            if position == 2:
                for index, cell in enumerate(header_rows[1]):
                    if index < len(header):
                        questions[header[index]] = " ".join(cell.split())
    if kind == "table" and sum(name in QUALTRICS_METADATA for name in names) >= 3:
        kind = "qualtrics"
    columns = []
    for name in names:
        columns.append(
            RawColumn(
                name=name,
                question=questions.get(name, ""),
                import_id=import_ids.get(name, ""),
                **_counts(rows[name]),
            )
        )
    n_rows = len(next(iter(rows.values()))) if rows else 0
    return Export(
        file=file,
        kind=kind,
        n_rows=n_rows,
        columns=tuple(columns),
        delimiter=delimiter,
        options=tuple(options),
    )


def _counts(cells) -> dict:
    """:class:`RawColumn`'s counts of a column's cells: distinct non-empty trimmed values
    with their counts (numbers first; only up to MAX_DISTINCT of them), and totals."""
    import pandas as pd

    text = cells if isinstance(cells, pd.Series) else pd.Series(list(cells), dtype=object)
    text = text.astype(str).str.strip()
    empty = text == ""
    counts = text[~empty].value_counts(sort=False)
    pairs = ((str(value), int(count)) for value, count in counts.items())
    return {
        "values": tuple(sorted(pairs, key=_value_order)) if len(counts) <= MAX_DISTINCT else (),
        "n_empty": int(empty.sum()),
        "n_distinct": len(counts),
        "n_filled": int((~empty).sum()),
    }


def _import_id(cell: str) -> str:
    try:
        data = json.loads(cell)
    except ValueError:
        return cell.strip()
    if not isinstance(data, dict):
        return cell.strip()
    import_id = str(data.get("ImportId", ""))
    if "choiceId" in data:  # a checkbox choice: {"ImportId":"QID9","choiceId":"1"}
        return f"{import_id}_{data['choiceId']}"
    return import_id


def _read_sav_export(path: Path) -> Export:
    import pyreadstat  # only .sav inputs need it

    try:
        frame, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
    except Exception as error:  # pyreadstat raises its own ReadstatError / PyreadstatError
        raise InputError(
            f"not a readable SPSS .sav file ({type(error).__name__}: {error})", file=path.name
        ) from None
    if frame.empty:
        raise InputError("the file has no data rows", file=path.name)
    return export_from_sav(path.name, frame, meta)


def export_from_sav(file: str, frame, meta) -> Export:
    """An :class:`Export` from pyreadstat's data frame and metadata (pure)."""
    columns = []
    for name in frame.columns:
        cells = [_cell(value) for value in frame[name].tolist()]
        labels = (meta.variable_value_labels or {}).get(name, {})
        ranges = (meta.missing_ranges or {}).get(name, [])
        discrete = tuple(
            sorted(
                {_cell(r["lo"]) for r in ranges if r["lo"] == r["hi"]},
                key=lambda v: _value_order((v, 0)),
            )
        )
        columns.append(
            RawColumn(
                name=name,
                question=" ".join(str((meta.column_names_to_labels or {}).get(name) or "").split()),
                value_labels=tuple(
                    sorted(
                        ((_cell(k), str(v)) for k, v in labels.items()),
                        key=lambda kv: _value_order((kv[0], 0)),
                    )
                ),
                user_missing=discrete,
                missing_ranges=tuple(
                    sorted((float(r["lo"]), float(r["hi"])) for r in ranges if r["lo"] != r["hi"])
                ),
                measure=str((meta.variable_measure or {}).get(name, "") or ""),
                **_counts(cells),
            )
        )
    mr_sets = []
    for set_name, spec in sorted((getattr(meta, "mr_sets", None) or {}).items()):
        members = tuple(str(m) for m in spec.get("variable_list", []))
        label = str(spec.get("label", "") or "")
        mr_sets.append((str(set_name), label, members))
        for i, column in enumerate(columns):  # a member's label is its choice: "<set> - <choice>"
            if column.name in members and label and " - " not in column.question:
                question = f"{label} - {column.question or column.name}"
                columns[i] = dataclasses.replace(column, question=question)
    return Export(
        file=file, kind="spss", n_rows=len(frame), columns=tuple(columns), mr_sets=tuple(mr_sets)
    )


def _cell(value) -> str:
    """A cell as the pipeline reads it: whole numbers without ``.0``, NaN empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value == int(value):
            return str(int(value))
    return str(value).strip()


def _value_order(item: tuple[str, int]) -> tuple:
    """Numbers first in numeric order, then text in code-point order."""
    number = _number(item[0])
    return (0, number, item[0]) if number is not None else (1, 0.0, item[0])


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------
# What the canonical items are


@dataclass(frozen=True)
class Item:
    """A canonical column as the shipped default codebook describes it."""

    name: str
    type: str
    label: str
    codes: dict[int, str] = field(default_factory=dict)
    range: tuple[int, int] | None = None
    extra: dict = field(default_factory=dict)  # required, asked_if: copied into the draft


def canonical_items(columns: dict) -> list[Item]:
    """The canonical items from a codebook's ``columns`` mapping (the shipped default)."""
    items = []
    for name, spec in columns.items():
        rng = spec.get("range")
        items.append(
            Item(
                name=str(name),
                type=str(spec["type"]),
                label=str(spec.get("label", name)),
                codes={int(k): str(v) for k, v in (spec.get("codes") or {}).items()},
                range=(int(rng[0]), int(rng[1])) if rng else None,
                extra={k: spec[k] for k in ("required", "asked_if") if k in spec},
            )
        )
    return items


#: the contract's optional items (data contract §1b): label and skip logic; codes from
#: :data:`socialwork_ict.codes.CONTRACT_CODES`
OPTIONAL_ITEMS = {
    "contact_initiator": (
        "Who initiated the informal ICT contact (asked of users)",
        {"column": "ict_freq", "min": 2},
    ),
    "search_inappropriate": (
        "Considers searching online for information about a client inappropriate",
        None,
    ),
    "psychotherapy": ("Provides psychotherapy or counselling", None),
    "field_of_practice": ("Field of practice", None),
    "client_children": ("Works with children", None),
    "client_adolescents": ("Works with adolescents", None),
    "client_adults": ("Works with adults", None),
    "client_older_adults": ("Works with older adults", None),
    "client_families": ("Works with families", None),
}


def optional_items(items: list[Item]) -> list[Item]:
    """The §1b items the given items lack, each ``required: false``."""
    from socialwork_ict.codes import CONTRACT_CODES

    have = {item.name for item in items}
    out = []
    for name, (label, asked_if) in OPTIONAL_ITEMS.items():
        if name in have or name not in CONTRACT_CODES:
            continue
        extra = {"required": False, **({"asked_if": asked_if} if asked_if else {})}
        out.append(Item(name, "int", label, dict(CONTRACT_CODES[name]), None, extra))
    return out


#: extra words per item, besides its name and label (matched like them)
KEYWORDS = {
    "respondent_id": "respondent identifier participant panel pid",
    "country": "country nation live located practise",
    "consent": "consent agree participate take part",
    "direct_client_contact": "direct directly client contact",
    "age": "age old born",
    "gender": "gender sex identify",
    "years_practice": "years many practising practicing practiced experience social work",
    "sector": "sector employer organisation organization public profit private setting",
    "ict_freq": "often frequency informal ict email text social media video face",
    "ict_email": "email mail",
    "ict_text": "text sms message messaging",
    "ict_social_media": "social media facebook instagram",
    "ict_video": "video zoom skype videoconference",
    "contact_after_hours": "outside hours after evening weekend",
    "searched_client_online": "searched online information google",
    "client_searched_worker": "searched online worker you",
    "friend_request": "friend request personal account",
    "discussed_supervisor": "discussed supervisor supervision",
    "discussed_colleagues": "discussed colleagues peers coworkers",
    "workplace_policy": "workplace policy organisation organization",
    "contact_initiator": "initiated initiate started first contact",
    "search_inappropriate": "inappropriate appropriate acceptable ethical",
    "psychotherapy": "psychotherapy counselling counseling therapy",
    "field_of_practice": "field area",
    "client_children": "children child",
    "client_adolescents": "adolescents youth teenagers",
    "client_adults": "adults",
    "client_older_adults": "older elderly seniors",
    "client_families": "families family",
}

#: other wordings of code labels (compared like labels: case- and space-insensitive)
CODE_SYNONYMS = {
    "consent": {1: ["i agree", "agree", "i consent"], 0: ["i do not agree", "disagree"]},
    "gender": {
        1: ["female", "woman", "women"],
        2: ["male", "man", "men"],
        3: [
            "non-binary",
            "nonbinary",
            "non binary",
            "non-binary or another gender",
            "non-binary / third gender",
            "non-binary/third gender",
            "another gender",
            "other",
            "genderqueer",
            "third gender",
        ],
    },
    "sector": {
        2: ["non profit", "nonprofit", "not-for-profit", "not for profit", "voluntary"],
        3: ["private", "private practice"],
    },
    "workplace_policy": {3: ["i don't know", "dont know", "do not know", "not sure", "unsure"]},
}
YES_WORDS = ["yes", "true", "checked", "ticked", "selected"]
NO_WORDS = ["no", "false", "unchecked", "not checked", "not selected"]

#: labels that mean "no answer" (a code with such a label becomes missing)
MISSING_LABEL = re.compile(
    r"prefer not|rather not|decline|refus|don'?t know|do not know|not sure|unsure|"
    r"no answer|not applicable|^n/?a$|skipped|not answered|missing|unknown",
    re.IGNORECASE,
)

COUNTRY_NAMES = {
    "CA": ["ca", "can", "canada"],
    "US": ["us", "usa", "u.s.", "u.s.a.", "united states", "united states of america", "america"],
    "IL": ["il", "isr", "israel"],
    "UK": [
        "uk",
        "gb",
        "gbr",
        "u.k.",
        "united kingdom",
        "great britain",
        "britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
        "united kingdom of great britain and northern ireland",
    ],
}

#: Qualtrics' metadata columns: never matched to an item
QUALTRICS_METADATA = (
    "StartDate",
    "EndDate",
    "Status",
    "IPAddress",
    "Progress",
    "Duration (in seconds)",
    "Finished",
    "RecordedDate",
    "ResponseId",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "ExternalDataReference",
    "LocationLatitude",
    "LocationLongitude",
    "DistributionChannel",
    "UserLanguage",
)
#: of which identify a person or a place: listed as such in the review
IDENTIFYING = (
    "IPAddress",
    "RecipientLastName",
    "RecipientFirstName",
    "RecipientEmail",
    "ExternalReference",
    "ExternalDataReference",
    "LocationLatitude",
    "LocationLongitude",
)
#: drafted row filters: raw column -> (values kept, reason)
QUALTRICS_FILTERS = {
    "Status": (["0", "IP Address"], "Qualtrics preview or spam response (Status)"),
    "Finished": (["1", "True"], "unfinished response (Finished)"),
}

STOP_WORDS = frozenset(
    "a an and any are as at be been by can did do does done during for from had has have "
    "how i if in into is it its me my of on or our please select that the their them these "
    "this those to was we were what when where which who whom will with would your all apply "
    "following past months month ever currently last".split()
)

#: why a retried ``export`` option (:data:`RETRIED_OPTIONS`) is in the draft
OPTION_REASONS = {
    "decimal": "the file has decimal commas (a European Excel re-save)",
    "encoding": "the file is not UTF-8; read as Windows-1252 (Excel's 'CSV' on Windows): "
    "check that accented text reads right in the preview",
}

#: the contract's checkbox questions: one yes/no item per choice
CHECKBOX_ITEMS = {
    "ict_channels": ("ict_email", "ict_text", "ict_social_media", "ict_video"),
    "client_populations": (
        "client_children",
        "client_adolescents",
        "client_adults",
        "client_older_adults",
        "client_families",
    ),
}
JOINED_SEPARATOR = ","

TEXT_MIN = 0.3
HIGH_TEXT = 0.6
MEDIUM_TEXT = 0.45
MARGIN = 0.15


def stem(word: str) -> str:
    """The light stemmer of the module docstring."""
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 4:
        word = word[:-2]
    if word.endswith("e") and len(word) >= 3:
        word = word[:-1]
    return word


def tokens(text: str) -> set[str]:
    words = re.split(r"[^a-z0-9]+", text.lower().replace("'", ""))
    return {stem(w) for w in words if len(w) >= 2 and not w.isdigit() and w not in STOP_WORDS}


def normalise(text: str) -> str:
    """Case- and space-insensitive form of a label."""
    return " ".join(str(text).casefold().replace("\u2019", "'").split())


# ---------------------------------------------------------------------------
# Value fit: what the item can read of a column's values


@dataclass(frozen=True)
class ValueFit:
    fit: float
    recode: tuple[tuple[str, object], ...] = ()  # raw value -> canonical code (int or text)
    missing: tuple[object, ...] = ()  # this column's own missing values (ints, then texts)
    unread: tuple[str, ...] = ()  # values the item cannot read (each an edit)
    source: str = ""
    notes: tuple[str, ...] = ()


def _label_code(item: Item, label: str) -> int | None:
    text = normalise(label)
    for code, code_label in item.codes.items():
        if text == normalise(code_label):
            return code
    for code, synonyms in CODE_SYNONYMS.get(item.name, {}).items():
        if text in synonyms:
            return code
    if set(item.codes) == {0, 1}:
        if text in YES_WORDS:
            return 1
        if text in NO_WORDS:
            return 0
    return None


def _country_code(value: str) -> str | None:
    text = normalise(value)
    for code, names in COUNTRY_NAMES.items():
        if text in names:
            return code
    return None


def value_fit(item: Item, column: RawColumn, missing_codes: tuple[int, ...]) -> ValueFit:
    """How ``item`` reads ``column``'s values: recode, missing values and what is left."""
    globals_ = {str(code) for code in missing_codes}
    if item.name == "respondent_id":
        unique = column.n_distinct / column.n_filled if column.n_filled else 0.0
        # repeated submissions are cleaning's business: mostly unique is an id
        return ValueFit(fit=1.0 if unique >= 0.9 else unique, source="distinct values")
    if column.n_distinct > MAX_DISTINCT:
        return ValueFit(fit=0.0, source=f"{column.n_distinct} distinct values")
    if item.name == "country":
        return _country_fit(column, globals_)
    if column.value_labels:
        return _labelled_fit(item, column, globals_)
    texts = [v for v in column.distinct if _number(v) is None]
    if texts and item.codes:
        return _choice_text_fit(item, column, globals_)
    return _numeric_fit(item, column, globals_)


def _country_fit(column: RawColumn, globals_: set[str]) -> ValueFit:
    recode, unread, notes = [], [], []
    labels = dict(column.value_labels)
    present = [v for v in column.distinct if v not in globals_]
    for value in sorted(set(present) | set(labels), key=lambda v: _value_order((v, 0))):
        if value in column.user_missing:
            continue
        code = _country_code(labels.get(value, value))
        if code is None:
            unread.append(value)
        elif value != code:
            recode.append((value, code))
    seen = [v for v in present if v not in column.user_missing]
    fit = 1 - sum(v in unread for v in seen) / len(seen) if seen else 0.0
    source = "value labels" if labels else "distinct values"
    if unread and not labels and all(_number(v) is not None for v in unread):
        notes.append("numeric country codes without value labels")
    missing = _ordered_missing([*column.user_missing, *(globals_ if column.user_missing else [])])
    return ValueFit(
        fit=fit,
        recode=tuple(recode),
        missing=missing,
        unread=tuple(unread),
        source=source,
        notes=tuple(notes),
    )


def _labelled_fit(item: Item, column: RawColumn, globals_: set[str]) -> ValueFit:
    """SPSS value labels -> recode (where the code differs) and missing codes."""
    recode, missing, unread = [], list(column.user_missing), []
    labelled = dict(column.value_labels)
    for value, label in column.value_labels:
        if value in column.user_missing or value in globals_:
            continue
        code = _label_code(item, label) if item.codes else None
        if code is not None:
            if value != str(code):
                recode.append((value, code))
        elif MISSING_LABEL.search(normalise(label)):
            missing.append(value)
        elif item.codes or not _in_range(item, value):
            unread.append(value)
    for value in column.distinct:  # values without a label must be codes or in range
        if value in labelled or value in globals_ or value in column.user_missing:
            continue
        if item.codes and _number(value) in item.codes and not _taken(value, recode):
            continue
        if not item.codes and _in_range(item, value):
            continue
        if _in_missing_range(column, value):
            continue
        unread.append(value)
    seen = [v for v in column.distinct if v not in globals_]
    read = [v for v in seen if v not in unread]
    fit = len(read) / len(seen) if seen else (1.0 if not unread else 0.0)
    if missing:
        missing += [g for g in globals_]
    return ValueFit(
        fit=fit,
        recode=tuple(recode),
        missing=_ordered_missing(missing),
        unread=tuple(dict.fromkeys(unread)),
        source="value labels",
    )


def _taken(value: str, recode: list) -> bool:
    """A code that another label is recoded to cannot also stand for itself."""
    return any(str(code) == value for _, code in recode)


def _choice_text_fit(item: Item, column: RawColumn, globals_: set[str]) -> ValueFit:
    """A choice-text export: each distinct label -> its code, or missing."""
    recode, missing, unread = [], [], []
    for value in column.distinct:
        if value in globals_:
            continue
        code = _label_code(item, value)
        if code is not None:
            recode.append((value, code))
        elif _number(value) in item.codes:
            continue
        elif MISSING_LABEL.search(normalise(value)):
            missing.append(value)
        else:
            unread.append(value)
    seen = [v for v in column.distinct if v not in globals_]
    fit = 1 - len(unread) / len(seen) if seen else 0.0
    if missing:
        missing += list(globals_)
    return ValueFit(
        fit=fit,
        recode=tuple(recode),
        missing=_ordered_missing(missing),
        unread=tuple(unread),
        source="distinct answer texts",
    )


def _numeric_fit(item: Item, column: RawColumn, globals_: set[str]) -> ValueFit:
    """Numbers without labels: codes or in-range values; Qualtrics' 1 = Yes, 2 = No."""
    own_missing = [
        v
        for v in column.distinct
        if v in column.user_missing
        or _in_missing_range(column, v)
        or (_number(v) is None and MISSING_LABEL.search(normalise(v)))
    ]
    own_missing += list(column.user_missing)
    seen = [v for v in column.distinct if v not in globals_ and v not in own_missing]
    if not seen:
        return ValueFit(fit=0.0, source="no values")
    numbers = {v: _number(v) for v in seen}
    if set(item.codes) == {0, 1} and set(numbers.values()) == {1.0, 2.0}:
        return ValueFit(
            fit=1.0,
            recode=(("2", 0),),
            source="distinct values",
            notes=("values 1 and 2 read as Qualtrics' default 1 = Yes, 2 = No",),
        )
    if item.codes:
        unread = [v for v, n in numbers.items() if n not in item.codes]
    else:
        unread = [v for v in seen if not _in_range(item, v)]
    fit = 1 - len(unread) / len(seen)
    if item.range and column.measure == "nominal":
        fit /= 2  # SPSS says the numbers are categories, not a quantity
    return ValueFit(
        fit=fit,
        missing=_ordered_missing([*own_missing, *globals_]) if own_missing else (),
        unread=tuple(unread),
        source="distinct values",
        notes=("no value labels in the export: codes taken as the contract's",)
        if item.codes and len(item.codes) > 2 and not unread
        else (),
    )


def _in_range(item: Item, value: str) -> bool:
    number = _number(value)
    return (
        item.range is not None
        and number is not None
        and number == round(number)
        and item.range[0] <= number <= item.range[1]
    )


def _in_missing_range(column: RawColumn, value: str) -> bool:
    number = _number(value)
    return number is not None and any(lo <= number <= hi for lo, hi in column.missing_ranges)


def _ordered_missing(values) -> tuple[object, ...]:
    """Missing values for YAML: numbers as ints (sorted), then texts (sorted)."""
    numbers = sorted({int(n) for v in values if (n := _number(str(v))) is not None and n == int(n)})
    texts = sorted({str(v) for v in values if _number(str(v)) is None})
    return (*numbers, *texts)


# ---------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class Suggestion:
    """The draft's answer for one canonical item."""

    item: Item
    raw: str | None  # None: not matched
    confidence: str  # high | medium | low | none
    text_score: float = 0.0
    joined: str = ""  # the joined multi_select group that reads this item (raw is then None)

    @property
    def absent_optional(self) -> bool:
        """An optional item (``required: false``) the export does not have: left out."""
        return self.raw is None and not self.joined and self.item.extra.get("required") is False

    fit: ValueFit = field(default_factory=lambda: ValueFit(fit=0.0))
    source: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Edit:
    """One change the analyst must make to the draft before it can be used."""

    column: str
    what: str


@dataclass(frozen=True)
class MultiSelect:
    name: str
    members: tuple[str, ...]  # canonical items, in item order
    raws: tuple[str, ...]
    unticked: str  # "blank" or "0"
    seen_unanswered: tuple[int, ...]
    none_ticked: str  # "missing" or "no" (unticked blank only)
    source: str
    form: str = "split"
    raw: str = ""  # joined: the one raw column
    choices: tuple[tuple[str, str], ...] = ()  # joined: token -> member ("?": unknown)


@dataclass(frozen=True)
class Draft:
    export: Export
    suggestions: tuple[Suggestion, ...]  # item order
    multi_select: tuple[MultiSelect, ...]
    filters: tuple[tuple[str, tuple[str, ...], str, int], ...]  # raw, keep, reason, n dropped
    outside: tuple[tuple[str, str], ...]  # (raw column, why it is outside the analysis)
    edits: tuple[Edit, ...]
    checks: tuple[Edit, ...]  # suggestions to check (medium / low confidence)
    missing_codes: tuple[int, ...]


def _vocabulary(item: Item) -> tuple[set[str], set[str]]:
    """(all words of the item, its name and label words)."""
    core = tokens(item.name.replace("_", " ")) | tokens(item.label)
    return core | tokens(KEYWORDS.get(item.name, "")), core


def _column_words(column: RawColumn) -> set[str]:
    return tokens(column.question) | tokens(column.name.replace("_", " "))


def _weights(items: list[Item]) -> dict[str, float]:
    document_frequency: Counter[str] = Counter()
    for item in items:
        document_frequency.update(_vocabulary(item)[0])
    return {word: 1 / n for word, n in document_frequency.items()}


def text_score(item: Item, column: RawColumn, weights: dict[str, float]) -> float:
    """Mean of weighted precision and recall (module docstring); 1 for the item's own name."""
    if column.name.strip().casefold() == item.name:
        return 1.0
    words = {w for w in _column_words(column) if w in weights}
    if not words:
        return 0.0
    vocabulary, core = _vocabulary(item)
    shared = words & vocabulary
    precision = sum(weights[w] for w in shared) / sum(weights[w] for w in words)
    recall = sum(weights[w] for w in shared & core) / sum(weights[w] for w in core)
    return round((precision + recall) / 2, 4)


def _own_word(item: Item, column: RawColumn, required_words: set[str]) -> bool:
    """Whether the column's text has a word of the item that no required item has."""
    return bool((_column_words(column) & _vocabulary(item)[0]) - required_words)


def choice_score(item: Item, column: RawColumn, weights: dict[str, float]) -> float:
    """A checkbox choice's text ("... - E-mail") alone: the precision part of the text score."""
    choice = column.question.rsplit(" - ", 1)[-1] if " - " in column.question else ""
    words = {w for w in tokens(choice) if w in weights}
    if not words:
        return 0.0
    shared = words & _vocabulary(item)[0]
    return round(sum(weights[w] for w in shared) / sum(weights[w] for w in words), 4)


def _checkbox_groups(export: Export, globals_: set[str]) -> dict[str, tuple[tuple[str, ...], str]]:
    """Checkbox questions -> (raw columns, how they were found).

    Qualtrics ImportIds QIDn_k (or QIDn with a choiceId), SPSS multiple-response
    sets, and two or more columns whose question text is one stem plus
    `` - <choice>`` and that each hold at most one ticked value (Qualtrics'
    .sav export, a CSV without its ImportId row).
    """
    by_id: dict[str, list[str]] = {}
    by_stem: dict[str, list[str]] = {}
    in_sets = {name for _set, _label, members in export.mr_sets for name in members}
    for column in export.columns:
        match = re.fullmatch(r"(QID\d+)_(\d+)", column.import_id)
        if column.name in in_sets:
            continue
        if match:
            by_id.setdefault(match.group(1), []).append(column.name)
        elif " - " in column.question and _checkbox_fit(column, globals_).fit == 1.0:
            by_stem.setdefault(column.question.rsplit(" - ", 1)[0], []).append(column.name)
    found = {
        qid: (tuple(names), f"Qualtrics ImportId {qid} with a choice per column")
        for qid, names in by_id.items()
        if len(names) >= 2
    }
    for n, (stem_text, names) in enumerate(sorted(by_stem.items()), start=1):
        if len(names) >= 2:
            found[f"choices{n}"] = (
                tuple(names),
                f"one question text, a choice per column: {stem_text!r}",
            )
    for set_name, _label, members in export.mr_sets:
        key = re.sub(r"\W+", "_", set_name).strip("_") or "mr_set"  # "$channels" -> channels
        found[key] = (members, f"SPSS multiple-response set {set_name}")
    return found


def _checkbox_fit(column: RawColumn, globals_: set[str]) -> ValueFit:
    """A checkbox column: at most one ticked value, besides 0 and missing codes."""
    ticked = [v for v in column.distinct if v not in globals_ and v != "0"]
    fit = 1.0 if len(ticked) <= 1 and column.n_distinct <= MAX_DISTINCT else 0.0
    return ValueFit(
        fit=fit,
        unread=() if fit else tuple(ticked),
        source="checkbox (one ticked value)",
    )


def _outside(export: Export) -> dict[str, str]:
    """Columns never matched to an item, with the reason."""
    reasons = {}
    for column in export.columns:
        if column.name in IDENTIFYING:
            reasons[column.name] = "identifying metadata (a person or a place): never mapped"
        elif column.name in QUALTRICS_METADATA and from_qualtrics(export):
            reasons[column.name] = "Qualtrics metadata"
        elif re.fullmatch(r"QID\d+_\d+_TEXT", column.import_id) or re.search(
            r"_\d+_TEXT$", column.name
        ):
            reasons[column.name] = "free text of an 'other, please specify' answer"
    return reasons


def draft_codebook(
    export: Export, items: list[Item], *, missing_codes: tuple[int, ...] = (-99,)
) -> Draft:
    """Match every canonical item to a raw column and draft its recode and missing values."""
    globals_ = {str(code) for code in missing_codes}
    weights = _weights(items)
    required = {
        w for item in items if item.extra.get("required") is not False for w in _vocabulary(item)[0]
    }
    outside = _outside(export)
    groups = _checkbox_groups(export, globals_)
    in_group = {name for members, _source in groups.values() for name in members}
    candidates = [c for c in export.columns if c.name not in outside]
    if from_qualtrics(export):
        by_name = {c.name: c for c in export.columns}
        if "ResponseId" in by_name and not any(c.name == "respondent_id" for c in candidates):
            candidates.append(by_name["ResponseId"])

    pairs = []  # (score, text, fit, item index, column index)
    fits: dict[tuple[int, int], ValueFit] = {}
    order = {c.name: i for i, c in enumerate(export.columns)}
    for i, item in enumerate(items):
        for column in candidates:
            j = order[column.name]
            text = text_score(item, column, weights)
            if column.name == "ResponseId":  # metadata, a candidate id only
                if item.name != "respondent_id":
                    continue
                text = 0.4  # only when nothing better: see the reason below
            if text < TEXT_MIN:
                continue
            if item.extra.get("required") is False and not _own_word(item, column, required):
                continue  # an optional item needs a word of its own (no false positives)
            if column.name in in_group:
                if set(item.codes) != {0, 1}:
                    continue
                text = max(text, choice_score(item, column, weights))
                fit = _checkbox_fit(column, globals_)
            else:
                fit = value_fit(item, column, missing_codes)
            fits[(i, j)] = fit
            pairs.append((round(0.7 * text + 0.3 * fit.fit, 4), text, fit.fit, i, j))
    joined = _joined_groups(export, items, weights, globals_, candidates, in_group)
    taken_items = {m for group in joined for m in group.members}
    taken_columns = {order[group.raw] for group in joined}
    pairs = [p for p in pairs if items[p[3]].name not in taken_items and p[4] not in taken_columns]
    # required items choose first; optional ones (§1b) take what is left
    pairs.sort(key=lambda p: (items[p[3]].extra.get("required") is False, -p[0], p[3], p[4]))
    chosen: dict[int, tuple] = {}
    used: set[int] = set()
    for pair in pairs:
        _, _, _, i, j = pair
        if i in chosen or j in used:
            continue
        chosen[i] = pair
        used.add(j)

    suggestions = []
    for i, item in enumerate(items):
        group = next((g for g in joined if item.name in g.members), None)
        if group is not None:
            suggestions.append(
                Suggestion(
                    item=item,
                    raw=None,
                    confidence="medium",
                    joined=group.name,
                    source=group.source,
                    reason=f"a choice of the joined checkbox column {group.raw}",
                )
            )
            continue
        if i not in chosen:
            suggestions.append(
                Suggestion(item=item, raw=None, confidence="none", reason="no raw column scored")
            )
            continue
        score, text, fit_value, _, j = chosen[i]
        column = export.columns[j]
        fit = fits[(i, j)]
        rival_column = max((p[0] for p in pairs if p[3] == i and p[4] != j), default=0.0)
        rival_item = max((p[0] for p in pairs if p[4] == j and p[3] != i), default=0.0)
        margin = score - max(rival_column, rival_item)
        if text >= HIGH_TEXT and fit_value == 1.0 and margin >= MARGIN:
            confidence = "high"
        elif text >= MEDIUM_TEXT and fit_value >= 0.5:
            confidence = "medium"
        else:
            confidence = "low"
        if column.name == "ResponseId":
            confidence = "low"
        evidence = (
            "column name"
            if column.name.casefold() == item.name
            else ("question text" if export.kind == "qualtrics" else "variable label")
            if column.question
            else "column name"
        )
        reason = (
            f"text {text:.2f} ({evidence}), values {fit_value:.2f} ({fit.source}), "
            f"next best {max(rival_column, rival_item):.2f}"
        )
        if column.name == "ResponseId":
            reason += (
                "; ResponseId is new for every submission, so repeated submissions of one "
                "person are not caught: use a respondent or panel id if the export has one"
            )
        suggestions.append(
            Suggestion(
                item=item,
                raw=column.name,
                confidence=confidence,
                text_score=text,
                fit=fit,
                source=f"{evidence}; {fit.source}",
                reason=reason,
            )
        )

    multi = _multi_selects(export, suggestions, groups, globals_) + joined
    filters = _filters(export)
    mapped = {s.raw for s in suggestions if s.raw} | {g.raw for g in joined}
    outside_rows = [(name, why) for name, why in outside.items()]
    for column in export.columns:
        if column.name not in mapped and column.name not in outside:
            outside_rows.append((column.name, "matched no canonical column"))
    edits, checks = _review_items(suggestions, export, multi)
    for key, value in export.options:
        why = OPTION_REASONS[key]
        checks.insert(0, Edit("export", f"drafted `export: {{{key}: {value!r}}}`: {why}"))
    for group in multi:
        if group.form == "split" and group.none_ticked == "no":
            checks.append(
                Edit(
                    f"multi_select {group.name}",
                    f"a row with every box blank is read as 'no' to each choice "
                    f'(`none_ticked: "no"`), since {_flow_list(group.seen_unanswered)} marks '
                    "an unanswered question; set `none_ticked: missing` if the question could "
                    "be hidden (display logic)",
                )
            )
    return Draft(
        export=export,
        suggestions=tuple(suggestions),
        multi_select=tuple(multi),
        filters=tuple(filters),
        outside=tuple(sorted(outside_rows, key=lambda r: order[r[0]])),
        edits=tuple(edits),
        checks=tuple(checks),
        missing_codes=tuple(missing_codes),
    )


def _multi_selects(
    export: Export, suggestions: list[Suggestion], groups: dict, globals_: set[str]
) -> list[MultiSelect]:
    by_raw = {s.raw: s for s in suggestions if s.raw}
    columns = {c.name: c for c in export.columns}
    result = []
    for group, (raws, source) in sorted(groups.items()):
        members = [by_raw[r] for r in raws if r in by_raw]
        if len(members) < 2:
            continue
        values = {v for s in members for v in columns[s.raw].distinct}
        seen = tuple(sorted(int(g) for g in globals_ if g in values))
        result.append(
            MultiSelect(
                name=_group_name(group, [s.raw for s in members]),
                members=tuple(s.item.name for s in members),
                raws=tuple(s.raw for s in members),
                unticked="0" if "0" in values else "blank",
                seen_unanswered=seen,
                # an unanswered question is marked (-99 in its boxes), so boxes all
                # blank are an answer: nothing ticked
                none_ticked="no" if seen and "0" not in values else "missing",
                source=source,
            )
        )
    return result


def _joined_groups(
    export: Export,
    items: list[Item],
    weights: dict[str, float],
    globals_: set[str],
    candidates: list[RawColumn],
    in_group: set[str],
) -> list[MultiSelect]:
    """Checkbox questions exported joined ("1,3,4" in one cell): the best column per
    :data:`CHECKBOX_ITEMS` group among those whose cells list two or more choices,
    by the mean text score over the group's items or the share of them its choice
    texts name (at least ``TEXT_MIN``)."""
    by_name = {item.name: item for item in items}
    found = []
    for member_names in CHECKBOX_ITEMS.values():
        members = [by_name[m] for m in member_names if m in by_name]
        if len(members) < 2:
            continue
        best = None
        for column in candidates:
            if column.name in in_group or not any(JOINED_SEPARATOR in v for v in column.distinct):
                continue
            score = sum(text_score(m, column, weights) for m in members) / len(members)
            choice_words = {t for v in column.distinct for t in v.split(JOINED_SEPARATOR)}
            named = {
                m.name for m in members for t in choice_words if _token_score(m, t, weights) >= 0.5
            }
            score = max(score, len(named) / len(members))  # choice texts naming the items
            if score >= TEXT_MIN and (best is None or score > best[0]):
                best = (score, column)
        if best is None:
            continue
        column = best[1]
        chosen = [v for v in column.distinct if v not in globals_]
        choice_tokens = sorted(
            {t.strip() for v in chosen for t in v.split(JOINED_SEPARATOR)} - {""},
            key=lambda t: _value_order((t, 0)),
        )
        choices = []
        for token in choice_tokens:
            scores = {m.name: _token_score(m, token, weights) for m in members}
            top = max(scores.values(), default=0.0)
            winners = [name for name, value in scores.items() if value == top]
            choices.append((token, winners[0] if top >= 0.5 and len(winners) == 1 else "?"))
        found.append(
            MultiSelect(
                name=column.name,
                members=tuple(m.name for m in members),
                raws=(column.name,),
                unticked="",
                seen_unanswered=tuple(sorted(int(g) for g in globals_ if g in column.distinct)),
                none_ticked="",
                source=f"one column listing the ticked choices (text {best[0]:.2f})",
                form="joined",
                raw=column.name,
                choices=tuple(choices),
            )
        )
    return found


def _token_score(item: Item, token: str, weights: dict[str, float]) -> float:
    words = {w for w in tokens(token) if w in weights}
    if not words:
        return 0.0
    shared = words & _vocabulary(item)[0]
    return sum(weights[w] for w in shared) / sum(weights[w] for w in words)


def _group_name(group: str, raws: list[str]) -> str:
    """The raw names' common stem ("Q9" for Q9_1..Q9_4), else the group's id."""
    stems = {raw.rsplit("_", 1)[0] for raw in raws}
    name = re.sub(r"\W+", "_", stems.pop() if len(stems) == 1 else group).strip("_")
    return name if re.match(r"[A-Za-z]", name) else f"choices_{name}"  # a plain YAML key


def from_qualtrics(export: Export) -> bool:
    """A Qualtrics export (CSV with ImportIds, or its .sav): three or more metadata columns."""
    names = {c.name for c in export.columns}
    return export.kind == "qualtrics" or len(names & set(QUALTRICS_METADATA)) >= 3


def _filters(export: Export) -> list[tuple[str, tuple[str, ...], str, int]]:
    if not from_qualtrics(export):
        return []
    columns = {c.name: c for c in export.columns}
    result = []
    for raw, (keep, reason) in QUALTRICS_FILTERS.items():
        if raw in columns:
            kept = {normalise(k) for k in keep}
            dropped = (
                sum(n for v, n in columns[raw].values if normalise(_plain(v)) not in kept)
                + columns[raw].n_empty
            )
            result.append((raw, tuple(keep), reason, dropped))
    return result


def _plain(value: str) -> str:
    number = _number(value)
    return str(int(number)) if number is not None and number == int(number) else value


def _review_items(
    suggestions: list[Suggestion], export: Export, multi: list[MultiSelect]
) -> tuple[list[Edit], list[Edit]]:
    edits, checks = [], []
    columns = {c.name: c for c in export.columns}
    joined = {g.name: g for g in multi if g.form == "joined"}
    for s in suggestions:
        name = s.item.name
        if s.joined:
            group = joined.pop(s.joined, None)  # once per group, at its first member
            if group is not None:
                unknown = [token for token, member in group.choices if member == "?"]
                if unknown:
                    shown = ", ".join(repr(t) for t in unknown)
                    edits.append(
                        Edit(
                            f"multi_select {group.name}",
                            f"{group.raw} lists the choices {shown} without their texts: give "
                            f"each its member ({', '.join(group.members)}) in `choices`",
                        )
                    )
                checks.append(Edit(name, f"{s.confidence}: {s.reason}"))
            continue
        if s.raw is None:
            if not s.absent_optional:
                edits.append(Edit(name, "no raw column matched: set `raw:` to its column"))
            continue
        column = columns[s.raw]
        if s.fit.unread:
            labels = dict(column.value_labels)
            shown = ", ".join(
                f"{v!r}"
                + (f" = {labels[v]!r}" if v in labels else "")
                + f" ({column.count(v)} rows)"
                for v in s.fit.unread
            )
            if name == "country":
                what = f"values {shown} are no country codes: give each its code in `recode`"
            else:
                what = f"values {shown} are no codes of the item: add each to `recode` or `missing`"
            edits.append(Edit(name, what))
        if s.confidence in ("medium", "low"):
            checks.append(Edit(name, f"{s.confidence}: {s.raw} ({s.reason})"))
        if column.name.casefold() != name:  # a canonical name carries the contract's codes
            checks += [Edit(name, note) for note in s.fit.notes]
    return edits, checks


# ---------------------------------------------------------------------------
# Writing the draft


def _scalar(value: object) -> str:
    """A YAML scalar: integers plain, everything else a JSON (= YAML) double-quoted string."""
    if isinstance(value, bool):
        return json.dumps(str(value).lower())
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _by_code(pairs) -> list:
    return sorted(pairs, key=lambda kv: (str(kv[1]), _value_order((str(kv[0]), 0))))


def _flow_map(pairs) -> str:
    return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in pairs) + "}"


def _flow_list(values) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def codebook_yaml(draft: Draft) -> str:
    """The draft codebook as YAML text, commented (byte-identical for the same export)."""
    export = draft.export
    lines = [
        f"# Draft codebook for {export.file} ({_kind_text(export)}, {export.n_rows} rows),",
        "# written by `snakemake --cores 1 draft_codebook --config input=EXPORT`.",
        "# Review results/draft/codebook_review.md first: it lists the edits this draft",
        "# needs. Each column's comment says where the suggestion comes from and how sure it is.",
        "",
        f"missing_codes: {_flow_list(draft.missing_codes)}",
    ]
    if export.options:
        lines += [
            "",
            "# the file could only be read with these options (see the review)",
            f"export: {_flow_map(export.options)}",
        ]
    if draft.filters:
        lines += ["", "filters:"]
        for raw, keep, reason, _ in draft.filters:
            lines += [
                f"  - raw: {_scalar(raw)}",
                f"    keep: {_flow_list(keep)}",
                f"    reason: {_scalar(reason)}",
            ]
    lines += ["", "columns:"]
    for s in draft.suggestions:
        item = s.item
        if s.absent_optional:
            continue
        lines.append(f"  {item.name}:")
        if s.joined:
            lines.append(f"    # {s.confidence}: {s.reason} (multi_select {s.joined})")
        elif s.raw is None:
            lines.append("    # NOT MATCHED: set `raw:` to the export's column (see the review)")
            lines.append(f"    raw: {_scalar('EDIT: ' + item.name)}")
        else:
            lines.append(f"    # {s.confidence}: {s.reason}")
            lines.append(f"    raw: {_scalar(s.raw)}")
        lines.append(f"    type: {item.type}")
        lines.append(f"    label: {_scalar(item.label)}")
        if item.codes:
            lines.append(f"    codes: {_flow_map(item.codes.items())}")
        if item.range:
            lines.append(f"    range: [{item.range[0]}, {item.range[1]}]")
        if s.fit.recode:
            lines.append(f"    recode: {_flow_map(_by_code(s.fit.recode))}")
        if s.fit.unread:
            lines.append(
                "    # EDIT: give these raw values their code: "
                + _flow_map((v, "?") for v in s.fit.unread)
            )
        if s.fit.missing:
            lines.append(f"    missing: {_flow_list(s.fit.missing)}")
        if "required" in item.extra:
            lines.append(f"    required: {'true' if item.extra['required'] else 'false'}")
        if "asked_if" in item.extra:
            gate = item.extra["asked_if"]
            lines.append(
                f"    asked_if: {{column: {gate['column']}, min: {_scalar(int(gate['min']))}}}"
            )
    if draft.multi_select:
        lines += ["", "multi_select:"]
        for group in draft.multi_select:
            if group.form == "joined":
                lines += [
                    f"  # {group.source}: {group.raw}",
                    f"  {group.name}:",
                    "    form: joined",
                    f"    raw: {_scalar(group.raw)}",
                    f"    separator: {_scalar(JOINED_SEPARATOR)}",
                ]
                if group.seen_unanswered:
                    lines.append(f"    seen_unanswered: {_flow_list(group.seen_unanswered)}")
                if any(member == "?" for _, member in group.choices):
                    lines.append(
                        f"    # EDIT: give each choice its member ({', '.join(group.members)})"
                    )
                lines.append(f"    choices: {_flow_map(group.choices)}")
                continue
            lines += [
                f"  # {group.source}: {', '.join(group.raws)}",
                f"  {group.name}:",
                "    form: split",
                f"    members: [{', '.join(group.members)}]",
                f"    unticked: {_scalar(group.unticked)}",
            ]
            if group.seen_unanswered:
                lines.append(f"    seen_unanswered: {_flow_list(group.seen_unanswered)}")
            if group.unticked == "blank":
                lines.append(f"    none_ticked: {_scalar(group.none_ticked)}")
    return "\n".join(lines) + "\n"


def _delimiter_text(export: Export) -> str:
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    return f" ({names[export.delimiter]}-delimited)" if export.delimiter in names else ""


def _kind_text(export: Export) -> str:
    return {
        "qualtrics": "Qualtrics export",
        "spss": "SPSS .sav",
        "table": "plain table",
    }[export.kind]


REVIEW_COLUMNS = ["order", "kind", "column", "raw", "confidence", "source", "what"]


def review_rows(draft: Draft) -> list[dict[str, object]]:
    """The review as records (the CSV form): edits first, then checks, matches, outside."""
    rows: list[dict[str, object]] = []

    def add(kind, column, raw, confidence, source, what):
        rows.append(
            {
                "order": len(rows) + 1,
                "kind": kind,
                "column": column,
                "raw": raw,
                "confidence": confidence,
                "source": source,
                "what": what,
            }
        )

    by_name = {s.item.name: s for s in draft.suggestions}
    for edit in draft.edits:
        s = by_name.get(edit.column)
        add("edit", edit.column, (s.raw or "") if s else "", "", "", edit.what)
    for check in draft.checks:
        s = by_name.get(check.column)
        if s is None:  # a check of the whole file (export:)
            add("check", check.column, "", "", "", check.what)
        else:
            add("check", check.column, s.raw or "", s.confidence, s.source, check.what)
    for s in draft.suggestions:
        if s.raw is not None:
            add("match", s.item.name, s.raw, s.confidence, s.source, s.reason)
    for group in draft.multi_select:
        add(
            "multi_select",
            group.name,
            " ".join(group.raws),
            "",
            group.source,
            f"members {', '.join(group.members)}; unticked {group.unticked}",
        )
    for raw, keep, reason, dropped in draft.filters:
        add(
            "filter",
            "",
            raw,
            "",
            "Qualtrics metadata",
            f"keep {', '.join(keep)}: {dropped} rows filtered ({reason})",
        )
    for raw, why in draft.outside:
        add("outside", "", raw, "", "", why)
    return rows


def review_markdown(draft: Draft) -> str:
    """The review list for the analyst: what to edit first, then what to check."""
    export = draft.export
    lines = [
        f"# Codebook draft review: {export.file}",
        "",
        f"{_kind_text(export)}{_delimiter_text(export)}, {export.n_rows} rows, "
        f"{len(export.columns)} columns. "
        "The draft is `results/draft/codebook.yaml`; run the pipeline with "
        "`--config input=EXPORT codebook=EDITED_DRAFT` once the edits below are made.",
        "",
        f"## 1. Edits you must make ({len(draft.edits)})",
        "",
    ]
    lines += [f"{n}. `{e.column}`: {e.what}" for n, e in enumerate(draft.edits, 1)] or ["None."]
    by_note: dict[str, list[str]] = {}  # one line per note, naming every column it concerns
    for check in draft.checks:
        by_note.setdefault(check.what, []).append(check.column)
    lines += ["", f"## 2. Suggestions to check ({len(by_note)})", ""]
    lines += [
        f"- {', '.join(f'`{c}`' for c in columns)}: {what}" for what, columns in by_note.items()
    ] or ["None."]
    lines += [
        "",
        "## 3. Canonical columns and their suggested raw columns",
        "",
        "| column | raw | question text / label | measure | confidence | source | recode "
        "| missing |",
        "|---|---|---|---|---|---|---|---|",
    ]
    columns = {c.name: c for c in export.columns}
    for s in draft.suggestions:
        if s.absent_optional:
            continue
        question = columns[s.raw].question if s.raw else ""
        lines.append(
            "| "
            + " | ".join(
                _cell_md(x)
                for x in (
                    s.item.name,
                    s.raw or "NOT MATCHED",
                    question,
                    columns[s.raw].measure.replace("unknown", "") if s.raw else "",
                    s.confidence,
                    s.source,
                    ", ".join(f"{k} -> {v}" for k, v in s.fit.recode),
                    ", ".join(str(v) for v in s.fit.missing),
                )
            )
            + " |"
        )
    absent = [s.item.name for s in draft.suggestions if s.absent_optional]
    if absent:
        lines += [
            "",
            f"Optional items (data contract §1b) not found, left out of the draft: "
            f"{', '.join(absent)}. The analyses that need them are skipped; add one to "
            "`columns:` if the export has it.",
        ]
    if draft.multi_select:
        lines += ["", "## Checkbox questions (multi_select)", ""]
        for group in draft.multi_select:
            lines.append(
                f"- `{group.name}` ({group.source}): {', '.join(group.raws)} -> "
                f"{', '.join(group.members)}; unticked boxes hold {group.unticked}"
                + _none_ticked_text(group)
            )
    if draft.filters:
        lines += ["", "## Row filters", ""]
        for raw, keep, reason, dropped in draft.filters:
            lines.append(f"- `{raw}`: keep {', '.join(keep)}; {dropped} rows filtered ({reason})")
    lines += ["", "## Outside the analysis (never mapped)", ""]
    lines += [f"- `{raw}`: {why}" for raw, why in draft.outside] or ["None."]
    return "\n".join(lines) + "\n"


def _none_ticked_text(group: MultiSelect) -> str:
    if group.unticked != "blank":
        return ""
    if group.none_ticked == "no":
        return (
            f"; an unanswered question holds {_flow_list(group.seen_unanswered)} in its boxes, "
            'so a row with every box blank ticked nothing (`none_ticked: "no"`)'
        )
    return (
        "; a row with every box blank is missing (`none_ticked: missing`): not shown and "
        'ticked nothing look the same; set `none_ticked: "no"` if every respondent saw it'
    )


def _cell_md(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")
