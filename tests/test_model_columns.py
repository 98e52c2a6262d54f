"""ModelColumns: a matrix held as column pieces gives the products of the dense matrix."""

from __future__ import annotations

import numpy as np
import pytest

from socialwork_ict.models.columns import BLOCK_ROWS, ModelColumns, as_columns


@pytest.fixture
def dense():
    return np.random.default_rng(7).normal(size=(BLOCK_ROWS + 5, 6))


@pytest.fixture
def pieces(dense):
    """The same matrix as a one-column and a five-column Fortran-ordered piece."""
    return ModelColumns([np.asfortranarray(dense[:, :1]), np.asfortranarray(dense[:, 1:])])


def test_products_equal_the_dense_matrix_products(dense, pieces):
    rng = np.random.default_rng(8)
    beta, r = rng.normal(size=(6, 2)), rng.normal(size=(len(dense), 3))
    np.testing.assert_allclose(pieces.dot(beta), dense @ beta, rtol=1e-12)
    np.testing.assert_allclose(pieces.dot(beta[:, 0]), dense @ beta[:, 0], rtol=1e-12)
    np.testing.assert_allclose(pieces.tdot(r), dense.T @ r, rtol=1e-12)
    index = np.array([3, 0, BLOCK_ROWS + 4])
    np.testing.assert_array_equal(pieces.rows(index), dense[index])
    np.testing.assert_array_equal(pieces.without_first().rows(index), dense[index, 1:])
    assert pieces.shape == dense.shape
    assert as_columns(dense).shape == dense.shape


@pytest.mark.parametrize("signed", [False, True])
def test_the_weighted_gram_matrix_across_row_blocks(dense, pieces, signed):
    """x' diag(w) x by dsyrk for w >= 0, by x' (w x) blocks when a weight is negative."""
    w = np.random.default_rng(9).random(len(dense)) - (0.5 if signed else 0.0)
    expected = dense.T @ (dense * w[:, None])
    np.testing.assert_allclose(pieces.gram(w), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(pieces.gram(w), pieces.gram(w).T)
