"""Cleaning on tiny frames: typing, missing codes, skip logic, eligibility, duplicates."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialwork_ict.cleaning import CleaningResult, clean_responses, data_origin
from socialwork_ict.codebook import load_codebook
from socialwork_ict.errors import InputError

CODEBOOK = load_codebook("config/codebook.yaml")

BASE = {
    "respondent_id": "A1", "country": "CA", "consent": "1", "direct_client_contact": "1",
    "age": "34", "gender": "1", "years_practice": "8", "sector": "2", "ict_freq": "3",
    "ict_email": "1", "ict_text": "0", "ict_social_media": "0", "ict_video": "0",
    "contact_after_hours": "1", "searched_client_online": "0", "client_searched_worker": "0",
    "friend_request": "1", "discussed_supervisor": "1", "discussed_colleagues": "0",
    "workplace_policy": "3",
}  # fmt: skip


def frame(*rows: dict) -> pd.DataFrame:
    """Raw canonical text rows: each dict overrides BASE; ids default to R1, R2, ...
    The optional v2 columns (not in BASE) are empty, as the mapping leaves them
    for an export without them."""
    empty = dict.fromkeys(CODEBOOK.columns, "")
    records = [{**empty, **BASE, "respondent_id": f"R{i}", **row} for i, row in enumerate(rows, 1)]
    return pd.DataFrame(records, columns=list(CODEBOOK.columns), dtype=object)


def clean(raw: pd.DataFrame, countries=("CA",)):
    return clean_responses(raw, CODEBOOK, file="test.csv", countries=countries)


def test_values_are_typed_and_minus_99_is_missing():
    result = clean(frame({"age": " 41 "}, {"age": "52.0"}, {"gender": "-99", "sector": ""}))
    analysis = result.analysis
    assert analysis["age"].tolist() == [41, 52, 34]
    assert str(analysis["age"].dtype) == "Int64"
    assert analysis["gender"].isna().tolist() == [False, False, True]
    assert analysis["sector"].isna().tolist() == [False, False, True]
    assert analysis["age_group"].astype(str).tolist() == ["40-49", "50-59", "30-39"]
    assert analysis["sector"].iloc[0] == "non-profit"


def test_skip_logic_is_kept_apart_from_item_nonresponse():
    result = clean(
        frame(
            {"ict_freq": "1", "contact_after_hours": ""},  # not asked: skip logic
            {"ict_freq": "3", "contact_after_hours": ""},  # asked, not answered
            {"ict_freq": "3", "contact_after_hours": "-99"},  # asked, prefer not to say
        )
    )
    analysis = result.analysis
    assert analysis["contact_after_hours"].isna().all()
    assert analysis["contact_after_hours_skipped"].tolist() == [True, False, False]


def test_eligibility_steps_and_sample_flow():
    raw = frame(
        {},
        {"consent": "0"},
        {"consent": ""},
        {"direct_client_contact": "0"},
        {"country": "FR"},
        {"country": " ca "},  # trimmed and upper-cased: eligible
        {"respondent_id": ""},
        {key: "" for key in BASE},  # blank row
    )
    result = clean(raw)
    flow = result.sample_flow.set_index("reason")["n_excluded"]
    assert flow["blank row"] == 1
    assert flow["consent not 1"] == 2
    assert flow["direct_client_contact not 1"] == 1
    assert flow["country not CA"] == 1
    assert flow["respondent_id empty"] == 1
    assert result.sample_flow["n_remaining"].iloc[-1] == len(result.analysis) == 2
    assert result.exclusions["row"].tolist() == [2, 3, 4, 5, 7, 8]


def test_duplicates_keep_the_most_complete_submission():
    raw = frame(
        {"respondent_id": "D1", "ict_email": "", "friend_request": ""},  # partial, earlier
        {"respondent_id": "D1"},  # complete: kept
        {"respondent_id": "D2"},
        {"respondent_id": "D2"},  # identical copy: first kept
        {"respondent_id": "D3"},
    )
    result = clean(raw)
    assert result.analysis["respondent_id"].tolist() == ["D1", "D2", "D3"]
    assert result.analysis["ict_email"].iloc[0] == 1
    assert result.exclusions["row"].tolist() == [1, 4]


def test_skip_logic_blanks_do_not_count_as_missing_when_choosing_a_duplicate():
    raw = frame(
        {"respondent_id": "D1", "ict_freq": "1", "contact_after_hours": ""},  # skip: complete
        {"respondent_id": "D1", "ict_freq": "2", "contact_after_hours": "1"},
    )
    with pytest.raises(InputError, match="equally complete"):
        clean(raw)


def test_duplicates_the_rule_cannot_resolve_stop_the_run():
    raw = frame({"respondent_id": "D1", "age": "40"}, {"respondent_id": "D1", "age": "41"})
    with pytest.raises(InputError, match="equally complete, different submissions") as caught:
        clean(raw)
    assert "'D1'" in str(caught.value) and "2 rows" in str(caught.value)


@pytest.mark.parametrize(
    ("override", "column", "problem", "value"),
    [
        ({"gender": "7"}, "gender", "unknown code", "7"),
        ({"age": "17"}, "age", "out of range", "17"),
        ({"age": "101"}, "age", "out of range", "101"),
        ({"ict_freq": "3a"}, "ict_freq", "text in a numeric column", "'3a'"),
        ({"years_practice": "2.5"}, "years_practice", "not a whole number", "'2.5'"),
    ],
)
def test_bad_values_name_column_value_and_rows(override, column, problem, value):
    with pytest.raises(InputError) as caught:
        clean(frame({}, override, override))
    message = str(caught.value)
    assert f"column '{column}'" in message and problem in message
    assert value in message and "2 rows" in message and "test.csv" in message


def test_no_eligible_rows_and_missing_country_stop_the_run():
    with pytest.raises(InputError, match="no eligible rows"):
        clean(frame({"consent": "0"}))
    with pytest.raises(InputError, match="no eligible respondents; values: 'UK'"):
        clean(frame({}, {"country": "US"}), countries=("CA", "US", "UK"))


def test_raw_frame_is_not_modified():
    raw = frame({"age": " 41 "}, {"gender": "-99"})
    before = raw.copy()
    clean(raw)
    pd.testing.assert_frame_equal(raw, before)


row_kinds = st.sampled_from(
    [{}, {"consent": "0"}, {"direct_client_contact": "0"}, {"country": "FR"},
     {"respondent_id": ""}, {"respondent_id": "SAME"}, {"gender": "-99"}, {"ict_email": ""}]
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(row_kinds, min_size=1, max_size=25))
def test_rows_in_equal_rows_kept_plus_rows_excluded(rows):
    raw = frame({}, *rows)  # the first row keeps the run from having no eligible row
    result = clean(raw)
    flow = result.sample_flow
    assert flow["n_remaining"].iloc[0] == len(raw)
    assert len(raw) == len(result.analysis) + flow["n_excluded"].sum()
    assert len(result.exclusions) == flow["n_excluded"].sum()
    assert result.analysis["respondent_id"].is_unique


@pytest.mark.parametrize("synthetic", [True, False])
def test_data_origin_records_the_raw_files_digest_and_the_counts(tmp_path, synthetic):
    raw = tmp_path / "export.csv"
    raw.write_bytes(b"respondent_id,country\nA1,CA\n")
    result = CleaningResult(
        analysis=pd.DataFrame({"respondent_id": ["A1", "A2"]}),
        sample_flow=pd.DataFrame({"step": [0, 1], "n_remaining": [5, 2]}),
        exclusions=pd.DataFrame(),
        warnings=("a warning",),
    )
    origin = data_origin(result, raw, synthetic=synthetic)
    assert origin == {
        "synthetic": synthetic,
        "input_name": "synthetic default" if synthetic else "export.csv",
        # sha256sum of the bytes written above
        "input_sha256": "77994c7554fee55138b1ecba95b5aecebe08c0e7da35d2bbf5e9f8c0aa8ec627",
        "n_rows": 5,
        "n_eligible": 2,
        "warnings": ["a warning"],
    }
