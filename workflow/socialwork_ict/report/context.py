"""Everything the report template shows, assembled from the result tables.

Stage: report. :func:`report_context` takes the tables and parsed files the
``render_report`` rule declares as inputs and returns the template's
context: display-ready tables (:func:`~socialwork_ict.report.render.table_view`),
the generated key findings (:mod:`~socialwork_ict.report.findings`), the
methods generated from the config, warnings and provenance. Only aggregate
tables enter: no respondent-level rows, no respondent ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from socialwork_ict.names import POOLED
from socialwork_ict.report.findings import collect_warnings, key_findings
from socialwork_ict.report.limitations import limitations
from socialwork_ict.report.render import SYNTHETIC_NOTE, table_view, target_views
from socialwork_ict.report.trace import (
    COMPARISON_TABLE,
    DATA_ORIGIN,
    MODEL_INFO,
    MODEL_TABLE,
    TABLE1,
    TESTS_TABLE,
    cell_source,
    count_source,
    expand,
    key_source,
    sources_frame,
    traced,
)

PO_TEST = "proportional_odds[age_group]"


def disclosure_note(*tables: pd.DataFrame) -> str:
    """The table note on the two disclosure labels (data contract v2)."""
    labels = pd.concat([t["n"].astype(str) for t in tables if "n" in t.columns])
    marks = sorted(set(labels[labels.str.startswith("<")]))
    k = marks[0].removeprefix("<") if marks else "k"
    if k.isdigit():
        k = traced(k, key_source("config", "disclosure", "k"))
    return (
        f"Disclosure control: a count shown as '<{k}' has at least one and fewer than {k} "
        f"respondents (threshold rule, k = {k}); a count shown as 'x' is withheld only so that "
        "such a cell cannot be recovered from the published totals (it may be large). "
        "Their percentages are left blank. Empty cells are shown as a zero count."
    )


def _weighting_method(weighting: Mapping[str, Any]) -> str:
    """The Methods line of the weighting that ran (``weighting.method``, data contract §2)."""
    method = weighting["method"]
    variables = ", ".join(weighting["variables"])

    def config(key):
        return traced(f"{weighting[key]:g}", key_source("config", "weighting", key))

    if method == "none":
        return (
            "none: every respondent has weight one, so every estimate is unweighted; the "
            f"targets' margins of {variables} are shown for comparison only. Variance is still "
            "design-based (strata = country)."
        )
    trim = weighting.get("trim_cap")
    trimming = "none" if trim is None else f"cap {config('trim_cap')} x the country's mean weight"
    if method == "rake":
        how = (
            f"raking on {variables} within each country (convergence epsilon "
            f"{config('epsilon')}, at most {config('max_iter')} sweeps)"
        )
    else:
        how = f"post-stratification to the joint cells of {variables} within each country"
    return (
        f"method {method}: {how}; respondents outside the target categories: "
        f"{weighting['outside_rule']}; trimming: {trimming}; sensitivity analysis with weights "
        f"capped at {config('sensitivity_trim_cap')} x the mean. Weights are scaled to "
        "sum to each country's eligible sample size; they are sampling weights, not frequency "
        "weights."
    )


def _shown_diagnostics(diagnostics: pd.DataFrame, method: str) -> pd.DataFrame:
    """The diagnostics as the report shows them: without weighting, the rule for
    respondents outside the targets applied to nothing, so it is not shown."""
    if method == "none" and "outside_rule" in diagnostics.columns:
        return diagnostics.drop(columns="outside_rule")
    return diagnostics


def _without_threshold_odds_ratios(model: pd.DataFrame) -> pd.DataFrame:
    """The model table as shown: a threshold (cut-point ``threshold j|j+1``) is no odds
    ratio, so its exponentiated columns are blank (the CSV keeps them, data contract §4)."""
    out = model.copy()
    cut = out["term"].astype(str).str.startswith("threshold")
    for column in ("odds_ratio", "ci_low", "ci_high"):
        if column in out.columns:
            out[column] = out[column].astype(object).where(~cut, "")
    return out


#: table name -> its file (data contract §4), as each cell's source names it
TABLE_FILES = {
    "origin": DATA_ORIGIN,
    "sample_flow": "results/tables/sample_flow.csv",
    "diagnostics": "results/tables/weighting_diagnostics.csv",
    "margins": "results/tables/weighting_margins.csv",
    "table1": TABLE1,
    "table2": "results/tables/table2_freq_by_age.csv",
    "model": MODEL_TABLE,
    "predicted": "results/tables/predicted_by_age.csv",
    "tests": TESTS_TABLE,
    "po_check": "results/models/proportional_odds_check.csv",
    "sensitivity": "results/tables/sensitivity.csv",
    "comparison": COMPARISON_TABLE,
}


def _of_country(frame: pd.DataFrame, country: str) -> pd.DataFrame:
    """The rows of ``country`` (a per-country report)."""
    return frame[frame["country"].astype(str) == country]


#: predicted_by_age.csv's outcome of often or very often use (models.predict: ``at_least`` 4)
OFTEN_OR_MORE = "ict_freq>=4"


def _predicted_view(predicted: pd.DataFrame) -> dict:
    """The predicted shares of often or very often use (``ict_freq>=4``) as a table:
    the numbers the predicted-share figure draws, with their design-based 95 % CIs."""
    rows = predicted[predicted["outcome"].astype(str) == OFTEN_OR_MORE]
    # not its n: the complete-case count per country is not in the disclosure problem
    shown = rows[["country", "age_group", "estimate", "ci_low", "ci_high"]].copy()
    sources = [
        [
            source if column in ("country", "age_group") else f"100*{{{source}}}"
            for column, source in zip(shown.columns, row, strict=False)
        ]
        for row in sources_frame(
            rows[[*shown.columns, "outcome"]],
            TABLE_FILES["predicted"],
            ["country", "age_group", "outcome"],
        )
    ]
    for column in ("estimate", "ci_low", "ci_high"):
        shown[column] = 100.0 * shown[column].astype(float)
    return table_view(
        shown.rename(columns={"estimate": "predicted %"}),
        caption=(
            "Predicted share (%) using informal ICT often or very often, by country and age "
            "group: predictive margins of the primary model (the numbers of the figure)"
        ),
        decimals={"predicted %": 1, "ci_low": 1, "ci_high": 1},
        row_header="country",
        sources=sources,
    )


def _methods(
    weighting: Mapping[str, Any], model_info: Mapping[str, Any], alpha: float
) -> list[dict[str, str]]:
    """Methods, generated from the config and the model's own description."""

    def info(key):
        if key not in model_info:
            return "not recorded"
        return traced(model_info[key], key_source(MODEL_INFO, key))

    return [
        {"name": "Weighting", "text": _weighting_method(weighting)},
        {"name": "Primary model", "text": info("model")},
        {
            "name": "Variance",
            "text": f"{info('variance')}; design-based throughout",
        },
        {
            "name": "Degrees of freedom",
            "text": (
                f"model residual df {info('df_residual')} "
                f"({info('n_complete_cases')} complete cases, "
                f"{info('n_left_out_missing')} left out for a missing value); "
                "proportions use each domain's design df (respondents minus strata)"
            ),
        },
        {
            "name": "Confidence intervals",
            "text": (
                "odds ratios: Wald interval on the log-odds scale with the normal quantile, "
                "exponentiated; weighted proportions (Table 2): logit interval with the "
                "t quantile on the domain's design df, as R svyciprop(method = 'logit')"
            ),
        },
        {
            "name": "Tests",
            "text": (
                "Rao-Scott second-order corrected F test of age group x frequency (R svychisq, "
                "statistic = 'F'); design-based Wald F test of the age group x country "
                "interaction (R regTermTest); Brant-type design-based check of proportional "
                f"odds; significance level {traced(f'{alpha:g}', 'config:report.alpha')}"
            ),
        },
    ]


#: sensitivity rows that differ only in the variance method, in column order
VARIANCE_ROWS = {"weighted": "fixed", "calibrated": "calibrated", "bootstrap": "bootstrap"}


def variance_comparison(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """The age effects under each variance method side by side (one row per age term).

    From ``sensitivity.csv``'s ``weighted`` (fixed weights), ``calibrated``
    and ``bootstrap`` rows (the same point estimate, three variances): the
    odds ratio, each method's SE of the log odds ratio and 95 % CI of the
    odds ratio, and each SE relative to the fixed-weight one. Empty when the
    table has none of those rows.
    """
    needed = {"specification", "term", "odds_ratio", "std_error", "ci_low", "ci_high"}
    if not needed <= set(sensitivity.columns):
        return pd.DataFrame({"term": []})
    parts = sensitivity[sensitivity["specification"].isin(list(VARIANCE_ROWS))]
    if parts.empty:
        return pd.DataFrame({"term": []})
    out = None
    for spec, label in VARIANCE_ROWS.items():
        part = parts[parts["specification"] == spec].set_index("term")
        if part.empty:
            continue
        if out is None:
            out = pd.DataFrame({"odds_ratio": part["odds_ratio"]})
            base = part["std_error"] if spec == "weighted" else None
        out[f"se_{label}"] = part["std_error"]
        out[f"ci_{label}"] = [
            f"{lo:.2f}-{hi:.2f}" if np.isfinite(lo) and np.isfinite(hi) else ""
            for lo, hi in zip(part["ci_low"], part["ci_high"], strict=True)
        ]
        if base is not None and spec != "weighted":
            out[f"se_{label}_vs_fixed_pct"] = 100.0 * (part["std_error"] / base - 1.0)
    return out.rename_axis("term").reset_index()


def variance_sources(table: pd.DataFrame, path: str) -> list[list[str]]:
    """Each cell's source of :func:`variance_comparison`: sensitivity.csv cells, a CI as
    its two ends (``a; b``), a change as ``100*({se}/{se_fixed}-1)``."""
    spec = {label: name for name, label in VARIANCE_ROWS.items()}
    out = []
    for term in table["term"] if "term" in table else []:

        def cell(label, column, term=term):
            return cell_source(path, {"specification": spec[label], "term": term}, column)

        row = []
        for column in table.columns:
            if column in ("term", "odds_ratio"):
                row.append(cell("fixed", column))
            elif column.endswith("_vs_fixed_pct"):
                label = column.removeprefix("se_").removesuffix("_vs_fixed_pct")
                row.append(
                    f"100*({{{cell(label, 'std_error')}}}/{{{cell('fixed', 'std_error')}}}-1)"
                )
            elif column.startswith("se_"):
                row.append(cell(column.removeprefix("se_"), "std_error"))
            elif column.startswith("ci_"):
                label = column.removeprefix("ci_")
                row.append(f"{cell(label, 'ci_low')}; {cell(label, 'ci_high')}")
            else:
                row.append("")
        out.append(row)
    return out


#: the mark of a Table 1 estimate its CSV flags (``flag``, data contract §4)
FLAG_MARK = "\u2020"


def _flag_note(table1: pd.DataFrame) -> str:
    """The wide Table 1's note on the flagged estimates (the flag's own text, traced)."""
    if "flag" not in table1.columns:
        return ""
    flagged = table1[table1["flag"].fillna("").astype(str).str.strip() != ""]
    if flagged.empty:
        return ""
    row = flagged.iloc[0]
    keys = {"country": row["country"], "variable": row["variable"], "category": row["category"]}
    flag = traced(str(row["flag"]), cell_source(TABLE1, keys, "flag"))
    return f"{FLAG_MARK} flagged in table1_sample.csv: {flag}."


def _mark_flagged(view: dict, table1: pd.DataFrame) -> None:
    """Append :data:`FLAG_MARK` to the wide Table 1's % cells whose CSV row has a flag."""
    if "flag" not in table1.columns:
        return
    flagged = table1[table1["flag"].fillna("").astype(str).str.strip() != ""]
    marks = {
        cell_source(TABLE1, {"country": r.country, "variable": r.variable,
                             "category": r.category}, "pct_weighted")
        for r in flagged.itertuples(index=False)
    }  # fmt: skip
    for row in view["rows"]:
        for cell in row:
            full = expand(cell["source"], view["file"], view["key_columns"])
            if full in marks and cell["text"]:
                cell["text"] = f"{cell['text']} {FLAG_MARK}"


def table1_wide(
    table1: pd.DataFrame,
    labels: Mapping[str, str],
    countries: Sequence[str],
    codebook_file: str = "config/codebook.yaml",
) -> tuple[pd.DataFrame, list[list[str]]]:
    """Table 1 in the wide layout: one row per variable and category, per country its
    n and weighted % side by side (the CSV, data contract §4, stays long).

    The question is shown on the first row of its variable. Returns the frame and each
    cell's source (:mod:`~socialwork_ict.report.trace`); a cell the CSV lacks is blank.
    """
    long = table1.assign(
        variable=table1["variable"].astype(str), category=table1["category"].astype(str)
    )
    cells = long.set_index(["variable", "category", "country"])
    order = long[["variable", "category"]].drop_duplicates()
    present = [c for c in [*countries, POOLED] if c in set(long["country"].astype(str))]
    rows, sources = [], []
    previous = None
    for variable, category in order.itertuples(index=False, name=None):
        first = variable != previous
        previous = variable
        row = [labels.get(variable, variable) if first else "", category]
        source = [
            key_source(codebook_file, "columns", variable, "label") if first else "",
            cell_source(TABLE1, {"country": present[0], "variable": variable,
                                 "category": category}, "category"),
        ]  # fmt: skip
        for country in present:
            key = (variable, category, country)
            found = key in cells.index
            for column in ("n", "pct_weighted"):
                row.append(cells.loc[key, column] if found else None)
                keys = {"country": country, "variable": variable, "category": category}
                source.append(cell_source(TABLE1, keys, column) if found else "")
        rows.append(row)
        sources.append(source)
    columns = ["question", "category"]
    for country in present:
        columns += [f"{country} n", f"{country} %"]
    return pd.DataFrame(rows, columns=columns), sources


def report_context(
    *,
    title: str,
    origin: Mapping[str, Any],
    sample_flow: pd.DataFrame,
    diagnostics: pd.DataFrame,
    margins: pd.DataFrame,
    targets: Mapping[str, Any],
    targets_file: str,
    table1: pd.DataFrame,
    table2: pd.DataFrame,
    codebook_labels: Mapping[str, str],
    model: pd.DataFrame,
    model_info: Mapping[str, Any],
    tests: pd.DataFrame,
    po_check: pd.DataFrame,
    sensitivity: pd.DataFrame,
    comparison: pd.DataFrame,
    sources: Mapping[str, str],
    figures: Sequence[Mapping[str, str]],
    weighting: Mapping[str, Any],
    countries: Sequence[str],
    alpha: float,
    provenance: Mapping[str, Any],
    dictionary: pd.DataFrame | None = None,
    predicted: pd.DataFrame | None = None,
    country: str | None = None,
    paths: Mapping[str, str] | None = None,
    codebook_file: str = "config/codebook.yaml",
    published_file: str = "config/published.yaml",
) -> dict[str, Any]:
    """The template context (see ``workflow/templates/report.html.j2``).

    ``country``: a per-country report (``reports/report_{country}.html``): every
    table keyed by country keeps that country's rows only (no pooled ALL rows),
    the model loses the other countries' terms, the tests, sensitivity fits and
    published claims keep those of the country (and of the pooled model); the
    pooled model's age effects stay, labelled pooled; the figures, which draw
    every country, are left out.
    ``paths``: table name -> the file each cell's source names (default: the data
    contract's paths, :data:`TABLE_FILES`).
    """
    files = {**TABLE_FILES, **(paths or {})}
    claim_keys = {} if country is None else {"id": f"*_{country}"}
    if country is not None:
        countries = [country]
        table1, table2, diagnostics, margins = (
            _of_country(t, country) for t in (table1, table2, diagnostics, margins)
        )
        if "country" in tests:  # the country's tests and those of the pooled model
            of = tests["country"].astype(str)
            pooled_table = tests["test"].astype(str).str.endswith("[ALL]")
            tests = tests[(of == country) | ((of == POOLED) & ~pooled_table)]
        specification = sensitivity["specification"].astype(str)
        sensitivity = sensitivity[
            ~specification.str.startswith("country_") | (specification == f"country_{country}")
        ]
        title = f"{title}: {country}"
        figures = []  # the figures draw every country
        other = [f"country[{c}]" for c in model["term"].astype(str).str.extract(
            r"^country\[(.*)\]$")[0].dropna() if c != country]  # fmt: skip
        model = model[~model["term"].isin(other)]
        comparison = comparison[comparison["id"].astype(str).str.endswith(f"_{country}")]
        if predicted is not None:
            predicted = _of_country(predicted, country)
        targets = {country: targets.get(country, {})}
    synthetic = bool(origin.get("synthetic", False))
    wide1, wide1_sources = table1_wide(table1, codebook_labels, countries, codebook_file)
    variance = variance_comparison(sensitivity)
    warnings = collect_warnings(model_info, sensitivity, diagnostics)
    findings = key_findings(
        model=model,
        tests=tests,
        table1=table1,
        comparison=comparison,
        warnings=warnings,
        countries=countries,
        alpha=alpha,
        claims=None if country is None else f"*_{country}",
    )
    suppressed = "suppressed" in table1.columns or "suppressed" in table2.columns
    small_cells = disclosure_note(table1, table2) if suppressed else ""
    po_rows = tests[tests["test"] == PO_TEST]
    po_verdict = (
        traced(po_rows["method"].iloc[0], cell_source(files["tests"], {"test": PO_TEST}, "method"))
        if len(po_rows) and "method" in tests
        else ""
    )
    age_po = po_check[po_check["term"].astype(str).str.startswith("age_group[")]
    pct = {"pct_unweighted": 1, "pct_weighted": 1, "ci_low": 1, "ci_high": 1, "se_weighted": 2}
    counts = {"n": 0, "df": 0}
    context = {
        "title": title,
        "synthetic": synthetic,
        "synthetic_note": SYNTHETIC_NOTE,
        "origin": {
            "input_name": str(origin.get("input_name", "unknown")),
            "n_rows": traced(origin.get("n_rows", ""), key_source(files["origin"], "n_rows")),
            "n_eligible": traced(
                origin.get("n_eligible", ""), key_source(files["origin"], "n_eligible")
            ),
            "warnings": [
                traced(w, key_source(files["origin"], "warnings", i))
                for i, w in enumerate(origin.get("warnings", []))
            ],
        },
        "findings": findings,
        "warnings": warnings,
        "countries": list(countries),
        "sample_flow": table_view(
            sample_flow,
            caption="Sample flow: rows excluded at each step, in order",
            decimals={"step": 0, "n_excluded": 0, "n_remaining": 0},
            row_header="reason",
            sources=sources_frame(sample_flow, files["sample_flow"], ["step"]),
        ),
        "targets_file": targets_file,
        "targets": target_views(targets, countries, targets_file),
        "diagnostics": table_view(
            _shown_diagnostics(diagnostics, weighting["method"]),
            caption="Weighting diagnostics per country",
            decimals={
                "n": 0,
                "sum_weights": 1,
                "n_effective": 1,
                "iterations": 0,
                "n_outside_targets": 0,
                "n_trimmed": 0,
                "trim_rounds": 0,
            },
            row_header="country",
            sources=sources_frame(
                _shown_diagnostics(diagnostics, weighting["method"]),
                files["diagnostics"],
                ["country"],
            ),
        ),
        "margins": table_view(
            margins,
            caption="Achieved weighting margins: sample, weighted and target shares",
            decimals={"n": 0, "sample_share": 3, "weighted_share": 3, "target_share": 3},
            note=small_cells,
            sources=sources_frame(margins, files["margins"], ["country", "variable", "category"]),
        ),
        "table1": table_view(
            wide1,
            caption=(
                "Table 1. Sample characteristics by country (ALL = pooled): n and weighted % "
                "(the unweighted % and the design effects are in table1_sample.csv)"
            ),
            decimals={c: (0 if c.endswith(" n") else 1) for c in wide1.columns[2:]},
            row_header="category",
            note=" ".join(n for n in (_flag_note(table1), small_cells) if n),
            sources=wide1_sources,
        ),
        "table2": table_view(
            table2,
            caption=(
                "Table 2. Frequency of informal ICT use by age group and country: weighted % "
                "with 95 % logit confidence interval (ict_freq 1 = never ... 5 = very often)"
            ),
            decimals={**pct, **counts, "ict_freq": 0},
            row_header="age_group",
            note=small_cells,
            sources=sources_frame(table2, files["table2"], ["country", "age_group", "ict_freq"]),
        ),
        "model": table_view(
            _without_threshold_odds_ratios(model),
            caption=(
                "Primary proportional-odds model of frequency of use: log-odds estimates, "
                "design-based SEs, odds ratios with 95 % Wald CIs (positive = more frequent use); "
                "the thresholds are cut-points on the log-odds scale, not odds ratios"
            ),
            decimals={"estimate": 3, "std_error": 3, "odds_ratio": 2, "ci_low": 2, "ci_high": 2},
            row_header="term",
            sources=sources_frame(model, files["model"], ["term"]),
        ),
        "tests": table_view(
            tests,
            caption="Design-based tests of the age x frequency relationship",
            decimals={"statistic": 3, "df_num": 1, "df_den": 1},
            row_header="test",
            sources=sources_frame(tests, files["tests"], ["test"]),
        ),
        "po_verdict": po_verdict,
        "po_check": table_view(
            age_po,
            caption=(
                "Proportional-odds check: age-group log-odds per cut-point (separate binary "
                "fits) next to the proportional-odds estimate"
            ),
            decimals={"estimate": 3, "std_error": 3, "po_estimate": 3, "po_std_error": 3},
            row_header="term",
            sources=sources_frame(age_po, files["po_check"], ["term", "cut"]),
        ),
        "sensitivity": table_view(
            sensitivity,
            caption="Sensitivity of the age effects across specifications",
            decimals={
                "estimate": 3,
                "std_error": 3,
                "odds_ratio": 2,
                "ci_low": 2,
                "ci_high": 2,
                "n": 0,
            },
            row_header="term",
            sources=sources_frame(sensitivity, files["sensitivity"], ["specification", "term"]),
        ),
        "variance_comparison": table_view(
            variance,
            caption=(
                "Age effects of the primary model under each variance method: the same odds "
                "ratio; SE of the log odds ratio and 95 % CI "
                + (
                    "with the raked weights fixed, calibrated (the raking carried into the "
                    "variance) and from re-raked bootstrap replicates"
                    if weighting["method"] == "rake"
                    else "with the weights fixed and from bootstrap replicates"
                )
                + "; SE change against fixed weights (%)"
            ),
            decimals={
                "odds_ratio": 2,
                "se_fixed": 4,
                "se_calibrated": 4,
                "se_bootstrap": 4,
                "se_calibrated_vs_fixed_pct": 2,
                "se_bootstrap_vs_fixed_pct": 2,
            },
            headers={
                "odds_ratio": "odds ratio",
                "se_fixed": "SE, fixed weights",
                "ci_fixed": "95 % CI, fixed",
                "se_calibrated": "SE, calibrated",
                "ci_calibrated": "95 % CI, calibrated",
                "se_calibrated_vs_fixed_pct": "calibrated vs fixed (%)",
                "se_bootstrap": "SE, bootstrap",
                "ci_bootstrap": "95 % CI, bootstrap",
                "se_bootstrap_vs_fixed_pct": "bootstrap vs fixed (%)",
            },
            row_header="term",
            sources=variance_sources(variance, files["sensitivity"]),
        ),
        "published": table_view(
            comparison,
            caption=(
                "Published vs reproduced: unweighted sample percentages and counts, like the "
                "publication; status within the documented tolerance"
            ),
            decimals={"difference": 2, "tolerance": 1},
            row_header="claim",
            sources=sources_frame(comparison, files["comparison"], ["id"]),
        ),
        "published_status": [
            {
                "status": s,
                "n": int((comparison["status"] == s).sum()),
                "source": count_source(files["comparison"], **claim_keys, status=s),
            }
            for s in ("match", "mismatch", "not reproducible", "not in this export")
            if s != "not in this export" or (comparison["status"] == s).any()
        ],
        "sources": [
            {"id": k, "text": str(v), "key": key_source(published_file, "sources", k)}
            for k, v in sources.items()
        ],
        "country": country,
        "figures": list(figures),
        "methods": _methods(weighting, model_info, alpha),
        "limitations": limitations(
            synthetic=bool(origin.get("synthetic")),
            targets=targets,
            targets_file=targets_file,
            weighting=weighting,
            model_info=model_info,
            countries=countries,
        ),
        "weighting_method": weighting["method"],
        "predicted": None if predicted is None else _predicted_view(predicted),
        "dictionary": None
        if dictionary is None
        else table_view(
            dictionary,
            caption="Data dictionary: the codebook this run read (questions, raw columns, "
            "values, who was asked, values read as missing)",
            decimals={},
            row_header="variable",
            sources=sources_frame(dictionary, codebook_file, ["variable"]),
        ),
        "provenance": provenance,
    }
    _mark_flagged(context["table1"], table1)
    return context
