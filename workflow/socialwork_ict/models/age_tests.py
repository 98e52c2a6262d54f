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
- ``trend_age_group``: 1-df Wald test of a linear trend of the log-odds over
  the ordered age groups (equally spaced scores) in the primary model, F
  form with the primary model's residual df
  (:func:`socialwork_ict.inference.wald.age_trend_test`).
- ``proportional_odds[age_group]``: Brant-type (1990) design-based test that
  the age coefficients are equal across the four cumulative logits
  (:func:`socialwork_ict.models.proportional_odds.proportional_odds_check`); its
  verdict sentence is in ``method``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from socialwork_ict.codes import COUNTRIES
from socialwork_ict.inference.rao_scott import rao_scott_tests
from socialwork_ict.inference.wald import age_trend_test, wald_test_rows, wald_test_terms
from socialwork_ict.models.ordinal import OrdinalFit, fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.proportional_odds import ProportionalOddsCheck, proportional_odds_check

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
    if design is None:
        rao_scott = rao_scott_tests(frame, countries=countries)
    else:
        rao_scott = rao_scott_tests(everyone, countries=countries, design=design)

    interaction = fit_ordinal(frame, interaction=("age_group", "country"))
    if design is not None:
        vcov, df = ordinal_design_vcov(interaction, frame, design, rows)
        interaction = replace(interaction, vcov=vcov, df_residual=df)
    terms = [t for t in interaction.params.index if ":" in t]
    wald = wald_test_rows(
        "wald_age_group_x_country",
        wald_test_terms(
            interaction.params, interaction.vcov, terms, df_den=interaction.df_residual
        ),
    )

    trend = age_trend_test(primary.params, primary.vcov, df_den=primary.df_residual)
    trend_row = {
        "test": "trend_age_group",
        "country": "ALL",
        "statistic": trend["statistic"],
        "df_num": trend["df_num"],
        "df_den": trend["df_den"],
        "p_value": trend["p_value"],
        "method": (
            "Wald F of the linear contrast of age-group log-odds (equally spaced scores); "
            f"slope {trend['estimate']:.4f} (SE {trend['std_error']:.4f}) per age-group step"
        ),
    }

    po = proportional_odds_check(frame, fitted=primary, design=design, rows=rows)
    joint = po.tests.iloc[0]
    po_row = {
        "test": joint["test"],
        "country": "ALL",
        "statistic": joint["statistic"],
        "df_num": joint["df_num"],
        "df_den": joint["df_den"],
        "p_value": joint["p_value"],
        "method": f"Brant-type design-based Wald F across cumulative logits: {po.verdict}",
    }
    table = pd.concat([rao_scott, wald, pd.DataFrame([trend_row, po_row])], ignore_index=True)[
        TEST_COLUMNS
    ]
    return AgeTests(table=table, proportional_odds=po, interaction_fit=interaction)
