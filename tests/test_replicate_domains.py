"""Rao-Scott tests and category proportions of several domains from one set of replicate totals.

``rao_scott_domain_tests`` takes the replicate cell totals once over (cell,
atom of domains) and sums each domain's atoms; here every domain's result is
compared with ``rao_scott_test(..., block=domain)`` (its own cell totals) on
the wave-2 fixture: generated bootstrap with fixed and with re-raked
weights, and R's JKn factors (fixed and re-raked). Domains: each country,
all countries, and an overlapping one (women, in every country), each among
an "asked" subset, so that the atoms are not the domains themselves.
The same for the proportions of Table 2/3 (``category_proportions``, cells x
atoms) against ``_design_proportions`` (one domain's own cell totals), and
``domain_atoms`` itself. Tolerance: 1e-12 relative (the same sums in another
order).
"""

from __future__ import annotations

import calibration_oracle as oracle
import numpy as np
import pytest

from socialwork_ict.inference.rao_scott import rao_scott_domain_tests, rao_scott_test
from socialwork_ict.inference.variance import LinearizationDesign

RTOL = 1e-12
STATS = ("statistic", "df_num", "df_den", "p_value", "chisq_pearson", "chisq_first_order", "n")


DESIGNS = {
    "bootstrap_fixed": lambda: oracle.generated_bootstrap(False),
    "bootstrap_reraked": lambda: oracle.generated_bootstrap(True),
    "jkn": lambda: oracle.design("jkn"),
    "jkn_reraked": lambda: oracle.design("jkn_reraked"),
}


def domains(frame) -> list[np.ndarray]:
    country = frame["country"].astype(str).to_numpy()
    asked = np.arange(len(frame)) % 5 != 0
    blocks = [(country == c) & asked for c in ("CA", "US", "IL", "UK")]
    blocks.append(np.isin(country, ["CA", "US", "IL", "UK"]) & asked)
    blocks.append((frame["gender"].astype(str).to_numpy() == "woman") & asked)
    return blocks


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_shared_totals_equal_per_domain_tests(name):
    design = DESIGNS[name]()
    frame = oracle.frame()
    blocks = domains(frame)
    shared = rao_scott_domain_tests(frame["age_group"], frame["ict_freq"], design, blocks)
    assert len(shared) == len(blocks)
    for block, got in zip(blocks, shared, strict=True):
        expected = rao_scott_test(frame, design=design, block=block)
        for key in STATS:
            np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=0, err_msg=key)


def test_linearization_design_one_test_per_domain():
    frame = oracle.frame()
    design = LinearizationDesign(
        frame["country"].astype(str).to_numpy(), frame["weight"].to_numpy()
    )
    blocks = domains(frame)
    shared = rao_scott_domain_tests(frame["age_group"], frame["ict_freq"], design, blocks)
    for block, got in zip(blocks, shared, strict=True):
        expected = rao_scott_test(frame, design=design, block=block)
        assert got == expected


def test_fewer_than_two_levels_raises():
    frame = oracle.frame()
    with pytest.raises(ValueError, match="two observed levels"):
        rao_scott_domain_tests(
            frame["age_group"], frame["ict_freq"].where(frame["ict_freq"] == 1),
            oracle.generated_bootstrap(False), domains(frame),
        )  # fmt: skip


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_shared_proportions_equal_per_domain(name):
    """Table 2/3 cells of every domain from one pass (cells x atoms) = domain by domain."""
    from socialwork_ict.inference.proportions import _design_proportions, category_proportions

    design = DESIGNS[name]()
    frame = oracle.frame()
    values = frame["ict_freq"].to_numpy(dtype=float, copy=True)
    values[np.arange(values.size) % 11 == 0] = 9.0  # answered, none of the categories
    cats = np.array([1.0, 2.0, 3.0, 4.0])
    blocks = domains(frame)
    blocks.append(np.zeros(values.size, dtype=bool))  # an empty domain
    shared = category_proportions(values, design, blocks, cats)
    weights = np.asarray(design.weights, dtype=float)
    for block, got in zip(blocks, shared, strict=True):
        expected = _design_proportions(values, weights, block, cats, design)
        np.testing.assert_array_equal(got["n"], expected["n"])
        assert got["df"] == expected["df"]
        for key in ("proportion", "se", "ci_low", "ci_high"):
            np.testing.assert_allclose(got[key], expected[key], rtol=RTOL, atol=0, err_msg=key)


def test_domain_atoms():
    from socialwork_ict.inference.replicates import domain_atoms

    rng = np.random.default_rng(5)
    masks = [rng.random(500) < 0.3 for _ in range(70)]  # more than one key compaction
    masks.append(np.zeros(500, dtype=bool))
    atom, member = domain_atoms(masks)
    stacked = np.column_stack(masks)
    assert np.array_equal(atom < 0, ~stacked.any(axis=1))
    inside = atom >= 0
    assert np.array_equal(member[atom[inside]], stacked[inside])
    assert len({row.tobytes() for row in member}) == member.shape[0]  # distinct atoms


@pytest.mark.parametrize("name", ["bootstrap_reraked", "jkn"])
def test_po_check_refits_on_cells_equal_refits_on_replicate_weights(name):
    """The PO check's stacked cut-point logits on a replicate design: refitted on their
    cells from cell totals equals each refit on the replicate weights themselves."""
    from socialwork_ict.models.logistic import fit_logistic, logistic_influence, logistic_refitter
    from socialwork_ict.models.proportional_odds import _stacked_design_vcov

    design = DESIGNS[name]()
    frame = oracle.frame()
    rows = np.flatnonzero(frame[["age_group", "gender", "sector", "ict_freq"]].notna().all(axis=1))
    data = frame.iloc[rows].reset_index(drop=True)
    fits = [fit_logistic(data, at_least=cut) for cut in (2, 3)]
    vcov, _ = _stacked_design_vcov(fits, [logistic_influence(f, data) for f in fits], design, rows)
    refits = [logistic_refitter(f) for f in fits]
    thetas = np.vstack(
        [np.concatenate([r(block[rows, j]) for r in refits])
         for block in design.blocks() for j in range(block.shape[1])]
    )  # fmt: skip
    full = np.concatenate([f.params.to_numpy() for f in fits])
    expected = design.vcov(None, None, full, thetas=thetas)
    np.testing.assert_allclose(vcov, (expected + expected.T) / 2, rtol=1e-10,
                               atol=1e-12 * np.abs(expected).max())  # fmt: skip
