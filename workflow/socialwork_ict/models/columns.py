"""A model's n x p predictor matrix held as column pieces, with the products its fits need.

The chained imputer keeps every predictor in one Fortran-ordered matrix and
gives each imputation model the columns around its own variable's block
(two views, :class:`~socialwork_ict.imputation.chained.PredictorMatrix`);
the fits then work with :class:`ModelColumns` instead of an n x p copy. A
plain array is one piece (:func:`as_columns`), so the same likelihood code
serves dense design matrices.

Products: ``x @ beta`` (:meth:`ModelColumns.dot`), ``x' r``
(:meth:`ModelColumns.tdot`) and ``x' diag(w) x`` (:meth:`ModelColumns.gram`)
summed over row blocks of :data:`BLOCK_ROWS` rows, whose temporaries (a few
MB) stay in the cache: by BLAS ``dsyrk`` on ``sqrt(w) x`` when ``w >= 0``
(half the multiplications of ``x' (w x)``; Golub & Van Loan 2013, *Matrix
Computations*, §1.5), else by ``x' (w x)`` per block.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from scipy.linalg import blas

#: rows per block of the weighted cross products
BLOCK_ROWS = 8192


class ModelColumns:
    """An n x p matrix as the column-wise concatenation of ``pieces`` (not copied)."""

    def __init__(self, pieces: Sequence[np.ndarray]):
        self.pieces = [piece for piece in pieces if piece.shape[1]]
        self.shape = (pieces[0].shape[0], sum(piece.shape[1] for piece in self.pieces))
        self._edges = np.cumsum([0, *(piece.shape[1] for piece in self.pieces)])

    def _spans(self):
        return zip(self.pieces, self._edges[:-1], self._edges[1:], strict=True)

    def dot(self, beta: np.ndarray) -> np.ndarray:
        """``x @ beta`` for a (p,) or (p, k) ``beta``."""
        spans = iter(self._spans())
        piece, left, right = next(spans)
        out = piece @ beta[left:right]
        for piece, left, right in spans:
            out += piece @ beta[left:right]
        return out

    def tdot(self, r: np.ndarray) -> np.ndarray:
        """``x' r`` for an (n,) or (n, k) ``r``."""
        return np.concatenate([piece.T @ r for piece in self.pieces])

    def gram(self, weights: np.ndarray) -> np.ndarray:
        """``x' diag(weights) x`` (symmetric p x p), summed over row blocks."""
        n, p = self.shape
        if not np.all(weights >= 0):
            out = np.zeros((p, p))
            for rows, block in self.blocks():
                out += block.T @ (block * weights[rows, None])
            return (out + out.T) / 2.0
        root = np.sqrt(weights)
        out = np.zeros((p, p), order="F")
        for rows in row_blocks(n):
            block = np.empty((rows.stop - rows.start, p), order="F")
            for piece, left, right in self._spans():
                np.multiply(piece[rows], root[rows, None], out=block[:, left:right])
            out = blas.dsyrk(1.0, block, beta=1.0, c=out, trans=1, overwrite_c=True)
        return np.triu(out) + np.triu(out, 1).T

    def rows(self, index: np.ndarray) -> np.ndarray:
        """The dense rows ``x[index]``."""
        return np.hstack([piece[index] for piece in self.pieces])

    def blocks(self) -> Iterator[tuple[slice, np.ndarray]]:
        """``(rows, x[rows])`` over consecutive row slices of at most :data:`BLOCK_ROWS`."""
        for rows in row_blocks(self.shape[0]):
            if len(self.pieces) == 1:
                yield rows, self.pieces[0][rows]
            else:
                yield rows, np.hstack([piece[rows] for piece in self.pieces])

    def without_first(self) -> ModelColumns:
        """The matrix without its first column (e.g. the intercept)."""
        first, *rest = self.pieces
        return ModelColumns([first[:, 1:], *rest])


def as_columns(x) -> ModelColumns:
    """``x`` as :class:`ModelColumns` (a plain array is one piece)."""
    return x if isinstance(x, ModelColumns) else ModelColumns([np.asarray(x, dtype=float)])


def row_blocks(n: int) -> list[slice]:
    """Consecutive row slices of at most :data:`BLOCK_ROWS` rows covering 0..n-1."""
    return [slice(start, min(start + BLOCK_ROWS, n)) for start in range(0, n, BLOCK_ROWS)]
