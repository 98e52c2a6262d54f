"""Survey-weighted logistic regression against R's svyglm (oracle fixture)."""

from __future__ import annotations

import numpy as np
import pytest

from socialwork_ict.errors import InputError
from socialwork_ict.inference.design import stratified_variance
from socialwork_ict.models.logistic import fit_logistic, logistic_influence


@pytest.fixture(scope="module")
def any_use_fit(oracle_weighted_frame):
    return fit_logistic(oracle_weighted_frame, at_least=2)


def test_any_use_matches_svyglm(any_use_fit, oracle_expected):
    expected = oracle_expected["model_logistic_any_use"]
    table = any_use_fit.coef_table()
    assert list(table["term"]) == list(expected["term"])
    assert any_use_fit.converged and any_use_fit.max_gradient < 1e-12
    # svyglm df.residual = design df + 1 - coefficients = 1996 + 1 - 12
    assert any_use_fit.df_residual == 1985
    assert (table["df"] == expected["df"]).all()
    np.testing.assert_allclose(table["estimate"], expected["estimate"], rtol=0, atol=1e-6)
    for col in ("std_error", "odds_ratio", "ci_low", "ci_high", "p_value"):
        np.testing.assert_allclose(table[col], expected[col], rtol=1e-6, err_msg=col)


def test_influence_reproduces_vcov(any_use_fit, oracle_weighted_frame):
    influence = logistic_influence(any_use_fit, oracle_weighted_frame)
    v = stratified_variance(influence, oracle_weighted_frame["country"].to_numpy())
    np.testing.assert_allclose(v, any_use_fit.vcov.to_numpy(), rtol=1e-10, atol=1e-16)


def test_estimates_match_statsmodels_glm(oracle_weighted_frame):
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM

    from socialwork_ict.models.design_matrix import apply_design
    from socialwork_ict.models.logistic import binary_outcome

    w = oracle_weighted_frame["weight"].to_numpy(dtype=float)
    for at_least in (2, 3, 4, 5):
        fit = fit_logistic(oracle_weighted_frame, at_least=at_least)
        x = apply_design(oracle_weighted_frame, fit.design)
        y = binary_outcome(oracle_weighted_frame, "ict_freq", at_least)
        glm = GLM(y, x, family=Binomial(), var_weights=w / w.mean()).fit(tol=1e-12)
        np.testing.assert_allclose(fit.params, glm.params, rtol=0, atol=1e-8)


def test_binary_column_and_weight_scale(oracle_weighted_frame):
    frame = oracle_weighted_frame.assign(
        often=(oracle_weighted_frame.ict_freq >= 4).astype(int),
        weight=oracle_weighted_frame.weight * 17.0,
    )
    direct = fit_logistic(frame, response="often", at_least=None)
    via_codes = fit_logistic(oracle_weighted_frame, at_least=4)
    np.testing.assert_allclose(direct.params, via_codes.params, atol=1e-10)
    np.testing.assert_allclose(direct.vcov, via_codes.vcov, rtol=1e-8, atol=1e-14)
    normal = via_codes.coef_table(t_df=False)
    assert np.isinf(normal["df"]).all()
    assert (normal["p_value"] <= via_codes.coef_table()["p_value"] + 1e-15).all()


def test_constant_outcome_is_input_error(oracle_weighted_frame):
    with pytest.raises(InputError, match="constant"):
        fit_logistic(oracle_weighted_frame, at_least=1)


def test_separation_is_input_error(oracle_weighted_frame):
    frame = oracle_weighted_frame.copy()
    frame.loc[frame["age_group"] == "60+", "ict_freq"] = 1
    with pytest.raises(InputError, match=r"separation.*age_group\[60\+\]"):
        fit_logistic(frame, at_least=2)


def test_non_binary_column_is_input_error(oracle_weighted_frame):
    with pytest.raises(InputError, match="0/1"):
        fit_logistic(oracle_weighted_frame, response="ict_freq", at_least=None)


def test_a_singular_replicate_refit_is_a_counted_failure_not_a_crash():
    import numpy as np

    from socialwork_ict.models.fitting import newton_refit

    def singular(params):
        return 0.0, np.ones(2), np.zeros((2, 2))

    failures: list = []
    start = np.array([0.5, -0.5])
    assert np.array_equal(newton_refit(start, singular, failures), start)
    assert failures == [1]


def test_the_stratified_variance_from_cells_is_the_one_from_the_rows():
    """Rows w_i a_c(i) summarised by their cells' sums of w and w^2 give the
    stratified variance of the rows themselves (1e-12): the logit's sandwich on cells."""
    from socialwork_ict.inference.design import stratified_variance_of_cells

    rng = np.random.default_rng(11)
    n, n_cells = 3000, 40
    cell_strata = rng.integers(0, 4, n_cells)
    cells = rng.integers(0, n_cells, n)
    w = rng.gamma(2.0, 1.0, n)
    a = rng.normal(size=(n_cells, 3))
    expected = stratified_variance(a[cells] * w[:, None], cell_strata[cells])
    got = stratified_variance_of_cells(
        a, np.bincount(cells, weights=w, minlength=n_cells),
        np.bincount(cells, weights=w * w, minlength=n_cells), cell_strata,
        np.bincount(cell_strata[cells], minlength=4),
    )  # fmt: skip
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_the_cells_from_groups_of_rows_are_those_of_the_rows(oracle_weighted_frame):
    """grouped_design + grouped_distinct_rows (one design row per group of the factors
    and stratum) give distinct_rows' cells and first rows of the respondents' own
    (x, y, stratum) rows, and build_design's spec, with a level nobody has (gender)."""
    from socialwork_ict.models.design_matrix import (
        build_design,
        distinct_rows,
        grouped_design,
        grouped_distinct_rows,
    )

    frame = oracle_weighted_frame
    w = frame["weight"].to_numpy(dtype=float).copy()
    w[::7] = 0.0  # zero weights: a level counts only with a positive weight
    terms = ("age_group", "country", "gender", "sector")
    x, spec = build_design(frame, terms, interaction=("age_group", "country"), weights=w)
    groups, x_groups, spec_groups = grouped_design(
        frame, terms, "country", interaction=("age_group", "country"), weights=w
    )
    assert spec_groups == spec and spec.dropped
    np.testing.assert_array_equal(x_groups[groups], x)
    y = (frame["ict_freq"].to_numpy() >= 2).astype(float)
    codes = frame["country"].cat.codes.to_numpy().astype(np.int64)
    cells, first = distinct_rows(np.column_stack([x, y, codes]))
    got_cells, got_first = grouped_distinct_rows(x_groups, groups, y, codes)
    np.testing.assert_array_equal(got_cells, cells)
    np.testing.assert_array_equal(got_first, first)
