"""The report's multiple-imputation section: counts, FMI per term and CC vs MI."""

from __future__ import annotations

import re
from pathlib import Path

import calibration_oracle as oracle
import pandas as pd

from socialwork_ict.report.imputation import ANCHOR, imputation_section, insert_section

TEMPLATE = Path(__file__).resolve().parents[1] / "workflow/templates/imputation_section.html.j2"


def test_section_shows_counts_fmi_and_the_comparison():
    pooled = oracle.expected("mi/pooled_ordinal")
    cc = oracle.expected("model_ordinal")
    counts = pd.DataFrame(
        {"variable": ["age", "contact_after_hours"], "n_eligible": [2000, 2000],
         "n_missing": [60, 161], "pct_missing": [3.0, 8.05], "n_imputed": [60, 0],
         "n_skip_logic": [0, 427]}
    )  # fmt: skip
    tests_mi = pd.DataFrame(
        {"test": ["wald_age_group"], "country": ["ALL"], "m": [5], "statistic": [8.33],
         "df_num": [4.0], "df_den": [1182.9], "p_value": [1.3e-6], "riv": [0.098],
         "method": ["D1 Li Raghunathan Rubin 1991"]}
    )  # fmt: skip
    tests_cc = pd.DataFrame({"test": ["wald_age_group"], "statistic": [8.76], "p_value": [6e-7]})
    html = imputation_section(
        TEMPLATE.read_text(encoding="utf-8"),
        counts=counts,
        model_mi=pooled,
        model_cc=cc,
        tests_mi=tests_mi,
        tests_cc=tests_cc,
        method="supplied",
    )
    text = re.sub(r"<[^>]+>", "", html)
    assert "5 imputations (supplied completed files); 60 values imputed (age)" in text
    row = pooled.set_index("term").loc["sector[private practice]"]
    assert f"{row['fmi_barnard_rubin']:.3f}" in html  # FMI per term
    se_change = 100 * (row["std_error"] / cc.set_index("term").loc[row.name, "std_error"] - 1)
    assert f"{se_change:.1f}" in html
    assert "8.760" in html and "8.330" in html  # CC and MI age test side by side
    page = '<main><section id="model"></section>' + ANCHOR + "></section></main>"
    placed = insert_section(page, html)
    assert placed.index('id="imputation"') < placed.index('id="sensitivity"')
