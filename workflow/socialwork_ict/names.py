"""The names that the rules, the adapters and the package share, each defined once.

The figures (and the two jobs that draw them), the sensitivity
specifications, the pooled-country label, the age terms of the model, the
rows of ``tests.csv`` and the synthetic-data notes. A rule file, an adapter
or a package module that needs one of these imports it from here;
``tests/test_names.py`` fails when a second definition appears.

Pandas- and numpy-free: the Snakefile imports it at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence

from socialwork_ict.codes import AGE_GROUPS, COUNTRIES

#: the pooled (all countries together) value of a table's ``country`` column
POOLED = "ALL"

#: the report's figures in two sets, each drawn by one job (workflow/rules/figures.smk):
#: the sample set needs only the cleaning, weighting and Table 2 outputs, so it does
#: not wait for the models
FIGURE_SETS = {
    "sample": ("sample_flow", "weighting", "freq_by_age"),
    "model": ("odds_ratios", "predicted_often", "sensitivity"),
}
#: every figure, in report order
FIGURES = tuple(figure for figures in FIGURE_SETS.values() for figure in figures)
#: the files written per figure: the drawing (SVG, PNG) and its alt text and caption
FIGURE_FORMATS = ("svg", "png", "json")

#: the model's age factor and its terms ``age_group[30-39]`` ... ``age_group[60+]``
#: (treatment coding, reference ``<30``; data contract v2 §4)
AGE_FACTOR = "age_group"
AGE_TERMS = tuple(f"{AGE_FACTOR}[{level}]" for level in AGE_GROUPS[1:])

#: rows of ``tests.csv`` (socialwork_ict.models.age_tests): the Rao-Scott test of
#: age group x frequency per country (format with the country or POOLED)
RAO_SCOTT_TEST = "rao_scott_age_group_x_ict_freq[{}]"
#: Wald F of the four age terms of the primary model
WALD_AGE_TEST = "wald_age_group"
#: Wald F of the age group x country interaction terms
WALD_INTERACTION_TEST = "wald_age_group_x_country"
#: the published contrast: mean log-odds of the older groups minus <30
CONTRAST_TEST = "contrast_under_30_vs_older"
#: departure from a linear trend over the ordered age groups
NONLINEARITY_TEST = "nonlinearity_age_group"
#: 1-df Wald test of the linear component of the age effect
TREND_TEST = "trend_age_group"

#: sensitivity specifications whose variance comes from another design (table order)
VARIANCE_SPECIFICATIONS = ("calibrated", "bootstrap")


def specification_names(
    countries: Sequence[str] = COUNTRIES, variance: Sequence[str] = ()
) -> list[str]:
    """The sensitivity specifications (socialwork_ict.models.sensitivity), in table
    order; ``variance``: those of VARIANCE_SPECIFICATIONS whose design is given."""
    head = ["weighted", *variance, "unweighted", "trimmed_weights", "binary_logit"]
    return head + [f"country_{country}" for country in countries] + ["age_continuous"]


def run_specifications(weighting_method: str, countries: Sequence[str]) -> list[str]:
    """The specifications a run fits: every variance specification, but
    ``calibrated`` (calibration-aware linearisation) only with raked weights."""
    raked = weighting_method == "rake"
    variance = [v for v in VARIANCE_SPECIFICATIONS if raked or v != "calibrated"]
    return specification_names(countries, variance=variance)


#: the note on every figure drawn from synthetic data (title, alt text, caption)
SYNTHETIC_FIGURE_NOTE = "Synthetic data: illustrates the pipeline, not the study's findings"
#: the report's note on synthetic data (banner, and a figure caption that lacks one)
SYNTHETIC_REPORT_NOTE = (
    "The data are synthetic: the estimates illustrate the pipeline, not the study's findings."
)
