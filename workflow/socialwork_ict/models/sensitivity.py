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

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES
from socialwork_ict.errors import InputError
from socialwork_ict.models.design_matrix import AGE_PER_10_TERM, term_name
from socialwork_ict.models.logistic import fit_logistic
from socialwork_ict.models.ordinal import fit_ordinal

RESPONSE = "ict_freq"
BINARY_AT_LEAST = 4  # often (4) or very often (5)
AGE_FACTOR = "age_group"
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
#: the age terms of the grouped coding, in contract order
AGE_TERMS = tuple(term_name(AGE_FACTOR, level) for level in AGE_GROUPS[1:])


def sensitivity_table(
    frame: pd.DataFrame,
    *,
    weight: str = "weight",
    trimmed_weight: str = "weight_trimmed",
    strata: str = "country",
    terms: Sequence[str] = ("age_group", "country", "gender", "sector"),
    countries: Sequence[str] = COUNTRIES,
    only: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Age terms under each sensitivity specification (see the module docstring).

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

    specs: list[tuple[str, str, pd.DataFrame, str, Callable[[pd.DataFrame], _Fitted], bool]] = [
        (
            "weighted",
            "primary model: survey-weighted proportional odds, design-based SE",
            frame,
            weight,
            ordinal,
            False,
        ),
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

    names = specification_names(countries)
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


def specification_names(countries: Sequence[str] = COUNTRIES) -> list[str]:
    """The specifications of :func:`sensitivity_table`, in table order."""
    head = ["weighted", "unweighted", "trimmed_weights", "binary_logit"]
    return head + [f"country_{country}" for country in countries] + ["age_continuous"]


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
