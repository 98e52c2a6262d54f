"""Sensitivity of the age association to the modelling choices (one table).

:func:`sensitivity_table` refits the age effect on informal ICT use under a
fixed list of alternative specifications and returns the age terms of each,
side by side, so that a reader can see whether the primary model's
conclusion depends on weighting, trimming, the ordinal assumption, pooling
or the coding of age. One row per specification x age term, in this order:

``weighted``
    The primary model (data contract §4, ``model_ordinal.csv``): survey-
    weighted proportional odds of ``ict_freq`` on age_group, country, gender
    and sector (:func:`~socialwork_ict.models.ordinal.fit_ordinal`;
    Binder 1983 pseudo-ML, Lumley 2010 ``svyolr``), design-based
    linearisation SE with strata = country. Its rows are exactly the age rows
    of ``fit_ordinal(...).coef_table()``.
``calibrated``, ``bootstrap`` (when the caller passes ``designs``; the workflow does)
    The primary model's point estimates with the variance of another method
    of :mod:`~socialwork_ict.inference.variance` (data contract v2 §4), every
    eligible respondent in the design (item non-response as domains):
    ``calibrated`` the calibration-aware linearisation (Deville & Särndal
    1992; R ``calibrate(calfun = "raking")``), ``bootstrap`` the Rao-Wu
    rescaling bootstrap with every replicate re-raked (Rao & Wu 1988; R
    ``as.svrepdesign(type = "subbootstrap")`` + ``calibrate``). With
    ``designs``, ``weighted`` uses the fixed-weight design over every
    respondent too, so the three rows differ only in the variance method.
``unweighted``
    The same model with every weight set to 1, still with the design-based
    (stratified sandwich) SE. A material difference between weighted and
    unweighted estimates signals that the weighting variables are
    informative for the outcome or that the model is misspecified
    (DuMouchel & Duncan 1983, *JASA* 78:535; Winship & Radbill 1994,
    *Sociol. Methods Res.* 23:230); agreement means the weighted estimate's
    extra variance buys little bias protection.
``trimmed_weights``
    The primary model with the trimmed weights of column ``trimmed_weight``
    (trim-and-rerake at a cap relative to the mean weight, Potter 1990,
    *Proc. ASA SRMS*; :mod:`socialwork_ict.weighting.raking`): checks that a
    few large weights do not drive the estimate (the bias-variance trade-off
    of trimming).
``binary_logit``
    Survey-weighted logistic regression of "often or very often"
    (``ict_freq >= 4``) vs less, same terms
    (:func:`~socialwork_ict.models.logistic.fit_logistic` with
    ``at_least=4``; ``svyglm(quasibinomial)``): an estimate that does not
    rely on the proportional-odds assumption (Brant 1990, *Biometrics*
    46:1171 — under proportional odds it estimates the same log odds ratio).
    Its CI and p-value use Student t with the model's residual df, as
    ``summary.svyglm`` (the ordinal rows use the normal quantile, as
    ``svyolr``); ``estimate`` is the log odds ratio of the age term.
``country_CA`` ... ``country_UK`` (one per entry of ``countries``)
    The primary model fitted in each country alone: the country's own rows
    only, terms without ``country``, a single stratum (Lumley 2010 §2.3:
    within-country design df = n - 1). Shows whether the pooled age effect
    is shared across countries (the formal test of heterogeneity is the
    age_group x country Wald test of ``tests.csv``).
``age_continuous``
    The primary model with age as a linear term per 10 years
    (``age_per_10y`` = age / 10, R's ``I(age/10)``) instead of age_group:
    one row, term ``age_per_10y``; checks that the grouped effect is not an
    artefact of the cut points (Royston, Altman & Sauerbrei 2006,
    *Stat. Med.* 25:127, on the cost of categorising a continuous
    predictor). Needs column ``age``.

Age terms are ``age_group[30-39]`` ... ``age_group[60+]``, those present
(a level without respondents in a specification's data has no coefficient,
and the fit says so in ``warnings``).

Failures: a specification that cannot be fitted (an
:class:`~socialwork_ict.errors.InputError` from separation, a constant
response, no respondents, a missing ``trimmed_weight`` or ``age`` column, or
a singular information matrix) gives rows with NaN in every numeric column
but ``n`` and the error text, prefixed ``not fitted:``, in ``warnings``. It
never stops the table and never yields a silent estimate. Fit warnings
(collapsed empty response categories, dropped levels, non-convergence, very
large coefficients) are carried into ``warnings``, joined with ``"; "``.

Input: ``frame`` holds *complete cases* of the model variables (ict_freq,
the factors in ``terms``, ``weight``, ``strata``); the caller drops (and
records) incomplete rows, as for every model of this package. Missing values
or absent columns among those are an :class:`InputError` raised at once (a
caller mistake, not a failed specification). ``trimmed_weight`` and ``age``
are needed only by their own specifications. The function is pure: no I/O,
``frame`` is not modified.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES
from socialwork_ict.errors import InputError
from socialwork_ict.models.design_matrix import AGE_PER_10_TERM, term_name
from socialwork_ict.models.logistic import fit_logistic
from socialwork_ict.models.ordinal import fit_ordinal, ordinal_design_vcov
from socialwork_ict.names import (
    AGE_FACTOR,
    AGE_TERMS,
    VARIANCE_SPECIFICATIONS,
    specification_names,
)

RESPONSE = "ict_freq"
BINARY_AT_LEAST = 4  # often (4) or very often (5)
COUNTRY_FACTOR = "country"

SENSITIVITY_COLUMNS = [
    "specification",
    "description",
    "term",
    "estimate",
    "std_error",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
    "n",
    "warnings",
]
_NUMERIC = ["estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value"]


def sensitivity_table(
    frame: pd.DataFrame,
    *,
    weight: str = "weight",
    trimmed_weight: str = "weight_trimmed",
    strata: str = "country",
    terms: Sequence[str] = ("age_group", "country", "gender", "sector"),
    countries: Sequence[str] = COUNTRIES,
    only: Sequence[str] | None = None,
    designs: Mapping[str, object] | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Age terms under each sensitivity specification (see the module docstring).

    ``designs``: ``{"weighted": fixed, "calibrated": ..., "bootstrap": ...}``
    designs of :mod:`~socialwork_ict.inference.variance` over every eligible
    respondent, ``rows`` the positions of ``frame``'s rows among them (the
    designs' weights at ``rows`` are ``frame[weight]``); None: no
    ``calibrated`` / ``bootstrap`` rows and ``weighted`` on the complete
    cases alone.

    ``only``: fit just these specifications (names of
    :func:`specification_names`), e.g. one per job when the workflow fans the
    specifications out over a cluster; ``None`` fits all of them.

    Returns one row per specification x age term with columns
    :data:`SENSITIVITY_COLUMNS`: ``specification``, ``description``, ``term``,
    ``estimate`` (log odds ratio), ``std_error``, ``odds_ratio``, ``ci_low`` and
    ``ci_high`` (bounds of the odds ratio), ``p_value``, ``n`` (rows in the
    specification's data) and ``warnings`` (``"; "``-joined, empty if none).
    """
    terms = tuple(terms)
    if AGE_FACTOR not in terms:
        raise InputError(
            "the sensitivity table is about the age terms: terms must include age_group",
            values=list(terms),
        )
    _check_complete(frame, [RESPONSE, weight, strata, COUNTRY_FACTOR, *terms])
    no_country = tuple(t for t in terms if t != COUNTRY_FACTOR)
    no_age = tuple(t for t in terms if t != AGE_FACTOR)
    country_values = frame[COUNTRY_FACTOR].astype(str)

    def ordinal(data: pd.DataFrame, *, weight_column: str = weight, **options) -> _Fitted:
        options.setdefault("terms", terms)
        fit = fit_ordinal(data, weight=weight_column, strata=strata, **options)
        return _Fitted(fit.coef_table(), fit.warnings, fit.n)

    def logistic(data: pd.DataFrame) -> _Fitted:
        fit = fit_logistic(
            data, at_least=BINARY_AT_LEAST, terms=terms, weight=weight, strata=strata
        )
        return _Fitted(fit.coef_table(), fit.warnings, fit.n)

    designs = dict(designs or {})

    def on_design(name: str) -> Callable[[pd.DataFrame], _Fitted]:
        def fitter(data: pd.DataFrame) -> _Fitted:
            fit = fit_ordinal(data, weight=weight, strata=strata, terms=terms)
            vcov, df_residual = ordinal_design_vcov(fit, data, designs[name], rows)
            fit = replace(fit, vcov=vcov, df_residual=df_residual)
            return _Fitted(fit.coef_table(), fit.warnings, fit.n)

        return fitter

    def described(name: str) -> str:
        from socialwork_ict.inference.variance import design_description

        return design_description(designs[name])

    specs: list[tuple[str, str, pd.DataFrame, str, Callable[[pd.DataFrame], _Fitted], bool]] = [
        (
            "weighted",
            "survey-weighted proportional odds, survey weights fixed: "
            + (described("weighted") + ", every respondent" if "weighted" in designs
               else "design-based SE"),
            frame,
            weight,
            on_design("weighted") if "weighted" in designs else ordinal,
            False,
        ),
    ]  # fmt: skip
    for name in VARIANCE_SPECIFICATIONS:
        if name in designs:
            specs.append(
                (
                    name,
                    f"survey-weighted proportional odds: {described(name)}, every respondent",
                    frame,
                    weight,
                    on_design(name),
                    False,
                )
            )
    specs += [
        (
            "unweighted",
            "proportional odds with all weights 1, design-based SE (strata kept)",
            frame.assign(**{weight: 1.0}),
            weight,
            ordinal,
            False,
        ),
        (
            "trimmed_weights",
            f"proportional odds with the trimmed weights ({trimmed_weight})",
            frame,
            trimmed_weight,
            lambda data: ordinal(data, weight_column=trimmed_weight),
            False,
        ),
        (
            "binary_logit",
            f"survey-weighted logistic regression of {RESPONSE} >= {BINARY_AT_LEAST} "
            "(often/very often) vs less; t(df) intervals",
            frame,
            weight,
            logistic,
            False,
        ),
    ]
    for country in countries:
        specs.append(
            (
                f"country_{country}",
                f"proportional odds in {country} alone (no country term, single stratum)",
                frame.loc[country_values == str(country)],
                weight,
                lambda data: ordinal(data, terms=no_country),
                False,
            )
        )
    specs.append(
        (
            "age_continuous",
            "proportional odds with age as a linear term per 10 years instead of age_group",
            frame,
            weight,
            lambda data: ordinal(data, terms=no_age, age_per_10=True),
            True,
        )
    )

    names = specification_names(countries, variance=[v for v in VARIANCE_SPECIFICATIONS
                                                     if v in designs])  # fmt: skip
    wanted = names if only is None else list(only)
    unknown = [name for name in wanted if name not in names]
    if unknown:
        raise InputError("unknown sensitivity specification", values=unknown)
    pieces = [
        _rows(name, description, data, weight_column, fitter, continuous)
        for name, description, data, weight_column, fitter, continuous in specs
        if name in wanted
    ]
    table = pd.concat(pieces, ignore_index=True)
    table["n"] = table["n"].astype(np.int64)
    return table[SENSITIVITY_COLUMNS]


class _Fitted:
    """A fitted specification: its coefficient table, warnings and row count."""

    def __init__(self, table: pd.DataFrame, warnings: list[str], n: int) -> None:
        self.table = table
        self.warnings = list(warnings)
        self.n = int(n)


def _rows(
    name: str,
    description: str,
    data: pd.DataFrame,
    weight_column: str,
    fitter: Callable[[pd.DataFrame], _Fitted],
    continuous: bool,
) -> pd.DataFrame:
    """The age rows of one specification, or NaN rows with the error text."""
    try:
        fitted = fitter(data)
    except (InputError, np.linalg.LinAlgError) as err:
        age_terms = [AGE_PER_10_TERM] if continuous else _present_age_terms(data, weight_column)
        rows = pd.DataFrame({"term": age_terms})
        for column in _NUMERIC:
            rows[column] = np.nan
        rows["n"] = len(data)
        rows["warnings"] = f"not fitted: {err}"
    else:
        wanted = [AGE_PER_10_TERM] if continuous else list(AGE_TERMS)
        rows = fitted.table[fitted.table["term"].isin(wanted)][["term", *_NUMERIC]]
        rows = rows.reset_index(drop=True)
        rows["n"] = fitted.n
        rows["warnings"] = "; ".join(fitted.warnings)
    rows.insert(0, "description", description)
    rows.insert(0, "specification", name)
    return rows


def _present_age_terms(data: pd.DataFrame, weight_column: str) -> list[str]:
    """Non-reference age levels with a positive-weight respondent (all, if none)."""
    if weight_column in data.columns:
        w = pd.to_numeric(data[weight_column], errors="coerce").to_numpy(dtype=float)
        data = data.loc[np.nan_to_num(w, nan=0.0) > 0]
    levels = set(data[AGE_FACTOR].astype(object).dropna())
    present = [term_name(AGE_FACTOR, lev) for lev in AGE_GROUPS[1:] if lev in levels]
    return present or list(AGE_TERMS)


def _check_complete(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Complete cases of the model variables are the caller's job: else InputError."""
    for column in dict.fromkeys(columns):
        if column not in frame.columns:
            raise InputError("column missing from the analysis data", column=column)
        n_missing = int(frame[column].isna().sum())
        if n_missing:
            raise InputError(
                "missing values in a model variable (the sensitivity table expects "
                "complete cases; drop them first)",
                column=column,
                n_rows=n_missing,
            )


def sensitivity_designs(
    everyone: pd.DataFrame,
    specifications: Sequence[str],
    *,
    variance: Mapping | None,
    weighting: Mapping,
    seed: int,
    targets_path,
) -> dict:
    """The designs of the ``weighted``, ``calibrated`` and ``bootstrap`` rows among
    ``specifications``, over every respondent of ``everyone``.

    ``weighted``: linearisation with fixed weights; ``calibrated``:
    calibration-aware linearisation (needs ``weighting.method: rake``);
    ``bootstrap``: ``variance.replicates`` Rao-Wu replicates (the factors of
    ``variance.replicate_factors`` when ``variance.method`` is bootstrap),
    re-raked when the weights are raked and not trimmed, else fixed.
    """
    from socialwork_ict.inference.variance import rule_design, variance_settings

    settings = variance_settings({"variance": variance})
    raked = weighting["method"] == "rake"
    wanted = {
        "weighted": {"method": "linearization", "calibration": "fixed"},
        "calibrated": {"method": "linearization", "calibration": "calibrated"},
        "bootstrap": {
            "method": "bootstrap",
            "calibration": "calibrated" if raked and weighting.get("trim_cap") is None else "fixed",
            "replicates": settings["replicates"],
            "replicate_factors": settings["replicate_factors"]
            if settings["method"] == "bootstrap"
            else None,
        },
    }
    if not raked:
        wanted.pop("calibrated")
    return {
        name: rule_design(everyone, spec, dict(weighting), seed, targets_path)
        for name, spec in wanted.items()
        if name in specifications
    }
