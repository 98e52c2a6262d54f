"""Realistic survey-tool exports of ONE set of answers (issue 12's acceptance battery).

Every layout is an export file plus the codebook (v2, ``docs/codebook-v2.md``)
an analyst would write for it. All of them hold exactly the answers of the
canonical raw CSV (the synthetic default of ``config/config.yaml``:
``generate_raw_survey(seed, n_eligible)`` written as the ``simulate_survey``
rule writes it), so a correct pipeline gives the canonical run's analysis file
and tables exactly. Layouts with a ``filters:`` entry carry a few extra
Qualtrics preview / spam rows that the filter must remove (each a counted
sample-flow step; the rest of the sample flow is the canonical one).

How canonical answers become export cells (the questionnaire is
:data:`QUESTIONS`):

- Qualtrics numbering: yes = 1, no = 2; gender 4 = "Prefer not to say" (the
  canonical -99 of gender, a per-column missing code); every other canonical
  -99 is Qualtrics' "seen but unanswered" -99; an empty cell stays empty.
- Country asked as question Q2 (1 Canada, 2 United States, 3 Israel, 4 United
  Kingdom) or sent as embedded data ``country`` (CA / US / IL / UK).
- The four channel items are one checkbox question Q9 (choices 1-4, plus an
  exclusive 5 "None of these" that non-users tick). Split form, unticked
  blank: a ticked box holds its choice, unticked is blank; an unanswered
  question holds -99 in every box (with ``none_ticked: "no"``, a row whose
  boxes are all blank is "no" to each channel). Split form, unticked 0: 0 is
  unticked, an unanswered question is blank (not shown) or -99 (seen but
  unanswered). Joined form: the ticked choices in one cell, "1,3,4".
  Canonically the four go missing together; only an abandoned earlier copy of
  a submission (which the duplicate rule drops) can be missing in part, and
  such a copy's question is written as unanswered as a whole (it stays less
  complete than the submission that is kept).
- The respondent id is the embedded-data field ``pid`` (ResponseId is unique
  per submission, so it cannot find repeated submissions).

Usage::

    python tests/export_layouts.py --out DIR        # write every layout into DIR
    python tests/export_layouts.py --check          # package-level outcome of each layout
    python tests/export_layouts.py --examples config/examples   # the shipped examples

``tests/test_export_layouts.py`` builds the layouts once per module and runs
each at package level and through the ``snakemake`` CLI.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from socialwork_ict.codes import RAW_COLUMNS, YES_NO_ITEMS
from socialwork_ict.rule_io import write_table
from socialwork_ict.synthetic import generate_raw_survey

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_CODEBOOK = ROOT / "config" / "codebook.yaml"
CONFIG = ROOT / "config" / "config.yaml"

YES_NO = ("consent", "direct_client_contact", *YES_NO_ITEMS)
CHANNELS = ("ict_email", "ict_text", "ict_social_media", "ict_video")
COUNTRY_CODES = {"CA": 1, "US": 2, "IL": 3, "UK": 4}
COUNTRY_NAMES = {"CA": "Canada", "US": "United States", "IL": "Israel", "UK": "United Kingdom"}

#: canonical column -> (Qualtrics question name, question text); Q9 is the checkbox question
QUESTIONS = {
    "consent": ("Q1", "Do you consent to take part in this survey?"),
    "country": ("Q2", "In which country do you practise social work?"),
    "direct_client_contact": (
        "Q3",
        "Do you work directly with clients (individuals, families, groups)?",
    ),
    "age": ("Q4", "What is your age, in years?"),
    "gender": ("Q5", "What is your gender?"),
    "years_practice": ("Q6", "For how many years have you practised social work?"),
    "sector": ("Q7", "In which sector is your main employment?"),
    "ict_freq": (
        "Q8",
        "How often do you use informal ICT (e.g., e-mail, text messages, social media) "
        "to communicate with clients between face-to-face sessions?",
    ),
    "contact_after_hours": (
        "Q10",
        "Have you interacted with clients through ICT outside your work hours?",
    ),
    "searched_client_online": (
        "Q11",
        "Have you ever searched online for information about a client?",
    ),
    "client_searched_worker": (
        "Q12",
        "To your knowledge, has a client searched online for information about you?",
    ),
    "friend_request": (
        "Q13",
        'Have you received a "friend request" from a client on a personal social media account?',
    ),
    "discussed_supervisor": ("Q14", "Have you discussed informal ICT use with your supervisor?"),
    "discussed_colleagues": ("Q15", "Have you discussed informal ICT use with colleagues?"),
    "workplace_policy": (
        "Q16",
        "Does your workplace have a policy on social workers\u2019 informal use of ICT "
        "with clients?",
    ),
}
CHECKBOX = "Q9"
CHECKBOX_TEXT = (
    "Which of these have you used with clients between sessions? (Select all that apply)"
)
CHOICES = {  # choice number -> (canonical member or None, choice text)
    1: ("ict_email", "E-mail"),
    2: ("ict_text", "Text messages (SMS, WhatsApp)"),
    3: ("ict_social_media", "Social media"),
    4: ("ict_video", "Video calls"),
    5: (None, "None of these"),
}
TEXT_ENTRY = ("age", "years_practice")

#: choice texts of the labels export (and value labels of Qualtrics' .sav)
LABELS = {
    **dict.fromkeys(YES_NO, {1: "Yes", 0: "No"}),
    "gender": {1: "Woman", 2: "Man", 3: "Another gender", -99: "Prefer not to say"},
    "sector": {1: "Public", 2: "Non-profit", 3: "Private practice", 4: "Other"},
    "ict_freq": {1: "Never", 2: "Rarely", 3: "Sometimes", 4: "Often", 5: "Very often"},
    "workplace_policy": {1: "Yes", 2: "No", 3: "Don\u2019t know"},
}
PREFER_NOT = 4  # Qualtrics code of gender's "Prefer not to say"

QUALTRICS_META = (
    ("StartDate", "Start Date", {"ImportId": "startDate", "timeZone": "America/Denver"}),
    ("EndDate", "End Date", {"ImportId": "endDate", "timeZone": "America/Denver"}),
    ("Status", "Response Type", {"ImportId": "status"}),
    ("IPAddress", "IP Address", {"ImportId": "ipAddress"}),
    ("Progress", "Progress", {"ImportId": "progress"}),
    ("Duration (in seconds)", "Duration (in seconds)", {"ImportId": "duration"}),
    ("Finished", "Finished", {"ImportId": "finished"}),
    ("RecordedDate", "Recorded Date", {"ImportId": "recordedDate", "timeZone": "America/Denver"}),
    ("ResponseId", "Response ID", {"ImportId": "_recordId"}),
    ("RecipientLastName", "Recipient Last Name", {"ImportId": "recipientLastName"}),
    ("RecipientFirstName", "Recipient First Name", {"ImportId": "recipientFirstName"}),
    ("RecipientEmail", "Recipient Email", {"ImportId": "recipientEmail"}),
    ("ExternalReference", "External Data Reference", {"ImportId": "externalDataReference"}),
    ("LocationLatitude", "Location Latitude", {"ImportId": "locationLatitude"}),
    ("LocationLongitude", "Location Longitude", {"ImportId": "locationLongitude"}),
    ("DistributionChannel", "Distribution Channel", {"ImportId": "distributionChannel"}),
    ("UserLanguage", "User Language", {"ImportId": "userLanguage"}),
)
STATUS_LABELS = {0: "IP Address", 1: "Survey Preview", 2: "Survey Test", 4: "Imported", 8: "Spam"}
CITY = {"CA": (45.4215, -75.6972), "US": (38.9072, -77.0369), "IL": (31.7683, 35.2137),
        "UK": (51.5072, -0.1276)}  # fmt: skip
#: extra rows of every filtered layout: (Status, how many)
EXTRA_ROWS = ((1, 3), (8, 2))
STATUS_REASON = "Qualtrics preview or spam response (Status)"


@dataclass(frozen=True)
class Layout:
    """One export of the canonical answers and its codebook."""

    name: str
    description: str
    export: Path
    codebook: Path
    #: sample-flow reason of each filter step -> rows it must remove
    filtered: dict[str, int] = field(default_factory=dict)
    #: the codebook feature or file format the layout relies on
    needs: str = ""


# --------------------------------------------------------------------------- canonical


def canonical_raw(
    n_eligible: dict[str, int] | None = None, seed: int | None = None
) -> pd.DataFrame:
    """The canonical raw survey: the synthetic default of config/config.yaml, as a
    v1 export (the layouts carry the contract v1 columns; the optional items of
    §1b are absent, so every layout also exercises an export without them)."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw = generate_raw_survey(
        seed=config["seed"] if seed is None else seed,
        n_eligible=n_eligible or dict(config["synthetic"]["n_eligible"]),
    )
    return raw[list(RAW_COLUMNS)]


def _default_columns() -> dict[str, dict]:
    """The default codebook's columns without the optional (``required: false``) items."""
    columns = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))["columns"]
    return {name: spec for name, spec in columns.items() if spec.get("required", True)}


def optional_columns() -> set[str]:
    """The default codebook's optional items (``required: false``, contract v2 §1b)."""
    columns = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))["columns"]
    return {name for name, spec in columns.items() if not spec.get("required", True)}


def assert_same_answers(analysis: pd.DataFrame, reference: pd.DataFrame) -> None:
    """``analysis`` equals ``reference`` on every column it has, exactly; the
    reference's other columns may only be optional items the export lacks
    (v1 layouts with v1 codebooks), empty in the reference, and their skip-logic
    flags (``<item>_skipped``, derived from the filter question's answers)."""
    optional = optional_columns()
    absent = [c for c in reference.columns if c not in analysis.columns]
    items = [c for c in absent if c in optional]
    flags = [c for c in absent if c.removesuffix("_skipped") in optional and c not in optional]
    lost = sorted(set(absent) - set(items) - set(flags))
    assert not lost, f"columns lost: {lost}"
    assert reference[items].isna().all().all(), "an absent optional item has answers"
    pd.testing.assert_frame_equal(analysis, reference[list(analysis.columns)])


def _cells(values: pd.Series) -> np.ndarray:
    """Int64 column -> text cells ('' for missing)."""
    out = values.to_numpy(dtype=object, na_value=None)
    return np.asarray(["" if v is None else str(int(v)) for v in out], dtype=object)


def _group_state(raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per row: is the checkbox question unanswered; was it -99 (seen but unanswered)."""
    block = raw[list(CHANNELS)]
    unanswered = (block.isna() | (block == -99)).any(axis=1).to_numpy()
    seen = (block == -99).fillna(False).any(axis=1).to_numpy()
    partial = unanswered & ~(block.isna() | (block == -99)).all(axis=1).to_numpy()
    repeated = raw["respondent_id"].duplicated(keep=False).to_numpy()
    if (partial & ~repeated).any():  # the module docstring's claim about the answers
        raise AssertionError("a checkbox question answered in part outside a repeated submission")
    return unanswered, seen


def _text_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """The canonical table as text cells ('' for missing)."""
    return pd.DataFrame(
        {
            c: raw[c].fillna("").to_numpy(dtype=object) if raw[c].dtype == "str" else _cells(raw[c])
            for c in raw.columns
        }  # fmt: skip
    )


def _blank_rows(raw: pd.DataFrame) -> np.ndarray:
    return raw.isna().all(axis=1).to_numpy()


# --------------------------------------------------------------------------- answers -> cells


def qualtrics_answers(
    raw: pd.DataFrame, *, labels: bool, country: str, checkbox: str
) -> dict[str, np.ndarray]:
    """The Qualtrics question columns (name -> text cells) of the canonical answers.

    ``country``: "asked" (Q2) or "embedded"; ``checkbox``: "blank", "zero" or
    "joined"; ``labels``: choice text instead of numeric codes.
    """
    out: dict[str, np.ndarray] = {}
    blank = _blank_rows(raw)
    for name, (q, _text) in QUESTIONS.items():
        if name == "country":
            if country == "asked":
                table = COUNTRY_NAMES if labels else COUNTRY_CODES
                out[q] = np.asarray(
                    ["" if pd.isna(c) else str(table[c]) for c in raw["country"]], dtype=object
                )
            continue
        cells = _cells(raw[name])
        if name in TEXT_ENTRY:
            out[q] = cells
            continue
        values = raw[name].to_numpy(dtype=float, na_value=np.nan)
        coded = []
        for value, cell in zip(values, cells, strict=True):
            if cell == "":
                coded.append("")
            elif name == "gender" and value == -99:
                coded.append(LABELS["gender"][-99] if labels else str(PREFER_NOT))
            elif value == -99:
                coded.append("-99")
            elif labels:
                coded.append(LABELS[name][int(value)])
            elif name in YES_NO:
                coded.append("1" if value == 1 else "2")
            else:
                coded.append(cell)
        out[q] = np.asarray(coded, dtype=object)
        if name == "ict_freq":
            out.update(_checkbox(raw, blank, labels=labels, form=checkbox))
    return out


def _checkbox(raw: pd.DataFrame, blank: np.ndarray, *, labels: bool, form: str) -> dict:
    unanswered, seen = _group_state(raw)
    ticked = {
        number: (raw[member] == 1).fillna(False).to_numpy()
        for number, (member, _text) in CHOICES.items()
        if member
    }
    none = ~unanswered & ~np.logical_or.reduce(list(ticked.values()))
    ticked[5] = none

    def choice(number: int) -> str:
        return CHOICES[number][1] if labels else str(number)

    n = len(raw)
    if form == "joined":
        cells = []
        for row in range(n):
            if blank[row] or (unanswered[row] and not seen[row]):
                cells.append("")
            elif unanswered[row]:
                cells.append("-99")
            else:
                cells.append(",".join(choice(k) for k in CHOICES if ticked[k][row]))
        return {CHECKBOX: np.asarray(cells, dtype=object)}
    columns = {}
    for number in CHOICES:
        cells = []
        for row in range(n):
            if blank[row]:
                cells.append("")
            elif form == "blank":  # unticked blank; an unanswered question: -99 in every box
                cells.append(
                    "-99" if unanswered[row] else choice(number) if ticked[number][row] else ""
                )
            elif unanswered[row]:  # unticked 0; unanswered: blank (not shown) or -99
                cells.append("-99" if seen[row] else "")
            else:
                cells.append(choice(number) if ticked[number][row] else "0")
        columns[f"{CHECKBOX}_{number}"] = np.asarray(cells, dtype=object)
    return columns


def qualtrics_table(
    raw: pd.DataFrame, *, labels: bool, country: str, checkbox: str, extra: bool, seed: int
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The whole Qualtrics export: metadata, questions, embedded data; header rows 2 and 3.

    ``extra``: add the preview / spam rows of :data:`EXTRA_ROWS` (Status 1 at
    the top, as a survey is previewed before it is sent; Status 8 further down).
    """
    rng = np.random.default_rng(seed)
    n = len(raw)
    blank = _blank_rows(raw)
    answers = qualtrics_answers(raw, labels=labels, country=country, checkbox=checkbox)
    start = datetime(2017, 5, 1, 9, 0, 0)
    offsets = np.cumsum(rng.integers(60, 900, size=n))
    durations = rng.integers(180, 1500, size=n)
    letters = np.asarray(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"))
    ids = ["R_" + "".join(rng.choice(letters, size=15)) for _ in range(n)]
    country_of_row = raw["country"].fillna("CA").to_numpy()
    lat = [CITY[c][0] + rng.uniform(-2, 2) for c in country_of_row]
    lon = [CITY[c][1] + rng.uniform(-2, 2) for c in country_of_row]

    def stamp(seconds) -> str:
        return (start + timedelta(seconds=int(seconds))).strftime("%Y-%m-%d %H:%M:%S")

    meta = {
        "StartDate": [stamp(o) for o in offsets],
        "EndDate": [stamp(o + d) for o, d in zip(offsets, durations, strict=True)],
        "Status": [STATUS_LABELS[0] if labels else "0"] * n,
        "IPAddress": [f"203.0.113.{rng.integers(1, 255)}" for _ in range(n)],
        "Progress": ["100"] * n,
        "Duration (in seconds)": [str(d) for d in durations],
        "Finished": ["True" if labels else "1"] * n,
        "RecordedDate": [stamp(o + d + 1) for o, d in zip(offsets, durations, strict=True)],
        "ResponseId": ids,
        "RecipientLastName": [""] * n,
        "RecipientFirstName": [""] * n,
        "RecipientEmail": [""] * n,
        "ExternalReference": [""] * n,
        "LocationLatitude": [f"{v:.4f}" for v in lat],
        "LocationLongitude": [f"{v:.4f}" for v in lon],
        "DistributionChannel": ["anonymous"] * n,
        "UserLanguage": ["EN"] * n,
    }
    frame = pd.DataFrame(meta)
    for name, cells in answers.items():
        frame[name] = cells
    frame["pid"] = raw["respondent_id"].fillna("").to_numpy(dtype=object)
    if country == "embedded":
        frame["country"] = raw["country"].fillna("").to_numpy(dtype=object)
    frame.loc[blank, "pid"] = ""
    if extra:
        frame = _with_extra_rows(frame, raw, rng, labels=labels)
    questions, imports = _header_rows(list(frame.columns), labels=labels)
    return frame, questions, imports


def _with_extra_rows(frame, raw, rng, *, labels: bool) -> pd.DataFrame:
    complete = np.flatnonzero(
        raw.notna().all(axis=1).to_numpy()
        & (raw["consent"] == 1).fillna(False).to_numpy()
        & (raw["direct_client_contact"] == 1).fillna(False).to_numpy()
        & ~raw["respondent_id"].duplicated(keep=False).to_numpy()
    )
    top, middle = [], []
    for status, count in EXTRA_ROWS:
        for k in range(count):
            row = frame.iloc[int(rng.choice(complete))].copy()
            row["Status"] = STATUS_LABELS[status] if labels else str(status)
            row["ResponseId"] = f"R_{status}extra{k:09d}"
            row["pid"] = f"{'preview' if status == 1 else 'spam'}-{k + 1}"
            if status == 1:  # the survey was previewed before it was sent out
                for column in ("StartDate", "EndDate", "RecordedDate"):
                    row[column] = "2017-04-28" + row[column][10:]
                row["DistributionChannel"] = "preview"
                row["IPAddress"] = row["LocationLatitude"] = row["LocationLongitude"] = ""
                top.append(row)
            else:
                middle.append(row)
    cut = len(frame) // 2
    parts = [pd.DataFrame(top), frame.iloc[:cut], pd.DataFrame(middle), frame.iloc[cut:]]
    return pd.concat(parts, ignore_index=True)


def _header_rows(columns: list[str], *, labels: bool) -> tuple[list[str], list[str]]:
    texts = {q: text for q, text in QUESTIONS.values()}
    meta = {name: (text, imp) for name, text, imp in QUALTRICS_META}
    questions, imports = [], []
    for column in columns:
        if column in meta:
            text, imp = meta[column]
        elif column.startswith(CHECKBOX + "_"):
            number = int(column.split("_")[1])
            text = f"{CHECKBOX_TEXT} - {CHOICES[number][1]}"
            imp = {"ImportId": "QID9", "choiceId": str(number)}
        elif column == CHECKBOX:
            text, imp = f"{CHECKBOX_TEXT} - Selected Choice", {"ImportId": "QID9"}
        elif column in texts:
            text = texts[column]
            number = column[1:]
            imp = {"ImportId": f"QID{number}_TEXT" if _text_entry(column) else f"QID{number}"}
        else:  # embedded data
            text, imp = column, {"ImportId": column}
        questions.append(text)
        imports.append(json.dumps(imp, separators=(",", ":")))
    return questions, imports


def _text_entry(question: str) -> bool:
    return any(QUESTIONS[name][0] == question for name in TEXT_ENTRY)


def csv_bytes(
    frame: pd.DataFrame,
    header_rows: list[list[str]] = (),
    *,
    delimiter: str = ",",
    line_end: str = "\n",
    encoding: str = "utf-8",
    bom: bool = False,
    quote_all: bool = False,
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        lineterminator=line_end,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerow(frame.columns)
    writer.writerows(header_rows)
    writer.writerows(frame.astype(str).itertuples(index=False, name=None))
    text = buffer.getvalue()
    if encoding == "utf-16":
        return text.encode("utf-16")  # with its BOM (little-endian on this machine's Python)
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


# --------------------------------------------------------------------------- codebooks


PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_ .'/()-]*")


def _scalar(value) -> str:
    """An int bare; a string plain where YAML reads it back as that string, else quoted."""
    if isinstance(value, bool):  # `required: false` (optional items, contract v2 §1b)
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if PLAIN.fullmatch(text) and not text.endswith(" ") and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _inline(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return _scalar(value)


def codebook_text(data: dict, comment: str) -> str:
    """A v2 codebook as readable YAML (one key per line, maps and lists inline).

    Every key and string is quoted (no YAML boolean trap); the text is checked
    to load back to ``data``.
    """
    lines = [f"# {line}".rstrip() for line in comment.strip().splitlines()]
    lines.append("")
    for key in ("missing_codes", "export"):
        if key in data:
            lines.append(f"{key}: {_inline(data[key])}")
    if data.get("filters"):
        lines.append("filters:")
        for entry in data["filters"]:
            lines.append(f"  - {_inline(entry)}")
    lines.append("columns:")
    for name, spec in data["columns"].items():
        lines.append(f"  {name}:")
        for key, value in spec.items():
            lines.append(f"    {key}: {_inline(value)}")
    if data.get("multi_select"):
        lines.append("multi_select:")
        for name, spec in data["multi_select"].items():
            lines.append(f"  {name}:")
            for key, value in spec.items():
                lines.append(f"    {key}: {_inline(value)}")
    text = "\n".join(lines) + "\n"
    if yaml.safe_load(text) != data:
        raise AssertionError("codebook_text does not load back to its data")
    return text


def qualtrics_codebook(*, labels: bool, country: str, checkbox: str, export: dict | None = None,
                       filters: bool = True) -> dict:  # fmt: skip
    """The codebook an analyst writes for :func:`qualtrics_table`'s export."""
    base = _default_columns()
    columns: dict[str, dict] = {}
    for name, spec in base.items():
        spec = {k: v for k, v in spec.items() if k != "raw"}
        if name == "respondent_id":
            columns[name] = {"raw": "pid", **spec}
            continue
        if name == "country":
            if country == "asked":
                table = COUNTRY_NAMES if labels else COUNTRY_CODES
                recode = {str(v): k for k, v in table.items()}
                columns[name] = {"raw": QUESTIONS[name][0], **spec, "recode": recode}
            else:
                columns[name] = {"raw": "country", **spec}
            continue
        if name in CHANNELS:
            number = next(k for k, (m, _t) in CHOICES.items() if m == name)
            entry = {} if checkbox == "joined" else {"raw": f"{CHECKBOX}_{number}"}
            columns[name] = {**entry, **spec}
            continue
        entry = {"raw": QUESTIONS[name][0], **spec}
        if name in LABELS:
            if labels:
                entry["recode"] = {text: code for code, text in LABELS[name].items() if code != -99}
            elif name in YES_NO:
                entry["recode"] = {"2": 0}
        if name == "gender":
            entry["missing"] = [LABELS["gender"][-99]] if labels else [PREFER_NOT]
        columns[name] = entry
    data: dict = {"missing_codes": [-99]}
    if export:
        data["export"] = export
    if filters:
        keep = STATUS_LABELS[0] if labels else "0"
        data["filters"] = [{"raw": "Status", "keep": [keep], "reason": STATUS_REASON}]
    data["columns"] = columns
    if checkbox == "joined":
        data["multi_select"] = {
            "ict_channels": {
                "form": "joined",
                "raw": CHECKBOX,
                "separator": ",",
                "seen_unanswered": [-99],
                # "None of these" (5) is an answer that ticks no member
                "choices": {
                    (text if labels else str(k)): member or "none"
                    for k, (member, text) in CHOICES.items()
                },
            }
        }
    else:
        group = {"form": "split", "members": list(CHANNELS)}
        if checkbox == "blank":
            group.update(unticked="blank", seen_unanswered=[-99], none_ticked="no")
        else:
            group.update(unticked="0", seen_unanswered=[-99])
        data["multi_select"] = {"ict_channels": group}
    return data


# --------------------------------------------------------------------------- .sav


def _fixed_sav_timestamp(path: Path) -> None:
    """Overwrite the creation date and time of a .sav header (bytes 92-108):
    pyreadstat writes the clock's, and the examples are committed."""
    data = bytearray(path.read_bytes())
    if data[:4] not in (b"$FL2", b"$FL3"):
        raise AssertionError(f"{path} is not an SPSS system file")
    data[92:109] = b"01 May 1700:00:00"
    path.write_bytes(bytes(data))


def _numeric(cells: np.ndarray) -> np.ndarray:
    return np.asarray([np.nan if c == "" else float(c) for c in cells], dtype=float)


def write_qualtrics_sav(raw: pd.DataFrame, path: Path, *, seed: int) -> None:
    """Qualtrics' own SPSS export: numeric codes with value labels, questions as variable labels."""
    import pyreadstat

    frame, questions, _imports = qualtrics_table(
        raw, labels=False, country="asked", checkbox="blank", extra=True, seed=seed
    )
    frame = frame.rename(columns={"Duration (in seconds)": "Duration__in_seconds_"})
    numeric = ["Status", "Progress", "Duration__in_seconds_", "Finished",
               "LocationLatitude", "LocationLongitude"]  # fmt: skip
    numeric += [c for c in frame.columns if c.startswith("Q") and c not in ("Q4", "Q6")]
    numeric += ["Q4", "Q6"]
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in ("StartDate", "EndDate", "RecordedDate"):
            out[column] = pd.to_datetime(frame[column])
        elif column in numeric:
            out[column] = _numeric(frame[column].to_numpy())
        else:
            out[column] = frame[column].astype(object)
    value_labels = {"Status": dict(STATUS_LABELS), "Finished": {0: "False", 1: "True"}}
    value_labels["Q2"] = {code: COUNTRY_NAMES[c] for c, code in COUNTRY_CODES.items()}
    for name, (q, _t) in QUESTIONS.items():
        if name in YES_NO:
            value_labels[q] = {1: "Yes", 2: "No"}
        elif name in LABELS:
            labels = {k: v for k, v in LABELS[name].items() if k != -99}
            if name == "gender":
                labels[PREFER_NOT] = LABELS["gender"][-99]
            value_labels[q] = labels
    for number, (_member, text) in CHOICES.items():
        value_labels[f"{CHECKBOX}_{number}"] = {number: text}
    measure = {c: "scale" for c in ("Progress", "Duration__in_seconds_", "Q4", "Q6")}
    measure.update({c: "nominal" for c in value_labels})
    pyreadstat.write_sav(
        out,
        str(path),
        column_labels=dict(zip(out.columns, questions, strict=True)),
        variable_value_labels={
            k: {float(c): t for c, t in v.items()} for k, v in value_labels.items()
        },
        variable_measure=measure,
    )
    _fixed_sav_timestamp(path)


#: the analyst's own variable names, and the user-missing code standing for the canonical -99
ANALYST_NAMES = {
    "respondent_id": ("resp_id", None), "country": ("land", None), "consent": ("cons", 9),
    "direct_client_contact": ("direct", 9), "age": ("age_yrs", 999), "gender": ("gend", 9),
    "years_practice": ("yrs_prac", 99), "sector": ("sect", 9), "ict_freq": ("ictfreq", 9),
    "ict_email": ("ch_email", 9), "ict_text": ("ch_text", 9), "ict_social_media": ("ch_social", 9),
    "ict_video": ("ch_video", 9), "contact_after_hours": ("afterhrs", 9),
    "searched_client_online": ("srch_cl", 9), "client_searched_worker": ("cl_srch", 9),
    "friend_request": ("friendreq", 9), "discussed_supervisor": ("disc_sup", 9),
    "discussed_colleagues": ("disc_col", 9), "workplace_policy": ("policy", 9),
}  # fmt: skip
ANALYST_COUNTRY = {"CA": "CA", "US": "US", "IL": "IL", "UK": "GB"}


def write_analyst_sav(raw: pd.DataFrame, path: Path) -> None:
    """An analyst's cleaned .sav: own names, ISO country codes (GB for the UK), 0/1 items,
    the canonical -99 as a user-missing code (9, 99 or 999), value labels and variable labels."""
    import pyreadstat

    columns = _default_columns()
    out = pd.DataFrame(index=raw.index)
    value_labels, missing, labels = {}, {}, {}
    for name, (short, code) in ANALYST_NAMES.items():
        labels[short] = columns[name]["label"]
        if name == "respondent_id":
            out[short] = raw[name].fillna("").astype(object)
        elif name == "country":
            out[short] = [("" if pd.isna(c) else ANALYST_COUNTRY[c]) for c in raw[name]]
        else:
            values = raw[name].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            out[short] = np.where(values == -99, code, values)
            missing[short] = [code]
            codes = columns[name].get("codes")
            value_labels[short] = {
                **{float(k): v for k, v in (codes or {}).items()},
                float(code): "prefer not to say",
            }
    pyreadstat.write_sav(
        out,
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure={s: "nominal" for s in value_labels}
        | {"age_yrs": "scale", "yrs_prac": "scale"},
    )
    _fixed_sav_timestamp(path)


def analyst_codebook() -> dict:
    base = _default_columns()
    columns = {}
    for name, spec in base.items():
        short, code = ANALYST_NAMES[name]
        entry = {"raw": short, **{k: v for k, v in spec.items() if k != "raw"}}
        if name == "country":
            entry["recode"] = {"GB": "UK"}
        if code is not None:
            entry["missing"] = [code]
        columns[name] = entry
    return {"missing_codes": [-99], "columns": columns}


# --------------------------------------------------------------------------- xlsx


def write_xlsx(frame: pd.DataFrame, header_rows: list[list[str]], path: Path) -> None:
    """Qualtrics' Excel export: the same three header rows; numbers stored as numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sheet0")
    sheet.append(list(frame.columns))
    for row in header_rows:
        sheet.append(row)
    text_columns = {"StartDate", "EndDate", "RecordedDate", "ResponseId", "IPAddress", "pid",
                    "country", "DistributionChannel", "UserLanguage", CHECKBOX}  # fmt: skip
    for record in frame.itertuples(index=False, name=None):
        cells = []
        for column, cell in zip(frame.columns, record, strict=True):
            if cell == "":
                cells.append(None)
            elif column in text_columns:
                cells.append(cell)
            else:
                number = float(cell)
                cells.append(int(number) if number.is_integer() else number)
        sheet.append(cells)
    book.properties.created = book.properties.modified = datetime(2017, 5, 1)
    book.save(path)


# --------------------------------------------------------------------------- the battery


def _excel_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel re-saves dates as it displays them (5/1/2017 9:13)."""
    frame = frame.copy()
    for column in ("StartDate", "EndDate", "RecordedDate"):
        stamps = pd.to_datetime(frame[column])
        frame[column] = [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in stamps]
    return frame


def _decimal_comma(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("LocationLatitude", "LocationLongitude"):
        frame[column] = frame[column].str.replace(".", ",", regex=False)
    return frame


def build_layouts(folder: Path, raw: pd.DataFrame, *, seed: int | None = None) -> list[Layout]:
    """Write every layout of ``raw`` into ``folder``; the canonical CSV is ``canonical.csv``.

    ``seed`` (default: the config's) draws the Qualtrics metadata (dates, ids, locations).
    """
    if seed is None:
        seed = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["seed"]
    folder.mkdir(parents=True, exist_ok=True)
    write_table(raw, folder / "canonical.csv")
    layouts: list[Layout] = []
    filtered = {STATUS_REASON: sum(n for _s, n in EXTRA_ROWS)}

    def add(name, description, data: bytes | None, suffix, codebook: dict, comment, *, needs,
            writer=None, filters=True):  # fmt: skip
        export = folder / f"{name}{suffix}"
        if writer is not None:
            writer(export)
        else:
            export.write_bytes(data)
        book = folder / f"{name}.codebook.yaml"
        comment = f"{comment}\nLayout {name} of tests/export_layouts.py: {description}."
        book.write_text(codebook_text(codebook, comment), encoding="utf-8")
        layouts.append(
            Layout(name, description, export, book, dict(filtered) if filters else {}, needs)
        )

    def qualtrics(labels, country, checkbox):
        frame, questions, imports = qualtrics_table(
            raw, labels=labels, country=country, checkbox=checkbox, extra=True, seed=seed
        )
        return frame, [questions, imports]

    # 1. the canonical CSV with the default codebook (the control)
    add("plain_csv", "the canonical CSV, default codebook",
        (folder / "canonical.csv").read_bytes(), ".csv",
        yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8")),
        "The canonical raw CSV.", needs="(v1)", filters=False)  # fmt: skip

    # 2-5. Qualtrics CSV (UTF-8 with BOM, CRLF, three header rows), values / labels,
    #      country asked (Q2) / embedded data
    for labels in (False, True):
        for country in ("asked", "embedded"):
            kind = "labels" if labels else "values"
            frame, rows = qualtrics(labels, country, "blank")
            needs = "filters, multi_select split/blank, per-column missing"
            needs += ", recode on text (country)" if country == "asked" else ""
            needs += ", recode of choice text" if labels else ""
            add(f"qualtrics_{kind}_{'asked' if country == 'asked' else 'embedded'}",
                f"Qualtrics CSV, {'choice text' if labels else 'numeric values'}, "
                f"country {'asked as Q2' if country == 'asked' else 'as embedded data'}",
                csv_bytes(frame, rows, line_end="\r\n", bom=True), ".csv",
                qualtrics_codebook(labels=labels, country=country, checkbox="blank"),
                f"Qualtrics {kind} export, country {country}.", needs=needs)  # fmt: skip

    # 6. split checkboxes, unticked 0 ("split multi-value fields", 0 for unticked)
    frame, rows = qualtrics(False, "asked", "zero")
    add("qualtrics_split_zero", "Qualtrics CSV values, checkboxes split with unticked 0, -99",
        csv_bytes(frame, rows, line_end="\r\n", bom=True), ".csv",
        qualtrics_codebook(labels=False, country="asked", checkbox="zero"),
        "Qualtrics values export, unticked boxes 0.", needs="multi_select split/0")  # fmt: skip

    # 7. joined checkboxes "1,3,4"
    frame, rows = qualtrics(False, "asked", "joined")
    add("qualtrics_joined", "Qualtrics CSV values, checkboxes joined in one cell (1,3,4)",
        csv_bytes(frame, rows, line_end="\r\n", bom=True), ".csv",
        qualtrics_codebook(labels=False, country="asked", checkbox="joined"),
        "Qualtrics values export, joined checkboxes.", needs="multi_select joined")  # fmt: skip

    # 8-9. Qualtrics TSV: UTF-16 (with BOM), tab-delimited; as .tsv and renamed .csv
    frame, rows = qualtrics(False, "asked", "blank")
    tsv = csv_bytes(frame, rows, delimiter="\t", line_end="\r\n", encoding="utf-16")
    for suffix in (".tsv", ".csv"):
        add(f"qualtrics_tsv_utf16{suffix.replace('.', '_')}",
            f"Qualtrics TSV export (UTF-16, tabs) as {suffix}", tsv, suffix,
            qualtrics_codebook(labels=False, country="asked", checkbox="blank"),
            "Qualtrics TSV export.", needs="UTF-16 TSV (delimiter sniffing)"
            + (", .tsv suffix" if suffix == ".tsv" else ""))  # fmt: skip

    # 10. Qualtrics' own SPSS export
    add("qualtrics_sav", "Qualtrics SPSS export: numeric codes, value labels, country numeric",
        None, ".sav", qualtrics_codebook(labels=False, country="asked", checkbox="blank"),
        "Qualtrics SPSS export.", needs="recode on numeric country, .sav value-label check",
        writer=lambda p: write_qualtrics_sav(raw, p, seed=seed))  # fmt: skip

    # 11. an analyst's .sav
    add("analyst_sav", "an analyst's .sav: own names, GB for the UK, user-missing 9/99/999",
        None, ".sav", analyst_codebook(), "An analyst's SPSS file.",
        needs="per-column missing, recode on text (GB)", filters=False,
        writer=lambda p: write_analyst_sav(raw, p))  # fmt: skip

    # 12-14. Excel re-saves of a Qualtrics export
    frame, rows = qualtrics(True, "asked", "blank")
    add("excel_utf8_bom_crlf", "Qualtrics labels export re-saved by Excel as CSV UTF-8 (BOM, CRLF)",
        csv_bytes(_excel_dates(frame), rows, line_end="\r\n", bom=True), ".csv",
        qualtrics_codebook(labels=True, country="asked", checkbox="blank"),
        "Excel re-save, CSV UTF-8.", needs="as qualtrics_labels_asked")  # fmt: skip
    add("excel_cp1252", "Qualtrics labels export re-saved by Excel as CSV (Windows-1252, CRLF)",
        csv_bytes(_excel_dates(frame), rows, line_end="\r\n", encoding="cp1252"), ".csv",
        qualtrics_codebook(labels=True, country="asked", checkbox="blank",
                           export={"encoding": "cp1252"}),
        "Excel re-save, Windows-1252.", needs="export: encoding cp1252")  # fmt: skip
    frame, rows = qualtrics(False, "asked", "blank")
    add("excel_semicolon_decimal_comma",
        "Qualtrics values export re-saved by a European Excel (; and decimal comma)",
        csv_bytes(_decimal_comma(_excel_dates(frame)), rows, delimiter=";", line_end="\r\n",
                  bom=True), ".csv",
        qualtrics_codebook(labels=False, country="asked", checkbox="blank",
                           export={"delimiter": ";", "decimal": ","}),
        "European Excel re-save.", needs="export: delimiter ; decimal ,")  # fmt: skip

    # 15. Qualtrics' Excel export
    add("qualtrics_xlsx", "Qualtrics Excel export (.xlsx, numbers as numbers)", None, ".xlsx",
        qualtrics_codebook(labels=False, country="asked", checkbox="blank"),
        "Qualtrics Excel export.", needs=".xlsx reader",
        writer=lambda p: write_xlsx(frame, rows, p))  # fmt: skip

    # 16. an R user's tab-delimited file with quoted strings (write.table(sep="\t", na=""))
    add("r_tab_quoted", "canonical names, tab-delimited, every string quoted (R write.table)",
        csv_bytes(_text_frame(raw), delimiter="\t", quote_all=True), ".txt",
        yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8")),
        "Tab-delimited canonical file.", needs="tab delimiter sniffing", filters=False)  # fmt: skip
    return layouts


# --------------------------------------------------------------------------- running


def run_package(export: Path, codebook: Path, countries=("CA", "US", "IL", "UK")):
    """export + codebook -> CleaningResult, through the package (as rule clean_responses)."""
    from socialwork_ict import ingest
    from socialwork_ict.cleaning import clean_responses
    from socialwork_ict.codebook import load_codebook

    book = load_codebook(codebook)
    # read_export (codebook v2: the canonical table with its row filters) where it exists
    read = getattr(ingest, "read_export", ingest.read_raw_survey)
    return clean_responses(read(export, book), book, file=export.name, countries=tuple(countries))


def compare_sample_flow(flow: pd.DataFrame, canonical: pd.DataFrame, filtered: dict) -> list[str]:
    """Differences of a layout's sample flow from the canonical one (empty: the same).

    Filter steps (``filtered``: reason -> rows removed) are extra rows; the
    rows read are the canonical ones plus those; every other step has the
    canonical reason and count, and from the last filter step on the
    canonical rows remaining.
    """
    problems = []
    extra = sum(filtered.values())
    is_filter = flow["reason"].isin(list(filtered))
    for reason, n in filtered.items():
        got = flow.loc[flow["reason"] == reason, "n_excluded"].tolist()
        if got != [n]:
            problems.append(f"filter step {reason!r}: excluded {got}, expected [{n}]")
    rest = flow.loc[~is_filter].reset_index(drop=True)
    if len(rest) != len(canonical):
        return problems + [f"steps {rest['reason'].tolist()} != {canonical['reason'].tolist()}"]
    if int(rest["n_remaining"].iloc[0]) != int(canonical["n_remaining"].iloc[0]) + extra:
        problems.append(f"rows read {rest['n_remaining'].iloc[0]}")
    last_filter = flow.index[is_filter].max() if is_filter.any() else -1
    for i, (got, want) in enumerate(zip(rest.itertuples(), canonical.itertuples(), strict=True)):
        if i == 0:
            continue
        if (got.reason, got.n_excluded) != (want.reason, want.n_excluded):
            problems.append(f"step {got.reason!r} excluded {got.n_excluded} != {want.n_excluded}")
        elif flow.index[~is_filter][i] > last_filter and got.n_remaining != want.n_remaining:
            problems.append(f"step {got.reason!r} remaining {got.n_remaining}")
    return problems


def check(layouts: list[Layout], canonical_csv: Path) -> list[tuple[str, str]]:
    """Package-level outcome of each layout: "pass", "ERROR: ..." or "WRONG: ..."."""
    from socialwork_ict.errors import InputError

    reference = run_package(canonical_csv, DEFAULT_CODEBOOK)
    outcomes = []
    for layout in layouts:
        try:
            result = run_package(layout.export, layout.codebook)
        except InputError as error:
            outcomes.append((layout.name, "ERROR: " + error.message()))
            continue
        except Exception as error:  # noqa: BLE001 (the report names what broke)
            outcomes.append((layout.name, f"CRASH: {type(error).__name__}: {error}"))
            continue
        problems = compare_sample_flow(result.sample_flow, reference.sample_flow, layout.filtered)
        try:
            assert_same_answers(result.analysis, reference.analysis)
        except AssertionError as error:
            problems.append("analysis differs: " + " ".join(str(error).split())[:300])
        outcomes.append((layout.name, "WRONG: " + "; ".join(problems) if problems else "pass"))
    return outcomes


# --------------------------------------------------------------------------- examples

#: the battery's size: every configured country and raking cell present, the run short
BATTERY_N = {"CA": 600, "US": 300, "IL": 150, "UK": 100}
#: the shipped examples: every configured country and raking cell present at this size
EXAMPLE_N = {"CA": 150, "US": 100, "IL": 80, "UK": 70}


def write_examples(folder: Path) -> None:
    """config/examples/: a Qualtrics numeric export (country asked), a Qualtrics
    choice-text export and an analyst's .sav, each with its codebook."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    raw = canonical_raw(EXAMPLE_N, seed=config["seed"])
    for name, labels in (("qualtrics_numeric", False), ("qualtrics_labels", True)):
        target = folder / name
        target.mkdir(parents=True, exist_ok=True)
        frame, questions, imports = qualtrics_table(
            raw, labels=labels, country="asked", checkbox="blank", extra=True, seed=config["seed"]
        )
        (target / "export.csv").write_bytes(
            csv_bytes(frame, [questions, imports], line_end="\r\n", bom=True)
        )
        kind = "choice-text (labels)" if labels else "numeric (values)"
        (target / "codebook.yaml").write_text(
            codebook_text(
                qualtrics_codebook(labels=labels, country="asked", checkbox="blank"),
                EXAMPLE_COMMENT.format(kind=kind, file="export.csv", folder=name),
            ),
            encoding="utf-8",
        )
    target = folder / "spss"
    target.mkdir(parents=True, exist_ok=True)
    write_analyst_sav(raw, target / "export.sav")
    (target / "codebook.yaml").write_text(
        codebook_text(analyst_codebook(), SPSS_COMMENT), encoding="utf-8"
    )


EXAMPLE_COMMENT = """\
Example codebook for a Qualtrics {kind} CSV export ({file}), country asked as Q2.
Generated by `python tests/export_layouts.py --examples config/examples`
(the synthetic answers of tests/export_layouts.py; see config/examples/README.md).
Run: snakemake --cores 2 --config input=config/examples/{folder}/{file} \\
       codebook=config/examples/{folder}/codebook.yaml"""
SPSS_COMMENT = """\
Example codebook for an analyst's SPSS file (export.sav): own variable names,
value labels, ISO country codes with GB for the UK, and user-missing codes
(9, 99, 999) standing for "prefer not to say".
Generated by `python tests/export_layouts.py --examples config/examples`.
Run: snakemake --cores 2 --config input=config/examples/spss/export.sav \\
       codebook=config/examples/spss/codebook.yaml"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write every layout into this folder")
    parser.add_argument("--check", action="store_true", help="print each layout's outcome")
    parser.add_argument("--examples", type=Path, help="write the shipped examples here")
    parser.add_argument(
        "--full", action="store_true", help="the config's n_eligible, not the battery's BATTERY_N"
    )
    args = parser.parse_args(argv)
    if args.examples:
        write_examples(args.examples)
    if args.out or args.check:
        import tempfile

        folder = args.out or Path(tempfile.mkdtemp(prefix="export_layouts_"))
        layouts = build_layouts(folder, canonical_raw(None if args.full else BATTERY_N))
        if args.check:
            for name, outcome in check(layouts, folder / "canonical.csv"):
                print(f"{name:32s} {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
