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

from socialwork_ict.report.findings import collect_warnings, key_findings
from socialwork_ict.report.limitations import limitations
from socialwork_ict.report.render import SYNTHETIC_NOTE, table_view, target_views

PO_TEST = "proportional_odds[age_group]"


def disclosure_note(*tables: pd.DataFrame) -> str:
    """The table note on the two disclosure labels (data contract v2)."""
    labels = pd.concat([t["n"].astype(str) for t in tables if "n" in t.columns])
    marks = sorted(set(labels[labels.str.startswith("<")]))
    k = marks[0].removeprefix("<") if marks else "k"
    below = str(int(k) - 1) if k.isdigit() else "k - 1"
    return (
        f"Disclosure control: a count shown as '<{k}' has 1 to {below} "
        f"respondents (threshold rule, k = {k}); a count shown as 'x' is withheld only so that "
        "such a cell cannot be recovered from the published totals (it may be large). "
        "Their percentages are left blank. Empty cells are shown as 0."
    )


def _weighting_method(weighting: Mapping[str, Any]) -> str:
    """The Methods line of the weighting that ran (``weighting.method``, data contract §2)."""
    method = weighting["method"]
    variables = ", ".join(weighting["variables"])
    if method == "none":
        return (
            "none: every respondent has weight 1, so every estimate is unweighted; the "
            f"targets' margins of {variables} are shown for comparison only. Variance is still "
            "design-based (strata = country)."
        )
    trim = weighting.get("trim_cap")
    trimming = "none" if trim is None else f"cap {trim:g} x the country's mean weight"
    if method == "rake":
        how = (
            f"raking on {variables} within each country (convergence epsilon "
            f"{weighting['epsilon']:g}, at most {weighting['max_iter']} sweeps)"
        )
    else:
        how = f"post-stratification to the joint cells of {variables} within each country"
    return (
        f"method {method}: {how}; respondents outside the target categories: "
        f"{weighting['outside_rule']}; trimming: {trimming}; sensitivity analysis with weights "
        f"capped at {weighting['sensitivity_trim_cap']:g} x the mean. Weights are scaled to "
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


#: predicted_by_age.csv's outcome of often or very often use (models.predict: ``at_least`` 4)
OFTEN_OR_MORE = "ict_freq>=4"


def _predicted_view(predicted: pd.DataFrame) -> dict:
    """The predicted shares of often or very often use (``ict_freq>=4``) as a table:
    the numbers the predicted-share figure draws, with their design-based 95 % CIs."""
    rows = predicted[predicted["outcome"].astype(str) == OFTEN_OR_MORE]
    # not its n: the complete-case count per country is not in the disclosure problem
    shown = rows[["country", "age_group", "estimate", "ci_low", "ci_high"]].copy()
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
    )


def _methods(
    weighting: Mapping[str, Any], model_info: Mapping[str, Any], alpha: float
) -> list[dict[str, str]]:
    """Methods, generated from the config and the model's own description."""
    return [
        {"name": "Weighting", "text": _weighting_method(weighting)},
        {"name": "Primary model", "text": str(model_info.get("model", "not recorded"))},
        {
            "name": "Variance",
            "text": f"{model_info.get('variance', 'not recorded')}; design-based throughout",
        },
        {
            "name": "Degrees of freedom",
            "text": (
                f"model residual df {model_info.get('df_residual', 'not recorded')} "
                f"({model_info.get('n_complete_cases', '?')} complete cases, "
                f"{model_info.get('n_left_out_missing', '?')} left out for a missing value); "
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
                f"odds; significance level {alpha:g}"
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


def _label_table1(table1: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    out = table1.copy()
    question = out["variable"].map(lambda v: labels.get(v, v))
    out.insert(out.columns.get_loc("variable") + 1, "question", question)
    return out


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
) -> dict[str, Any]:
    """The template context (see ``workflow/templates/report.html.j2``)."""
    synthetic = bool(origin.get("synthetic", False))
    warnings = collect_warnings(model_info, sensitivity, diagnostics)
    findings = key_findings(
        model=model,
        tests=tests,
        table1=table1,
        comparison=comparison,
        warnings=warnings,
        countries=countries,
        alpha=alpha,
    )
    suppressed = "suppressed" in table1.columns or "suppressed" in table2.columns
    small_cells = disclosure_note(table1, table2) if suppressed else ""
    po_rows = tests[tests["test"] == PO_TEST]
    po_verdict = str(po_rows["method"].iloc[0]) if len(po_rows) and "method" in tests else ""
    age_po = po_check[po_check["term"].astype(str).str.startswith("age_group[")]
    pct = {"pct_unweighted": 1, "pct_weighted": 1, "ci_low": 1, "ci_high": 1, "se_weighted": 2}
    counts = {"n": 0, "df": 0}
    return {
        "title": title,
        "synthetic": synthetic,
        "synthetic_note": SYNTHETIC_NOTE,
        "origin": {
            "input_name": str(origin.get("input_name", "unknown")),
            "n_rows": origin.get("n_rows", ""),
            "n_eligible": origin.get("n_eligible", ""),
            "warnings": [str(w) for w in origin.get("warnings", [])],
        },
        "findings": findings,
        "warnings": warnings,
        "countries": list(countries),
        "sample_flow": table_view(
            sample_flow,
            caption="Sample flow: rows excluded at each step, in order",
            decimals={"step": 0, "n_excluded": 0, "n_remaining": 0},
            row_header="reason",
        ),
        "targets_file": targets_file,
        "targets": target_views(targets, countries),
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
        ),
        "margins": table_view(
            margins,
            caption="Achieved weighting margins: sample, weighted and target shares",
            decimals={"n": 0, "sample_share": 3, "weighted_share": 3, "target_share": 3},
            note=small_cells,
        ),
        "table1": table_view(
            _label_table1(table1, codebook_labels),
            caption="Table 1. Sample characteristics by country (ALL = pooled)",
            decimals={**pct, **counts},
            row_header="category",
            note=small_cells,
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
        ),
        "tests": table_view(
            tests,
            caption="Design-based tests of the age x frequency relationship",
            decimals={"statistic": 3, "df_num": 1, "df_den": 1},
            row_header="test",
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
        ),
        "variance_comparison": table_view(
            variance_comparison(sensitivity),
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
        ),
        "published": table_view(
            comparison,
            caption=(
                "Published vs reproduced: unweighted sample percentages and counts, like the "
                "publication; status within the documented tolerance"
            ),
            decimals={"difference": 2, "tolerance": 1},
            row_header="claim",
        ),
        "published_status": [
            {"status": s, "n": int((comparison["status"] == s).sum())}
            for s in ("match", "mismatch", "not reproducible", "not in this export")
            if s != "not in this export" or (comparison["status"] == s).any()
        ],
        "sources": [{"id": k, "text": str(v)} for k, v in sources.items()],
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
        ),
        "provenance": provenance,
    }
