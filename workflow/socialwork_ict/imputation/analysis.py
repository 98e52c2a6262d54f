"""Analyse each completed dataset with the complete-case design and pool the m analyses.

Per imputation l (:func:`analyse_completed`), on the completed file with the
pipeline's weights and the same design as the complete-case analysis (R:
``svydesign(..., data = imputationList(...))`` then ``with(design, ...)``;
Lumley 2010, *Complex Surveys*, §9.4; Reiter, Raghunathan & Kinney 2006,
*Surv. Methodol.* 32:143 on design-based analysis of imputed files):

- the primary proportional-odds model
  (:func:`~socialwork_ict.models.ordinal.fit_ordinal`): estimates, their
  design-based covariance and residual df (the complete-data df nu_com of
  the Barnard-Rubin df);
- the Rao-Scott tests of age_group x ict_freq per country and pooled
  (:func:`~socialwork_ict.inference.rao_scott.rao_scott_test`), with the
  first-order chi-square that D2 pools;
- Table 2's proportions with their SEs and design df.

Pooling (:func:`pool_analyses`, formulas in
:mod:`socialwork_ict.inference.pooling`): Rubin's rules for the model, D1
for the overall age effect (the four age terms), D2 for each Rao-Scott
test, and the logit-scale pooling of every Table 2 proportion.

``design``: None for the default variance (fixed weights, linearisation;
a completed file has no missing model value, so the complete cases are all
respondents), else a design of :mod:`~socialwork_ict.inference.variance`
built on the weighted analysis file (the raking cells as observed), whose
rows are the completed file's.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from socialwork_ict.codes import COUNTRIES
from socialwork_ict.errors import InputError
from socialwork_ict.inference.pooling import (
    D1_METHOD,
    D2_METHOD,
    d1_test,
    d2_test,
    pool_proportions,
    rubin_pool,
)
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.inference.rao_scott import rao_scott_domain_tests, rao_scott_test
from socialwork_ict.models.ordinal import fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.sensitivity import SENSITIVITY_COLUMNS
from socialwork_ict.names import AGE_TERMS, RAO_SCOTT_TEST, WALD_AGE_TEST, WALD_INTERACTION_TEST
from socialwork_ict.names import POOLED as ALL

TESTS_COLUMNS = (
    "test", "country", "statistic", "df_num", "df_den", "p_value",
    "chisq_first_order", "df_first_order",
)  # fmt: skip
POOLED_TESTS_COLUMNS = ("test", "country", "m", "statistic", "df_num", "df_den", "p_value",
                        "riv", "method")  # fmt: skip
TABLE2_KEYS = ("country", "age_group", "ict_freq")


def analyse_completed(
    frame: pd.DataFrame, *, design=None, countries: Sequence[str] = COUNTRIES
) -> dict[str, pd.DataFrame]:
    """The per-imputation results of one completed analysis frame.

    Returns ``ordinal`` (term, estimate, df_residual, then one column per
    term: the covariance), ``interaction`` (the same for the model with the
    age_group x country interaction), ``tests`` (:data:`TESTS_COLUMNS`) and
    ``table2`` (country, age_group, ict_freq, n, pct_weighted, se_weighted, df).
    """
    ordinal = _model_table(fit_ordinal(frame), frame, design)
    interaction = _model_table(
        fit_ordinal(frame, interaction=("age_group", "country")), frame, design
    )

    labels = frame["country"].astype("string")
    domains = [*countries, ALL]
    if design is not None:  # every domain from one set of replicate totals
        blocks = [
            (labels.isin(countries) if label == ALL else labels == label)
            .fillna(False)
            .to_numpy(dtype=bool)
            for label in domains
        ]
        results = rao_scott_domain_tests(frame["age_group"], frame["ict_freq"], design, blocks)
    else:
        results = [
            rao_scott_test(
                frame[labels.isin(countries)] if label == ALL else frame[labels == label]
            )
            for label in domains
        ]
    rows = []
    for label, result in zip(domains, results, strict=True):
        if result is None:
            raise np.linalg.LinAlgError(f"age_group x ict_freq [{label}]: singular C' D^-1 C")
        rows.append({"test": RAO_SCOTT_TEST.format(label), "country": label,
                     **{key: result[key] for key in TESTS_COLUMNS[2:]}})  # fmt: skip
    tests = pd.DataFrame(rows, columns=list(TESTS_COLUMNS))

    table2 = table2_freq_by_age(frame, countries=countries, design=design)
    table2 = table2[[*TABLE2_KEYS, "n", "pct_weighted", "se_weighted", "df"]]
    return {"ordinal": ordinal, "interaction": interaction, "tests": tests, "table2": table2}


def _model_table(fit, frame: pd.DataFrame, design) -> pd.DataFrame:
    """term, estimate, df_residual and the covariance columns of a fit (on ``design``)."""
    vcov, df_residual = fit.vcov, fit.df_residual
    if design is not None:
        vcov, df_residual = ordinal_design_vcov(fit, frame, design, np.arange(len(frame)))
    table = pd.DataFrame({"term": fit.params.index, "estimate": fit.params.to_numpy()})
    table["df_residual"] = int(df_residual)
    return pd.concat([table, vcov.reset_index(drop=True)], axis=1)


def _pool_model(analyses, key: str):
    """Rubin's rules over the m fits of one model (the same terms in every imputation)."""
    names = list(analyses[0][key]["term"])
    for analysis in analyses[1:]:
        if list(analysis[key]["term"]) != names:
            raise InputError(
                "the imputations' fits of one model have different terms (a level or "
                "interaction cell empty in some completed files)",
                values=sorted(set(analysis[key]["term"]) ^ set(names)),
            )
    q = np.stack([a[key]["estimate"].to_numpy(dtype=float) for a in analyses])
    u = np.stack([a[key][names].to_numpy(dtype=float) for a in analyses])
    return rubin_pool(q, u, names, df_complete=float(analyses[0][key]["df_residual"].iloc[0]))


def pool_analyses(analyses: Sequence[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Pool m results of :func:`analyse_completed` (formulas in the module docstring).

    Returns ``ordinal`` (:data:`~socialwork_ict.inference.pooling.POOLED_COLUMNS`),
    ``tests`` (:data:`POOLED_TESTS_COLUMNS`: ``wald_age_group`` and
    ``wald_age_group_x_country`` (the 12 interaction terms of the interaction
    model) by D1, each Rao-Scott test by D2) and ``table2`` (the Table 2 keys, pooled
    ``pct_weighted`` with its logit interval ``ci_low``/``ci_high`` and
    ``se_weighted`` on the 0-100 scale, ``df``, ``fmi``).
    """
    m = len(analyses)
    pooled = _pool_model(analyses, "ordinal")
    age_terms = [term for term in AGE_TERMS if term in pooled.names]
    rows = [{"test": WALD_AGE_TEST, "country": ALL, "m": m,
             **_test_values(d1_test(pooled, age_terms)), "method": D1_METHOD}]  # fmt: skip
    if "interaction" in analyses[0]:
        interaction = _pool_model(analyses, "interaction")
        terms = [term for term in interaction.names if ":" in term]
        rows.append({"test": WALD_INTERACTION_TEST, "country": ALL, "m": m,
                     **_test_values(d1_test(interaction, terms)),
                     "method": D1_METHOD})  # fmt: skip
    tests = [a["tests"].set_index("test") for a in analyses]
    for test in tests[0].index:
        chisq = [t.loc[test, "chisq_first_order"] for t in tests]
        d2 = d2_test(chisq, float(tests[0].loc[test, "df_first_order"]))
        rows.append({"test": test, "country": tests[0].loc[test, "country"], "m": m,
                     **_test_values(d2), "method": D2_METHOD})  # fmt: skip
    pooled_tests = pd.DataFrame(rows, columns=list(POOLED_TESTS_COLUMNS))

    cells = analyses[0]["table2"][list(TABLE2_KEYS)].reset_index(drop=True)
    p = np.stack([a["table2"]["pct_weighted"].to_numpy(dtype=float) / 100 for a in analyses])
    se = np.stack([a["table2"]["se_weighted"].to_numpy(dtype=float) / 100 for a in analyses])
    df = analyses[0]["table2"]["df"].to_numpy(dtype=float)
    proportions = pool_proportions(p, se, df)
    table2 = cells.assign(
        pct_weighted=100 * proportions["estimate"],
        ci_low=100 * proportions["ci_low"],
        ci_high=100 * proportions["ci_high"],
        se_weighted=100 * proportions["std_error"],
        df=proportions["df"],
        fmi=proportions["fmi"],
    )
    return {"ordinal": pooled.table(), "tests": pooled_tests, "table2": table2,
            "pooled": pooled}  # fmt: skip


def sensitivity_rows(pooled_ordinal: pd.DataFrame, n: int, m: int) -> pd.DataFrame:
    """The ``multiple_imputation`` rows of sensitivity.csv: the pooled age terms."""
    rows = pooled_ordinal[pooled_ordinal["term"].isin(AGE_TERMS)].reset_index(drop=True)
    rows = rows[["term", "estimate", "std_error", "odds_ratio", "ci_low", "ci_high", "p_value"]]
    rows.insert(0, "description", f"primary model on {m} imputations pooled by Rubin's rules; "
                "t(Barnard-Rubin df) intervals")  # fmt: skip
    rows.insert(0, "specification", "multiple_imputation")
    rows["n"] = int(n)
    rows["warnings"] = ""
    return rows[SENSITIVITY_COLUMNS]


def _test_values(result: dict) -> dict:
    return {key: result[key] for key in ("statistic", "df_num", "df_den", "p_value", "riv")}


#: raw columns never imputed (identifiers, eligibility, the design's strata)
NOT_IMPUTED = ("respondent_id", "country", "consent", "direct_client_contact")
SKIPPED_SUFFIX = "_skipped"
COUNTS_COLUMNS = ("variable", "n_eligible", "n_missing", "pct_missing", "n_imputed",
                  "n_skip_logic")  # fmt: skip


def imputed_counts(weighted: pd.DataFrame, files: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per raw variable: eligible respondents, item non-response (skip-logic blanks not
    counted), the values the completed tables ``files`` fill (the most over the
    imputations: every imputation fills the same cells) and the skip-logic blanks
    (never imputed)."""
    ids = weighted["respondent_id"].astype(str)
    rows = []
    for column in weighted.columns:
        if column in NOT_IMPUTED or column not in files[0].columns:
            continue
        skipped_column = f"{column}{SKIPPED_SUFFIX}"
        skipped = (
            weighted[skipped_column].to_numpy(dtype=bool)
            if skipped_column in weighted.columns
            else np.zeros(len(weighted), dtype=bool)
        )
        empty = weighted[column].isna().to_numpy()
        missing = empty & ~skipped
        filled = 0
        for table in files:
            present = table.set_index("respondent_id")[column].reindex(ids).notna().to_numpy()
            filled = max(filled, int(np.count_nonzero(empty & present)))
        rows.append(
            {
                "variable": column,
                "n_eligible": len(weighted),
                "n_missing": int(missing.sum()),
                "pct_missing": 100.0 * missing.mean() if len(weighted) else np.nan,
                "n_imputed": filled,
                "n_skip_logic": int(skipped.sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(COUNTS_COLUMNS))
