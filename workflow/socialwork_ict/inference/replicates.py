"""Replicate-weight variance: Rao-Wu rescaling bootstrap and stratified delete-one jackknife.

Stage: inference (``variance.method: bootstrap | jackknife``).

Replicate factors f_ir (respondent i, replicate r), strata = countries, every
respondent its own PSU:

- **bootstrap** (Rao & Wu 1988, *JASA* 83:231; Rao, Wu & Yue 1992, *Survey
  Methodology* 18:209; R ``as.svrepdesign(type = "subbootstrap")``): in each
  replicate and stratum h, n_h - 1 respondents are drawn with replacement and
  ``f_ir = n_h / (n_h - 1) x times drawn``; so each stratum's factors sum to
  n_h. Drawn from ``numpy.random.default_rng(seed)`` (stratum by stratum,
  replicate by replicate), stored as counts (one byte per respondent and
  replicate), never as an n x R float matrix. ``scale = 1 / (R - 1)``,
  ``rscales = 1``, ``mse = False``: the variance of the replicate estimates.
- **jackknife** (JKn; R ``as.svrepdesign(type = "JKn")``): one replicate per
  respondent j: ``f_jr = 0`` for j, ``n_h / (n_h - 1)`` for the others of j's
  stratum h, 1 elsewhere; computed on demand from the deleted respondent.
  ``scale = 1``, ``rscales = (n_h - 1) / n_h``, ``mse = True``.
- **supplied** (``variance.replicate_factors``): a CSV with ``respondent_id``
  and one column per replicate of multiplicative factors (e.g. the factors
  another tool used); with ``method: bootstrap`` the bootstrap's scale, with
  ``method: jackknife`` each replicate's stratum is the one holding its zero
  factors and the JKn scale applies.

Replicate analysis weights (R ``svrepdesign(..., combined.weights = FALSE)``):
``calibration: fixed``: ``f_ir w_i`` with w the full-sample (raked) weights;
``calibration: calibrated``: every replicate re-raked exactly as the full
sample, from start weights f_ir (R: ``calibrate()`` on the replicate design
with unit weights), ``f_ir G_r(cell_i)`` with the cell factors of
:meth:`~socialwork_ict.inference.calibration.RakingCalibration.rerake`.

Variance (R ``svrVar``): ``V = scale sum_r rscales_r (theta_r - c)(theta_r - c)'``,
c = the mean of the theta_r (``mse = False``) or the full-sample estimate
(``mse = True``). Design df (R ``degf`` of a replicate design): rank - 1 of
the replicate analysis weights of the respondents concerned, R's rank rule
(a column whose part orthogonal to the earlier columns is below 1e-5 of its
norm adds nothing, as LINPACK ``dqrdc2`` with ``tol = 1e-5``); for the
jackknife this is respondents minus strata.

Estimators see the weights in blocks of replicates (:meth:`ReplicateDesign.blocks`),
an (n, b) float block with ``n b`` at most :data:`BLOCK_CELLS`.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import linalg

from socialwork_ict.errors import InputError
from socialwork_ict.inference.calibration import RakingCalibration

#: largest n x b block of replicate weights handed to an estimator (float64 cells: 8 MB)
BLOCK_CELLS = 1_000_000
#: share of respondents in a cell from which ReplicateDesign.cell_totals sums the others
#: into a dropped cell instead of gathering the kept respondents' bootstrap counts
SPARE_CELL_SHARE = 0.8
#: largest rows x replicates matrix whose rank is found by QR (else its smaller Gram matrix)
QR_CELLS = 40_000
#: R's qr() tolerance in degf() of a replicate design
RANK_TOL = 1e-5
#: rows per replicate of the sample whose full rank settles degf() (ReplicateDesign.df)
PROBE_ROWS = 8
SEED_ATTEMPTS = 50

log = logging.getLogger(__name__)


@dataclass
class ReplicateFactors:
    """Replicate factors of one design (see the module docstring).

    Exactly one storage is set: ``counts`` (R, n) uint8/uint16 times drawn
    with ``multiplier`` (n,) (bootstrap); ``deleted`` (R,) respondent
    index (JKn); ``dense`` (n, R) float factors (supplied file).
    """

    kind: str
    strata: np.ndarray
    scale: float
    rscales: np.ndarray
    mse: bool
    counts: np.ndarray | None = None
    multiplier: np.ndarray | None = None
    deleted: np.ndarray | None = None
    dense: np.ndarray | None = None
    _stratum_size: np.ndarray = field(default=None, repr=False)
    #: (calibration, its cell_masses) once computed (the seed check, then the re-rake)
    _masses: tuple | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return int(self.strata.size)

    @property
    def n_replicates(self) -> int:
        return int(self.rscales.size)

    def subset(self, start: int, stop: int) -> ReplicateFactors:
        """The factors of replicates ``start:stop`` (same scale: a block of the design)."""
        return ReplicateFactors(
            kind=self.kind,
            strata=self.strata,
            scale=self.scale,
            rscales=self.rscales[start:stop],
            mse=self.mse,
            counts=None if self.counts is None else self.counts[start:stop],
            multiplier=self.multiplier,
            deleted=None if self.deleted is None else self.deleted[start:stop],
            dense=None if self.dense is None else self.dense[:, start:stop],
            _stratum_size=self._stratum_size,
        )

    def block(self, start: int, stop: int) -> np.ndarray:
        """(n, stop - start) factors of replicates ``start:stop``."""
        if self.counts is not None:  # every respondent: a slice, not a gather
            return self.counts[start:stop].T * self.multiplier[:, None]
        return self.rows(np.arange(self.n), start, stop)

    def rows(self, index: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
        """(len(index), stop - start) factors of respondents ``index``."""
        stop = self.n_replicates if stop is None else stop
        if self.dense is not None:
            return self.dense[index, start:stop]
        if self.counts is not None:
            return self.counts[start:stop, index].T * self.multiplier[index, None]
        deleted = self.deleted[start:stop]
        same = self.strata[index, None] == self.strata[deleted][None, :]
        nh = self._stratum_size[self.strata[deleted]]
        out = np.where(same, (nh / (nh - 1.0))[None, :], 1.0)
        out[index[:, None] == deleted[None, :]] = 0.0
        return out


def _codes(strata: np.ndarray) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(np.asarray(strata)), sort=True)
    return codes.astype(np.intp)


def bootstrap_factors(strata: np.ndarray, replicates: int, seed: int) -> ReplicateFactors:
    """Rao-Wu (n_h - 1) rescaling bootstrap factors drawn from ``seed``."""
    if replicates < 2:
        raise InputError(f"variance.replicates {replicates} must be at least 2")
    codes = _codes(strata)
    n = codes.size
    sizes = np.bincount(codes)
    if np.any(sizes < 2):
        raise InputError("the bootstrap needs at least two respondents in every country")
    rng = np.random.default_rng(seed)
    dtype = np.uint8 if sizes.max() < 255 * 8 else np.uint16
    counts = np.zeros((replicates, n), dtype=dtype)
    members = [np.flatnonzero(codes == h) for h in range(sizes.size)]
    for r in range(replicates):
        for rows in members:
            drawn = rng.integers(0, rows.size, size=rows.size - 1)
            times = np.bincount(drawn, minlength=rows.size)
            if times.max() > np.iinfo(dtype).max:
                raise InputError("a bootstrap count overflows its storage; use fewer respondents")
            counts[r, rows] = times
    multiplier = sizes[codes] / (sizes[codes] - 1.0)
    return ReplicateFactors(
        kind="bootstrap",
        strata=codes,
        scale=1.0 / (replicates - 1),
        rscales=np.ones(replicates),
        mse=False,
        counts=counts,
        multiplier=multiplier,
    )


def jackknife_factors(strata: np.ndarray) -> ReplicateFactors:
    """JKn: one delete-one replicate per respondent, in respondent order."""
    codes = _codes(strata)
    sizes = np.bincount(codes)
    if np.any(sizes < 2):
        raise InputError("the jackknife needs at least two respondents in every country")
    deleted = np.arange(codes.size)
    nh = sizes[codes].astype(float)
    return ReplicateFactors(
        kind="jackknife",
        strata=codes,
        scale=1.0,
        rscales=(nh - 1.0) / nh,
        mse=True,
        deleted=deleted,
        _stratum_size=sizes.astype(float),
    )


def supplied_factors(
    path: str | Path, respondent_ids: pd.Series, strata: np.ndarray, method: str
) -> ReplicateFactors:
    """Factors read from a CSV: ``respondent_id`` + one numeric column per replicate.

    Every respondent of the design must have exactly one row (extra ids are
    an error too: they belong to another sample). ``method``: ``bootstrap``
    or ``jackknife`` (see the module docstring).
    """
    source = str(path)
    try:
        table = pd.read_csv(path, dtype={"respondent_id": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the replicate factors: {exc}", file=source) from None
    if "respondent_id" not in table.columns:
        raise InputError("missing required column", file=source, column="respondent_id")
    columns = [c for c in table.columns if c != "respondent_id"]
    if len(columns) < 2:
        raise InputError("needs at least two replicate columns", file=source)
    ids = table["respondent_id"].astype("string").str.strip()
    dup = ids.duplicated(keep=False)
    if dup.any():
        raise InputError(
            f"respondent_id repeated (first at line {int(np.flatnonzero(dup)[0]) + 2})",
            file=source,
            column="respondent_id",
            values=list(pd.unique(ids[dup]))[:5],
            n_rows=int(dup.sum()),
        )
    wanted = pd.Index(respondent_ids.astype("string"))
    position = pd.Index(ids).get_indexer(wanted)
    if np.any(position < 0):
        missing = wanted[position < 0]
        raise InputError(
            "respondents of the design have no replicate factors",
            file=source,
            column="respondent_id",
            values=list(missing[:5]),
            n_rows=int(missing.size),
        )
    extra = ~pd.Index(ids).isin(wanted)
    if extra.any():
        raise InputError(
            "replicate factors for respondents not in the design "
            f"(first at line {int(np.flatnonzero(extra)[0]) + 2})",
            file=source,
            column="respondent_id",
            values=list(ids[extra][:5]),
            n_rows=int(extra.sum()),
        )
    values = table[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise InputError(
            f"replicate factors must be finite and non-negative numbers (first at line {row + 2})",
            file=source,
            column=columns[col],
            values=[table[columns[col]].iloc[row]],
            n_rows=int(bad.any(axis=1).sum()),
        )
    dense = np.ascontiguousarray(values[position])
    codes = _codes(strata)
    r = dense.shape[1]
    if method == "jackknife":
        sizes = np.bincount(codes).astype(float)
        rscales = np.empty(r)
        for j in range(r):
            zero = dense[:, j] == 0
            held = np.unique(codes[zero])
            if held.size != 1:
                raise InputError(
                    "a jackknife replicate must have zero factors in exactly one country",
                    file=source,
                    column=columns[j],
                )
            rscales[j] = (sizes[held[0]] - 1.0) / sizes[held[0]]
        return ReplicateFactors(
            kind="jackknife", strata=codes, scale=1.0, rscales=rscales, mse=True, dense=dense
        )
    return ReplicateFactors(
        kind="bootstrap",
        strata=codes,
        scale=1.0 / (r - 1),
        rscales=np.ones(r),
        mse=False,
        dense=dense,
    )


def replicate_variance(
    estimates: np.ndarray, full: np.ndarray | None, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """R ``svrVar``: ``scale sum_r rscales_r (theta_r - c)(theta_r - c)'`` (R x p in, p x p out)."""
    thetas = np.asarray(estimates, dtype=float)
    if thetas.ndim == 1:
        thetas = thetas[:, None]
    if mse:
        if full is None:
            raise ValueError("mse = True needs the full-sample estimate")
        centre = np.asarray(full, dtype=float).ravel()
    else:
        centre = thetas.mean(axis=0)
    d = thetas - centre[None, :]
    return scale * (d * np.asarray(rscales)[:, None]).T @ d


@dataclass
class ReplicateDesign:
    """Replicate weights of all respondents (see the module docstring).

    ``weights``: full-sample analysis weights; ``calibration``: re-rake every
    replicate with it (``calibration: calibrated``), or None (fixed).
    """

    factors: ReplicateFactors
    strata: np.ndarray
    weights: np.ndarray
    calibration: RakingCalibration | None = None
    block_cells: int = BLOCK_CELLS
    cell_factors: np.ndarray | None = field(default=None, repr=False)
    _df_cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.weights = np.asarray(self.weights, dtype=float)
        if self.calibration is not None and self.cell_factors is None:
            self.cell_factors = self.calibration.rerake(self._cell_masses())

    @property
    def method(self) -> str:
        return self.factors.kind

    @property
    def calibrated(self) -> bool:
        return self.calibration is not None

    @property
    def n(self) -> int:
        return int(self.weights.size)

    @property
    def n_replicates(self) -> int:
        return self.factors.n_replicates

    def _cell_masses(self) -> np.ndarray:
        return cell_masses(self.factors, self.calibration, self.block_cells)

    def _ranges(self) -> Iterator[tuple[int, int]]:
        return replicate_ranges(self.n, self.n_replicates, self.block_cells)

    def _analysis(self, factors: np.ndarray, index: np.ndarray, start: int, stop: int):
        if self.calibration is None:
            return factors * self.weights[index, None]
        return factors * self.cell_factors[self.calibration.cells[index], start:stop]

    def blocks(self) -> Iterator[np.ndarray]:
        """(n, b) replicate analysis weights, b replicates at a time, in replicate order."""
        everyone = np.arange(self.n)
        for start, stop in self._ranges():
            yield self._analysis(self.factors.block(start, stop), everyone, start, stop)

    def replicate_rows(self, index: np.ndarray) -> np.ndarray:
        """(len(index), R) replicate analysis weights of respondents ``index``."""
        index = np.asarray(index)
        return self._analysis(self.factors.rows(index), index, 0, self.n_replicates)

    def replicate_estimates(self, replicate: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """(R, p) estimates recomputed with every replicate's weights."""
        pieces = [np.atleast_2d(np.asarray(replicate(w), dtype=float)) for w in self.blocks()]
        return np.vstack(pieces)

    def cell_totals(self, codes: np.ndarray, n_codes: int | None = None) -> np.ndarray:
        """(K, R) replicate totals of the analysis weights per cell: ``sum_{i: codes_i = k} w_ir``.

        ``codes``: (n,) cell of every respondent in 0..K-1, negative = in no
        cell (left out). One pass over the replicates per partition, never an
        (n, R) float matrix: bootstrap counts are summed per cell with
        ``np.bincount`` replicate by replicate; with re-raking the factors
        ``f_ir`` are first summed per (cell, calibration cell) and multiplied
        by the replicates' calibration cell factors ``G_r`` (``w_ir = f_ir
        G_r(cal_i)``, the module docstring); when at least
        :data:`SPARE_CELL_SHARE` of the respondents are in a cell, the others
        are summed into one more cell and dropped; JKn and supplied factors go
        through :meth:`blocks`. Estimates that are functions of weighted cell
        totals (proportions, Rao-Scott tables) use it instead of the blocks.
        """
        codes = np.asarray(codes, dtype=np.intp)
        keep = codes >= 0
        k = int(codes[keep].max()) + 1 if n_codes is None and keep.any() else int(n_codes or 0)
        r = self.n_replicates
        out = np.zeros((k, r))
        if k == 0:
            return out
        f = self.factors
        if f.counts is not None and not keep.all() and keep.mean() >= SPARE_CELL_SHARE:
            # most respondents kept: the others summed into one more cell, dropped,
            # rather than a gather of the kept respondents' counts per replicate
            # (the same sums, in the same order)
            return self.cell_totals(np.where(keep, codes, k), k + 1)[:k]
        idx = np.flatnonzero(keep) if not keep.all() else None
        c = codes if idx is None else codes[idx]
        if f.counts is not None:
            mult = f.multiplier if idx is None else f.multiplier[idx]
            if self.calibration is None:
                base = mult * (self.weights if idx is None else self.weights[idx])
                for j in range(r):
                    counts = f.counts[j] if idx is None else f.counts[j, idx]
                    out[:, j] = np.bincount(c, weights=counts * base, minlength=k)
                return out
            n_cal = self.calibration.n_cells
            cal = self.calibration.cells if idx is None else self.calibration.cells[idx]
            joint = c * n_cal + cal
            per_cell = self._cell_multiplier
            for j in range(r):
                counts = f.counts[j] if idx is None else f.counts[j, idx]
                if per_cell is None:
                    sums = np.bincount(joint, weights=counts * mult, minlength=k * n_cal)
                    out[:, j] = sums.reshape(k, n_cal) @ self.cell_factors[:, j]
                else:  # the counts summed (exact integers), then times the cell's multiplier
                    sums = np.bincount(joint, weights=counts, minlength=k * n_cal)
                    out[:, j] = sums.reshape(k, n_cal) @ (per_cell * self.cell_factors[:, j])
            return out
        start = 0
        for block in self.blocks():
            rows = block if idx is None else block[idx]
            for j in range(rows.shape[1]):
                out[:, start + j] = np.bincount(c, weights=rows[:, j], minlength=k)
            start += rows.shape[1]
        return out

    @functools.cached_property
    def _cell_multiplier(self) -> np.ndarray | None:
        """(C,) bootstrap multiplier n_h / (n_h - 1) of each calibration cell, when every
        cell lies in one stratum (a country's raking cells); else None."""
        cal, mult = self.calibration.cells, self.factors.multiplier
        per_cell = np.ones(self.calibration.n_cells)
        per_cell[cal] = mult
        return per_cell if np.array_equal(per_cell[cal], mult) else None

    def totals(self, matrix) -> np.ndarray:
        """(M, R) replicate totals ``A w_r`` of an (M, n) sparse (or dense) matrix A.

        The respondents are partitioned by their column of A
        (:func:`distinct_columns`), so ``A w_r = A_cells T_r`` with ``T`` the
        :meth:`cell_totals` of that partition and ``A_cells`` the distinct
        columns (exact, up to the order of floating-point additions).
        """
        from scipy import sparse

        a = sparse.csc_matrix(matrix, dtype=float)
        cells, first = distinct_columns(a)
        return a[:, first] @ self.cell_totals(cells, first.size)

    def vcov(self, influence=None, replicate=None, full=None, thetas=None) -> np.ndarray:
        """(p, p) replicate covariance of the estimate that ``replicate`` recomputes
        (or of the given (R, p) replicate estimates ``thetas``, e.g. collected from
        the jobs of :meth:`subset` blocks)."""
        if thetas is None:
            if replicate is None:
                raise ValueError("a replicate design needs the estimator's replicate function")
            thetas = self.replicate_estimates(replicate)
        f = self.factors
        return replicate_variance(thetas, full, f.scale, f.rscales, f.mse)

    def subset(self, start: int, stop: int) -> ReplicateDesign:
        """The design of replicates ``start:stop`` only (already re-raked: the full
        design's cell factors of those replicates), for one job of a fan-out."""
        cell = None if self.cell_factors is None else self.cell_factors[:, start:stop]
        return ReplicateDesign(
            self.factors.subset(start, stop),
            self.strata,
            self.weights,
            self.calibration,
            self.block_cells,
            cell,
        )

    def _full_rank_on_probe(self, index: np.ndarray) -> bool:
        """Whether ``PROBE_ROWS x R`` evenly spaced rows of ``index`` already have rank R.

        A submatrix's rank bounds the matrix's from below and R bounds it from
        above, so then the rank is R without the whole Gram matrix (the usual
        case: many more respondents than replicates)."""
        r = self.n_replicates
        if index.size <= PROBE_ROWS * r:
            return False
        probe = index[np.unique(np.linspace(0, index.size - 1, PROBE_ROWS * r).astype(np.intp))]
        w = self.replicate_rows(probe)
        return gram_rank(w.T @ w, RANK_TOL) == r

    def df(self, rows: np.ndarray | None = None) -> int:
        """R ``degf``: rank - 1 of the replicate weights of ``rows`` (mask; default all).

        The rank of the (m, R) replicate weights A of the m respondents, by
        R's column rule: column-pivoted QR when A is small or wide
        (:func:`column_rank`; m < R), else :func:`gram_rank` of ``A'A``
        (R x R, accumulated over row blocks; m >= R, where the columns are
        far from dependent), skipped when a sample of the rows already has
        rank R (:meth:`_full_rank_on_probe`). Results are cached per set of rows (Table 2, the
        tests and the models ask for the same domains more than once).
        """
        index = np.arange(self.n) if rows is None else np.flatnonzero(np.asarray(rows, bool))
        if index.size < 2:
            return 0
        if self.factors.deleted is not None and index.size == self.n:
            # JKn, whole design: the n - H + 1 independent delete-one columns
            # (R's rank there; an n x n QR otherwise)
            return int(self.n - pd.unique(self.strata).size)
        key = hashlib.sha1(index.astype(np.int64).tobytes()).hexdigest()
        cached = self._df_cache.get(key)
        if cached is not None:
            return cached
        m, r = index.size, self.n_replicates
        if m * r <= QR_CELLS or m < r:
            value = column_rank(self.replicate_rows(index), RANK_TOL) - 1
        elif self._full_rank_on_probe(index):
            value = r - 1
        else:
            gram = np.zeros((r, r))
            step = max(1, self.block_cells // r)
            for start in range(0, m, step):
                w = self.replicate_rows(index[start : start + step])
                gram += w.T @ w
            value = min(gram_rank(gram, RANK_TOL), m) - 1
        self._df_cache[key] = value
        return value


def domain_atoms(masks: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The atoms of a set of domains: respondents in exactly the same domains.

    ``masks``: D (n,) domain masks. Returns the (n,) atom of every
    respondent (0..A-1, -1 = in no domain) and the (A, D) membership of
    every atom, so that a domain's replicate totals are the sum of its
    atoms' (:meth:`ReplicateDesign.cell_totals` of cell x atom: one pass
    over the replicates for all the domains, overlapping or not).
    """
    masks = [np.asarray(m, dtype=bool) for m in masks]
    if not masks:
        return np.zeros(0, dtype=np.intp), np.zeros((0, 0), dtype=bool)
    key = np.zeros(masks[0].size, dtype=np.int64)
    for start in range(0, len(masks), 30):  # key < n * 2^30 before each compaction
        for mask in masks[start : start + 30]:
            key = 2 * key + mask
        _, key = np.unique(key, return_inverse=True)
    _, first = np.unique(key, return_index=True)
    member = np.column_stack([mask[first] for mask in masks])
    inside = member.any(axis=1)
    renumber = np.cumsum(inside) - 1
    atom = np.where(inside[key], renumber[key], -1).astype(np.intp)
    return atom, member[inside]


def distinct_columns(matrix) -> tuple[np.ndarray, np.ndarray]:
    """Cell of every column of a sparse matrix and the first column of every distinct cell.

    Columns are keyed by an integer hash of their (row, value) entries
    (random 63-bit row keys, sums wrapping modulo 2^64) and grouped with
    ``pandas.factorize`` (no sort of float rows); the grouping is then
    checked exactly (every column equal to its cell's first column), so a
    hash collision can only cost time: it falls back to an exact grouping
    of the columns' entries.
    """
    from scipy import sparse

    a = sparse.csc_matrix(matrix, dtype=float)
    a.sum_duplicates()
    a.eliminate_zeros()
    m, n = a.shape
    rng = np.random.default_rng(20261202)
    keys = rng.integers(1, 2**63 - 1, size=m, dtype=np.int64).view(np.uint64)
    value = a.data.view(np.uint64)
    filled = np.diff(a.indptr) > 0
    key = np.zeros(n, dtype=np.uint64)
    if value.size:
        with np.errstate(over="ignore"):
            terms = keys[a.indices] * (value | np.uint64(1)) + value
            key[filled] = np.add.reduceat(terms, a.indptr[:-1][filled])
    cells, uniq = pd.factorize(key)
    cells = cells.astype(np.intp)
    first = np.full(len(uniq), n, dtype=np.intp)
    np.minimum.at(first, cells, np.arange(n))
    if (a - a[:, first][:, cells]).count_nonzero() == 0:
        return cells, first
    dense_keys = [a[:, j].toarray().ravel().tobytes() for j in range(n)]
    cells, _ = pd.factorize(pd.Series(dense_keys))
    cells = cells.astype(np.intp)
    first = np.full(cells.max() + 1, n, dtype=np.intp)
    np.minimum.at(first, cells, np.arange(n))
    return cells, first


def block_ranges(n_replicates: int, n_blocks: int) -> list[tuple[int, int]]:
    """``n_blocks`` contiguous (start, stop) ranges of replicates, as equal as possible
    (the fan-out of ``replicate_jobs: per_block``; fewer when there are fewer replicates)."""
    edges = np.linspace(0, n_replicates, min(n_blocks, n_replicates) + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def column_rank(matrix: np.ndarray, tol: float) -> int:
    """Numerical rank of a matrix, as R ``qr(x, tol)$rank`` where the rank is clear-cut.

    Identical columns are dropped first (as the R oracle's ``degf``), then
    a column-pivoted Householder QR (LAPACK ``geqp3``) counts the diagonal
    entries above ``tol`` times the largest. R's LINPACK ``dqrdc2`` takes
    columns in order and compares each with its own norm; replicate weight
    columns have similar norms and their rank deficiencies are exact, so
    both rules give the same rank on them (tested against R's ``degf``).
    """
    a = np.asarray(matrix, dtype=float)
    if a.size == 0:
        return 0
    key = a.T @ np.sin(np.arange(1, a.shape[0] + 1))
    _, first = np.unique(key, return_index=True)
    a = a[:, np.sort(first)]
    r = linalg.qr(a, mode="r", pivoting=True)[0]
    diag = np.abs(np.diag(r))
    return int(np.count_nonzero(diag > tol * diag[0])) if diag.size and diag[0] > 0 else 0


def gram_rank(gram: np.ndarray, tol: float) -> int:
    """:func:`column_rank` from the Gram matrix ``A'A`` (for tall matrices, never built whole).

    R's in-order rule on squared norms: column j is kept when the squared
    norm of its part orthogonal to the kept earlier columns (the Schur
    complement of the kept block, the squared diagonal of a Cholesky factor)
    exceeds ``tol^2`` times its own squared norm. One Cholesky factorisation
    answers when every column passes (the usual case: rank = columns);
    otherwise the rule is applied column by column with rank-one Schur
    updates. Reliable where the columns are far from dependent (many more
    rows than columns), which is where it is used.
    """
    g = np.asarray(gram, dtype=float)
    size = g.shape[0]
    norms = np.diag(g).copy()
    if size == 0:
        return 0
    try:
        chol = np.linalg.cholesky(g)
    except np.linalg.LinAlgError:
        pass
    else:
        if np.all(np.diag(chol) ** 2 > tol * tol * norms):
            return size
    schur = g.copy()
    kept = 0
    for j in range(size):
        resid = schur[j, j]
        if norms[j] <= 0 or resid <= tol * tol * norms[j]:
            continue
        kept += 1
        col = schur[j + 1 :, j]
        schur[j + 1 :, j + 1 :] -= np.outer(col, col) / resid
    return kept


def make_replicate_factors(
    method: str,
    strata: np.ndarray,
    *,
    replicates: int = 500,
    seed: int = 0,
    factors_path: str | Path | None = None,
    respondent_ids: pd.Series | None = None,
    calibration: RakingCalibration | None = None,
) -> ReplicateFactors:
    """The factors the config asks for (see :func:`make_replicate_design`)."""
    if factors_path is not None:
        if respondent_ids is None:
            raise ValueError("supplied factors need the respondent ids")
        return supplied_factors(factors_path, respondent_ids, strata, method)
    if method == "jackknife":
        return jackknife_factors(strata)
    if method != "bootstrap":
        raise InputError(f"variance.method {method!r} is not a replicate method")
    for attempt in range(SEED_ATTEMPTS):
        factors = bootstrap_factors(strata, replicates, seed + attempt)
        if calibration is None or _rerakeable(factors, calibration):
            if attempt:
                log.warning(
                    "bootstrap draws with seed %d left a raking category empty in some "
                    "replicate; using seed %d, the first that can be re-raked",
                    seed,
                    seed + attempt,
                )
            return factors
    raise InputError(
        f"no bootstrap draw from seed {seed} to {seed + SEED_ATTEMPTS - 1} keeps every raking "
        "category non-empty in every replicate: a category has too few respondents to re-rake"
    )


def replicate_ranges(n: int, n_replicates: int, block_cells: int) -> Iterator[tuple[int, int]]:
    """(start, stop) of replicate blocks with n x (stop - start) <= block_cells."""
    step = max(1, block_cells // max(n, 1))
    for start in range(0, n_replicates, step):
        yield start, min(start + step, n_replicates)


def cell_masses(
    factors: ReplicateFactors, calibration: RakingCalibration, block_cells: int = BLOCK_CELLS
) -> np.ndarray:
    """(C, R) sums of every replicate's factors per calibration cell (bootstrap counts:
    ``np.bincount`` of each replicate's counts times the multiplier; computed once per
    factors and calibration)."""
    if factors._masses is not None and factors._masses[0] is calibration:
        return factors._masses[1]
    out = np.zeros((calibration.n_cells, factors.n_replicates))
    if factors.counts is not None:
        weights = np.empty(factors.n)
        for j in range(factors.n_replicates):
            np.multiply(factors.counts[j], factors.multiplier, out=weights)
            out[:, j] = np.bincount(calibration.cells, weights=weights,
                                    minlength=calibration.n_cells)  # fmt: skip
        factors._masses = (calibration, out)
        return out
    for start, stop in replicate_ranges(factors.n, factors.n_replicates, block_cells):
        block = factors.block(start, stop)
        for j in range(block.shape[1]):
            out[:, start + j] = np.bincount(
                calibration.cells, weights=block[:, j], minlength=calibration.n_cells
            )
    return out


def _rerakeable(factors: ReplicateFactors, calibration: RakingCalibration) -> bool:
    """Every replicate can be re-raked (no raking category left empty)."""
    return calibration.can_rerake(cell_masses(factors, calibration))


def make_replicate_design(
    method: str,
    strata: np.ndarray,
    weights: np.ndarray,
    *,
    calibration: RakingCalibration | None = None,
    replicates: int = 500,
    seed: int = 0,
    factors_path: str | Path | None = None,
    respondent_ids: pd.Series | None = None,
) -> ReplicateDesign:
    """A replicate design from the config's ``variance`` block (module docstring).

    ``calibration``: re-rake every replicate (``calibration: calibrated``).
    """
    factors = make_replicate_factors(
        method,
        strata,
        replicates=replicates,
        seed=seed,
        factors_path=factors_path,
        respondent_ids=respondent_ids,
        calibration=calibration,
    )
    return ReplicateDesign(factors, np.asarray(strata), weights, calibration)
