"""Replicate-weight variance (bootstrap, JKn; fixed and re-raked) against R on the wave-2 fixture.

Known answers: ``tests/fixtures/oracle_calibration/expected/replicates/`` and
``expected/replicates_reraked/`` (README §4), computed by R from the factor
files it ships: the 200 bootstrap replicates (``bootstrap_factors.csv``,
read here through ``variance.replicate_factors``' reader) and the 2,000 JKn
replicates (``jkn_factors.csv``; our JKn generator gives the same set).

Tolerances (README): replicate SEs, vcov, tests 1e-8 relative given the
factor files; coefficients 1e-6 absolute; Table 2 (pp) 1e-8 absolute;
re-raked weights 1e-8 relative; df and n exact.
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pandas as pd
import pytest
from _oracle_checks import check_item_means, check_models, check_table2, check_tests

from socialwork_ict.errors import InputError
from socialwork_ict.inference.replicates import (
    bootstrap_factors,
    jackknife_factors,
    make_replicate_design,
    replicate_variance,
    supplied_factors,
)

REPLICATES = ("bootstrap", "bootstrap_reraked", "jkn", "jkn_reraked")
RTOL = 1e-8


def strata() -> np.ndarray:
    return oracle.frame()["country"].astype(str).to_numpy()


# -- the factors -----------------------------------------------------------------


def test_supplied_factors_are_rs_bootstrap_with_its_settings():
    design = oracle.design("bootstrap")
    f = design.factors
    assert f.kind == "bootstrap" and f.n_replicates == 200 and f.mse is False
    settings = oracle.expected("replicates/settings").set_index("design")
    assert f.scale == pytest.approx(settings.loc["bootstrap", "scale"], rel=1e-12)
    np.testing.assert_array_equal(f.block(0, 200), oracle.bootstrap_factors())


def test_jackknife_factors_are_rs_jkn_replicates():
    """Same replicates as R's jkn_factors.csv: one per respondent, same factors and rscales."""
    frame = oracle.frame()
    f = jackknife_factors(strata())
    table = oracle.expected("replicates/jkn_factors")
    ids = frame["respondent_id"].to_numpy()
    assert sorted(ids[f.deleted]) == sorted(table["respondent_id"])
    ours = pd.DataFrame({"respondent_id": ids[f.deleted], "rscale": f.rscales})
    merged = table.merge(ours, on="respondent_id", suffixes=("_r", ""))
    np.testing.assert_allclose(merged["rscale"], merged["rscale_r"], rtol=1e-14)
    block = f.block(0, 3)
    for j in range(3):
        deleted = f.deleted[j]
        row = table.set_index("respondent_id").loc[ids[deleted]]
        same = strata() == row["country"]
        assert block[deleted, j] == 0
        np.testing.assert_allclose(
            block[same & (np.arange(len(ids)) != deleted), j],
            row["factor_same_stratum"],
            rtol=1e-14,
        )
        assert np.all(block[~same, j] == 1)
    assert f.scale == 1 and f.mse is True


def test_generated_bootstrap_is_rao_wu():
    """n_h - 1 draws per stratum: factors n_h/(n_h-1) x counts, summing to n_h; seeded."""
    s = strata()
    f = bootstrap_factors(s, 50, seed=7)
    block = f.block(0, 50)
    for country in ("CA", "US", "IL", "UK"):
        rows = s == country
        nh = rows.sum()
        np.testing.assert_allclose(block[rows].sum(axis=0), nh, rtol=1e-12)
        counts = block[rows] * (nh - 1) / nh
        np.testing.assert_allclose(counts, np.round(counts), atol=1e-9)
    assert f.scale == pytest.approx(1 / 49) and np.all(f.rscales == 1)
    np.testing.assert_array_equal(bootstrap_factors(s, 50, seed=7).block(0, 50), block)
    assert not np.array_equal(bootstrap_factors(s, 50, seed=8).block(0, 50), block)
    assert f.counts.dtype == np.uint8  # one byte per respondent and replicate


def test_generated_bootstrap_can_be_reraked():
    frame = oracle.frame()
    design = make_replicate_design(
        "bootstrap",
        strata(),
        frame["weight"].to_numpy(),
        calibration=oracle.calibration(),
        replicates=40,
        seed=1,
    )
    cal = oracle.calibration()
    for w in design.blocks():
        totals = cal.x[cal.cells].T @ w
        full = cal.x[cal.cells].T @ frame["weight"].to_numpy()
        np.testing.assert_allclose(totals, np.repeat(full[:, None], w.shape[1], 1), rtol=1e-12)


def test_reraked_replicate_weights_match_r():
    """Replicates 1-5 of R's re-raked bootstrap (bootstrap_weights_first5.csv)."""
    exp = oracle.expected("replicates_reraked/bootstrap_weights_first5")
    design = oracle.design("bootstrap_reraked")
    w = next(design.blocks())[:, :5]
    np.testing.assert_allclose(w, exp[[f"rep00{j}" for j in range(1, 6)]], rtol=RTOL, atol=0)


def test_replicate_variance_is_svrvar():
    thetas = np.array([[1.0, 2.0], [2.0, 2.5], [4.0, 1.0]])
    full = np.array([2.0, 2.0])
    v = replicate_variance(thetas, None, 0.5, np.ones(3), mse=False)
    np.testing.assert_allclose(v, 0.5 * np.cov(thetas.T, bias=False) * 2)
    v = replicate_variance(thetas, full, 1.0, np.array([0.5, 1, 2]), mse=True)
    d = thetas - full
    np.testing.assert_allclose(v, (d * np.array([0.5, 1, 2])[:, None]).T @ d)


# -- the supplied-factor file's errors ---------------------------------------------


def write_factors(tmp_path, frame, table):
    path = tmp_path / "factors.csv"
    table.to_csv(path, index=False)
    return path


@pytest.fixture
def small_table():
    frame = oracle.frame()
    table = pd.DataFrame({"respondent_id": frame["respondent_id"]})
    table["rep1"] = 1.0
    table["rep2"] = 2.0
    return frame, table


def test_supplied_factors_missing_respondent(tmp_path, small_table):
    frame, table = small_table
    path = write_factors(tmp_path, frame, table.iloc[3:])
    with pytest.raises(InputError, match=r"have no replicate factors.*'R_0000.*3 rows"):
        supplied_factors(path, frame["respondent_id"], strata(), "bootstrap")


def test_supplied_factors_bad_value(tmp_path, small_table):
    frame, table = small_table
    table["rep2"] = table["rep2"].astype(object)
    table.loc[4, "rep2"] = "x"
    path = write_factors(tmp_path, frame, table)
    with pytest.raises(InputError, match=r"column 'rep2'.*line 6.*'x'.*1 row"):
        supplied_factors(path, frame["respondent_id"], strata(), "bootstrap")


def test_supplied_factors_repeated_and_extra_ids(tmp_path, small_table):
    frame, table = small_table
    path = write_factors(tmp_path, frame, pd.concat([table, table.iloc[:1]]))
    with pytest.raises(InputError, match="respondent_id repeated"):
        supplied_factors(path, frame["respondent_id"], strata(), "bootstrap")
    extra = pd.DataFrame({"respondent_id": ["ZZ"], "rep1": [1.0], "rep2": [1.0]})
    path = write_factors(tmp_path, frame, pd.concat([table, extra]))
    with pytest.raises(InputError, match=r"not in the design.*'ZZ'"):
        supplied_factors(path, frame["respondent_id"], strata(), "bootstrap")


# -- the estimates ----------------------------------------------------------------


@pytest.mark.parametrize("name", REPLICATES)
def test_item_means_with_deff(name):
    check_item_means(name, rtol=RTOL)


@pytest.mark.parametrize("name", REPLICATES)
def test_table2(name):
    check_table2(name, atol_pp=1e-8)


@pytest.mark.parametrize("name", REPLICATES)
def test_ordinal_and_logistic_models(name):
    check_models(name, se_rtol=RTOL)
    expected_df = 188 if name.startswith("bootstrap") else 1985
    assert oracle.ours(name)["model_df"] == expected_df


@pytest.mark.parametrize("name", REPLICATES)
def test_rao_scott_and_wald_tests(name):
    check_tests(name, rtol=RTOL)


def test_supplied_jackknife_factors_equal_the_generated_jkn(tmp_path):
    """A JKn written to a factor file and read back (method jackknife) gives the same
    rscales and the same variance as the generated JKn."""
    from socialwork_ict.inference.proportions import domain_mean
    from socialwork_ict.inference.replicates import ReplicateDesign

    rng = np.random.default_rng(3)
    s = np.repeat(["CA", "US", "UK"], [5, 4, 3])
    ids = pd.Series([f"R{i:02d}" for i in range(s.size)])
    generated = jackknife_factors(s)
    table = pd.DataFrame(generated.block(0, s.size), columns=[f"r{j}" for j in range(s.size)])
    table.insert(0, "respondent_id", ids)
    path = tmp_path / "jkn.csv"
    table.to_csv(path, index=False, float_format="%.17g")
    supplied = supplied_factors(path, ids, s, "jackknife")
    np.testing.assert_allclose(supplied.rscales, generated.rscales, rtol=1e-15)
    assert supplied.mse and supplied.scale == 1
    w = rng.uniform(0.5, 2, s.size)
    y = rng.integers(0, 2, s.size).astype(float)
    a = domain_mean(y, ReplicateDesign(generated, s, w))
    b = domain_mean(y, ReplicateDesign(supplied, s, w))
    assert a["se"] == pytest.approx(b["se"], rel=1e-12)
