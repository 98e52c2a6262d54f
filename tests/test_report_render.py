"""Report stage: generated findings, escaping, StrictUndefined, self-containment.

Hand-made result tables (a few rows each) go through the same
``report_context`` and template as the real rule; :func:`render_example`
is reused by the browser test.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import pytest

from socialwork_ict.report.context import report_context
from socialwork_ict.report.findings import (
    age_effect_sentence,
    any_use_prevalence,
    interaction_sentence,
    key_findings,
    proportional_odds_sentence,
)
from socialwork_ict.report.provenance import provenance
from socialwork_ict.report.render import (
    FIGURES,
    figure_view,
    format_cell,
    render_report,
    report_png,
)
from socialwork_ict.report.trace import plain, traced, traced_html

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workflow" / "templates" / "report.html.j2"
SECTIONS = (
    "synthetic-banner", "findings", "data", "weighting", "table-1", "table-2", "model",
    "tests", "figures", "sensitivity", "published", "methods", "warnings", "provenance",
)  # fmt: skip
AGE_TERMS = ["age_group[30-39]", "age_group[40-49]", "age_group[50-59]", "age_group[60+]"]


def tiny_png() -> bytes:
    """A real small PNG (matplotlib), so the browser decodes an actual image."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    ax.plot([0, 1, 2], [1, 3, 2])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def model_table(odds=(1.4, 1.7, 1.9, 1.5)) -> pd.DataFrame:
    rows = []
    for term, odds_ratio in zip(AGE_TERMS, odds, strict=True):
        rows.append([term, 0.3, 0.1, odds_ratio, odds_ratio * 0.8, odds_ratio * 1.2, 0.001])
    rows.append(["sector[private practice]", 0.6, 0.1, 1.9, 1.5, 2.3, 1e-6])
    rows.append(["threshold 1|2", -1.0, 0.1, float("nan"), float("nan"), float("nan"), 1e-9])
    columns = ["term", "estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value"]
    return pd.DataFrame(rows, columns=columns)


def age_tests_frame(wald_p=0.47, po_p=0.35, rs_p=(1e-6, 0.009, 0.09, 0.98, 1e-10)) -> pd.DataFrame:
    rows = []
    for country, p in zip(["CA", "US", "IL", "UK", "ALL"], rs_p, strict=True):
        name = f"rao_scott_age_group_x_ict_freq[{country}]"
        rows.append([name, country, 3.1, 15.9, 3000.0, p, "Rao-Scott F"])
    rows.append(["wald_age_group_x_country", "ALL", 0.98, 12, 4109, wald_p, "Wald F"])
    rows.append(["wald_age_group_x_country_chisq", "ALL", 11.7, 12, float("inf"), wald_p, "chisq"])
    rows.append(["proportional_odds[age_group]", "ALL", 1.11, 12, 4121, po_p, "PO verdict text"])
    columns = ["test", "country", "statistic", "df_num", "df_den", "p_value", "method"]
    return pd.DataFrame(rows, columns=columns)


def table1_table(never_ca="20.0", suppress_uk=True) -> pd.DataFrame:
    rows = []
    for country in ["CA", "US", "IL", "UK", "ALL"]:
        for category, pct in [("never", never_ca if country == "CA" else "25.0"),
                              ("rarely", "30.0"), ("sometimes", "25.0"), ("often", "15.0"),
                              ("very often", "5.0"), ("missing", "1.0")]:  # fmt: skip
            small = suppress_uk and country == "UK" and category in ("never", "missing")
            rows.append([country, "ict_freq", category, "<5" if small else "40",
                         "" if small else pct, "" if small else pct, small])  # fmt: skip
    columns = ["country", "variable", "category", "n", "pct_unweighted", "pct_weighted"]
    frame = pd.DataFrame(rows, columns=[*columns, "suppressed"])
    for name in ("pct_unweighted", "pct_weighted"):
        frame[name] = pd.to_numeric(frame[name])
    return frame


def comparison_table(status="match") -> pd.DataFrame:
    return pd.DataFrame(
        [["n_CA", "Eligible respondents, Canada", "S1", "count", 2609, 2609, 0.0, 0.0, status, ""],
         ["x", "Not in data", "S3", "none", 67, "", float("nan"), float("nan"),
          "not reproducible", ""]],
        columns=["id", "claim", "source", "computation", "published", "reproduced",
                 "difference", "tolerance", "status", "note"],
    )  # fmt: skip


def example_context(*, source="Statistics Canada", label="How often", synthetic=True, **overrides):
    figure_meta = {"alt": "Bars of the example", "caption": "Example caption."}
    png = tiny_png()
    inputs = dict(
        title="Example report",
        origin={
            "input_name": "synthetic default",
            "n_rows": 120,
            "n_eligible": 100,
            "synthetic": synthetic,
            "input_sha256": "0" * 64,
        },  # fmt: skip
        sample_flow=pd.DataFrame(
            {
                "step": [0, 1],
                "reason": ["rows read", "consent not 1"],
                "n_excluded": [0, 20],
                "n_remaining": [120, 100],
            }  # fmt: skip
        ),
        diagnostics=pd.DataFrame(
            {"country": ["CA"], "n": [100], "deff_kish": [1.01], "converged": [True]}
        ),
        margins=pd.DataFrame(
            {
                "country": ["CA", "CA"],
                "variable": ["gender", "gender"],
                "category": ["woman", "(missing)"],
                "n": ["95", "<5"],
                "target_share": [0.85, None],
            }  # fmt: skip
        ),
        targets={
            "CA": {
                "source": source,
                "illustrative": "age shares are plausible values",
                "age_group": {"<30": 0.2, "30+": 0.8},
                "gender": {"woman": 0.85, "man": 0.15},
            }
        },  # fmt: skip
        targets_file="config/targets.yaml",
        table1=table1_table(),
        table2=pd.DataFrame(
            {
                "country": ["CA", "CA"],
                "age_group": ["<30", "<30"],
                "ict_freq": [1, 2],
                "n": ["<5", "12"],
                "pct_weighted": [None, 31.2],
                "ci_low": [None, 20.1],
                "ci_high": [None, 44.0],
                "suppressed": [True, False],
            }  # fmt: skip
        ),
        codebook_labels={"ict_freq": label, "gender": "Gender"},
        model=model_table(),
        model_info={
            "model": "ict_freq ~ age_group + country",
            "variance": "Taylor",
            "df_residual": 90,
            "warnings": ["example warning from the fit"],
        },  # fmt: skip
        tests=age_tests_frame(),
        po_check=pd.DataFrame(
            {"term": ["age_group[30-39]"], "cut": ["ict_freq>1"], "estimate": [0.25]}
        ),
        sensitivity=pd.DataFrame(
            {
                "specification": ["weighted"],
                "term": ["age_group[30-39]"],
                "estimate": [0.3],
                "warnings": [""],
            }  # fmt: skip
        ),
        comparison=comparison_table(),
        sources={"S1": "Mishna et al. 2021"},
        figures=[figure_view(n, png, figure_meta, synthetic=synthetic) for n in FIGURES],
        weighting={
            "method": "rake",
            "variables": ["age_group", "gender"],
            "epsilon": 1e-12,
            "max_iter": 200,
            "outside_rule": "rake_available",
            "trim_cap": None,
            "sensitivity_trim_cap": 5,
        },  # fmt: skip
        countries=["CA", "US", "IL", "UK"],
        alpha=0.05,
        provenance=provenance(
            file_digests={"targets": "a" * 64},
            config={"seed": 1},
            commit="unknown",
            versions={"snakemake": "9.27.1", "pandas": "3.1.1"},
        ),  # fmt: skip
    )
    inputs.update(overrides)
    return report_context(**inputs)


def render_example(**kwargs) -> str:
    return render_report(TEMPLATE.read_text(encoding="utf-8"), example_context(**kwargs))


# --- findings change with the data ------------------------------------------------


def test_age_sentence_follows_the_odds_ratios():
    up = age_effect_sentence(model_table(odds=(1.4, 1.7, 1.9, 1.5)))
    down = age_effect_sentence(model_table(odds=(0.6, 0.7, 0.5, 0.8)))
    mixed = age_effect_sentence(model_table(odds=(1.4, 0.7, 1.9, 0.9)))
    assert "more frequent" in up and "1.40" in up and "1.90" in up
    assert "less frequent" in down and "0.60" in down
    assert "mixed" in mixed and up != down != mixed


def test_findings_differ_between_two_result_sets(tmp_path):
    """Two different result tables on disk give different key-finding sentences."""
    first, second = tmp_path / "a", tmp_path / "b"
    for folder, odds, wald_p, po_p, rs_p in [
        (first, (1.4, 1.7, 1.9, 1.5), 0.47, 0.35, (1e-6, 0.009, 0.09, 0.98, 1e-10)),
        (second, (0.7, 0.8, 0.6, 0.9), 0.01, 0.002, (0.2, 0.3, 0.04, 0.5, 0.03)),
    ]:
        folder.mkdir()
        model_table(odds).to_csv(folder / "model_ordinal.csv", index=False)
        frame = age_tests_frame(wald_p=wald_p, po_p=po_p, rs_p=rs_p)
        frame.to_csv(folder / "tests.csv", index=False)
    sentences = []
    for folder in (first, second):
        sentences.append(
            key_findings(
                model=pd.read_csv(folder / "model_ordinal.csv"),
                tests=pd.read_csv(folder / "tests.csv"),
                table1=table1_table(),
                comparison=comparison_table(),
                warnings=[],
                countries=["CA", "US", "IL", "UK"],
            )
        )
    assert len(sentences[0]) == len(sentences[1])
    assert all(a != b for a, b in zip(sentences[0][:4], sentences[1][:4], strict=True))
    assert "did not differ detectably" in sentences[0][2]
    assert "differed between countries" in sentences[1][2]
    assert "was not rejected" in sentences[0][3] and "was rejected" in sentences[1][3]


def test_interaction_and_po_sentences_carry_the_statistics():
    text = plain(interaction_sentence(age_tests_frame(wald_p=0.469), 0.05))
    assert "F = 0.98 on 12 and 4109 df" in text and "p = 0.469" in text
    assert "p < 0.001" in plain(proportional_odds_sentence(age_tests_frame(po_p=1e-5), 0.05))


def test_prevalence_skips_suppressed_cells_and_changes_with_the_table():
    shares = any_use_prevalence(table1_table(never_ca="20.0"), ["CA", "US", "IL", "UK"])
    assert shares["UK"] is None  # "<5" cell, blank percentage
    assert shares["CA"] == pytest.approx(100 * 75 / 95)
    other = any_use_prevalence(table1_table(never_ca="40.0"), ["CA"])
    assert other["CA"] == pytest.approx(100 * 75 / 115)


def test_model_warnings_reach_the_report():
    html = render_example()
    assert "example warning from the fit" in html


# --- rendering ----------------------------------------------------------------------


def test_every_section_is_present_and_tables_are_accessible():
    html = render_example()
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert html.count("<caption") >= 10
    assert '<th scope="col">' in html and '<th scope="row"' in html
    assert html.count('class="table-wrap"') == html.count("<table")
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == len(FIGURES)
    assert all(re.search(r'alt="[^"]+"', img) for img in images)
    assert "<svg" not in html or "aria-label" in html


def test_synthetic_banner_and_figure_captions_say_synthetic():
    html = render_example(synthetic=True)
    assert 'id="synthetic-banner"' in html
    captions = re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", html, flags=re.S)
    assert len(captions) == len(FIGURES)
    assert all("synthetic" in c for c in captions)
    real = render_example(synthetic=False)
    assert 'id="synthetic-banner"' not in real
    assert all(
        "synthetic" not in c for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", real)
    )


def test_text_from_data_and_config_is_escaped():
    attack = "<script>alert(1)</script>"
    html = render_example(source=f"Census {attack}", label=f"How often {attack}")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") >= 2  # the target source and the codebook label


def test_disclosure_controlled_counts_render_as_text():
    html = render_example()
    assert "&lt;5" in html


def test_report_is_self_contained():
    html = render_example()
    assert "http://" not in html and "https://" not in html
    for attribute in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert attribute.startswith(("data:", "#")), attribute
    assert "<link" not in html and "<script" not in html and "@import" not in html
    assert "url(" not in html


def test_no_respondent_level_data():
    html = render_example()
    assert "respondent_id" not in html and "SYN-" not in html


def test_strict_undefined_raises_on_a_missing_variable():
    context = example_context()
    del context["findings"]
    with pytest.raises(jinja2.UndefinedError):
        render_report(TEMPLATE.read_text(encoding="utf-8"), context)


def test_rendering_is_deterministic():
    assert render_example() == render_example()


def test_figure_is_inlined_as_png_data_uri():
    png = tiny_png()
    view = figure_view("odds_ratios", png, {"alt": "a", "caption": "c."}, synthetic=False)
    assert view["src"] == "data:image/png;base64," + base64.b64encode(report_png(png)).decode()


def test_inlined_figure_is_a_palette_png_with_the_same_size_and_look():
    from PIL import Image, ImageChops

    png = tiny_png()
    small = report_png(png)
    assert report_png(png) == small  # deterministic
    with Image.open(io.BytesIO(png)) as full, Image.open(io.BytesIO(small)) as palette:
        assert palette.mode == "P" and palette.size == full.size
        difference = ImageChops.difference(full.convert("RGB"), palette.convert("RGB"))
        assert max(high for _, high in difference.getextrema()) <= 48


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1.23456, 2, "1.23"), ("<5", 0, "<5"), (None, 1, ""), (float("nan"), 1, ""),
     (float("inf"), 1, "inf"), (12, 0, "12"), (True, None, "yes")],
)  # fmt: skip
def test_format_cell(value, decimals, expected):
    assert format_cell(value, decimals) == expected


def test_a_synthetic_caption_says_so_once():
    """The figure's caption record carries its note; the report adds one only where missing."""
    note = "Synthetic data: illustrates the pipeline, not the study's findings."
    carried = figure_view(
        "odds_ratios", tiny_png(), {"alt": "a", "caption": f"c. {note}"}, synthetic=True
    )
    assert carried["caption"].lower().count("synthetic") == 1
    bare = figure_view("odds_ratios", tiny_png(), {"alt": "a", "caption": "c."}, synthetic=True)
    assert bare["caption"].lower().count("synthetic") == 1
    real = figure_view("odds_ratios", tiny_png(), {"alt": "a", "caption": "c."}, synthetic=False)
    assert "synthetic" not in real["caption"].lower()


def test_thresholds_are_not_shown_as_odds_ratios_and_no_zero_count_is_red():
    model = model_table()
    model.loc[model["term"] == "threshold 1|2", ["odds_ratio", "ci_low", "ci_high"]] = [
        0.37,
        0.30,
        0.45,
    ]
    html = render_example(model=model)
    row = re.search(r"<th scope=\"row\"[^>]*>threshold 1\|2</th>(.*?)</tr>", html, flags=re.S)
    assert row and "0.37" not in row.group(1) and "0.30" not in row.group(1)
    assert "not odds ratios" in html
    assert not re.search(r'class="status-mismatch">(<span [^>]*>)?0(</span>)? mismatch', html)


def test_variance_comparison_puts_the_methods_side_by_side():
    from socialwork_ict.report.context import variance_comparison

    rows = []
    for spec, se in (("weighted", 0.10), ("calibrated", 0.099), ("bootstrap", 0.102)):
        for term, estimate in (("age_group[30-39]", 0.3), ("age_group[60+]", 0.4)):
            rows.append({"specification": spec, "term": term, "estimate": estimate,
                         "std_error": se, "odds_ratio": np.exp(estimate),
                         "ci_low": np.exp(estimate - 1.96 * se),
                         "ci_high": np.exp(estimate + 1.96 * se)})  # fmt: skip
    rows.append({**rows[0], "specification": "unweighted", "std_error": 9.0})
    table = variance_comparison(pd.DataFrame(rows))
    assert table["term"].tolist() == ["age_group[30-39]", "age_group[60+]"]
    assert table["se_fixed"].tolist() == [0.10, 0.10]
    np.testing.assert_allclose(table["se_calibrated_vs_fixed_pct"], [-1.0, -1.0])
    np.testing.assert_allclose(table["se_bootstrap_vs_fixed_pct"], [2.0, 2.0])
    assert table["ci_fixed"].iloc[0] == f"{np.exp(0.3 - 0.196):.2f}-{np.exp(0.3 + 0.196):.2f}"
    assert variance_comparison(pd.DataFrame(rows[-1:]).iloc[:0]).empty


def test_traced_numbers_are_escaped_spans_with_their_source():
    text = "F <b> " + traced("1.50", 'results/tables/tests.csv#test=a"b:statistic') + " df"
    html = str(traced_html(text))
    assert html.startswith('F &lt;b&gt; <span class="src" data-source=')
    assert "a&#34;b:statistic" in html and ">1.50</span> df" in html
    assert plain(text) == "F <b> 1.50 df"


def test_table1_is_wide_and_each_shown_number_has_a_source():
    html = render_example()
    table = html.split('<table id="table1"', 1)[1].split("</table>", 1)[0]
    header = re.findall(r'<th scope="col">([^<]*)</th>', table)
    assert header[:4] == ["question", "category", "CA n", "CA %"]
    assert (
        table.count("<tr>")
        == 1 + table1_table()[["variable", "category"]].drop_duplicates().shape[0]
    )
    cells = re.findall(r'<td class="num"( data-source="[^"]+")?>([^<]*)</td>', table)
    assert cells and all(source for source, text in cells if any(c.isdigit() for c in text))
    assert (
        'data-table="results/tables/table1_sample.csv" data-keys="country,variable,category"'
        in table
    )
