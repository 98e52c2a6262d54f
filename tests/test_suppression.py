"""Secondary suppression (MILP) and the attacker's audit on small linked tables.

The expected values come from brute force, not from the code under test:
every integer table consistent with what is published is enumerated (the
attacker's exact knowledge), and every subset of candidate cells is tried
(the exact optimum).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from socialwork_ict.suppression import (
    CANDIDATE,
    FIXED,
    PRIMARY,
    LinkedCells,
    feasible_intervals,
    protect,
    secondary_lower_bound,
    threshold_primary,
)


def two_way(table: np.ndarray, k: int = 5, extra_totals=()) -> LinkedCells:
    """Interior cells (row-major), row totals, column totals, grand total; totals published.

    ``extra_totals``: further published sums, each a list of interior cell
    positions (a planted leak).
    """
    r, c = table.shape
    values = [*table.ravel(), *table.sum(axis=1), *table.sum(axis=0), table.sum()]
    n = len(values)
    n_all = n + len(extra_totals)
    rows = []
    for i in range(r):
        row = np.zeros(n_all)
        row[i * c : (i + 1) * c] = 1
        row[r * c + i] = -1
        rows.append(row)
    for j in range(c):
        row = np.zeros(n_all)
        row[j : r * c : c] = 1
        row[r * c + r + j] = -1
        rows.append(row)
    row = np.zeros(n_all)
    row[r * c : r * c + r] = 1
    row[n - 1] = -1
    rows.append(row)
    for t, members in enumerate(extra_totals):
        row = np.zeros(n_all)
        row[list(members)] = 1
        row[n + t] = -1
        rows.append(row)
        values.append(float(table.ravel()[list(members)].sum()))
    values = np.array(values, dtype=float)
    interior = np.arange(r * c)
    role = np.full(n_all, FIXED, dtype=object)
    role[interior] = np.where(threshold_primary(table.ravel(), k), PRIMARY, CANDIDATE)
    return LinkedCells(
        values,
        role,
        values + 1.0 / (n_all + 1),
        np.full(n_all, table.sum()),
        sp.csr_array(np.array(rows)),
        np.zeros(len(rows)),
    )


def brute_force_intervals(table: np.ndarray, suppressed: np.ndarray) -> dict[int, tuple]:
    """Exact integer min and max of each suppressed interior cell given the margins.

    Enumerates every assignment of 0..grand total to the suppressed cells
    and keeps those matching every row and column total.
    """
    r, c = table.shape
    hidden = np.flatnonzero(suppressed[: r * c])
    total = int(table.sum())
    grids = np.stack(
        np.meshgrid(*[np.arange(total + 1)] * hidden.size, indexing="ij"), axis=-1
    ).reshape(-1, hidden.size)
    tables = np.tile(table.ravel(), (grids.shape[0], 1))
    tables[:, hidden] = grids
    tables = tables.reshape(-1, r, c)
    ok = (tables.sum(axis=2) == table.sum(axis=1)).all(axis=1) & (
        tables.sum(axis=1) == table.sum(axis=0)
    ).all(axis=1)
    feasible = grids[ok]
    return {int(h): (feasible[:, i].min(), feasible[:, i].max()) for i, h in enumerate(hidden)}


def is_protected(cells: LinkedCells, suppressed: np.ndarray, level: float) -> bool:
    primary = np.flatnonzero(cells.role == PRIMARY)
    low, high = feasible_intervals(cells, suppressed, primary)
    return bool((high - low >= level - 1e-9).all())


def test_threshold_rule_and_the_zero_choice():
    values = np.array([0, 1, 4, 5, 12])
    assert threshold_primary(values, 5).tolist() == [False, True, True, False, False]
    assert threshold_primary(values, 5, zeros_sensitive=True).tolist() == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert threshold_primary(values, 13).tolist() == [False, True, True, True, True]


TINY = np.array([[1, 6, 9], [7, 3, 8]])  # one primary cell (1); 3 is safe at k = 3


@pytest.mark.parametrize("method", ["joint", "sequential"])
def test_pattern_protects_by_brute_force(method):
    cells = two_way(TINY, k=3)
    pattern = protect(cells, 3, method=method)
    assert pattern.suppressed[0]  # the primary cell
    exact = brute_force_intervals(TINY, pattern.suppressed)
    low, high = feasible_intervals(cells, pattern.suppressed, np.array(sorted(exact)))
    for (cell, (lo, hi)), l_lp, h_lp in zip(sorted(exact.items()), low, high, strict=True):
        # the LP's bounds are the attacker's exact integer bounds (2-way table)
        assert (lo, hi) == (l_lp, h_lp), cell
    lo, hi = exact[0]
    assert hi - lo >= 3  # the primary cell's sliding protection


def test_joint_pattern_is_the_cheapest_by_enumeration():
    cells = two_way(TINY, k=3)
    candidates = np.flatnonzero(cells.role == CANDIDATE)
    best = np.inf
    for size in range(candidates.size + 1):
        for subset in itertools.combinations(candidates, size):
            suppressed = cells.role == PRIMARY
            suppressed[list(subset)] = True
            if is_protected(cells, suppressed, 3):
                best = min(best, cells.cost[list(subset)].sum())
    pattern = protect(cells, 3, method="joint")
    assert pattern.method == "joint milp (optimal)"
    assert pattern.cost == pytest.approx(best)
    # the cheapest pattern hides 1, 6, 7, 3 (cost 16) rather than anything with 8 or 9
    assert np.flatnonzero(pattern.suppressed).tolist() == [0, 1, 3, 4]
    assert protect(cells, 3, method="sequential").cost >= best - 1e-9


@pytest.mark.parametrize(
    "table", [TINY, np.array([[2, 30, 31, 40], [32, 1, 33, 40], [34, 35, 3, 40]])]
)
def test_secondary_lower_bound_is_below_every_protecting_subset(table):
    """The set-cover bound never exceeds the fewest cells of a protecting pattern (enumerated)."""
    k = 3 if table is TINY else 5
    cells = two_way(table, k=k)
    candidates = np.flatnonzero(cells.role == CANDIDATE)
    fewest = None
    for size in range(candidates.size + 1):
        for subset in itertools.combinations(candidates, size):
            suppressed = cells.role == PRIMARY
            suppressed[list(subset)] = True
            if is_protected(cells, suppressed, k):
                fewest = size
                break
        if fewest is not None:
            break
    bound = secondary_lower_bound(cells)
    # a primary cell's row and column each need one more hidden cell: 2 for one
    # primary; three primaries on a diagonal can share rows and columns
    assert bound == (2 if table is TINY else 3)
    assert bound <= fewest
    assert protect(cells, k).suppressed[candidates].sum() >= bound


def test_planted_leak_is_caught():
    """Publishing one more total (the diagonal 1 + 3) gives the primary cell away."""
    cells = two_way(TINY, k=3)
    pattern = protect(cells, 3)
    assert np.flatnonzero(pattern.suppressed).tolist() == [0, 1, 3, 4]
    assert is_protected(cells, pattern.suppressed, 3)
    leaky = two_way(TINY, k=3, extra_totals=[[0, 4]])
    suppressed = np.append(pattern.suppressed, False)  # the new total is published
    low, high = feasible_intervals(leaky, suppressed, np.array([0]))
    assert (low[0], high[0]) == (1.0, 1.0)  # exactly disclosed
    assert not is_protected(leaky, suppressed, 3)
    # protecting the leaky problem suppresses more and passes the audit
    again = protect(leaky, 3)
    assert is_protected(leaky, again.suppressed, 3)


def test_several_primary_cells_and_protection_level():
    table = np.array([[2, 30, 31, 40], [32, 1, 33, 40], [34, 35, 3, 40]])
    cells = two_way(table)
    for method in ("joint", "sequential"):
        pattern = protect(cells, 5, method=method)
        assert is_protected(cells, pattern.suppressed, 5)
        primary = np.flatnonzero(cells.role == PRIMARY)
        low, high = feasible_intervals(cells, pattern.suppressed, primary)
        assert (low >= 0).all() and (high - low >= 5).all()
    # a higher protection level needs at least as much suppression
    assert protect(cells, 20, method="joint").cost >= protect(cells, 5, method="joint").cost


def test_no_primary_cells_needs_nothing():
    cells = two_way(np.array([[10, 20], [30, 40]]))
    pattern = protect(cells, 5)
    assert not pattern.suppressed.any() and pattern.method == "none needed"


def test_unbounded_cell_interval_is_infinite():
    # one cell, no equation: nothing bounds it
    cells = LinkedCells(
        np.array([2.0]), [PRIMARY], [1.0], [10.0], sp.csr_array((0, 1)), np.zeros(0)
    )
    low, high = feasible_intervals(cells, np.array([True]), np.array([0]))
    assert low[0] == 0 and np.isinf(high[0])


def test_equations_must_hold_for_the_true_counts():
    with pytest.raises(ValueError, match="does not hold"):
        LinkedCells(
            np.array([1.0, 2.0]),
            [CANDIDATE, CANDIDATE],
            [1.0, 1.0],
            [5.0, 5.0],
            sp.csr_array(np.array([[1.0, -1.0]])),
            np.zeros(1),
        )


def test_deterministic():
    table = np.array([[2, 30, 31, 40], [32, 1, 33, 40], [34, 35, 3, 40]])
    first = protect(two_way(table), 5)
    again = protect(two_way(table), 5)
    assert (first.suppressed == again.suppressed).all() and first.cost == again.cost
