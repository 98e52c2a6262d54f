"""Replicate totals per cell partition against the brute-force per-replicate sums.

``ReplicateDesign.cell_totals`` and ``ReplicateDesign.totals`` sum the
replicate analysis weights per cell without the (n, R) weight matrix;
here they are compared with that matrix (``replicate_rows`` of every
respondent) summed cell by cell, on the wave-2 fixture's designs
(generated bootstrap, fixed and re-raked; supplied bootstrap factors;
JKn). Tolerance: 1e-10 relative (the same sums in another order).
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pytest
from scipy import sparse

from socialwork_ict.inference.replicates import distinct_columns

RTOL = 1e-10


DESIGNS = {
    "bootstrap_fixed": lambda: oracle.generated_bootstrap(False),
    "bootstrap_reraked": lambda: oracle.generated_bootstrap(True),
    "supplied_bootstrap": lambda: oracle.design("bootstrap"),
    "jkn": lambda: oracle.design("jkn"),
}


def partition(n: int) -> np.ndarray:
    """Cells country x age group, with some respondents in no cell (-1)."""
    frame = oracle.frame()
    country = frame["country"].astype("category").cat.codes.to_numpy()
    age = frame["age_group"].astype("category").cat.codes.to_numpy()
    codes = (country * (age.max() + 1) + age).astype(np.intp)
    codes[np.arange(n) % 7 == 0] = -1
    return codes


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_cell_totals_equal_per_replicate_sums(name):
    design = DESIGNS[name]()
    codes = partition(design.n)
    k = int(codes.max()) + 2  # one empty cell at the end
    w = design.replicate_rows(np.arange(design.n))  # (n, R), brute force
    expected = np.zeros((k, design.n_replicates))
    for cell in range(k):
        expected[cell] = w[codes == cell].sum(axis=0)
    got = design.cell_totals(codes, k)
    assert got.shape == expected.shape
    assert np.all(got[-1] == 0)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_totals_of_overlapping_indicators(name):
    """Domains that overlap (country, age group, all): rows of A share respondents."""
    design = DESIGNS[name]()
    frame = oracle.frame()
    n = design.n
    country = frame["country"].astype("category").cat.codes.to_numpy()
    age = frame["age_group"].astype("category").cat.codes.to_numpy()
    rows = np.concatenate(
        [country, country.max() + 1 + age, np.full(n, country.max() + age.max() + 2)]
    )
    cols = np.tile(np.arange(n), 3)
    a = sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(rows.max() + 1, n))
    w = design.replicate_rows(np.arange(n))
    np.testing.assert_allclose(design.totals(a), a @ w, rtol=RTOL, atol=0)


def test_distinct_columns_groups_equal_columns_only():
    rng = np.random.default_rng(5)
    dense = rng.integers(0, 3, size=(6, 400)).astype(float)
    dense[:, 200:] = dense[:, :200]  # every column twice
    cells, first = distinct_columns(sparse.csr_matrix(dense))
    np.testing.assert_array_equal(dense, dense[:, first][:, cells])
    distinct = {dense[:, j].tobytes() for j in range(dense.shape[1])}
    assert first.size == len(distinct)
    assert np.all(first[cells] <= np.arange(dense.shape[1]))


def test_distinct_rows_are_the_rows_byte_groups_in_byte_order():
    """distinct_rows (integer hash, checked exactly) numbers the cells as np.unique over
    the rows' bytes: same cells, same first rows (signed zeros and NaN by their bits)."""
    from socialwork_ict.models.design_matrix import distinct_rows

    rng = np.random.default_rng(11)
    a = rng.integers(0, 2, size=(5000, 6)).astype(float)
    a[:, 0] = rng.choice([-0.0, 0.0, 1.5, np.nan, -2.0], size=a.shape[0])
    cells, first = distinct_rows(a)
    keys = a.view(np.dtype((np.void, 8 * a.shape[1]))).ravel()
    _, exp_first, exp_cells = np.unique(keys, return_index=True, return_inverse=True)
    np.testing.assert_array_equal(cells, exp_cells.ravel())
    np.testing.assert_array_equal(first, exp_first)


def test_reraked_bootstrap_totals_use_the_calibration_cells_multiplier():
    """The re-raked bootstrap's calibration cells lie in one country each, so its
    cell totals sum the counts and apply each cell's n_h / (n_h - 1) once (the path
    test_cell_totals_equal_per_replicate_sums checks for bootstrap_reraked)."""
    design = DESIGNS["bootstrap_reraked"]()
    per_cell = design._cell_multiplier
    assert per_cell is not None
    np.testing.assert_array_equal(per_cell[design.calibration.cells], design.factors.multiplier)
