"""Design-based Brant-type check of the proportional-odds assumption.

Method (Brant 1990, *Biometrics* 46:1171, adapted to survey data): the K-1
binary logits ``logit P(y > k) = alpha_k + x'beta_k`` of
:mod:`~socialwork_ict.models.logistic` against the proportional-odds model of
:mod:`~socialwork_ict.models.ordinal`; the stacked ``beta_k`` get a
design-based covariance (R's ``svyrecvar`` of the stacked influence values, or
replicate refits) and the equality of the ``beta_k`` across cuts is a Wald test
of :mod:`~socialwork_ict.inference.wald`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import stratified_variance
from socialwork_ict.inference.wald import wald_test
from socialwork_ict.models.design_matrix import DEFAULT_FACTORS
from socialwork_ict.models.fitting import replicate_cell_totals, warn_failed_refits
from socialwork_ict.models.logistic import fit_logistic, logistic_influence, logistic_refitter
from socialwork_ict.models.ordinal import RESPONSE_CATEGORIES, OrdinalFit, fit_ordinal


@dataclass
class ProportionalOddsCheck:
    """Separate cumulative logits versus the proportional-odds model.

    ``coefficients``: term x cut (``ict_freq>k``) estimate and std_error of the
    binary logits, with the PO estimate; ``spread``: per term, min/max over cuts
    and their spread; ``tests``: the joint and per-term design-based Wald
    tests of equal coefficients across cuts (the test factor jointly, each of
    its terms, and every term of the model jointly: ``proportional_odds[all
    terms]``); ``verdict``: one sentence.
    """

    coefficients: pd.DataFrame
    spread: pd.DataFrame
    tests: pd.DataFrame
    verdict: str
    warnings: list[str]


def proportional_odds_check(
    frame: pd.DataFrame,
    *,
    response: str = "ict_freq",
    terms: Sequence[str] = DEFAULT_FACTORS,
    weight: str = "weight",
    strata: str = "country",
    interaction: Sequence[str] | None = None,
    test_factor: str = "age_group",
    alpha: float = 0.05,
    categories: Sequence[int] = RESPONSE_CATEGORIES,
    fitted: OrdinalFit | None = None,
    design=None,
    rows: np.ndarray | None = None,
) -> ProportionalOddsCheck:
    """Brant-type check of the proportional-odds assumption, design-based.

    Method (Brant 1990, *Biometrics* 46:1171, adapted to survey data): fit the
    K-1 binary logits ``logit P(y > k) = alpha_k + x'beta_k`` (survey-weighted,
    :func:`~socialwork_ict.models.logistic.fit_logistic`); under proportional
    odds every ``beta_k`` equals the PO model's ``beta``. Brant's ML
    covariance of the stacked ``beta_k`` is replaced by the design-based one:
    R's ``svyrecvar`` of the stacked per-respondent influence values
    ``A_k^-1 w_i x_i (y_ik - mu_ik)`` of all cuts at once (strata = country),
    which gives the cross-cut covariances. The Wald statistic of
    ``beta_k - beta_1 = 0`` (k = 2..K-1) for the ``test_factor`` terms is
    ``chisq = c' (C V C')^-1 c`` with df = q (K-2); reported as chi-square
    (p from chi2(df)) and as F = chisq / df with df_den = the binary models'
    residual df (design df + 1 - coefficients, ``regTermTest`` on ``svyglm``).
    The verdict uses the F form at level ``alpha``. A cut whose binary model
    cannot be fitted (separation, no events) is left out with a warning.
    ``fitted``: the proportional-odds model already fitted to ``frame`` with
    the same arguments (:func:`~socialwork_ict.models.ordinal.fit_ordinal`), to save refitting it.
    ``design``, ``rows``: a design of :mod:`~socialwork_ict.inference.variance`
    over all respondents and the positions of ``frame``'s rows in it; the
    stacked covariance then comes from it (linearisation: the stacked
    influence values at ``rows``; replicates: every cut refitted per
    replicate), and df_den from its df.
    """
    warnings: list[str] = []
    if fitted is None:
        po = fit_ordinal(
            frame,
            response=response,
            terms=terms,
            weight=weight,
            strata=strata,
            interaction=interaction,
            categories=categories,
        )
    else:
        same = (
            (fitted.response, fitted.weight, fitted.strata, fitted.design.factors)
            == (response, weight, strata, tuple(terms))
            and fitted.design.interaction == (tuple(interaction) if interaction else None)
            and fitted.n == len(frame)
        )
        if not same:
            raise ValueError("fitted is not the proportional-odds model of these arguments")
        po = fitted
    warnings.extend(po.warnings)
    cats = po.categories
    fits, influences, cuts = [], [], []
    for lower, upper in zip(cats[:-1], cats[1:], strict=True):
        try:
            fit = fit_logistic(
                frame,
                response=response,
                at_least=upper,
                terms=terms,
                weight=weight,
                strata=strata,
                interaction=interaction,
            )
        except InputError as err:
            warnings.append(f"cut {response}>{lower} left out: {err}")
            continue
        warnings.extend(
            f"cut {response}>{lower}: {m}" for m in fit.warnings if m not in po.warnings
        )
        fits.append(fit)
        influences.append(logistic_influence(fit, frame))
        cuts.append(f"{response}>{lower}")
    if len(fits) < 2:
        raise InputError("fewer than two cumulative cuts could be fitted: no PO check")
    offsets = np.cumsum([0] + [inf.shape[1] for inf in influences])
    if design is None:
        strata_values = frame[strata].astype(str).to_numpy()
        # the stacked (n x sum p_k) influence matrix, one row block at a time
        big_v = stratified_variance(
            lambda start, stop: np.hstack([inf[start:stop] for inf in influences]), strata_values
        )
        ses = [fit.std_errors for fit in fits]
        df_den = min(f.df_residual for f in fits)
    else:
        big_v, df_den = _stacked_design_vcov(fits, influences, design, rows)
        sd = np.sqrt(np.diag(big_v))
        ses = [
            pd.Series(sd[offsets[k] : offsets[k + 1]], index=fit.params.index)
            for k, fit in enumerate(fits)
        ]

    table_rows = []
    for fit, cut, se in zip(fits, cuts, ses, strict=True):
        for term in po.terms:
            table_rows.append(
                {
                    "term": term,
                    "cut": cut,
                    "estimate": fit.params[term],
                    "std_error": se[term],
                    "po_estimate": po.params[term],
                    "po_std_error": po.std_errors[term],
                }
            )
    coefficients = pd.DataFrame(table_rows)
    spread = (
        coefficients.groupby("term", sort=False)
        .agg(
            po_estimate=("po_estimate", "first"),
            min_estimate=("estimate", "min"),
            max_estimate=("estimate", "max"),
        )
        .reset_index()
    )
    spread["spread"] = spread["max_estimate"] - spread["min_estimate"]

    test_terms = [t for t in po.terms if t.startswith(f"{test_factor}[") and ":" not in t]
    if not test_terms:
        raise InputError("the model has no terms of the test factor", column=test_factor)

    def wald(names: list[str], label: str) -> dict:
        index = {
            (k, t): offsets[k] + list(fits[k].params.index).index(t)
            for k in range(len(fits))
            for t in names
        }
        est = np.concatenate([f.params.to_numpy() for f in fits])
        contrast = np.zeros(((len(fits) - 1) * len(names), len(est)))
        r = 0
        for k in range(1, len(fits)):
            for t in names:
                contrast[r, index[(k, t)]] = 1.0
                contrast[r, index[(0, t)]] = -1.0
                r += 1
        f_form = wald_test(est, big_v, contrast, df_den=df_den)
        chisq_form = wald_test(est, big_v, contrast)
        return {
            "test": label,
            "statistic": f_form["statistic"],
            "df_num": contrast.shape[0],
            "df_den": df_den,
            "p_value": f_form["p_value"],
            "chisq": f_form["chisq"],
            "p_chisq": chisq_form["p_value"],
        }

    tests = [wald(test_terms, f"proportional_odds[{test_factor}]")]
    tests += [wald([t], f"proportional_odds[{t}]") for t in test_terms]
    every_term = [t for t in po.terms if t in fits[0].params.index]
    tests.append(wald(every_term, "proportional_odds[all terms]"))
    tests_frame = pd.DataFrame(tests)
    joint = tests[0]
    outcome = "rejected" if joint["p_value"] < alpha else "not rejected"
    verdict = (
        f"proportional odds for {test_factor} {outcome} at {alpha:g} "
        f"(design-based Brant-type Wald F = {joint['statistic']:.3f}, "
        f"df = {joint['df_num']}, {joint['df_den']}, p = {joint['p_value']:.3g}); "
        f"largest spread of {test_factor} coefficients across cuts: "
        f"{spread[spread.term.isin(test_terms)]['spread'].max():.3f}"
    )
    return ProportionalOddsCheck(
        coefficients=coefficients,
        spread=spread,
        tests=tests_frame,
        verdict=verdict,
        warnings=warnings,
    )


def _stacked_design_vcov(fits, influences, design, rows):
    """Covariance of the stacked cut-point logit coefficients on a design, and df_den."""
    rows = np.asarray(rows)
    sizes = [inf.shape[1] for inf in influences]
    full = np.concatenate([fit.params.to_numpy() for fit in fits])
    if design.method == "linearization":  # the stacked influence on the model's rows
        vcov = design.vcov_rows(np.hstack(influences), rows)
    else:
        # each cut's logit refitted on its cells, from every replicate's weights summed
        # per cell (one pass over the replicates per cut)
        refits = [logistic_refitter(fit) for fit in fits]
        totals = [replicate_cell_totals(design, rows, r.cells, r.n_cells) for r in refits]
        thetas = np.vstack(
            [
                np.concatenate([r.on_cells(t[:, j]) for r, t in zip(refits, totals, strict=True)])
                for j in range(design.n_replicates)
            ]
        )
        vcov = design.vcov(None, None, full, thetas=thetas)
        warn_failed_refits(
            [f for refit in refits for f in refit.failures], "the cut-point logits (PO check)"
        )
    mask = np.zeros(design.n, dtype=bool)
    mask[rows] = True
    degf = design.df(mask) if design.method == "linearization" else design.df()
    return (vcov + vcov.T) / 2.0, degf + 1 - max(sizes)
