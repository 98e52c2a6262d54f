"""The design-based tests of the age x frequency relationship (``tests.csv``).

One table, one row per test (columns test, country, statistic, df_num,
df_den, p_value, method):

- ``rao_scott_age_group_x_ict_freq[CA]`` ... ``[ALL]``: Rao & Scott (1984)
  second-order corrected F test of independence of age group and frequency,
  as R ``svychisq(~age_group + ict_freq, design, statistic = "F")``
  (:mod:`socialwork_ict.inference.rao_scott`).
- ``wald_age_group_x_country`` / ``_chisq``: does the age pattern differ
  between countries? The proportional-odds model with ``age_group *
  country`` (12 interaction terms), design-based Wald test as
  ``regTermTest(m, ~age_group:country)``: F = chisq / 12 with df_den = the
  interaction model's residual df (design df - coefficients, svyolr's
  ``df.residual``), and the chi-square form (df_den Inf).
- ``wald_age_group``: the overall age effect, the 4 age terms of the primary
  model jointly zero, as ``regTermTest(m, ~age_group)`` (F form, df_den =
  the primary model's residual df).
- ``contrast_under_30_vs_older``: the published claim ("younger than 30 used
  informal ICT less frequently than older age groups", S4) as one contrast:
  the mean log-odds of the four older groups minus the <30 group's,
  ``(b_30-39 + b_40-49 + b_50-59 + b_60+) / 4`` (R ``svycontrast``), 1-df
  Wald F with the model's residual df. ``method`` gives the estimate, its
  SE and 95 % Wald CI (normal quantile, as R ``confint`` of a
  ``svycontrast``), and the same contrast on the probability scale: the
  mean standardised predicted probability of often or very often
  (ict_freq >= 4) of the four older groups minus that of the <30s
  (:func:`~socialwork_ict.models.predict.standardised_contrast`).
- ``nonlinearity_age_group``: departure from a linear trend over the ordered
  age groups (equally spaced scores; the reference's effect is 0 at score
  0, so the effects lie on a line iff ``b_j = j b_1``): the 3-df Wald F of
  ``b_j - j b_1 = 0``, j = 2, 3, 4 (equivalently the quadratic, cubic and
  quartic orthogonal-polynomial contrasts).
- ``trend_age_group``: 1-df Wald test of the linear *component* of the age
  effect (equally spaced scores) in the primary model, F form with the
  primary model's residual df
  (:func:`socialwork_ict.inference.wald.age_trend_test`). It is not a test
  of a monotone effect: an inverted U has a linear component too
  (``nonlinearity_age_group`` says whether the pattern departs from a line).
- ``proportional_odds[age_group]``: Brant-type (1990) design-based test that
  the age coefficients are equal across the four cumulative logits
  (:func:`socialwork_ict.models.proportional_odds.proportional_odds_check`); its
  verdict sentence is in ``method``. ``proportional_odds[all terms]``: the
  same for every covariate of the model jointly (age, country, gender,
  sector).

Analysis samples: the model-based tests use the model's complete cases; the
Rao-Scott tests use Table 2's sample, everyone with an age group and a
frequency (R's domain rule: ``svychisq`` on the design of all eligible
respondents), so that the tests and Table 2 describe the same respondents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES
from socialwork_ict.inference import distributions
from socialwork_ict.inference.rao_scott import rao_scott_tests
from socialwork_ict.inference.variance import LinearizationDesign
from socialwork_ict.inference.wald import (
    age_trend_test,
    wald_test,
    wald_test_rows,
    wald_test_terms,
)
from socialwork_ict.models.ordinal import OrdinalFit, fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.predict import standardised_contrast
from socialwork_ict.models.proportional_odds import ProportionalOddsCheck, proportional_odds_check
from socialwork_ict.names import (
    AGE_TERMS,
    CONTRAST_TEST,
    NONLINEARITY_TEST,
    POOLED,
    TREND_TEST,
    WALD_AGE_TEST,
    WALD_INTERACTION_TEST,
)

#: the published contrast: mean of the four older groups' log-odds minus <30's (0)
UNDER_30_CONTRAST = np.full(len(AGE_TERMS), 1.0 / len(AGE_TERMS))
#: departure from linearity over equally spaced scores: b_j - j b_1 = 0, j = 2..4
NONLINEARITY_CONTRASTS = np.array(
    [[-2.0, 1.0, 0.0, 0.0], [-3.0, 0.0, 1.0, 0.0], [-4.0, 0.0, 0.0, 1.0]]
)

TEST_COLUMNS = ["test", "country", "statistic", "df_num", "df_den", "p_value", "method"]


@dataclass(frozen=True)
class AgeTests:
    table: pd.DataFrame
    proportional_odds: ProportionalOddsCheck
    interaction_fit: OrdinalFit


def age_association_tests(
    frame: pd.DataFrame,
    primary: OrdinalFit,
    *,
    countries: Sequence[str] = COUNTRIES,
    design=None,
    rows=None,
    everyone: pd.DataFrame | None = None,
) -> AgeTests:
    """All tests of the module docstring on the complete-case model frame.

    ``design``: a design of :mod:`~socialwork_ict.inference.variance` over
    the respondents ``everyone`` (the whole analysis file), ``rows`` the
    positions of ``frame``'s rows among them, ``primary`` with its variance
    from the design (:func:`~socialwork_ict.models.ordinal.ordinal_design_vcov`).
    Every variance then comes from the design, and the Rao-Scott tests use
    every respondent with both variables (R's domain rule).
    """
    if everyone is None:
        everyone = frame
    if design is None:  # the weights as fixed sampling weights, strata = country
        strata = everyone["country"].astype("string").to_numpy(dtype=object, na_value="<NA>")
        table2_design = LinearizationDesign(
            strata.astype(str), everyone["weight"].to_numpy(dtype=float)
        )
    else:
        table2_design = design
    rao_scott = rao_scott_tests(everyone, countries=countries, design=table2_design)

    interaction = fit_ordinal(frame, interaction=("age_group", "country"))
    if design is not None:
        vcov, df = ordinal_design_vcov(interaction, frame, design, rows)
        interaction = replace(interaction, vcov=vcov, df_residual=df)
    terms = [t for t in interaction.params.index if ":" in t]
    wald = wald_test_rows(
        WALD_INTERACTION_TEST,
        wald_test_terms(
            interaction.params, interaction.vcov, terms, df_den=interaction.df_residual
        ),
    )

    trend = age_trend_test(primary.params, primary.vcov, df_den=primary.df_residual)
    trend_row = {
        "test": TREND_TEST,
        "country": POOLED,
        "statistic": trend["statistic"],
        "df_num": trend["df_num"],
        "df_den": trend["df_den"],
        "p_value": trend["p_value"],
        "method": (
            "Wald F of the linear contrast of age-group log-odds (equally spaced scores); "
            f"slope {trend['estimate']:.4f} (SE {trend['std_error']:.4f}) per age-group step"
        ),
    }

    trend_row["method"] += (
        "; the linear component only, not a test of a monotone effect (see nonlinearity_age_group)"
    )
    age_rows = _age_effect_rows(frame, primary, design, rows)

    po = proportional_odds_check(frame, fitted=primary, design=design, rows=rows)
    joint = po.tests.iloc[0]
    po_row = {
        "test": joint["test"],
        "country": POOLED,
        "statistic": joint["statistic"],
        "df_num": joint["df_num"],
        "df_den": joint["df_den"],
        "p_value": joint["p_value"],
        "method": f"Brant-type design-based Wald F across cumulative logits: {po.verdict}",
    }
    every = po.tests[po.tests["test"] == ALL_TERMS_TEST].iloc[0]
    po_all_row = {
        "test": ALL_TERMS_TEST,
        "country": POOLED,
        "statistic": every["statistic"],
        "df_num": every["df_num"],
        "df_den": every["df_den"],
        "p_value": every["p_value"],
        "method": "Brant-type design-based Wald F across cumulative logits, every covariate",
    }
    table = pd.concat(
        [rao_scott, wald, pd.DataFrame([*age_rows, trend_row, po_row, po_all_row])],
        ignore_index=True,
    )[TEST_COLUMNS]
    return AgeTests(table=table, proportional_odds=po, interaction_fit=interaction)


ALL_TERMS_TEST = "proportional_odds[all terms]"


def _age_effect_rows(frame, primary: OrdinalFit, design, rows) -> list[dict]:
    """``wald_age_group``, ``contrast_under_30_vs_older``, ``nonlinearity_age_group``."""
    b = primary.params.loc[list(AGE_TERMS)].to_numpy(dtype=float)
    v = primary.vcov.loc[list(AGE_TERMS), list(AGE_TERMS)].to_numpy(dtype=float)
    df_den = primary.df_residual
    overall = wald_test_terms(primary.params, primary.vcov, AGE_TERMS, df_den=df_den)
    contrast = wald_test(b, v, UNDER_30_CONTRAST[None, :], df_den=df_den)
    nonlinear = wald_test(b, v, NONLINEARITY_CONTRASTS, df_den=df_den)
    c = age_contrast(frame, primary, design, rows)
    contrast_method = (
        f"Wald F of the mean log-odds of the four older groups minus <30: estimate "
        f"{c['log_odds']:.4f} (SE {c['log_odds_se']:.4f}, 95 % CI "
        f"{c['log_odds_ci_low']:.4f} to {c['log_odds_ci_high']:.4f}); standardised "
        f"P(often or very often), older groups' mean minus <30: {c['probability']:.4f} "
        f"(SE {c['probability_se']:.4f}, 95 % CI {c['probability_ci_low']:.4f} to "
        f"{c['probability_ci_high']:.4f})"
    )
    out = []
    for name, result, method in (
        (WALD_AGE_TEST, overall, "Wald F of the 4 age terms: regTermTest(m, ~age_group)"),
        (CONTRAST_TEST, contrast, contrast_method),
        (
            NONLINEARITY_TEST,
            nonlinear,
            "Wald F of the departure from a linear trend over equally spaced age-group "
            "scores (b_j - j b_1 = 0, j = 2..4)",
        ),
    ):
        out.append(
            {
                "test": name,
                "country": POOLED,
                "statistic": result["statistic"],
                "df_num": result["df_num"],
                "df_den": result["df_den"],
                "p_value": result["p_value"],
                "method": method,
            }
        )
    return out


def age_contrast(frame, primary: OrdinalFit, design=None, rows=None) -> dict[str, float]:
    """The published contrast (<30 vs the older groups) on both scales, as numbers.

    ``log_odds``, ``log_odds_se``, ``log_odds_ci_low``, ``log_odds_ci_high``
    (95 % Wald, normal quantile) and ``probability``, ``probability_se``,
    ``probability_ci_low``, ``probability_ci_high`` (standardised P(often or
    very often), see :func:`_age_effect_rows`).
    """
    b = primary.params.loc[list(AGE_TERMS)].to_numpy(dtype=float)
    v = primary.vcov.loc[list(AGE_TERMS), list(AGE_TERMS)].to_numpy(dtype=float)
    estimate = float(UNDER_30_CONTRAST @ b)
    se = float(np.sqrt(UNDER_30_CONTRAST @ v @ UNDER_30_CONTRAST))
    q = distributions.norm_ppf(0.975)
    older = {g: 1.0 / len(AGE_TERMS) for g in AGE_GROUPS[1:]}
    prob = standardised_contrast(
        primary, frame, {AGE_GROUPS[0]: -1.0, **older}, design=design, rows=rows
    )
    return {
        "log_odds": estimate,
        "log_odds_se": se,
        "log_odds_ci_low": estimate - q * se,
        "log_odds_ci_high": estimate + q * se,
        "probability": prob["estimate"],
        "probability_se": prob["std_error"],
        "probability_ci_low": prob["ci_low"],
        "probability_ci_high": prob["ci_high"],
    }
