"""What a reviewer reads beside the results: limitations from the run, the data dictionary."""

from __future__ import annotations

from socialwork_ict.report.limitations import limitations
from socialwork_ict.report.trace import plain

RAKE = {"method": "rake", "variables": ["age_group", "gender"]}
INFO = {
    "variance": "Taylor linearization, strata = country",
    "n_complete_cases": 4137,
    "n_left_out_missing": 217,
}
TARGETS = {"CA": {"illustrative": "made up", "age_group": {}}, "US": {"age_group": {}}}


def run(**overrides):
    arguments = dict(
        synthetic=False,
        targets=TARGETS,
        targets_file="targets.yaml",
        weighting=RAKE,
        model_info=INFO,
        countries=["CA", "US"],
    )
    arguments.update(overrides)
    return plain(" ".join(limitations(**arguments)))


def test_names_the_illustrative_targets_the_missing_data_and_the_sampling():
    text = run()
    assert "targets of CA are marked illustrative in targets.yaml" in text
    assert "US" not in text.split("illustrative")[0].split("targets of")[-1]
    assert "217 respondents (5.0 %)" in text
    assert "convenience" in text
    assert "margins of age group, gender" in text
    assert "Taylor linearization" in text
    assert "synthetic" not in text


def test_follows_the_run():
    assert "synthetic" in run(synthetic=True)
    unweighted = run(weighting={"method": "none", "variables": ["age_group"]})
    assert "No weighting" in unweighted and "illustrative" not in unweighted
    assert "rak" not in unweighted.lower()
    complete = run(model_info={"variance": "v", "n_complete_cases": 10, "n_left_out_missing": 0})
    assert "complete cases" not in complete


def test_data_dictionary_is_the_codebook_the_run_read():
    from pathlib import Path

    from socialwork_ict.codebook import load_codebook
    from socialwork_ict.report.dictionary import COLUMNS, data_dictionary

    codebook = load_codebook(Path(__file__).parents[1] / "config/codebook.yaml")
    table = data_dictionary(codebook).set_index("variable")
    assert list(table.reset_index().columns) == COLUMNS
    assert list(table.index) == list(codebook.columns)
    assert table.loc["ict_freq", "values"].startswith("1 = never; 2 = rarely")
    assert table.loc["age", "values"] == "18 to 90"
    assert table.loc["contact_after_hours", "asked of"] == "ict_freq >= 2"
    assert table.loc["gender", "missing"] == "blank, -99"


def test_predicted_shares_table_shows_the_figures_numbers():
    import pandas as pd

    from socialwork_ict.report.context import _predicted_view

    predicted = pd.DataFrame(
        {
            "country": ["CA", "CA", "CA"],
            "age_group": ["<30", "<30", "<30"],
            "outcome": ["ict_freq=4", "ict_freq=5", "ict_freq>=4"],
            "estimate": [0.2, 0.1, 0.3],
            "std_error": [0.01, 0.01, 0.02],
            "ci_low": [0.18, 0.08, 0.26],
            "ci_high": [0.22, 0.12, 0.34],
            "n": [100, 100, 100],
        }
    )
    view = _predicted_view(predicted)
    assert len(view["rows"]) == 1
    cells = [cell["text"] for cell in view["rows"][0]]
    assert cells == ["CA", "<30", "30.0", "26.0", "34.0"]  # no count: not disclosure-audited
