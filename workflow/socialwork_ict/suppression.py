"""Optimal secondary cell suppression and the attacker's audit over linked tables.

Stage: tables (used by :mod:`socialwork_ict.disclosure`, which builds the
problem from the published tables). Pure numpy / scipy: arrays in, arrays out.

The problem
-----------
Every published count is a *cell* ``x_j`` (a non-negative integer); the
tables' additive structure is a set of linear equations ``A x = b`` that
hold for the true counts (a total minus its parts is 0; a cell published
twice is one cell). Each cell has a role:

- ``PRIMARY``: sensitive (the threshold rule); never published;
- ``CANDIDATE``: published unless chosen for secondary suppression;
- ``FIXED``: always published (e.g. a country's sample size);
- ``HIDDEN``: never published and not sensitive, e.g. the count of an
  unpublished cross-classification that links two published tables (the
  attacker does not know it, but it is constrained by the equations).

Protection (sliding protection interval)
----------------------------------------
An attacker who knows every published cell, the equations and that counts
are non-negative can compute, for a suppressed cell ``p``, the feasible
interval ``[min x_p, max x_p]`` over ``{x >= 0 : A x = b, x_j = published
value for every published j}`` (two linear programs). Cell ``p`` is
*protected* when ``max - min >= P`` (the protection level): the *sliding*
protection interval of Hundepool et al. (2012), *Statistical Disclosure
Control*, Wiley, §4.2.2 and ch. 5 (frequency tables), and of tau-Argus
("protection interval", the upper and lower protection levels may slide as
long as their sum is met; tau-Argus user's manual, §4.2 "safety rules" and
the "sliding protection" option). :func:`feasible_intervals` is that audit.

Secondary suppression (mixed-integer program)
---------------------------------------------
Choose binaries ``s_j`` (1 = suppress) for the candidate cells minimising the
information loss ``sum cost_j s_j`` such that every primary cell is
protected. Protection of ``p`` holds exactly when two tables ``z^hi`` and
``z^lo`` exist that satisfy everything the attacker knows and whose values of
``p`` differ by at least ``P``; with ``[l_j, h_j]`` the range a suppressed
cell may take (at most ``[0, u_j]``, ``u_j`` an a-priori upper bound, e.g.
the country's size), the attacker's knowledge is linear in ``s``:

    A z = b,   x_j - (x_j - l_j) s_j <= z_j <= x_j + (h_j - x_j) s_j,
    z^hi_p - z^lo_p >= P.

Each suppressed cell of a copy may deviate from its true value by at most
``P`` (a stricter attacker model than the real one, so a pattern accepted
here is protected; the audit checks it without that limit): this keeps the
big-M constants small and the relaxation tight. A primary cell that cannot
be protected within that reach gets the a-priori bounds ``[0, u_j]``. One pair of copies per
primary cell gives the extended (compact) form of the Fischetti &
Salazar-González (2001) model ("Solving the cell suppression problem on
tabular data with linear constraints", *Management Science* 47(7)), solved
by ``scipy.optimize.milp`` (HiGHS branch and cut).

The copies of ``p`` only deviate from the true table on the cells within two
steps of ``p`` (cells sharing an equation, then their partners; hidden
cells are free steps), widened step by step until ``p`` can be protected
there at all. That too only strengthens the requirement.

Two strategies (``method``): ``sequential`` (default) protects the primary
cells one at a time, smallest first, each by the MILP with its own pair of
copies and the earlier suppressions free, skipping those the audit already
finds protected: the sequential strategy of tau-Argus's "modular" method
(Hundepool et al. 2012, §5.3.2); every step is solved to optimality, so it
is deterministic, but the whole is not a joint optimum. ``joint`` solves one
MILP for all primary cells: optimal when HiGHS proves it within the time
limit, else the best pattern found (which then depends on the machine's
speed: not byte-reproducible), and ``sequential`` when it finds none (the
documented fallback for a problem too large to solve exactly).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import connected_components

__all__ = [
    "CANDIDATE",
    "FIXED",
    "HIDDEN",
    "PRIMARY",
    "LinkedCells",
    "Pattern",
    "feasible_intervals",
    "protect",
    "secondary_lower_bound",
    "threshold_primary",
]

PRIMARY, CANDIDATE, FIXED, HIDDEN = "primary", "candidate", "fixed", "hidden"
ROLES = (PRIMARY, CANDIDATE, FIXED, HIDDEN)
_TOLERANCE = 1e-6


def threshold_primary(values: np.ndarray, k: int, zeros_sensitive: bool = False) -> np.ndarray:
    """The threshold rule: cells with ``1 <= n < k`` (``0 <= n < k`` if zeros are sensitive).

    Hundepool et al. (2012) §5.2: a cell of fewer than ``k`` contributors is
    unsafe. An empty cell discloses no respondent; whether it is treated as
    unsafe (it does disclose that *nobody* in the row has the attribute:
    "group disclosure", §5.2.2) is the caller's documented choice.
    """
    values = np.asarray(values)
    low = 0 if zeros_sensitive else 1
    return (values >= low) & (values < k)


@dataclass
class LinkedCells:
    """Cells, their roles, costs and a-priori upper bounds, and the equations ``A x = b``."""

    values: np.ndarray
    role: np.ndarray
    cost: np.ndarray
    upper: np.ndarray
    matrix: sp.csr_array
    rhs: np.ndarray
    #: (i, j) pairs: suppressing cell i requires suppressing cell j (e.g. a
    #: percentage whose base is withheld is withheld too)
    implies: list[tuple[int, int]] = field(default_factory=list)
    #: optional name of each cell (for messages)
    keys: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        self.role = np.asarray(self.role, dtype=object)
        self.cost = np.asarray(self.cost, dtype=float)
        self.upper = np.maximum(np.asarray(self.upper, dtype=float), self.values)
        self.matrix = sp.csr_array(self.matrix)
        self.rhs = np.asarray(self.rhs, dtype=float)
        n = self.values.size
        if not (self.role.size == self.cost.size == self.upper.size == n):
            raise ValueError("values, role, cost and upper must have one entry per cell")
        if self.matrix.shape != (self.rhs.size, n):
            raise ValueError(f"matrix must be (equations, cells); got {self.matrix.shape}")
        unknown = set(self.role) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}")
        residual = self.matrix @ self.values - self.rhs
        if np.abs(residual).max(initial=0) > _TOLERANCE:
            first = int(np.argmax(np.abs(residual)))
            raise ValueError(f"equation {first} does not hold for the true counts")

    @property
    def n_cells(self) -> int:
        return self.values.size


@dataclass
class Pattern:
    """A suppression pattern: ``suppressed`` per cell (primary and hidden included)."""

    suppressed: np.ndarray
    method: str  # "milp" (optimal), "milp (time limit)" or "sequential (fallback)"
    cost: float


def feasible_intervals(
    cells: LinkedCells, suppressed: np.ndarray, which: np.ndarray, upper: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's feasible interval ``[low, high]`` of each cell in ``which``.

    Linear programs (``scipy.optimize.linprog``, HiGHS): minimise and maximise
    ``x_p`` subject to ``A x = b``, ``x >= 0`` and every published cell at
    its value. ``high`` is ``inf`` when nothing bounds the cell. ``upper``:
    also bound each cell by its a-priori upper bound (as the MILP does).
    """
    suppressed = np.asarray(suppressed, dtype=bool)
    which = np.asarray(which, dtype=int)
    unknown = np.flatnonzero(suppressed)
    low = cells.values[which].astype(float)
    high = low.copy()
    hidden = suppressed[which]
    if not hidden.any():
        return low, high
    a_unknown, rhs = _reduced(cells, suppressed)
    ub = cells.upper[unknown] if upper else np.full(unknown.size, np.inf)
    targets = np.searchsorted(unknown, which[hidden])
    low[hidden], high[hidden] = _extremes(a_unknown, rhs, np.zeros(unknown.size), ub, targets)
    return low, high


def secondary_lower_bound(cells: LinkedCells) -> int:
    """A lower bound on the number of secondary cells any protecting pattern needs.

    A necessary condition for protection (Hundepool et al. 2012, §5.3: a
    suppressed cell in an equation whose other cells are all published is
    recovered exactly): every equation that holds a primary cell and no
    other never-published (primary or hidden) cell must hold a secondary
    cell. The fewest candidate cells meeting every such equation (a
    set-cover MILP, solved to optimality) bound the true optimum from below,
    whatever the protection level; the pattern :func:`protect` finds can be
    judged against it.
    """
    pattern = sp.csr_array(cells.matrix != 0)
    dark = np.isin(cells.role, [PRIMARY, HIDDEN])
    candidate = cells.role == CANDIDATE
    column = np.cumsum(candidate) - 1
    r, c = [], []
    needs = 0
    for row in range(pattern.shape[0]):
        members = pattern.indices[pattern.indptr[row] : pattern.indptr[row + 1]]
        for p in members[cells.role[members] == PRIMARY]:
            others = members[members != p]
            if dark[others].any():
                continue
            hits = column[others[candidate[others]]]
            r.extend([needs] * hits.size)
            c.extend(hits.tolist())
            needs += 1
    if needs == 0:
        return 0
    n = int(candidate.sum())
    cover = sp.csr_array((np.ones(len(r)), (r, c)), shape=(needs, n))
    result = milp(
        np.ones(n),
        constraints=[LinearConstraint(cover, 1, np.inf)],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    if result.x is None:
        raise RuntimeError("a primary cell shares an equation with no candidate cell")
    return int(round(result.fun))


def _extremes(
    a: sp.csr_array, rhs: np.ndarray, lb: np.ndarray, ub: np.ndarray, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of each target variable over ``{a z = rhs, lb <= z <= ub}``.

    A target's extremes depend only on its connected component (the
    variables linked to it through shared equations); a target alone in its
    component lies anywhere in ``[lb, ub]``. The other targets' components
    go into one block-diagonal LP with two copies each (one minimising, one
    maximising the target): the blocks are independent, so each copy's
    optimum is its own LP's optimum, for one solver call. A maximum that
    reaches the cap standing in for an infinite bound is ``inf``.
    """
    n = lb.size
    cap = 10.0 * (np.abs(rhs).sum() + np.where(np.isfinite(ub), ub, 0.0).sum() + 1.0)
    ub = np.where(np.isfinite(ub), ub, cap)
    low, high = lb[targets].astype(float), ub[targets].astype(float)
    var_label, row_label = _components(a, n)
    blocks, objective, b_eq, bounds, where = [], [], [], [], []
    offset = 0
    for sense in (1.0, -1.0):
        for k, target in enumerate(targets):
            rows = np.flatnonzero(row_label == var_label[target])
            if rows.size == 0:
                continue
            columns = np.flatnonzero(var_label == var_label[target])
            blocks.append(a[rows][:, columns])
            b_eq.append(rhs[rows])
            bounds.append(np.column_stack([lb[columns], ub[columns]]))
            cost = np.zeros(columns.size)
            position = int(np.searchsorted(columns, target))
            cost[position] = sense
            objective.append(cost)
            where.append((sense, k, offset + position))
            offset += columns.size
    if blocks:
        result = linprog(
            np.concatenate(objective),
            A_eq=sp.block_diag(blocks, format="csr"),
            b_eq=np.concatenate(b_eq),
            bounds=np.concatenate(bounds),
            method="highs",
        )
        if result.status != 0:
            raise RuntimeError(f"attacker LP failed: {result.message}")
        for sense, k, position in where:
            (low if sense > 0 else high)[k] = result.x[position]
    high = np.where(high >= cap * (1 - 1e-9), np.inf, high)
    return low, high


def _components(a: sp.csr_array, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Connected component of each variable and each equation of ``a`` (bipartite graph)."""
    m = a.shape[0]
    coo = sp.coo_array(a)
    graph = sp.coo_array((np.ones(coo.nnz), (coo.col, n + coo.row)), shape=(n + m, n + m))
    _, labels = connected_components(graph, directed=False)
    return labels[:n], labels[n:]


def _reduced(cells: LinkedCells, unknown: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """Equations on the unknown cells only: ``A_U x_U = b - A_K x_K`` (empty rows dropped)."""
    known = ~unknown
    rhs = cells.rhs - cells.matrix[:, np.flatnonzero(known)] @ cells.values[known]
    a_unknown = cells.matrix[:, np.flatnonzero(unknown)]
    keep = np.flatnonzero(np.diff(sp.csr_array(a_unknown).indptr) > 0)
    return sp.csr_array(a_unknown)[keep], rhs[keep]


def _reach(cells: LinkedCells, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """The optimisation's bounds of an unlocked cell: ``x +- reach`` within ``[0, u]``."""
    low = np.maximum(cells.values - reach, 0.0)
    high = np.minimum(cells.values + reach, cells.upper)
    return low, high


def _neighbourhood(cells: LinkedCells, p: int, hops: int, movable: np.ndarray) -> np.ndarray:
    """Movable cells within ``hops`` steps of ``p`` (a step: to another cell of an equation).

    Stepping onto a hidden cell is free (it only links published cells), so
    the distance counts published cells (0-1 breadth-first search).
    """
    by_row = sp.csr_array(cells.matrix != 0)
    by_col = sp.csc_array(cells.matrix != 0)
    hidden = cells.role == HIDDEN
    distance = np.full(cells.n_cells, hops + 1)
    distance[p] = 0
    queue = deque([p])
    while queue:
        j = queue.popleft()
        for r in by_col.indices[by_col.indptr[j] : by_col.indptr[j + 1]]:
            for i in by_row.indices[by_row.indptr[r] : by_row.indptr[r + 1]]:
                step = distance[j] + (0 if hidden[i] else 1)
                if step < distance[i] and step <= hops and movable[i]:
                    distance[i] = step
                    (queue.appendleft if hidden[i] else queue.append)(i)
    return np.flatnonzero(distance <= hops)


def _local(cells: LinkedCells, hood: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """Equations on the cells of ``hood``, every other cell at its true value."""
    outside = np.setdiff1d(np.arange(cells.n_cells), hood)
    a_hood = sp.csr_array(cells.matrix[:, hood])
    keep = np.flatnonzero(np.diff(a_hood.indptr) > 0)
    rhs = cells.rhs - cells.matrix[:, outside] @ cells.values[outside]
    return sp.csr_array(a_hood[keep]), rhs[keep]


def _model_width(cells: LinkedCells, p: int, hood: np.ndarray, reach: float) -> float:
    """Width of ``p`` in the optimisation's model when every cell of ``hood`` is unlocked."""
    a_hood, rhs = _local(cells, hood)
    low, high = _reach(cells, reach)
    lo, hi = _extremes(a_hood, rhs, low[hood], high[hood], np.searchsorted(hood, [p]))
    return float(hi[0] - lo[0])


def _hood(
    cells: LinkedCells, p: int, hops: int, movable: np.ndarray, protection: float
) -> tuple[np.ndarray, float]:
    """The smallest neighbourhood (``hops``, ``hops + 1``, ... steps) where ``p`` is protectable.

    Returns it and the reach of its cells: ``P``, or the a-priori bounds
    (``inf``) when ``P`` is too short even with every movable cell unlocked.
    """
    previous = -1
    while True:
        hood = _neighbourhood(cells, p, hops, movable)
        if _model_width(cells, p, hood, protection) >= protection - _TOLERANCE:
            return hood, protection
        if hood.size == previous:
            return hood, np.inf
        previous, hops = hood.size, hops + 1


def _extended(
    cells: LinkedCells,
    protection: float,
    time_limit: float,
    targets: np.ndarray | None = None,
    base: np.ndarray | None = None,
    hops: int = 2,
):
    """One MILP: binaries s and, per target cell, two attacker tables (see the docstring).

    ``targets``: the primary cells to protect (default all); ``base``: cells
    already suppressed (free). Returns (suppressed, optimal), or (None, False).
    """
    targets = np.flatnonzero(cells.role == PRIMARY) if targets is None else np.asarray(targets)
    free = np.isin(cells.role, [PRIMARY, HIDDEN])
    if base is not None:
        free = free | base
    movable = free | (cells.role == CANDIDATE)
    hoods = [_hood(cells, int(p), hops, movable, protection) for p in targets]
    # Binaries only where a copy may move (a cell outside every neighbourhood
    # stays published at no cost), closed under the implications.
    near = np.zeros(cells.n_cells, dtype=bool)
    for hood, _ in hoods:
        near[hood] = True
    near = _implied(cells, near)
    choosable = np.flatnonzero((cells.role == CANDIDATE) & ~free & near)
    if choosable.size == 0:
        return free.copy(), True
    s_of = np.full(cells.n_cells, -1)
    s_of[choosable] = np.arange(choosable.size)
    x = cells.values
    n_var = choosable.size
    var_low, var_high = [np.zeros(n_var)], [np.ones(n_var)]
    equations, eq_rhs = [], []
    r, c, v, lo, hi = [], [], [], [], []
    row = 0
    for p, (hood, reach) in zip(targets, hoods, strict=True):
        low, high = _reach(cells, reach)
        a_hood, rhs = _local(cells, hood)
        offsets = []
        for _copy in range(2):
            offset = n_var
            offsets.append(offset)
            n_var += hood.size
            equations.append((a_hood, offset))
            eq_rhs.append(rhs)
            var_low.append(low[hood])
            var_high.append(high[hood])
            # z_j >= x_j - (x_j - low_j) s_j and z_j <= x_j + (high_j - x_j) s_j
            for i, j in enumerate(hood):
                if s_of[j] < 0:
                    continue
                r += [row, row, row + 1, row + 1]
                c += [offset + i, s_of[j], offset + i, s_of[j]]
                v += [1.0, x[j] - low[j], 1.0, -(high[j] - x[j])]
                lo += [x[j], -np.inf]
                hi += [np.inf, x[j]]
                row += 2
        i = int(np.searchsorted(hood, p))
        r += [row, row]
        c += [offsets[0] + i, offsets[1] + i]
        v += [1.0, -1.0]
        lo.append(protection)
        hi.append(np.inf)
        row += 1
    stacked = sp.vstack(
        [
            sp.hstack(
                [
                    sp.csr_array((a.shape[0], offset)),
                    a,
                    sp.csr_array((a.shape[0], n_var - offset - a.shape[1])),
                ]
            )
            for a, offset in equations
        ]
    )
    equality = np.concatenate(eq_rhs)
    constraints = [
        LinearConstraint(sp.csr_array(stacked), equality, equality),
        LinearConstraint(sp.csr_array((v, (r, c)), shape=(row, n_var)), lo, hi),
    ]
    constraints += _implications(cells, s_of, free, n_var)
    objective = np.zeros(n_var)
    objective[: choosable.size] = cells.cost[choosable]
    integrality = np.zeros(n_var)
    integrality[: choosable.size] = 1
    with _quiet_stdout():  # HiGHS's MIP prints debugging lines even with disp=False
        result = milp(
            objective,
            constraints=constraints,
            integrality=integrality,
            bounds=Bounds(np.concatenate(var_low), np.concatenate(var_high)),
            options={"time_limit": time_limit, "disp": False},
        )
    if result.x is None:
        return None, False
    suppressed = free.copy()
    suppressed[choosable] = result.x[: choosable.size] > 0.5
    return suppressed, result.status == 0


def _implied(cells: LinkedCells, chosen: np.ndarray) -> np.ndarray:
    """``chosen`` plus every cell its suppression implies (transitively, ``cells.implies``)."""
    chosen = chosen.copy()
    changed = bool(cells.implies)
    while changed:
        changed = False
        for i, j in cells.implies:
            if chosen[i] and not chosen[j]:
                chosen[j] = changed = True
    return chosen


def _implications(cells: LinkedCells, s_of: np.ndarray, free: np.ndarray, n_var: int) -> list:
    """``s_j >= s_i`` for each (i, j) of ``cells.implies`` (``s_j = 1`` if i is suppressed)."""
    r, c, v, lo = [], [], [], []
    for i, j in cells.implies:
        if s_of[j] < 0:
            continue  # j already suppressed (or never can be)
        if s_of[i] >= 0:
            r += [len(lo), len(lo)]
            c += [s_of[j], s_of[i]]
            v += [1.0, -1.0]
            lo.append(0.0)
        elif free[i]:
            r.append(len(lo))
            c.append(s_of[j])
            v.append(1.0)
            lo.append(1.0)
    if not lo:
        return []
    return [LinearConstraint(sp.csr_array((v, (r, c)), shape=(len(lo), n_var)), lo, np.inf)]


@contextlib.contextmanager
def _quiet_stdout():
    """Send file descriptor 1 to /dev/null for the block (output of compiled code)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _recovered_by_one_equation(
    by_row: sp.csr_array, by_col: sp.csc_array, suppressed: np.ndarray, p: int
) -> bool:
    """Whether some equation holds ``p`` and no other suppressed cell (``p`` is then exact)."""
    for row in by_col.indices[by_col.indptr[p] : by_col.indptr[p + 1]]:
        members = by_row.indices[by_row.indptr[row] : by_row.indptr[row + 1]]
        if suppressed[members].sum() == 1:
            return True
    return False


def protect(
    cells: LinkedCells,
    protection: float,
    *,
    method: str = "sequential",
    time_limit: float = 60.0,
) -> Pattern:
    """Secondary suppression that protects every primary cell (see the module docstring).

    ``method="sequential"`` (default): the primary cells one at a time,
    smallest first, each by the MILP with its own pair of copies and the
    earlier suppressions free, skipping those the audit already finds
    protected (deterministic: every MILP is solved to optimality; the time
    limit is a guard). ``method="joint"``: one MILP for all primary cells
    (the optimum when HiGHS proves it within ``time_limit`` seconds, else
    the best pattern found, which depends on the machine's speed); the
    sequential method if it finds none. The returned pattern includes the
    primary and hidden cells.
    """
    primary = np.flatnonzero(cells.role == PRIMARY)
    base = np.isin(cells.role, [PRIMARY, HIDDEN])
    if primary.size == 0:
        return Pattern(base, "none needed", 0.0)
    if method not in ("sequential", "joint"):
        raise ValueError(f"unknown method {method!r}")
    if method == "joint":
        suppressed, optimal = _extended(cells, protection, time_limit)
        if suppressed is not None:
            label = "joint milp (optimal)" if optimal else "joint milp (time limit: best found)"
            return Pattern(suppressed, label, float(cells.cost[suppressed & ~base].sum()))
    suppressed = base.copy()
    by_col = sp.csc_array(cells.matrix != 0)
    by_row = sp.csr_array(by_col)
    for p in primary[np.argsort(cells.values[primary], kind="stable")]:
        if not _recovered_by_one_equation(by_row, by_col, suppressed, p):
            low, high = feasible_intervals(cells, suppressed, np.array([p]))
            if high[0] - low[0] >= protection - _TOLERANCE:
                continue
        step, _ = _extended(cells, protection, time_limit, targets=np.array([p]), base=suppressed)
        if step is None:
            name = cells.keys[p] if cells.keys else p
            raise RuntimeError(f"cell {name} cannot be protected by suppressing candidate cells")
        suppressed = step
    return Pattern(suppressed, "sequential milp", float(cells.cost[suppressed & ~base].sum()))
