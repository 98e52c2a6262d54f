"""The report's limitations paragraph, generated from what the run did.

Stage: report. Each sentence follows from the run's own inputs (the data's
origin, the targets file, the weighting and the model's description), so a
reviewer reads what limits *these* numbers: the sampling, targets marked
illustrative, the weighting, the variance method, missing data, and what
the published comparison can show. Numbers are marked with their source
(:mod:`~socialwork_ict.report.trace`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from socialwork_ict.report.trace import MODEL_INFO, key_source, traced


def limitations(
    *,
    synthetic: bool,
    targets: Mapping[str, Any],
    targets_file: str,
    weighting: Mapping[str, Any],
    model_info: Mapping[str, Any],
    countries: Sequence[str],
) -> list[str]:
    """Sentences, in order: data, sampling, targets, weighting, variance, missing data, claims."""
    out = []
    if synthetic:
        out.append(
            "The data are synthetic (a seeded generator calibrated to the published sample "
            "sizes and figures): every estimate illustrates the pipeline, not the study's findings."
        )
    out.append(
        "The respondents are a non-probability (convenience) sample of social workers who "
        "answered an online survey. The design-based standard errors treat each country as a "
        "stratum and each respondent as a primary sampling unit; they measure the precision "
        "of the weighted estimates under that model, not the error of a probability sample, "
        "and weighting corrects only the margins it is given."
    )
    illustrative = [c for c in countries if "illustrative" in (targets.get(c) or {})]
    if illustrative and weighting.get("method") != "none":
        names = ", ".join(str(c) for c in illustrative)
        out.append(
            f"The population targets of {names} are marked illustrative in {targets_file}: "
            "the weighted estimates there show the method, not population values."
        )
    method = weighting.get("method")
    variables = ", ".join(str(v).replace("_", " ") for v in weighting.get("variables", []))
    if method == "none":
        out.append("No weighting was applied: every estimate describes the sample as it is.")
    elif method == "rake":
        out.append(
            f"Raking matches each country's margins of {variables} one at a time, not their "
            "joint distribution, and no other characteristic of the workforce."
        )
    elif method == "poststratify":
        out.append(f"Post-stratification matches each country's joint cells of {variables} only.")
    variance = model_info.get("variance")
    if variance:
        out.append(f"Variance: {traced(variance, key_source(MODEL_INFO, 'variance'))}.")
    left_out = model_info.get("n_left_out_missing")
    used = model_info.get("n_complete_cases")
    if isinstance(left_out, int) and isinstance(used, int) and left_out > 0:
        share = 100.0 * left_out / (left_out + used)
        left, cases = (
            "{" + key_source(MODEL_INFO, k) + "}"
            for k in ("n_left_out_missing", "n_complete_cases")
        )
        out.append(
            f"The models use complete cases: "
            f"{traced(left_out, key_source(MODEL_INFO, 'n_left_out_missing'))} respondents "
            f"({traced(f'{share:.1f}', f'100*{left}/({left}+{cases})')} %) with a "
            "missing value are left out; the estimates stay unbiased only when whether a value "
            "is missing does not depend on the outcome given the covariates (Little & Rubin "
            "2019, ch. 3)."
        )
    out.append(
        "The published figures the report compares with are unweighted sample percentages "
        "from the study's abstracts and articles, rounded as published; a match shows the "
        "data agree with them within the stated tolerance, not that the estimates are "
        "population values."
    )
    return out
