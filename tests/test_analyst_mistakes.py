"""Analyst mistakes through the real ``snakemake`` CLI: none changes a number silently.

Each case builds, from the oracle fixture's raw file (or a Qualtrics-like or
SPSS export made from it), one realistic mistake in the export, the codebook
or the config, runs ``snakemake`` on a copy of the project and asserts one
of three outcomes:

- ``Stops``: a non-zero exit with exactly one ``ERROR`` line on stderr that
  names the file (the export, or the codebook / config for start-up
  errors), the column and the offending values (value errors: also
  "first at data row N", N computed from where the case put the value); no
  ``Traceback``; nothing under ``results/``.
- ``Warns``: exit 0 and a ``WARNING`` line on the console naming the column
  and the values; the same text is in ``results/clean/data_origin.json``'s
  ``warnings`` (which the report prints: the ``report=True`` case runs the
  whole pipeline and finds it in ``reports/report.html``'s input-warnings
  section). ``check`` then asserts the numbers are the documented ones.
- ``Same``: accepted (a difference the codebook rules tolerate), and the
  analysis file is exactly the plain oracle CSV's.

Every run leaves the input files' sha256 unchanged. Most cases stop at
start-up or in ``clean_responses``, so runs target
``results/clean/data_origin.json``. The case table (mistake, outcome) is in
``tests/README.md``, section "Analyst mistakes"; ``test_readme_lists_every_case``
keeps it in sync (``python tests/test_analyst_mistakes.py`` prints it).
"""

from __future__ import annotations

import copy
import hashlib
import html
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from workflow_runner import ROOT, copy_project, files_under, snakemake

from socialwork_ict.cleaning import clean_responses
from socialwork_ict.codebook import load_codebook
from socialwork_ict.ingest import read_export
from socialwork_ict.rule_io import write_parquet

ORACLE = ROOT / "tests" / "fixtures" / "oracle_small"
CODEBOOK_PATH = ROOT / "config" / "codebook.yaml"
CODEBOOK = yaml.safe_load(CODEBOOK_PATH.read_text(encoding="utf-8"))
RAW = pd.read_csv(ORACLE / "raw.csv", dtype=str, keep_default_na=False)
ELIGIBLE = (RAW["consent"] == "1") & (RAW["direct_client_contact"] == "1")
CHANNELS = ("ict_email", "ict_text", "ict_social_media", "ict_video")
ORIGIN = "results/clean/data_origin.json"

#: a Qualtrics survey's own question names for the canonical columns
QUALTRICS_NAMES = {
    "respondent_id": "panel_id",
    "consent": "Q1",
    "direct_client_contact": "Q2",
    "country": "Q3",
    "age": "Q4",
    "gender": "Q5",
    "years_practice": "Q6",
    "sector": "Q7",
    "ict_freq": "Q8",
    "ict_email": "Q9_1",
    "ict_text": "Q9_2",
    "ict_social_media": "Q9_3",
    "ict_video": "Q9_4",
    "contact_after_hours": "Q10",
    "searched_client_online": "Q11",
    "client_searched_worker": "Q12",
    "friend_request": "Q13",
    "discussed_supervisor": "Q14",
    "discussed_colleagues": "Q15",
    "workplace_policy": "Q16",
}
FREQ_LABELS = {"1": "Never", "2": "Rarely", "3": "Sometimes", "4": "Often", "5": "Very often"}


# --------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """What one case hands to the pipeline (None: the project's default)."""

    raw: Path
    codebook: Path | None = None
    config: Path | None = None  # a --configfile with overrides

    def files(self) -> list[Path]:
        return [p for p in (self.raw, self.codebook, self.config) if p is not None]


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def csv_text(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def codebook_text(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def edited_codebook(edit: Callable[[dict], None], names: dict[str, str] | None = None) -> dict:
    """The default codebook, raw names replaced by ``names``, then edited in place by ``edit``."""
    data = copy.deepcopy(CODEBOOK)
    for canonical, raw in (names or {}).items():
        data["columns"][canonical]["raw"] = raw
    edit(data)
    return data


def first_eligible(rows: int, *, where: pd.Series | None = None) -> list[int]:
    """Positions of the first ``rows`` eligible respondents (optionally also ``where``)."""
    mask = ELIGIBLE if where is None else ELIGIBLE & where
    return list(mask[mask].index[:rows])


def qualtrics(frame: pd.DataFrame = RAW, *, metadata: dict[str, list[str]] | None = None) -> str:
    """A Qualtrics-like CSV: question names, metadata columns first, then the
    question-text and ImportId rows Qualtrics puts above the responses."""
    renamed = frame.rename(columns=QUALTRICS_NAMES)
    metadata = {"StartDate": ["2017-05-01 10:00:00"] * len(frame), **(metadata or {})}
    for position, (name, values) in enumerate(metadata.items()):
        renamed.insert(position, name, values)
    header, body = csv_text(renamed).split("\n", 1)
    questions = ",".join(f'"Question text of {c}"' for c in renamed.columns)
    imports = ",".join(
        '"' + json.dumps({"ImportId": f"QID{i}"}).replace('"', '""') + '"'
        for i in range(len(renamed.columns))
    )
    return "\n".join([header, questions, imports]) + "\n" + body


def case_inputs(
    folder: Path,
    raw: str | bytes | Path,
    codebook: dict | str | None = None,
    *,
    raw_name: str = "survey.csv",
    config: str | None = None,
) -> Inputs:
    raw_path = raw if isinstance(raw, Path) else write(folder, raw_name, raw)
    if isinstance(codebook, dict):
        codebook = codebook_text(codebook)
    return Inputs(
        raw_path,
        codebook=write(folder, "codebook.yaml", codebook) if codebook is not None else None,
        config=write(folder, "config.yaml", config) if config is not None else None,
    )


def sav(folder: Path, value_labels: dict[str, dict[float, str]]) -> Path:
    """The oracle file as an analyst's .sav (numbers numeric) with ``value_labels``."""
    text = ["respondent_id", "country"]
    numeric = RAW.drop(columns=text).replace("", None).astype(float)
    frame = pd.concat([RAW[text], numeric], axis=1)
    path = folder / "survey.sav"
    pyreadstat.write_sav(frame, path, variable_value_labels=value_labels)
    return path


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Stops:
    """Exit 1 with one ERROR line naming ``file`` and containing every fragment."""

    fragments: tuple[str, ...]
    summary: str
    file: str = "raw"  # raw | codebook | config
    first_row: int | None = None
    absent: tuple[str, ...] = ()  # text the ERROR line must not contain


@dataclass(frozen=True)
class Warns:
    """Exit 0 with one WARNING line containing every fragment, in data_origin.json too."""

    fragments: tuple[str, ...]
    summary: str
    check: Callable[[Path], None] | None = None  # on the project after the run
    report: bool = False  # run everything and find the warning in the report


@dataclass(frozen=True)
class Same:
    """Accepted; the analysis file equals the plain oracle CSV's."""

    summary: str


@dataclass(frozen=True)
class Case:
    name: str
    mistake: str
    make: Callable[[Path], Inputs]
    expect: Stops | Warns | Same
    xfail: str | None = None


# --------------------------------------------------------------------------- codebook mistakes


def global_missing_adds_4(folder):
    """gender's "prefer not to say" (4) added to the global missing codes."""
    return case_inputs(
        folder, csv_text(RAW), edited_codebook(lambda d: d.update(missing_codes=[-99, 4]))
    )


def new_code_in_codes(folder):
    def edit(data):
        data["columns"]["ict_freq"]["codes"][6] = "always"

    return case_inputs(folder, csv_text(RAW), edited_codebook(edit))


def country_type_int(folder):
    def edit(data):
        data["columns"]["country"].update(
            type="int", codes={1: "Canada", 2: "United States", 3: "Israel", 4: "United Kingdom"}
        )

    return case_inputs(
        folder, qualtrics(_numeric_country()), edited_codebook(edit, QUALTRICS_NAMES)
    )


def _numeric_country() -> pd.DataFrame:
    frame = RAW.copy()
    frame["country"] = RAW["country"].map({"CA": "1", "US": "2", "IL": "3", "UK": "4"})
    return frame


def unquoted_yes_no_recode(folder):
    """consent exported as Yes/No, recoded with unquoted YAML keys (booleans)."""
    frame = RAW.copy()
    frame["consent"] = RAW["consent"].map({"1": "Yes", "0": "No"})
    text = CODEBOOK_PATH.read_text(encoding="utf-8").replace(
        "    label: Consented to take part\n",
        "    label: Consented to take part\n    recode: {Yes: 1, No: 0}\n",
    )
    return case_inputs(folder, csv_text(frame), text)


def unquoted_yes_no_codes(folder):
    text = CODEBOOK_PATH.read_text(encoding="utf-8")
    head, tail = text.split("  ict_email:\n", 1)
    tail = tail.replace('codes: {1: "yes", 0: "no"}', "codes: {1: yes, 0: no}", 1)
    return case_inputs(folder, csv_text(RAW), head + "  ict_email:\n" + tail)


def recode_target_not_code(folder):
    """The export's 6-point scale folded onto 5 codes, 6 mapped to a code that does not exist."""
    frame = RAW.copy()
    frame.loc[RAW["ict_freq"] == "5", "ict_freq"] = "6"

    def edit(data):
        data["columns"]["ict_freq"]["recode"] = {"6": 7}

    return case_inputs(folder, csv_text(frame), edited_codebook(edit))


def member_not_yes_no(folder):
    def edit(data):
        data["multi_select"] = {
            "channels": {
                "form": "split",
                "members": ["ict_email", "ict_text", "ict_social_media", "workplace_policy"],
            }
        }

    return case_inputs(folder, csv_text(RAW), edited_codebook(edit))


def empty_keep_list(folder):
    def edit(data):
        data["filters"] = [{"raw": "Status", "keep": [], "reason": "preview or spam"}]

    status = {"Status": ["0"] * len(RAW)}
    return case_inputs(folder, qualtrics(metadata=status), edited_codebook(edit, QUALTRICS_NAMES))


def own_missing_is_a_valid_code(folder):
    """gender's `missing: [4]` copied onto ict_freq, where 4 is "often"."""

    def edit(data):
        data["columns"]["ict_freq"]["missing"] = [-99, 4]

    return case_inputs(folder, csv_text(RAW), edited_codebook(edit))


def stale_raw_name(folder):
    """The export was re-made with Qualtrics' names; the codebook still says ict_freq."""
    names = {k: v for k, v in QUALTRICS_NAMES.items() if k != "ict_freq"}
    return case_inputs(folder, qualtrics(), edited_codebook(lambda d: None, names))


def label_reworded(folder):
    def edit(data):
        data["columns"]["ict_freq"]["codes"][5] = "always"

    return case_inputs(folder, csv_text(RAW), edited_codebook(edit))


# --------------------------------------------------------------------------- export mistakes


def country_numeric_no_recode(folder):
    return case_inputs(
        folder, qualtrics(_numeric_country()), edited_codebook(lambda d: None, QUALTRICS_NAMES)
    )


CAN_ROWS = first_eligible(3, where=RAW["country"] == "CA")
CANADA_ROWS = first_eligible(5, where=RAW["country"] == "CA")[3:]
GB_ROWS = first_eligible(4, where=RAW["country"] == "UK")


def country_spellings(folder):
    frame = RAW.copy()
    frame.loc[CAN_ROWS, "country"] = "CAN"
    frame.loc[CANADA_ROWS, "country"] = "Canada"
    frame.loc[GB_ROWS, "country"] = "GB"
    return case_inputs(folder, csv_text(frame))


def check_country_spellings(project: Path) -> None:
    exclusions = pd.read_csv(project / "results/clean/exclusions.csv", dtype=str)
    country = exclusions[exclusions["reason"].str.startswith("country not")]
    assert sorted(country["value"]) == ["CAN"] * 3 + ["Canada"] * 2 + ["GB"] * 4
    assert sorted(country["row"].astype(int)) == sorted(
        r + 1 for r in CAN_ROWS + CANADA_ROWS + GB_ROWS
    )
    assert origin(project)["n_eligible"] == ELIGIBLE.sum() - 9


STATUS = ["0"] * len(RAW)
PREVIEW_ROWS, SPAM_ROWS = first_eligible(5), first_eligible(8)[5:]
for _row in PREVIEW_ROWS:
    STATUS[_row] = "1"
for _row in SPAM_ROWS:
    STATUS[_row] = "8"


def status_unfiltered(folder):
    raw = qualtrics(metadata={"Status": STATUS})
    return case_inputs(folder, raw, edited_codebook(lambda d: None, QUALTRICS_NAMES))


def check_status_unfiltered(project: Path) -> None:
    # documented: without a filter the rows stay in (the warning says so)
    ids = set(analysis(project)["respondent_id"])
    assert set(RAW.loc[PREVIEW_ROWS + SPAM_ROWS, "respondent_id"]) <= ids
    assert origin(project)["n_eligible"] == ELIGIBLE.sum()


def status_filter_labels_export(folder):
    """A choice-text export says "IP Address"; the filter keeps only the numeric 0."""
    labels = [
        "Survey Preview" if s == "1" else "Spam" if s == "8" else "IP Address" for s in STATUS
    ]

    def edit(data):
        data["filters"] = [{"raw": "Status", "keep": ["0"], "reason": "preview or spam (Status)"}]

    raw = qualtrics(metadata={"Status": labels})
    return case_inputs(folder, raw, edited_codebook(edit, QUALTRICS_NAMES))


UNFINISHED_ROWS = first_eligible(12)[6:]


def finished_unfiltered(folder):
    finished = ["0" if i in UNFINISHED_ROWS else "1" for i in range(len(RAW))]
    raw = qualtrics(metadata={"Finished": finished})
    return case_inputs(folder, raw, edited_codebook(lambda d: None, QUALTRICS_NAMES))


def response_id_as_id(folder):
    ids = [f"R_{i:015X}" for i in range(len(RAW))]
    raw = qualtrics(RAW.drop(columns="respondent_id"), metadata={"ResponseId": ids})
    names = {**QUALTRICS_NAMES, "respondent_id": "ResponseId"}
    return case_inputs(folder, raw, edited_codebook(lambda d: None, names))


def check_response_id(project: Path) -> None:
    assert origin(project)["n_eligible"] == ELIGIBLE.sum()


def filter_column_absent(folder):
    def edit(data):
        data["filters"] = [{"raw": "Status", "keep": ["0", "IP Address"]}]

    return case_inputs(folder, csv_text(RAW), edited_codebook(edit))


CONSENT_FIRST = 1  # data row 1 already holds "Yes"


def consent_text_without_recode(folder):
    frame = RAW.copy()
    frame["consent"] = RAW["consent"].map({"1": "Yes", "0": "No"})
    return case_inputs(folder, csv_text(frame))


def _freq_labels_codebook(data):
    data["columns"]["ict_freq"]["recode"] = {
        label: int(code) for code, label in FREQ_LABELS.items()
    }


SPELLED = {0: "Very Often ", 1: "  sometimes", 2: "NEVER", 3: "very  often", 4: "Rarely\t"}


def freq_labels_spelled_differently(folder):
    """A choice-text export; some labels differ from the recode in case and spaces."""
    frame = RAW.copy()
    frame["ict_freq"] = RAW["ict_freq"].map(FREQ_LABELS)
    for offset, spelling in SPELLED.items():
        label = " ".join(spelling.split()).casefold()
        matching = frame.index[frame["ict_freq"].str.casefold() == label]
        frame.loc[matching[offset : offset + 3], "ict_freq"] = spelling
    return case_inputs(folder, csv_text(frame), edited_codebook(_freq_labels_codebook))


UNKNOWN_LABEL_ROW = first_eligible(40)[-1]


def freq_label_unknown(folder):
    frame = RAW.copy()
    frame["ict_freq"] = RAW["ict_freq"].map(FREQ_LABELS)
    frame.loc[UNKNOWN_LABEL_ROW, "ict_freq"] = "Very frequently"
    return case_inputs(folder, csv_text(frame), edited_codebook(_freq_labels_codebook))


PREFER_ROW = first_eligible(7)[-1]


def gender_label_not_declared_missing(folder):
    frame = RAW.copy()
    frame["gender"] = RAW["gender"].map({"1": "Woman", "2": "Man"})
    frame.loc[PREFER_ROW, "gender"] = "Prefer not to say"

    def edit(data):
        data["columns"]["gender"]["recode"] = {"Woman": 1, "Man": 2, "Another gender": 3}

    return case_inputs(folder, csv_text(frame), edited_codebook(edit))


GENDER_4_ROW = first_eligible(11)[-1]


def gender_code_4_undeclared(folder):
    frame = RAW.copy()
    frame.loc[GENDER_4_ROW, "gender"] = "4"
    return case_inputs(folder, csv_text(frame))


BIRTH_YEAR_ROW = first_eligible(3)[-1]


def birth_year_as_age(folder):
    frame = RAW.copy()
    frame.loc[BIRTH_YEAR_ROW, "age"] = "1975"
    return case_inputs(folder, csv_text(frame))


def _split(frame: pd.DataFrame, unticked: str) -> pd.DataFrame:
    """The four channel items as a split checkbox export (ticked "1", unticked ``unticked``)."""
    frame = frame.copy()
    for column in CHANNELS:
        frame[column] = RAW[column].map({"1": "1", "0": unticked})
    return frame


def _group(unticked: str) -> Callable[[dict], None]:
    def edit(data):
        data["multi_select"] = {
            "ict_channels": {"form": "split", "members": list(CHANNELS), "unticked": unticked}
        }

    return edit


SECOND_TICK_ROW = first_eligible(20, where=RAW["ict_email"] == "1")[-1]


def split_two_ticked_values(folder):
    """A split box column holding two different "ticked" codes (a shifted column)."""
    frame = _split(RAW, "")
    frame.loc[SECOND_TICK_ROW, "ict_email"] = "2"
    raw = qualtrics(frame)
    return case_inputs(folder, raw, edited_codebook(_group("blank"), QUALTRICS_NAMES))


#: the first ticked value the column holds is row 1's 0; the first row holding another is a 1
OTHER_THAN_ROW_1 = int((RAW["ict_email"] != RAW.loc[0, "ict_email"]).idxmax())


def split_zero_export_declared_blank(folder):
    raw = qualtrics(_split(RAW, "0"))
    return case_inputs(folder, raw, edited_codebook(_group("blank"), QUALTRICS_NAMES))


def split_blank_export_declared_zero(folder):
    raw = qualtrics(_split(RAW, ""))
    return case_inputs(folder, raw, edited_codebook(_group("0"), QUALTRICS_NAMES))


def check_blank_declared_zero(project: Path) -> None:
    # documented for unticked "0": a blank box is missing (the warning says so)
    frame = analysis(project)
    assert frame["ict_email"].isin([1]).sum() > 0 and not frame["ict_email"].isin([0]).any()


def split_without_group(folder):
    """Qualtrics' default split export (unticked blank), mapped as plain yes/no columns."""
    raw = qualtrics(_split(RAW, ""))
    return case_inputs(folder, raw, edited_codebook(lambda d: None, QUALTRICS_NAMES))


def check_split_without_group(project: Path) -> None:
    frame = analysis(project)
    assert not frame["ict_email"].isin([0]).any()  # every "no" is missing: the warning says so


def _joined(frame: pd.DataFrame) -> pd.DataFrame:
    cells = [
        ",".join(str(i) for i, c in enumerate(CHANNELS, 1) if row[c] == "1")
        for _, row in RAW.iterrows()
    ]
    return frame.drop(columns=list(CHANNELS)).assign(Q9=cells)


JOINED_NAMES = {k: v for k, v in QUALTRICS_NAMES.items() if k not in CHANNELS}


def _joined_group(data):
    for member in CHANNELS:
        del data["columns"][member]["raw"]
    data["multi_select"] = {
        "ict_channels": {
            "form": "joined",
            "raw": "Q9",
            "choices": {str(i): c for i, c in enumerate(CHANNELS, 1)},
        }
    }


JOINED_BAD_ROW = first_eligible(30, where=RAW["ict_email"] == "1")[-1]


def joined_unknown_choice(folder):
    frame = _joined(RAW)
    frame.loc[JOINED_BAD_ROW, "Q9"] = frame.loc[JOINED_BAD_ROW, "Q9"] + ",5"
    raw = qualtrics(frame)
    return case_inputs(folder, raw, edited_codebook(_joined_group, JOINED_NAMES))


def sav_yes_no_swapped(folder):
    labels = {"ict_email": {1.0: "No", 0.0: "Yes"}}
    return case_inputs(folder, sav(folder, labels))


def sav_gender_reversed(folder):
    labels = {"gender": {1.0: "Man", 2.0: "Woman", 3.0: "Another gender"}}
    return case_inputs(folder, sav(folder, labels))


def sav_label_unmatched(folder):
    labels = {"workplace_policy": {1.0: "Yes", 2.0: "No", 3.0: "Not sure"}}
    return case_inputs(folder, sav(folder, labels))


def check_same_as_csv(project: Path) -> None:
    pd.testing.assert_frame_equal(analysis(project), reference())


UK_ROWS = RAW.index[RAW["country"] == "UK"]


def configured_country_absent(folder):
    return case_inputs(folder, csv_text(RAW.drop(index=UK_ROWS)))


def countries_subset(folder):
    return case_inputs(folder, csv_text(RAW), config="countries: [CA, US]\n")


def check_countries_subset(project: Path) -> None:
    counts = ELIGIBLE[RAW["country"].isin(["CA", "US"])].sum()
    assert origin(project)["n_eligible"] == counts


def partial_recode(folder):
    """ict_freq exported 0-4; the recode onto 1-5 forgets "4": 5."""
    frame = RAW.copy()
    frame["ict_freq"] = (RAW["ict_freq"].astype(int) - 1).astype(str)

    def edit(data):
        data["columns"]["ict_freq"]["recode"] = {"0": 1, "1": 2, "2": 3, "3": 4}

    return case_inputs(folder, csv_text(frame), edited_codebook(edit))


def check_partial_recode(project: Path) -> None:
    # documented: an unlisted number passes through, so "very often" (raw 4) reads as 4
    counts = analysis(project)["ict_freq"].value_counts()
    eligible = RAW.loc[ELIGIBLE, "ict_freq"].value_counts()
    assert counts[4] == eligible["4"] + eligible["5"] and 5 not in counts


CONSENT_2_ROW = int((RAW["consent"] == "0").idxmax())


def consent_coded_1_2(folder):
    """SPSS' habit: 1 = yes, 2 = no; the codebook (1 yes, 0 no) has no recode."""
    frame = RAW.copy()
    frame["consent"] = RAW["consent"].map({"1": "1", "0": "2"})
    return case_inputs(folder, csv_text(frame))


def country_recode_to_names(folder):
    """The recode's targets are country names, not the contract's codes."""

    def edit(data):
        data["columns"]["country"]["recode"] = {
            "1": "Canada",
            "2": "US",
            "3": "IL",
            "4": "UK",
        }

    raw = qualtrics(_numeric_country())
    return case_inputs(folder, raw, edited_codebook(edit, QUALTRICS_NAMES))


# --------------------------------------------------------------------------- results


def origin(project: Path) -> dict:
    return json.loads((project / ORIGIN).read_text(encoding="utf-8"))


def analysis(project: Path) -> pd.DataFrame:
    return pd.read_parquet(project / "results/clean/responses.parquet")


@cache
def _reference_parquet() -> bytes:
    """The plain oracle CSV's analysis file, as the rule writes it."""
    codebook = load_codebook(CODEBOOK_PATH)
    result = clean_responses(read_export(ORACLE / "raw.csv", codebook), codebook, file="raw.csv")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.parquet"
        write_parquet(result.analysis, path)
        return path.read_bytes()


def reference() -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(_reference_parquet()))


# --------------------------------------------------------------------------- the cases

CASES = [
    # codebook mistakes, stopped at start-up
    Case("global_missing_adds_4", "`missing_codes: [-99, 4]` (gender's prefer-not-to-say added "
         "globally, as 4 is valid in years_practice, sector, ict_freq)", global_missing_adds_4,
         Stops(("column 'years_practice'", "global missing code 4", "own `missing"),
               "start-up error naming the code and the first column it would wipe",
               file="codebook")),
    Case("new_code_in_codes", "a new answer code `6: always` added to ict_freq's `codes:`",
         new_code_in_codes,
         Stops(("column 'ict_freq'", "differ from the data contract", "[6]", "recode"),
               "start-up error saying how to recode", file="codebook")),
    Case("country_type_int", "`type: int` with codes on country (Qualtrics asked it as a question)",
         country_type_int,
         Stops(("column 'country'", "`type: int` on a text column", "recode"),
               "start-up error with the recode hint", file="codebook")),
    Case("unquoted_yes_no_recode", "consent exported as Yes/No, `recode: {Yes: 1, No: 0}` "
         "unquoted (YAML booleans)", unquoted_yes_no_recode,
         Stops(("column 'consent'", "columns.consent.recode", "boolean", "quote them"),
               "start-up error with the quoting hint", file="codebook")),
    Case("unquoted_yes_no_codes", "`codes: {1: yes, 0: no}` unquoted on ict_email",
         unquoted_yes_no_codes,
         Stops(("column 'ict_email'", "columns.ict_email.codes", "boolean", "quote them"),
               "start-up error with the quoting hint", file="codebook")),
    Case("recode_target_not_code", "a 6-point export folded with `recode: {\"6\": 7}` (7 is no "
         "code)", recode_target_not_code,
         Stops(("column 'ict_freq'", "maps '6' to 7", "neither a code nor missing"),
               "start-up error", file="codebook")),
    Case("member_not_yes_no", "workplace_policy (1/2/3) listed as a checkbox member",
         member_not_yes_no,
         Stops(("column 'workplace_policy'", "not a yes/no column"), "start-up error",
               file="codebook")),
    Case("empty_keep_list", "a Status filter with an empty `keep:` list", empty_keep_list,
         Stops(("filters", "keep"), "start-up error (schema)", file="codebook")),
    Case("own_missing_is_a_valid_code", "gender's `missing: [-99, 4]` copied onto ict_freq "
         "(4 = often)", own_missing_is_a_valid_code,
         Stops(("column 'ict_freq'", "missing code 4", "often"),
               "start-up error naming the code and its label", file="codebook")),
    Case("label_reworded", "ict_freq's label of code 5 reworded (`always`)", label_reworded,
         Warns(("column 'ict_freq'", "code labels differ", "'always'", "'very often'"),
               "warning; tables use the contract's labels", check=check_same_as_csv)),
    # export vs codebook
    Case("stale_raw_name", "codebook still says `raw: ict_freq` after a re-export named it Q8",
         stale_raw_name, Stops(("missing required column", "'ict_freq'"), "error")),
    Case("filter_column_absent", "a Status filter on an export without a Status column",
         filter_column_absent, Stops(("missing required column", "'Status'"), "error")),
    Case("country_numeric_no_recode", "country asked as a question (1-4), left `type: text` "
         "without recode", country_numeric_no_recode,
         Stops(("column 'Q3'", "step 4 (country not CA/US/IL/UK)", "'1' (900)", "'4' (200)"),
               "error naming the country step and the values found", absent=("consent",))),
    Case("country_spellings", "CAN, Canada and GB in the country column, no recode",
         country_spellings,
         Warns(("column 'country'", "9 rows excluded as another country", "'GB' (4, UK?)",
                "'CAN' (3, CA?)", "'Canada' (2, CA?)", "recode"),
               "warning with counts and suggestions, reaches the report; exclusions.csv "
               "`value` holds them", check=check_country_spellings, report=True)),
    Case("configured_country_absent", "countries lists UK but the export has no UK respondents",
         configured_country_absent,
         Stops(("column 'country'", "configured country has no eligible respondents", "'UK'"),
               "error")),
    Case("countries_subset", "`countries: [CA, US]` on a four-country export",
         countries_subset,
         Warns(("column 'country'", "excluded as another country", "'IL' (", "'UK' ("),
               "warning naming the countries left out", check=check_countries_subset)),
    Case("status_unfiltered", "Qualtrics Status preview (1) and spam (8) rows, no filter",
         status_unfiltered,
         Warns(("column 'Status'", "8 rows are not ordinary responses", "'1' (5)", "'8' (3)"),
               "warning with the filter to add", check=check_status_unfiltered)),
    Case("status_filter_labels_export", "`keep: [\"0\"]` on a choice-text export (Status "
         "\"IP Address\")", status_filter_labels_export,
         Stops(("column 'Status'", "no eligible rows", "step 2", "'IP Address' (2075)"),
               "error naming the filter step, its column and values")),
    Case("finished_unfiltered", "unfinished responses (Finished = 0) and no filter",
         finished_unfiltered,
         Warns(("column 'Finished'", "6 unfinished responses", "(values '0' (6))", "filters"),
               "warning with the filter to add")),
    Case("response_id_as_id", "Qualtrics' ResponseId mapped as respondent_id", response_id_as_id,
         Warns(("column 'ResponseId'", "repeated submissions by one person cannot be detected"),
               "warning", check=check_response_id)),
    Case("consent_text_without_recode", "consent exported as Yes/No text, no recode",
         consent_text_without_recode,
         Stops(("column 'consent'", "text in a numeric column", "'Yes', 'No'"), "error",
               first_row=CONSENT_FIRST)),
    Case("freq_labels_spelled_differently", "choice-text ict_freq with `Very Often `, "
         "`very  often`, `NEVER` against the recode's `Very often`, `Never`",
         freq_labels_spelled_differently, Same("accepted (case and spaces ignored), same "
                                               "analysis file as the plain CSV")),
    Case("freq_label_unknown", "choice-text ict_freq with a label the recode lacks "
         "(`Very frequently`)", freq_label_unknown,
         Stops(("column 'ict_freq'", "text in a numeric column", "'Very frequently'", "1 row"),
               "error", first_row=UNKNOWN_LABEL_ROW + 1)),
    Case("gender_label_not_declared_missing", "choice-text gender with `Prefer not to say`, "
         "not in `missing:`", gender_label_not_declared_missing,
         Stops(("column 'gender'", "text in a numeric column", "'Prefer not to say'"), "error",
               first_row=PREFER_ROW + 1)),
    Case("gender_code_4_undeclared", "gender code 4 (prefer not to say) not declared missing",
         gender_code_4_undeclared,
         Stops(("column 'gender'", "unknown code (allowed: 1, 2, 3)", "values: 4"), "error",
               first_row=GENDER_4_ROW + 1)),
    Case("birth_year_as_age", "a birth year typed in the age question", birth_year_as_age,
         Stops(("column 'age'", "out of range [18, 90]", "1975"), "error",
               first_row=BIRTH_YEAR_ROW + 1)),
    Case("partial_recode", "ict_freq exported 0-4, the recode onto 1-5 forgets `\"4\": 5`",
         partial_recode,
         Warns(("column 'ict_freq'", "code 4 (often) comes both from `recode:`", "raw '3'",
                "('4', passed through unchanged)"),
               "warning: one code from recoded and unlisted values", check=check_partial_recode)),
    Case("consent_coded_1_2", "consent coded 1 = yes, 2 = no, no recode", consent_coded_1_2,
         Stops(("column 'consent'", "unknown code (allowed: 0, 1)", "values: 2"), "error",
               first_row=CONSENT_2_ROW + 1)),
    Case("country_recode_to_names", "country recoded to a name (`\"1\": Canada`), not a code",
         country_recode_to_names,
         Stops(("column 'country'", "maps '1' to 'Canada'", "not a country code", "CA, US"),
               "start-up error", file="codebook")),
    # multi-select
    Case("split_two_ticked_values", "a split checkbox column holding two ticked values (1, 2)",
         split_two_ticked_values,
         Stops(("column 'Q9_1'", "more than one 'ticked' value", "'1', '2'"), "error",
               first_row=SECOND_TICK_ROW + 1)),
    Case("split_zero_export_declared_blank", "`unticked: blank` on an export whose unticked "
         "boxes hold 0", split_zero_export_declared_blank,
         Stops(("column 'Q9_1'", "more than one 'ticked' value", "'0'"), "error",
               first_row=OTHER_THAN_ROW_1 + 1)),
    Case("split_blank_export_declared_zero", "`unticked: \"0\"` on Qualtrics' default export "
         "(unticked boxes blank)", split_blank_export_declared_zero,
         Warns(("Q9_1", "blank", "unticked: blank"),
               "warning: blank boxes beside ticked ones become missing",
               check=check_blank_declared_zero)),
    Case("split_without_group", "Qualtrics' default split export mapped as plain yes/no "
         "columns (no multi_select)", split_without_group,
         Warns(("column 'Q9_1'", "no 0", "multi_select"),
               "warning: blanks are missing, declare the group",
               check=check_split_without_group)),
    Case("joined_unknown_choice", "a joined checkbox cell with a choice not in `choices` (5)",
         joined_unknown_choice,
         Stops(("column 'Q9'", "not in `choices`", ",5'"), "error",
               first_row=JOINED_BAD_ROW + 1)),
    # .sav value labels
    Case("sav_yes_no_swapped", ".sav labels ict_email 1 = No, 0 = Yes (codebook 1 = yes)",
         sav_yes_no_swapped,
         Stops(("column 'ict_email'", "contradicts the codebook", "'No'", "code 0"),
               "error naming the code and both labels")),
    Case("sav_gender_reversed", ".sav labels gender 1 = Man, 2 = Woman (codebook 1 = woman)",
         sav_gender_reversed,
         Stops(("column 'gender'", "contradicts the codebook", "'Man'", "code 2"),
               "error naming the code and both labels")),
    Case("sav_label_unmatched", ".sav labels workplace_policy 3 = `Not sure` (codebook "
         "`don't know`)", sav_label_unmatched,
         Warns(("column 'workplace_policy'", "match no codebook label", "'Not sure'"),
               "warning; numbers as in the plain CSV", check=check_same_as_csv)),
]  # fmt: skip

BY_NAME = {case.name: case for case in CASES}


def test_at_least_25_mistakes():
    assert len(CASES) >= 25 and len(BY_NAME) == len(CASES)


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("analyst project"))


def _cli_args(inputs: Inputs) -> list[str]:
    config = [f"input={inputs.raw}", f"targets={ORACLE / 'targets.yaml'}"]
    if inputs.codebook:
        config.append(f"codebook={inputs.codebook}")
    args = ["--configfile", str(inputs.config)] if inputs.config else []
    return [*args, "--config", *config]


def _sha(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _report_warnings(project: Path) -> list[str]:
    page = (project / "reports/report.html").read_text(encoding="utf-8")
    section = page.split('<div class="input-warnings"', 1)[1].split("</div>", 1)[0]
    items = [item.split("</li>", 1)[0] for item in section.split("<li>")[1:]]
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).removeprefix("WARNING: ") for item in items]


def _params():
    for case in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        yield pytest.param(case.name, marks=marks, id=case.name)


@pytest.mark.parametrize("name", list(_params()))
def test_mistake_through_the_cli(name, project, tmp_path):
    case = BY_NAME[name]
    for generated in ("results", "reports", "logs"):
        shutil.rmtree(project / generated, ignore_errors=True)
    inputs = case.make(tmp_path)
    before = _sha(inputs.files())
    full = isinstance(case.expect, Warns) and case.expect.report
    target = [] if full else [ORIGIN]
    result = snakemake(project, *target, *_cli_args(inputs))
    output = result.stderr + result.stdout
    assert "Traceback" not in output, output[-3000:]
    assert _sha(inputs.files()) == before  # inputs are only ever read
    expect = case.expect
    if isinstance(expect, Stops):
        assert result.returncode != 0, result.stderr[-3000:]
        errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
        assert len(errors) == 1, result.stderr[-3000:]
        named = {"raw": inputs.raw, "codebook": inputs.codebook, "config": inputs.config}
        assert named[expect.file].name in errors[0], errors[0]
        for fragment in expect.fragments:
            assert fragment in errors[0], (fragment, errors[0])
        for fragment in expect.absent:
            assert fragment not in errors[0], (fragment, errors[0])
        if expect.first_row is not None:
            assert f"first at data row {expect.first_row}" in errors[0], errors[0]
        assert files_under(project / "results") == []
        return
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    if isinstance(expect, Same):
        assert warnings == [], warnings
        check_same_as_csv(project)
        return
    matching = [w for w in warnings if all(f in w for f in expect.fragments)]
    assert len(matching) == 1, (expect.fragments, warnings)
    text = matching[0].split(": ", 1)[1]  # after "WARNING socialwork_ict.<rule>:"
    assert text in origin(project)["warnings"]
    if full:
        assert text in _report_warnings(project)
    if expect.check is not None:
        expect.check(project)


# --------------------------------------------------------------------------- the case table


def test_readme_lists_every_case():
    """tests/README.md's "Analyst mistakes" table has one row per case."""
    readme = (ROOT / "tests" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Analyst mistakes", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE)
    assert listed == [case.name for case in CASES]


def case_table() -> str:
    """The Markdown table of tests/README.md (print it to refresh the README)."""
    lines = ["| case | mistake | outcome |", "|---|---|---|"]
    for case in CASES:
        expect = case.expect
        kind = {Stops: "**error**", Warns: "**warning**", Same: "**accepted**"}[type(expect)]
        outcome = f"{kind}: {expect.summary}"
        if not isinstance(expect, Same):
            outcome += " (" + "; ".join(f"`{f}`" for f in expect.fragments) + ")"
        if case.xfail:
            outcome += f" — **known bug (xfail)**: {case.xfail}"
        lines.append(f"| `{case.name}` | {case.mistake} | {outcome} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(case_table())
