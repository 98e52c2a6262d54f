"""Ingest: the three accepted formats and the codebook mapping.

Each test builds its small input file itself (no committed blobs besides the
oracle fixture).
"""

from __future__ import annotations

import json

import pandas as pd
import pyreadstat
import pytest

from socialwork_ict.codebook import codebook_from_dict, load_codebook
from socialwork_ict.errors import InputError
from socialwork_ict.ingest import read_raw_survey

CODEBOOK = load_codebook("config/codebook.yaml")


@pytest.fixture(scope="module")
def small_raw(oracle_dir) -> pd.DataFrame:
    return pd.read_csv(oracle_dir / "raw.csv", dtype=str, keep_default_na=False).head(12)


def test_csv_without_and_with_bom_read_the_same(tmp_path, small_raw):
    plain, bom = tmp_path / "plain.csv", tmp_path / "bom.csv"
    small_raw.to_csv(plain, index=False)
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    a, b = read_raw_survey(plain, CODEBOOK), read_raw_survey(bom, CODEBOOK)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == list(CODEBOOK.columns)
    assert a["respondent_id"].tolist() == small_raw["respondent_id"].tolist()
    assert a["contact_after_hours"].tolist() == small_raw["contact_after_hours"].tolist()


def _qualtrics_export(small_raw: pd.DataFrame, *, with_question_row: bool = True) -> str:
    """A Qualtrics-style export: metadata columns, Q-names, question text and ImportId rows."""
    renamed = small_raw.rename(columns={"age": "Q2", "gender": "Q3", "ict_freq": "Q7"})
    renamed.insert(0, "StartDate", "2017-05-01 10:00:00")
    renamed.insert(1, "ResponseId", [f"R_x{i}" for i in range(len(renamed))])
    questions = ",".join(f'"Question text of {c}"' for c in renamed.columns)
    import_ids = ",".join(
        '"' + json.dumps({"ImportId": f"QID{i}"}).replace('"', '""') + '"'
        for i in range(len(renamed.columns))
    )
    header, body = renamed.to_csv(index=False).split("\n", 1)
    rows = [header] + ([questions] if with_question_row else []) + [import_ids]
    return "\n".join(rows) + "\n" + body


QUALTRICS_CODEBOOK = {
    "missing_codes": [-99],
    "columns": {
        name: {**spec_raw, "raw": {"age": "Q2", "gender": "Q3", "ict_freq": "Q7"}.get(name, name)}
        for name, spec_raw in (
            (
                n,
                {
                    "type": c.type,
                    "codes": c.codes or None,
                    "range": list(c.range) if c.range else None,
                    "required": c.required,
                },
            )
            for n, c in CODEBOOK.columns.items()
        )
    },
}
for _spec in QUALTRICS_CODEBOOK["columns"].values():
    for _key in ("codes", "range"):
        if _spec[_key] is None:
            del _spec[_key]


@pytest.mark.parametrize("with_question_row", [True, False])
def test_qualtrics_export_skips_its_header_rows_and_maps_q_names(
    tmp_path, small_raw, with_question_row
):
    path = tmp_path / "qualtrics.csv"
    path.write_text(_qualtrics_export(small_raw, with_question_row=with_question_row))
    codebook = codebook_from_dict(QUALTRICS_CODEBOOK)
    frame = read_raw_survey(path, codebook)
    assert len(frame) == len(small_raw)
    assert frame["age"].tolist() == small_raw["age"].tolist()
    assert frame["ict_freq"].tolist() == small_raw["ict_freq"].tolist()
    assert "ResponseId" not in frame.columns


def test_spss_sav_keeps_codes_and_reads_value_labels(tmp_path, small_raw):
    numeric = small_raw.drop(columns=["respondent_id", "country"]).replace("", None).astype(float)
    frame = pd.concat([small_raw[["respondent_id", "country"]], numeric], axis=1)
    path = tmp_path / "survey.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        variable_value_labels={"gender": {1.0: "woman", 2.0: "man", 3.0: "another gender"}},
    )
    read = read_raw_survey(path, CODEBOOK)
    assert read["gender"].tolist() == small_raw["gender"].tolist()
    assert read["age"].tolist() == small_raw["age"].tolist()
    assert read["contact_after_hours"].tolist() == small_raw["contact_after_hours"].tolist()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("fake.csv", b"\x00\x01\x02binary\x00", "not a text CSV"),
        ("fake.sav", b"respondent_id,country\nA,CA\n", "not a readable SPSS .sav"),
        ("latin1.csv", "respondent_id,country\nJos\u00e9,CA\n".encode("latin-1"), "not UTF-8"),
        ("data.xlsx", b"PK\x03\x04", "not a readable .xlsx workbook"),
        ("data.xls", b"\xd0\xcf\x11\xe0", r"Excel 97-2003 \(.xls\) files are not read"),
        ("data.json", b"{}", "unsupported file type"),
    ],
)
def test_unreadable_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        read_raw_survey(path, CODEBOOK)
    assert "\n" not in str(caught.value)
    assert name in str(caught.value)


def test_missing_required_column_is_named(tmp_path, small_raw):
    path = tmp_path / "no_age.csv"
    small_raw.drop(columns=["age"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"column 'age': missing required column") as caught:
        read_raw_survey(path, CODEBOOK)
    assert "12 rows" in str(caught.value)


def test_semicolon_delimited_file_is_read(tmp_path, small_raw):
    """The delimiter is sniffed (more layouts: test_ingest_formats.py)."""
    plain, semi = tmp_path / "plain.csv", tmp_path / "semi.csv"
    small_raw.to_csv(plain, index=False)
    small_raw.to_csv(semi, index=False, sep=";")
    pd.testing.assert_frame_equal(read_raw_survey(semi, CODEBOOK), read_raw_survey(plain, CODEBOOK))


def test_codebook_mapping_two_canonical_names_to_one_raw_column_is_rejected():
    data = {
        "missing_codes": [],
        "columns": {
            n: {"raw": c.raw, "type": c.type, "range": [0, 9]} for n, c in CODEBOOK.columns.items()
        },
    }
    data["columns"]["years_practice"]["raw"] = "age"
    with pytest.raises(InputError, match="mapped to two canonical names"):
        codebook_from_dict(data)
