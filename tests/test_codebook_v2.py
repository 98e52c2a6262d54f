"""Codebook v2 (docs/codebook-v2.md) at package level: what each key does to the data.

Each test builds a tiny export (the export's own column names, text cells)
and a codebook derived from the default one, and checks the cleaned values,
the sample flow, the warnings or the one-line error.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialwork_ict.cleaning import EmptySampleError, clean_responses
from socialwork_ict.codebook import codebook_from_dict, load_codebook, normalise_token
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_export
from socialwork_ict.mapping import to_canonical
from socialwork_ict.preview import preview_export

DEFAULT = yaml.safe_load(Path("config/codebook.yaml").read_text(encoding="utf-8"))
SCHEMA = Path("workflow/schemas/codebook.schema.yaml")

BASE = {
    "respondent_id": "A1", "country": "CA", "consent": "1", "direct_client_contact": "1",
    "age": "34", "gender": "1", "years_practice": "8", "sector": "2", "ict_freq": "3",
    "ict_email": "1", "ict_text": "0", "ict_social_media": "0", "ict_video": "0",
    "contact_after_hours": "1", "searched_client_online": "0", "client_searched_worker": "0",
    "friend_request": "1", "discussed_supervisor": "1", "discussed_colleagues": "0",
    "workplace_policy": "3",
}  # fmt: skip


def codebook_with(edit=None, **top):
    """The default codebook with ``edit(data)`` applied and top-level keys replaced."""
    data = copy.deepcopy(DEFAULT)
    data.update(top)
    if edit:
        edit(data)
    return codebook_from_dict(data, source="codebook.yaml")


def export(*rows: dict, drop=()) -> pd.DataFrame:
    """Export rows: each dict overrides BASE (ids R1, R2, ...); ``drop`` removes columns."""
    records = [{**BASE, "respondent_id": f"R{i}", **row} for i, row in enumerate(rows, 1)]
    frame = pd.DataFrame(records, dtype=object)
    return frame.drop(columns=list(drop))


def clean(raw, codebook, countries=("CA",)):
    mapped = to_canonical(raw, codebook, file="export.csv")
    return clean_responses(mapped, codebook, file="export.csv", countries=countries)


def test_normalise_token_folds_case_space_and_number_spellings():
    assert normalise_token(" Very Often ") == "very often"
    assert [normalise_token(v) for v in (4, "4", " 4.0", "+4", "4.000")] == ["4"] * 5
    assert normalise_token("-99") == "-99"
    assert normalise_token("1_0") == "1_0"  # float() would read it as 10
    assert normalise_token("3.5") == "3.5"


def test_country_recode_maps_text_and_numeric_codes():
    def edit(data):
        data["columns"]["country"]["recode"] = {"1": "CA", "Canada": "CA", "GB": "UK"}

    result = clean(
        export({"country": "1"}, {"country": " canada "}, {"country": "GB"}, {"country": "CA"}),
        codebook_with(edit),
        countries=("CA", "UK"),
    )
    assert result.analysis["country"].astype(str).tolist() == ["CA", "CA", "UK", "CA"]
    assert not result.warnings


def test_unrecognised_country_is_warned_with_count_suggestion_and_value():
    result = clean(
        export({}, {"country": "CAN"}, {"country": "CAN"}, {"country": "GB"}, {"country": "FR"}),
        codebook_with(),
    )
    (warning,) = result.warnings
    assert "column 'country': 4 rows excluded as another country" in warning
    assert "'CAN' (2, CA?)" in warning and "'GB' (1, UK?)" in warning and "'FR' (1)" in warning
    assert 'recode: {"CAN": CA}' in warning
    excluded = result.exclusions.set_index("row")
    assert excluded.loc[[2, 3, 4, 5], "value"].tolist() == ["CAN", "CAN", "GB", "FR"]


def test_a_country_without_respondents_hints_at_recode_when_values_are_unrecognised():
    with pytest.raises(InputError) as caught:
        clean(export({}, {"country": "GB"}), codebook_with(), countries=("CA", "UK"))
    message = caught.value.message()
    assert "a configured country has no eligible respondents" in message and "'UK'" in message
    assert "'GB' (1)" in message and "recode" in message


def test_empty_sample_names_the_step_and_the_values_it_saw():
    raw = export(*[{"country": code} for code in ("1", "1", "2", "3", "4")])
    with pytest.raises(EmptySampleError) as caught:
        clean(raw, codebook_with(), countries=("CA", "US", "IL", "UK"))
    message = caught.value.message()
    assert "column 'country'" in message and "consent" not in message
    assert "step 4 (country not CA/US/IL/UK) excluded the last 5 rows" in message
    assert "'1' (2), '2' (1), '3' (1), '4' (1)" in message
    flow = caught.value.sample_flow
    assert flow["n_remaining"].tolist() == [5, 5, 5, 5, 0, 0, 0]


def test_per_column_missing_replaces_the_global_codes():
    def edit(data):
        data["columns"]["gender"]["missing"] = [4, "Prefer not to say"]

    result = clean(
        export({"gender": "4"}, {"gender": "prefer not to say "}, {"age": "-99"}, {}),
        codebook_with(edit),
    )
    assert result.analysis["gender"].isna().tolist() == [True, True, False, False]
    assert result.analysis["age"].isna().tolist() == [False, False, True, False]
    # -99 is no longer missing for gender: its own list replaced the global one
    with pytest.raises(InputError, match="column 'gender': unknown code.*-99"):
        clean(export({"gender": "-99"}), codebook_with(edit))


def test_a_global_missing_code_that_is_a_valid_code_stops_naming_both():
    with pytest.raises(InputError) as caught:
        codebook_with(missing_codes=[-99, 4])
    message = caught.value.message()
    # the first column (codebook order) it collides with: years_practice's range holds 4
    assert "column 'years_practice': the global missing code 4 is a value in its range" in message
    assert "own `missing" in message


def test_the_collision_names_a_valid_code_with_its_label():
    def edit(data):
        data["columns"]["years_practice"]["missing"] = []

    with pytest.raises(InputError) as caught:
        codebook_with(edit, missing_codes=[4])
    assert "column 'sector': the global missing code 4 is the valid code 4 (other)" in str(
        caught.value
    )


def test_a_global_missing_code_in_a_range_stops():
    def edit(data):
        for name in ("gender", "sector", "ict_freq", "workplace_policy"):
            data["columns"][name]["missing"] = []

    with pytest.raises(InputError, match=r"column 'years_practice'.*range \[0, 60\]"):
        codebook_with(edit, missing_codes=[4])


def test_a_code_set_other_than_the_contract_is_refused_with_the_recode_advice():
    def edit(data):
        data["columns"]["ict_freq"]["codes"][6] = "daily"

    with pytest.raises(InputError) as caught:
        codebook_with(edit)
    message = caught.value.message()
    assert "column 'ict_freq'" in message and "not in the contract: [6]" in message
    assert "recode:" in message


def test_labels_worded_differently_warn_and_tables_keep_the_contract_labels():
    def edit(data):
        data["columns"]["gender"]["codes"] = {1: "female", 2: "Man", 3: "another gender"}

    result = clean(export({}), codebook_with(edit))
    (warning,) = result.warnings
    assert "column 'gender'" in warning and "1: 'female' (contract 'woman')" in warning
    assert "'Man'" not in warning  # case differences are not differences
    assert result.analysis["gender"].astype(str).tolist() == ["woman"]


@pytest.mark.parametrize(
    ("column", "kind"),
    [("country", "int"), ("respondent_id", "int"), ("consent", "text")],
)
def test_a_contract_column_keeps_its_type(column, kind):
    def edit(data):
        data["columns"][column]["type"] = kind
        if kind == "int":
            data["columns"][column]["range"] = [1, 4]

    with pytest.raises(InputError, match=rf"column '{column}': `type: {kind}`.*recode"):
        codebook_with(edit)


@pytest.mark.parametrize(
    ("snippet", "where"),
    [
        ("    recode: {Yes: 1, No: 0}\n", "columns.consent.recode"),
        ('    recode: {"Norway": NO}\n', "columns.consent.recode.Norway"),
    ],
)
def test_yaml_boolean_traps_stop_with_the_quoting_hint(tmp_path, snippet, where):
    text = Path("config/codebook.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    label: Consented to take part\n", "    label: Consented to take part\n" + snippet
    )
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_codebook(path, schema=SCHEMA)
    message = caught.value.message()
    assert where in message and "boolean" in message and "quote them" in message


def test_unquoted_yes_label_is_caught_before_the_schema(tmp_path):
    text = Path("config/codebook.yaml").read_text(encoding="utf-8")
    text = text.replace('codes: {1: "yes", 0: "no"}', "codes: {1: yes, 0: no}", 1)
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"columns\.consent\.codes\.1: the value is the boolean"):
        load_codebook(path, schema=SCHEMA)


def test_recode_target_must_be_a_code_or_missing():
    def edit(data):
        data["columns"]["ict_freq"]["recode"] = {"Daily": 6}

    with pytest.raises(InputError, match="maps 'daily' to 6, which is neither a code nor missing"):
        codebook_with(edit)


def test_labels_export_is_read_through_a_normalised_recode():
    labels = {"Never": 1, "Rarely": 2, "Sometimes": 3, "Often": 4, "Very often": 5}

    def edit(data):
        data["columns"]["ict_freq"]["recode"] = labels

    result = clean(
        export({"ict_freq": "Very Often "}, {"ict_freq": "never"}, {"ict_freq": "3"}),
        codebook_with(edit),
    )
    assert result.analysis["ict_freq"].tolist() == [5, 1, 3]
    with pytest.raises(InputError) as caught:
        clean(export({}, {}, {"ict_freq": "Daily"}), codebook_with(edit))
    message = caught.value.message()
    assert "column 'ict_freq': text in a numeric column; values: 'Daily'" in message
    assert "1 row; first at data row 3" in message


CHANNELS = ["ict_email", "ict_text", "ict_social_media", "ict_video"]


def split_codebook(**group):
    def edit(data):
        for i, name in enumerate(CHANNELS, 1):
            data["columns"][name]["raw"] = f"Q7_{i}"
        data["multi_select"] = {"channels": {"form": "split", "members": CHANNELS, **group}}

    return codebook_with(edit)


def split_export(*boxes):
    """One row per tuple of the four Q7_* cells."""
    rows = [{f"Q7_{i}": cell for i, cell in enumerate(cells, 1)} for cells in boxes]
    return export(*rows, drop=CHANNELS)


def channels(result):
    return result.analysis[CHANNELS].astype("float").fillna(-1).astype(int).values.tolist()


def test_split_checkboxes_unticked_blank():
    raw = split_export(("1", "", "", "4"), ("", "", "", ""), ("-99", "-99", "-99", "-99"))
    result = clean(raw, split_codebook(unticked="blank", seen_unanswered=[-99]))
    assert channels(result) == [[1, 0, 0, 1], [-1] * 4, [-1] * 4]
    result = clean(raw, split_codebook(unticked="blank", none_ticked="no"))
    assert channels(result) == [[1, 0, 0, 1], [0] * 4, [-1] * 4]


def test_split_checkboxes_unticked_zero():
    raw = split_export(("1", "0", "0", "1"), ("0", "0", "0", "0"), ("1", "", "0", "0"))
    result = clean(raw, split_codebook(unticked=0))
    assert channels(result) == [[1, 0, 0, 1], [0] * 4, [1, -1, 0, 0]]


def test_choice_text_in_ticked_boxes_is_one_value_per_column():
    raw = split_export(("Email", "", "", ""), ("", "Text messages", "", "Video"))
    assert channels(clean(raw, split_codebook())) == [[1, 0, 0, 0], [0, 1, 0, 1]]
    bad = split_export(("1", "", "", ""), ("5", "", "", ""), ("1", "", "", ""))
    with pytest.raises(InputError) as caught:
        clean(bad, split_codebook())
    message = caught.value.message()
    assert "column 'Q7_1'" in message and "more than one 'ticked' value" in message
    assert "'1', '5'" in message and "first at data row 2" in message


def joined_codebook():
    def edit(data):
        for name in CHANNELS:
            data["columns"][name].pop("raw")
        data["multi_select"] = {
            "channels": {
                "form": "joined",
                "raw": "Q7",
                "choices": {
                    "1": CHANNELS[0],
                    "2": CHANNELS[1],
                    "3": CHANNELS[2],
                    "4": CHANNELS[3],
                    "5": "none",
                },
            }
        }

    return codebook_with(edit)


def test_joined_checkboxes():
    raw = export(
        {"Q7": "1,3,4"}, {"Q7": ""}, {"Q7": "2"}, {"Q7": "-99"}, {"Q7": "5"}, drop=CHANNELS
    )
    result = clean(raw, joined_codebook())
    assert channels(result) == [[1, 0, 1, 1], [-1] * 4, [0, 1, 0, 0], [-1] * 4, [0] * 4]
    with pytest.raises(InputError) as caught:
        clean(export({"Q7": "1"}, {"Q7": "1,9"}, drop=CHANNELS), joined_codebook())
    message = caught.value.message()
    assert "column 'Q7'" in message and "'1,9'" in message and "first at data row 2" in message


def test_a_multi_select_member_must_be_a_yes_no_column():
    def edit(data):
        data["multi_select"] = {"g": {"form": "split", "members": ["ict_email", "ict_freq"]}}

    with pytest.raises(InputError, match="member 'ict_freq' is not a yes/no column"):
        codebook_with(edit)


def filtered_codebook():
    return codebook_with(
        filters=[
            {"raw": "Status", "keep": [0, "IP Address"], "reason": "preview or spam (Status)"},
            {"raw": "Finished", "keep": [1], "reason": "unfinished (Finished)"},
        ]
    )


def test_row_filters_are_counted_steps_of_the_sample_flow():
    raw = export(
        {"Status": "0", "Finished": "1"},
        {"Status": "1", "Finished": "1"},
        {"Status": "IP Address", "Finished": "0"},
        {"Status": "8", "Finished": "1"},
        {"Status": "0", "Finished": "1", "consent": "0"},
    )
    result = clean(raw, filtered_codebook())
    flow = result.sample_flow.set_index("reason")
    assert flow.loc["preview or spam (Status)", "n_excluded"] == 2
    assert flow.loc["unfinished (Finished)", "n_excluded"] == 1
    assert flow.loc["consent not 1", "n_excluded"] == 1
    assert result.analysis["respondent_id"].tolist() == ["R1"]
    assert result.sample_flow["reason"].tolist()[1:4] == [
        "blank row",
        "preview or spam (Status)",
        "unfinished (Finished)",
    ]


def test_qualtrics_preview_rows_without_a_filter_are_a_warning():
    raw = export({"Status": "0"}, {"Status": "1"}, {"Status": "8"}, {"Status": "8"})
    result = clean(raw, codebook_with())
    (warning,) = result.warnings
    assert "column 'Status': 3 rows are not ordinary responses" in warning
    assert "'8' (2), '1' (1)" in warning and "filters:" in warning


def test_a_missing_filter_column_is_a_missing_column():
    with pytest.raises(InputError, match=r"missing required column.*filter \(raw 'Status'\)"):
        clean(export({}), filtered_codebook())


def test_response_id_as_respondent_id_is_a_warning():
    def edit(data):
        data["columns"]["respondent_id"]["raw"] = "ResponseId"

    raw = export({}, {}).rename(columns={"respondent_id": "ResponseId"})
    raw["ResponseId"] = ["R_1a2B3c4D5e6F7g8", "R_9a2B3c4D5e6F7g8"]
    (warning,) = clean(raw, codebook_with(edit)).warnings
    assert "column 'ResponseId'" in warning and "repeated submissions" in warning


def write_sav(path: Path, labels: dict) -> None:
    import pyreadstat

    frame = pd.DataFrame([{**BASE, "respondent_id": f"R{i}"} for i in range(1, 4)])
    for column in frame.columns:
        if column not in ("respondent_id", "country"):
            frame[column] = frame[column].astype(float)
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels)


def test_sav_value_labels_that_contradict_the_codebook_stop(tmp_path):
    path = tmp_path / "swapped.sav"
    write_sav(path, {"consent": {1.0: "No", 0.0: "Yes"}})
    with pytest.raises(InputError) as caught:
        read_export(path, codebook_with())
    message = caught.value.message()
    assert "column 'consent'" in message and "contradicts the codebook" in message
    assert "code 1 ('yes' in the codebook)" in message and "'No'" in message


def test_sav_value_labels_that_agree_or_only_differ_in_wording(tmp_path):
    path = tmp_path / "labelled.sav"
    write_sav(
        path,
        {
            "consent": {1.0: " YES", 0.0: "no"},
            "gender": {1.0: "Female", 2.0: "Man", 3.0: "Another gender", -99.0: "Refused"},
        },
    )
    mapped = read_export(path, codebook_with())
    (warning,) = mapped.warnings
    assert "column 'gender'" in warning and "'1' = 'Female'" in warning and "Refused" not in warning


def test_preview_shows_every_value_and_what_it_becomes():
    def edit(data):
        data["columns"]["ict_freq"]["recode"] = {"Often": 4}

    codebook = codebook_with(edit)
    raw = export({"ict_freq": "Often"}, {"ict_freq": "often"}, {"ict_freq": "9"}, {"consent": "0"})
    mapped = to_canonical(raw, codebook, file="export.csv")
    preview = preview_export(raw, mapped, codebook, countries=("CA",))
    freq = preview[preview["column"] == "ict_freq"].set_index("raw_value")
    assert freq.loc["Often", ["n", "becomes", "label", "status"]].tolist() == [
        1,
        "4",
        "often",
        "code",
    ]
    assert freq.loc["9", "status"] == "invalid: unknown code (allowed: 1, 2, 3, 4, 5)"
    consent = preview[preview["column"] == "consent"].set_index("raw_value")
    assert consent.loc["0", "status"] == "excludes: consent not 1" and consent.loc["1", "n"] == 3
    ids = preview[preview["column"] == "respondent_id"]
    assert not ids["raw_value"].str.startswith("R").any()  # ids are summarised, never listed
    assert np.all(preview.groupby("column")["n"].sum().drop("respondent_id") == 4)


def test_sav_label_check_skips_checkbox_columns_and_reads_curly_apostrophes(tmp_path):
    path = tmp_path / "checkboxes.sav"
    write_sav(
        path,
        {
            "ict_email": {1.0: "E-mail"},
            "workplace_policy": {1.0: "Yes", 2.0: "No", 3.0: "Don\u2019t know"},
        },
    )

    def edit(data):
        data["multi_select"] = {"channels": {"form": "split", "members": CHANNELS}}

    assert read_export(path, codebook_with(edit)).warnings == ()


def test_recode_keys_equal_after_normalising_with_different_targets_stop():
    def edit(data):
        data["columns"]["ict_freq"]["recode"] = {"Often": 4, "often ": 5}

    with pytest.raises(InputError, match=r"keys 'Often' and 'often ' are the same raw value"):
        codebook_with(edit)
    codebook_with(lambda d: d["columns"]["ict_freq"].update(recode={"Often": 4, "OFTEN": 4}))
