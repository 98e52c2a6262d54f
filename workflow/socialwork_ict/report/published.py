"""Published vs reproduced: the study's public figures checked against this run.

Stage: report (``results/tables/published_vs_reproduced.csv``). The claims,
their sources, computations and tolerances are listed in
``config/published.yaml`` (its header documents every choice). Compare like
with like: the study reports no weighting, so its percentages are
**unweighted** sample percentages over respondents with a non-missing answer
(item non-response excluded; for ``contact_after_hours`` and
``contact_initiator``, asked only of users, the denominator is the users with
an answer).

A claim that needs an optional item of data contract §1b that the export
lacks (the column is absent, so every eligible respondent's value is
missing) has status ``not in this export``; everything else is computed.

Pure functions: the analysis frame and the result tables in, a DataFrame out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from socialwork_ict.codes import CLIENT_POPULATION_ITEMS, FIELD_OF_PRACTICE_LABELS
from socialwork_ict.errors import InputError
from socialwork_ict.names import AGE_TERMS, CONTRAST_TEST
from socialwork_ict.names import WALD_INTERACTION_TEST as WALD_TEST

MATCH = "match"
MISMATCH = "mismatch"
NOT_REPRODUCIBLE = "not reproducible"
NOT_IN_EXPORT = "not in this export"
STATUSES = (MATCH, MISMATCH, NOT_REPRODUCIBLE, NOT_IN_EXPORT)

COLUMNS = [
    "id",
    "claim",
    "source",
    "computation",
    "published",
    "reproduced",
    "difference",
    "tolerance",
    "status",
    "note",
]


#: kind -> keys a claim of that kind must have (besides id, claim, source, kind, published)
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "count": ("countries", "tolerance"),
    "percent": ("item", "countries", "tolerance"),
    "percent_above": ("item", "countries"),
    "age_direction": (),
    "age_contrast": (),
    "age_consistency": (),
    "highest_level": ("variable", "level"),
    "higher_use": ("variable", "countries"),
    "ubiquitous": ("by", "threshold"),
    "not_reproducible": ("reason",),
}

#: ``higher_use``: the frequent-use level (ict_freq >= this code: often, very often)
FREQUENT_USE = 4
#: ``ubiquitous``: breakdown name -> the analysis columns whose categories it compares
#: (the client populations are a multi-select: each column's "yes" is one category)
BREAKDOWNS = {
    "sector": ("sector",),
    "field_of_practice": ("field_of_practice",),
    "client_population": CLIENT_POPULATION_ITEMS,
}

#: item -> how the 0/1 indicator is derived (shown in the computation column)
ITEM_DEFINITIONS = {
    "any_use": "ict_freq >= 2 (rarely or more often)",
    "contact_after_hours": "contact_after_hours = 1 (asked of users)",
    "friend_request": "friend_request = 1",
    "searched_client_online": "searched_client_online = 1",
    "client_searched_worker": "client_searched_worker = 1",
    "no_discussion": "discussed_supervisor = 0 and discussed_colleagues = 0",
    "no_workplace_policy": "workplace_policy = 2 (no)",
    "initiated_by_both": "contact_initiator = 3 (both client and worker; asked of users)",
    "search_inappropriate": "search_inappropriate = 1",
}

#: item -> the analysis columns it is derived from (an optional one may be absent)
ITEM_COLUMNS = {
    "any_use": ("ict_freq",),
    "no_discussion": ("discussed_supervisor", "discussed_colleagues"),
    "no_workplace_policy": ("workplace_policy",),
    "initiated_by_both": ("contact_initiator",),
}


def item_indicator(frame: pd.DataFrame, item: str) -> pd.Series:
    """The 0/1 indicator of ``item`` per respondent, <NA> when not answered.

    ``no_discussion`` is 1 when both discussion items are 0, 0 when either
    is 1 (Kleene logic), missing otherwise.
    """
    if item == "any_use":
        freq = frame["ict_freq"].astype("Float64")
        return (freq >= 2).astype("Float64").where(freq.notna())
    if item == "no_discussion":
        sup = frame["discussed_supervisor"].astype("Float64")
        col = frame["discussed_colleagues"].astype("Float64")
        talked = (sup == 1) | (col == 1)  # Kleene: NA | True is True
        out = (~talked).astype("Float64")
        return out
    if item == "no_workplace_policy":
        policy = frame["workplace_policy"].astype("Float64")
        return (policy == 2).astype("Float64").where(policy.notna())
    if item == "initiated_by_both":
        initiator = frame["contact_initiator"].astype("Float64")
        if "contact_initiator_skipped" in frame:
            initiator = initiator.where(~frame["contact_initiator_skipped"].astype(bool))
        return (initiator == 3).astype("Float64").where(initiator.notna())
    if item in ITEM_DEFINITIONS:
        values = frame[item].astype("Float64")
        if item == "contact_after_hours" and "contact_after_hours_skipped" in frame:
            values = values.where(~frame["contact_after_hours_skipped"].astype(bool))
        return values
    raise InputError(f"unknown item {item!r}", hint=f"known: {', '.join(ITEM_DEFINITIONS)}")


def absent_columns(frame: pd.DataFrame, columns) -> list[str]:
    """The ``columns`` this export lacks: not in ``frame`` or without any answer.

    The codebook adds an optional (``required: false``) column the export
    does not have as an empty column, so "no eligible respondent answered"
    is how an absent optional item shows in the analysis file.
    """
    return [c for c in columns if c not in frame or not frame[c].notna().any()]


def _not_in_export(computation: str, absent: list[str]) -> dict:
    return {
        "computation": f"{computation}; not in this export: {', '.join(absent)} "
        "(optional item, data contract §1b)",
        "status": NOT_IN_EXPORT,
    }


def unweighted_percent(frame: pd.DataFrame, item: str, countries: list[str]) -> tuple[float, int]:
    """Unweighted % of ``item`` = 1 among non-missing answers in ``countries``; and that n
    (NaN and 0 when the export lacks the item's columns)."""
    if [c for c in ITEM_COLUMNS.get(item, (item,)) if c not in frame]:
        return math.nan, 0
    # the indicator is per respondent: computed on the item's columns, then the countries
    inside = _in_countries(frame["country"], countries)
    values = item_indicator(frame, item)[inside].dropna()
    if len(values) == 0:
        return math.nan, 0
    return float(values.mean()) * 100.0, int(len(values))


def _in_countries(country: pd.Series, countries) -> np.ndarray:
    """Whether each respondent's country (as text) is one of ``countries``."""
    if isinstance(country.dtype, pd.CategoricalDtype):  # by category, not row by row
        codes = country.cat.codes.to_numpy()
        listed = np.asarray(country.cat.categories.astype(str).isin(list(countries)))
        return np.where(codes >= 0, listed[codes], "nan" in countries)
    return country.astype(str).isin(countries).to_numpy()


def check_published(published: Mapping[str, Any], file: str = "published.yaml") -> None:
    """Every claim has the keys of its kind, a known source and a unique id."""
    if not isinstance(published, Mapping) or not isinstance(published.get("claims"), list):
        raise InputError("needs a `claims:` list", file=file)
    sources = set((published.get("sources") or {}).keys()) | {"derived"}
    seen: set[str] = set()
    for claim in published["claims"]:
        ident = claim.get("id") if isinstance(claim, Mapping) else None
        if not ident:
            raise InputError("every claim needs an `id`", file=file)
        if ident in seen:
            raise InputError(f"claim {ident!r} is listed twice", file=file)
        seen.add(ident)
        kind = claim.get("kind")
        if kind not in KIND_KEYS:
            raise InputError(
                f"claim {ident!r}: unknown kind {kind!r}", file=file, hint=", ".join(KIND_KEYS)
            )
        needed = ("claim", "source", "published", *KIND_KEYS[kind])
        missing = [key for key in needed if key not in claim]
        if missing:
            raise InputError(f"claim {ident!r} lacks {', '.join(missing)}", file=file)
        unknown = [s for s in claim["source"] if s not in sources]
        if unknown:
            raise InputError(f"claim {ident!r}: unknown source", file=file, values=unknown)
        if kind == "ubiquitous" and [b for b in claim["by"] if b not in BREAKDOWNS]:
            raise InputError(
                f"claim {ident!r}: unknown breakdown in `by`",
                file=file,
                values=[b for b in claim["by"] if b not in BREAKDOWNS],
                hint=f"known: {', '.join(BREAKDOWNS)}",
            )
        if kind == "percent" and "item" in claim and claim["item"] not in ITEM_DEFINITIONS:
            raise InputError(f"claim {ident!r}: unknown item {claim['item']!r}", file=file)


def compare_published(
    analysis: pd.DataFrame,
    model: pd.DataFrame,
    tests: pd.DataFrame,
    sensitivity: pd.DataFrame,
    published: Mapping[str, Any],
    withheld: pd.DataFrame | None = None,
    design=None,
    withheld_shares: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per published claim: published, reproduced, difference, status.

    ``analysis`` is the eligible respondents' analysis file (one row each);
    ``model`` is ``model_ordinal.csv``; ``tests`` is ``tests.csv``;
    ``sensitivity`` is ``sensitivity.csv``; ``published`` is the parsed
    ``config/published.yaml``. Status is ``match`` when |difference| <=
    tolerance (or the qualitative criterion holds), ``mismatch`` otherwise,
    and ``not reproducible`` when the data contract has no such item or the
    estimate could not be computed.

    ``withheld`` (disclosure control, :mod:`socialwork_ict.disclosure`):
    rows ``id, withheld, base_withheld``; a withheld claim's reproduced
    percentage and difference are left empty (they would give its count
    away), a withheld base is not printed; the status is kept.

    ``design``: the variance design of the ``ubiquitous`` claim's weighted
    percentages (:mod:`socialwork_ict.inference.variance`, over every row of
    ``analysis``); None: linearisation with the weights as fixed sampling
    weights, strata = country (the v1 default).

    ``withheld_shares``: ``any_use_by_breakdown.csv`` (``breakdown, category,
    suppressed``); a share it withholds (``<k`` or ``x``) still counts in the
    ``ubiquitous`` verdict (the claim is about every category) but is not
    printed as the lowest share or in the range.
    """
    check_published(published)
    alpha = float(published.get("alpha", 0.05))
    rows = []
    for claim in published["claims"]:
        kind = claim["kind"]
        row = {
            "id": claim["id"],
            "claim": claim["claim"],
            "source": ", ".join(claim["source"]),
            "published": claim["published"],
            "reproduced": "",
            "difference": math.nan,
            "tolerance": claim.get("tolerance", math.nan),
            "note": claim.get("note", ""),
        }
        if kind == "count":
            row.update(_count(analysis, claim))
        elif kind in ("percent", "percent_above"):
            row.update(_percent(analysis, claim))
            row.update(_withhold(row, claim["id"], withheld))
        elif kind == "age_direction":
            row.update(_age_direction(model))
        elif kind == "age_contrast":
            row.update(_age_contrast(model, tests, alpha))
        elif kind == "age_consistency":
            row.update(_age_consistency(tests, sensitivity, alpha))
        elif kind == "highest_level":
            row.update(_highest_level(model, claim["variable"], claim["level"]))
        elif kind == "higher_use":
            row.update(_higher_use(analysis, claim["variable"], list(claim["countries"])))
        elif kind == "ubiquitous":
            row.update(_ubiquitous(analysis, claim, design, withheld_shares))
        else:  # not_reproducible
            row.update(computation=claim["reason"], status=NOT_REPRODUCIBLE)
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def _in(countries: list[str]) -> str:
    return "+".join(countries)


def _count(analysis: pd.DataFrame, claim: Mapping[str, Any]) -> dict:
    countries = list(claim["countries"])
    n = int(analysis["country"].astype(str).isin(countries).sum())
    difference = n - int(claim["published"])
    return {
        "computation": f"eligible respondents in {_in(countries)} (analysis file rows)",
        "reproduced": n,
        "difference": float(difference),
        "status": MATCH if abs(difference) <= float(claim["tolerance"]) else MISMATCH,
    }


def _percent(analysis: pd.DataFrame, claim: Mapping[str, Any]) -> dict:
    countries = list(claim["countries"])
    item = claim["item"]
    absent = absent_columns(analysis, ITEM_COLUMNS.get(item, (item,)))
    if absent:
        return _not_in_export(
            f"unweighted % of {ITEM_DEFINITIONS[item]} in {_in(countries)}", absent
        )
    value, n = unweighted_percent(analysis, item, countries)
    computation = (
        f"unweighted % of {ITEM_DEFINITIONS[item]} among {n} respondents of "
        f"{_in(countries)} with an answer"
    )
    if math.isnan(value):
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    published = float(claim["published"])
    difference = value - published
    if claim["kind"] == "percent_above":
        status = MATCH if value > published else MISMATCH
        return {
            "computation": computation + f"; match when > {published:g}",
            "reproduced": round(value, 2),
            "difference": round(difference, 2),
            "status": status,
        }
    tolerance = float(claim["tolerance"])
    return {
        "computation": computation,
        "reproduced": round(value, 2),
        "difference": round(difference, 2),
        "status": MATCH if abs(difference) <= tolerance else MISMATCH,
    }


def _withhold(row: Mapping[str, Any], ident: str, withheld: pd.DataFrame | None) -> dict:
    """Blank what disclosure control withholds from a percentage claim's row."""
    if withheld is None or ident not in set(withheld["id"]):
        return {}
    flags = withheld.set_index("id").loc[ident]
    if not bool(flags["withheld"]):
        return {}
    out = {"reproduced": "", "difference": math.nan}
    note = "reproduced value withheld by disclosure control (it would reveal a small cell)"
    if bool(flags["base_withheld"]):
        out["computation"] = re.sub(
            r" among \d+ respondents", " among the respondents", row["computation"]
        )
    out["note"] = f"{row['note']}; {note}" if row.get("note") else note
    return out


def _age_direction(model: pd.DataFrame) -> dict:
    computation = (
        "every older age group's odds ratio vs <30 > 1 in the primary proportional-odds model"
    )
    terms = model.set_index("term")
    if (
        not set(AGE_TERMS) <= set(terms.index)
        or terms.loc[list(AGE_TERMS), "odds_ratio"].isna().any()
    ):
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    odds = terms.loc[list(AGE_TERMS), "odds_ratio"].astype(float)
    above = int((odds > 1).sum())
    text = (
        f"{above} of {len(odds)} age groups have odds ratio > 1 "
        f"(range {odds.min():.2f}-{odds.max():.2f})"
    )
    return {
        "computation": computation,
        "reproduced": text,
        "status": MATCH if above == len(odds) else MISMATCH,
    }


def _age_contrast(model: pd.DataFrame, tests: pd.DataFrame, alpha: float) -> dict:
    """The claim as stated: the older groups' mean log-odds above the <30 group's.

    The contrast's estimate is the mean of the four age-group log odds ratios
    of ``model_ordinal.csv`` (vs <30), its test the 1-df design-based Wald F
    ``contrast_under_30_vs_older`` of ``tests.csv``; match when the estimate
    is > 0 and p < ``alpha``. The count of older groups with odds ratio > 1
    is reported for information (a group-by-group sign is not the claim).
    """
    computation = (
        "mean log odds ratio of the four older age groups vs <30 in the primary "
        f"proportional-odds model > 0, design-based Wald F ({CONTRAST_TEST}) p < {alpha:g}"
    )
    terms = model.set_index("term")
    found = tests[tests["test"] == CONTRAST_TEST]
    if (
        not set(AGE_TERMS) <= set(terms.index)
        or terms.loc[list(AGE_TERMS), "estimate"].isna().any()
        or found.empty
        or pd.isna(found["p_value"].iloc[0])
    ):
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    estimates = terms.loc[list(AGE_TERMS), "estimate"].astype(float)
    estimate = float(estimates.mean())
    test = found.iloc[0]
    p_value = float(test["p_value"])
    above = int((estimates > 0).sum())
    text = (
        f"mean log odds ratio {estimate:.3f} (odds ratio {math.exp(estimate):.2f}); "
        f"F = {float(test['statistic']):.2f} on {float(test['df_num']):g} and "
        f"{float(test['df_den']):g} df, p = {p_value:.3g}; {above} of {len(estimates)} "
        "older groups with odds ratio > 1"
    )
    ok = estimate > 0 and p_value < alpha
    return {"computation": computation, "reproduced": text, "status": MATCH if ok else MISMATCH}


def _age_consistency(tests: pd.DataFrame, sensitivity: pd.DataFrame, alpha: float) -> dict:
    computation = (
        f"design-based age_group x country Wald F test ({WALD_TEST}) not significant "
        f"at {alpha:g}; per-country signs reported for information"
    )
    found = tests[tests["test"] == WALD_TEST]
    if found.empty or pd.isna(found["p_value"].iloc[0]):
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    test = found.iloc[0]
    p_value = float(test["p_value"])
    per_country = sensitivity[
        sensitivity["specification"].astype(str).str.startswith("country_")
        & sensitivity["term"].isin(AGE_TERMS)
    ]
    positive = per_country.groupby("specification", sort=True)["estimate"].apply(
        lambda e: bool((e.astype(float) > 0).all())
    )
    same = [spec.removeprefix("country_") for spec, ok in positive.items() if ok]
    text = (
        f"F = {float(test['statistic']):.2f} on {float(test['df_num']):g} and "
        f"{float(test['df_den']):g} df, p = {p_value:.3g}; every age group above <30 in "
        f"{len(same)} of {len(positive)} country fits"
    )
    if same:
        text += f" ({', '.join(same)})"
    return {
        "computation": computation,
        "reproduced": text,
        "status": MATCH if p_value >= alpha else MISMATCH,
    }


def _highest_level(model: pd.DataFrame, variable: str, level: str) -> dict:
    computation = (
        f"{variable}[{level}] has the largest odds ratio of the {variable} terms "
        "(vs the reference) in the primary model, and it is > 1"
    )
    terms = model[model["term"].astype(str).str.startswith(f"{variable}[")]
    target = f"{variable}[{level}]"
    if target not in set(terms["term"]) or terms["odds_ratio"].isna().any():
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    odds = terms.set_index("term")["odds_ratio"].astype(float)
    best = odds.idxmax()
    text = f"{target} odds ratio {odds[target]:.2f}; largest: {best} ({odds[best]:.2f})"
    ok = best == target and odds[target] > 1
    return {"computation": computation, "reproduced": text, "status": MATCH if ok else MISMATCH}


def _higher_use(analysis: pd.DataFrame, variable: str, countries: list[str]) -> dict:
    """Unweighted % of frequent use (often or very often) with ``variable`` = 1 vs = 0.

    Like the publication's figures, unweighted; match when the share among
    those with ``variable`` = 1 is the larger ("among the highest users").
    """
    computation = (
        f"unweighted % with ict_freq >= {FREQUENT_USE} (often or very often) among "
        f"{variable} = 1 vs {variable} = 0 in {_in(countries)}; match when higher among 1"
    )
    absent = absent_columns(analysis, (variable,))
    if absent:
        return _not_in_export(computation, absent)
    rows = analysis[analysis["country"].astype(str).isin(countries)]
    group = rows[variable].astype("Float64")
    freq = rows["ict_freq"].astype("Float64")
    answered = group.notna() & freq.notna()
    frequent = (freq >= FREQUENT_USE)[answered].astype(float)
    shares = {g: float(frequent[group[answered] == g].mean()) * 100.0 for g in (1, 0)}
    if any(math.isnan(v) for v in shares.values()):
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    text = f"{variable} = 1: {shares[1]:.1f} %; {variable} = 0: {shares[0]:.1f} %"
    return {
        "computation": computation,
        "reproduced": text,
        "difference": round(shares[1] - shares[0], 2),
        "status": MATCH if shares[1] > shares[0] else MISMATCH,
    }


def any_use_by_category(analysis: pd.DataFrame, by, design=None) -> pd.DataFrame:
    """Weighted % with any use (ict_freq >= 2) in every category of the breakdowns ``by``.

    One row per breakdown x category: ``breakdown, category, n, n_yes, pct_weighted,
    ci_low, ci_high, se, df`` (0-100; ``n_yes``: respondents with any use, unweighted;
    ``df``: the domain's design df). The estimate is R's ``svymean(~any_use,
    subset(design, category), na.rm = TRUE)`` (domain estimation, Lumley
    2010 §2.2) through :func:`~socialwork_ict.inference.proportions.domain_mean`
    on ``design`` (default: fixed weights, strata = country), the interval is
    ``svyciprop(method = "logit")`` with the domain's design df
    (:func:`~socialwork_ict.inference.proportions.logit_ci`). A client
    population's category is the respondents who work with it.
    """
    from socialwork_ict.inference.proportions import domain_mean, logit_ci
    from socialwork_ict.inference.variance import LinearizationDesign

    if design is None:
        design = LinearizationDesign(
            analysis["country"].astype(str).to_numpy(), analysis["weight"].to_numpy(dtype=float)
        )
    any_use = item_indicator(analysis, "any_use").to_numpy(dtype=float, na_value=np.nan)
    rows = []
    for breakdown in by:
        columns = BREAKDOWNS[breakdown]
        if breakdown == "client_population":
            domains = [
                (c.removeprefix("client_"), analysis[c].astype("Float64") == 1) for c in columns
            ]
        else:
            values = analysis[columns[0]]
            if isinstance(values.dtype, pd.CategoricalDtype):
                labels = [(str(v), values == v) for v in values.cat.categories]
            else:
                labels = [
                    (FIELD_OF_PRACTICE_LABELS[k], values.astype("Float64") == k)
                    for k in FIELD_OF_PRACTICE_LABELS
                ]
            domains = labels
        for label, mask in domains:
            mask = mask.fillna(False).to_numpy(dtype=bool)
            est = domain_mean(any_use, design, mask)
            df = design.df(mask) if est["n"] else np.nan
            low, high = logit_ci(np.array([est["mean"]]), np.array([est["se"]]), np.array([df]))
            rows.append(
                {
                    "breakdown": breakdown,
                    "category": label,
                    "n": est["n"],
                    "n_yes": int(np.nansum(any_use[mask] == 1)),
                    "pct_weighted": 100.0 * est["mean"],
                    "ci_low": 100.0 * float(low[0]),
                    "ci_high": 100.0 * float(high[0]),
                    "se": 100.0 * est["se"],
                    "df": df,
                }
            )
    columns = ["breakdown", "category", "n", "n_yes", "pct_weighted", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=[*columns, "se", "df"])


def _ubiquitous(
    analysis: pd.DataFrame, claim: Mapping[str, Any], design, withheld_shares=None
) -> dict:
    """The rule of ``config/published.yaml``: in every category of every breakdown the
    weighted any-use % has its 95 % lower confidence bound at or above ``threshold``.
    Shares that ``withheld_shares`` withholds count in the verdict and are not printed."""
    by = list(claim["by"])
    threshold = float(claim["threshold"])
    computation = (
        f"weighted % with any use (ict_freq >= 2) by {', '.join(by)}; match when the 95 % "
        f"lower bound is >= {threshold:g} in every category (a majority beyond sampling error)"
    )
    absent = absent_columns(analysis, [c for b in by for c in BREAKDOWNS[b]])
    if absent:
        return _not_in_export(computation, absent)
    table = any_use_by_category(analysis, by, design)
    table = table[table["n"] > 0].copy()
    # no logit interval at 0 or 100 %: the bound is the estimate itself
    table["ci_low"] = table["ci_low"].where(table["ci_low"].notna(), table["pct_weighted"])
    if table.empty:
        return {"computation": computation, "status": NOT_REPRODUCIBLE}
    below = int((table["ci_low"] < threshold).sum())
    shown = table
    if withheld_shares is not None:
        labels = withheld_shares.set_index(["breakdown", "category"])["suppressed"]
        keys = pd.MultiIndex.from_frame(table[["breakdown", "category"]].astype(str))
        hidden = labels.reindex(keys).fillna("").astype(str).to_numpy() != ""
        shown = table[~hidden]
    text = f"{len(table) - below} of {len(table)} categories at or above {threshold:g} %"
    if len(shown) < len(table):
        text += f" ({len(table) - len(shown)} withheld by disclosure control, not printed)"
    if not shown.empty:
        low = shown.loc[shown["ci_low"].idxmin()]
        text += (
            f"; lowest: {low['breakdown']} {low['category']} {low['pct_weighted']:.1f} % "
            f"(95 % CI {low['ci_low']:.1f}-{low['ci_high']:.1f}); "
            f"range {shown['pct_weighted'].min():.1f}-{shown['pct_weighted'].max():.1f} %"
        )
    return {
        "computation": computation,
        "reproduced": text,
        "status": MATCH if below == 0 else MISMATCH,
    }


def mismatches(comparison: pd.DataFrame) -> list[str]:
    """One line per claim with status mismatch (for ``verify``), in table order."""
    lines = []
    for row in comparison[comparison["status"] == MISMATCH].itertuples(index=False):
        lines.append(
            f"mismatch: {row.id}: {row.claim} (source {row.source}): published "
            f"{row.published}, reproduced {row.reproduced}"
            + ("" if pd.isna(row.difference) else f", difference {row.difference:g}")
            + ("" if pd.isna(row.tolerance) else f", tolerance {row.tolerance:g}")
        )
    return lines
