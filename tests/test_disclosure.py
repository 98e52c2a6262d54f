"""Disclosure control of everything published, as one linked problem.

The pipeline's own tables on a file built from the oracle fixture with a
small fourth country and some item non-response (so that there are threshold
cells in every table); claims from ``config/published.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from socialwork_ict.disclosure import (
    AUDIT_COLUMNS,
    DisclosureError,
    DisclosureSettings,
    build_problem,
    protect_published,
    settings_from_config,
    threshold_from_config,
)
from socialwork_ict.errors import InputError
from socialwork_ict.suppression import FIXED, PRIMARY, feasible_intervals
from socialwork_ict.tables import table1_sample, table2_freq_by_age
from socialwork_ict.weighting import rake_weights

CLAIMS = yaml.safe_load((Path(__file__).parents[1] / "config/published.yaml").read_text())["claims"]


@pytest.fixture(scope="module")
def published_inputs(oracle_frame, oracle_targets):
    """Table 1, Table 2, margins, diagnostics and the frame of a file with small cells."""
    frame = oracle_frame.copy()
    uk = np.flatnonzero((frame["country"] == "UK").to_numpy())
    frame = frame.drop(index=uk[90:]).reset_index(drop=True)  # a UK of 90 respondents
    rng = np.random.default_rng(13)
    for column, n in (("ict_freq", 3), ("friend_request", 7), ("discussed_supervisor", 2)):
        rows = rng.choice(len(frame), size=n, replace=False)
        frame[column] = frame[column].astype("Float64")
        frame.loc[rows, column] = pd.NA
    weighting = rake_weights(frame, oracle_targets)
    frame = frame.assign(weight=weighting.weights)
    return (
        table1_sample(frame),
        table2_freq_by_age(frame),
        weighting.margins,
        weighting.diagnostics,
        frame,
    )


@pytest.fixture(scope="module")
def protected(published_inputs):
    return protect_published(*published_inputs, CLAIMS, DisclosureSettings())


def test_labels_are_honest(published_inputs, protected):
    table1, table2, margins, _, _ = published_inputs
    for original, out in ((table1, protected.table1), (table2, protected.table2)):
        n = original["n"].to_numpy()
        shown = out["n"].astype(str)
        threshold = shown.str.startswith("<").to_numpy()
        secondary = (shown == "x").to_numpy()
        assert threshold.any() and secondary.any()
        assert (shown[threshold] == "<5").all()
        assert ((n[threshold] >= 1) & (n[threshold] < 5)).all()  # no "<5" on n >= 5
        assert (n[secondary] >= 0).all()
        assert not ((n >= 1) & (n < 5) & ~threshold).any()  # every threshold cell labelled
        visible = ~(threshold | secondary)
        assert (shown[visible].astype(int).to_numpy() == n[visible]).all()
        assert (out["suppressed"].to_numpy() == (threshold | secondary)).all()
    hidden = protected.table1[protected.table1["suppressed"]]
    assert hidden[["pct_unweighted", "pct_weighted"]].isna().all().all()
    hidden = protected.table2[protected.table2["suppressed"]]
    assert hidden[["pct_weighted", "ci_low", "ci_high", "se_weighted"]].isna().all().all()
    assert (protected.margins["suppressed"]).sum() >= 0


def test_zero_cells_are_published_by_default(published_inputs, protected):
    table1 = published_inputs[0]
    zeros = (table1["n"] == 0).to_numpy()
    assert zeros.any()
    shown = protected.table1["n"].astype(str).to_numpy()
    assert set(shown[zeros]) <= {"0", "x"}  # never "<5"
    sensitive = protect_published(*published_inputs, [], DisclosureSettings(zeros="sensitive"))
    assert (sensitive.table1["n"].astype(str).to_numpy()[zeros] == "<5").all()


def test_linked_tables_agree(protected):
    t1 = protected.table1.set_index(["country", "variable", "category"])
    for row in protected.margins.itertuples():
        category = "missing" if row.category == "(missing)" else row.category
        assert t1.loc[(row.country, row.variable, category), "n"] == row.n


def test_audit_passes_and_never_writes_the_count(published_inputs, protected):
    audit = protected.audit
    assert list(audit.columns) == AUDIT_COLUMNS
    assert len(audit) > 0 and audit["protected"].all()
    assert ((audit["feasible_high"] - audit["feasible_low"]) >= audit["protection_required"]).all()
    assert (audit["protection_required"] == 5).all()
    assert "n" not in audit.columns
    # every threshold cell of the published tables is audited
    n_threshold = sum(
        int(getattr(protected, t)["n"].astype(str).str.startswith("<").sum())
        for t in ("table1", "table2", "margins")
    )
    assert (audit["table"] != "published_vs_reproduced").sum() >= n_threshold


def test_planted_leak_one_more_total_is_caught(published_inputs):
    """Protect without the claims, then publish their counts and bases: the audit fails.

    Today's main publishes each claim's base n; with the country's size it
    gives a "missing" cell away.
    """
    settings = DisclosureSettings()
    b_without, _ = build_problem(*published_inputs, [], settings)
    cells_without = b_without.problem()
    from socialwork_ict.suppression import protect

    pattern = protect(cells_without, settings.protection_level)
    b_with, _ = build_problem(*published_inputs, CLAIMS, settings)
    cells = b_with.problem()
    suppressed = np.zeros(cells.n_cells, dtype=bool)
    for key, j in b_with.index.items():
        if key in b_without.index:
            suppressed[j] = pattern.suppressed[b_without.index[key]]
        # the claims' cells are published: not suppressed
    primary = np.flatnonzero(cells.role == PRIMARY)
    low, high = feasible_intervals(cells, suppressed, primary)
    assert (high - low < settings.protection_level).any()
    leaked = [cells.keys[p] for p in primary[high - low < settings.protection_level]]
    assert ("table1", "CA", "ict_freq", "missing") in leaked, leaked  # base = n - missing


def test_pattern_with_the_claims_protects_them(protected):
    assert protected.claims.columns.tolist() == ["id", "withheld", "base_withheld"]
    ids = set(protected.claims["id"])
    assert "any_use_UK" in ids and "n_UK" not in ids


def test_audit_failure_stops_with_one_line(published_inputs, monkeypatch):
    import socialwork_ict.disclosure as disclosure

    def no_secondary(cells, protection, **kwargs):
        from socialwork_ict.suppression import HIDDEN, Pattern

        return Pattern(np.isin(cells.role, [PRIMARY, HIDDEN]), "none", 0.0)

    monkeypatch.setattr(disclosure, "protect", no_secondary)
    with pytest.raises(DisclosureError) as error:
        protect_published(*published_inputs, CLAIMS, DisclosureSettings())
    message = error.value.message()
    assert "\n" not in message and "narrower than the protection level 5" in message


def test_country_sizes_are_never_suppressed(published_inputs):
    b, _ = build_problem(*published_inputs, CLAIMS, DisclosureSettings())
    cells = b.problem()
    for key, j in b.index.items():
        if key[0] == "total":
            assert cells.role[j] == FIXED


def test_settings_are_validated():
    assert threshold_from_config({}) == 5
    assert threshold_from_config({"disclosure": {"k": 10}}) == 10
    assert settings_from_config({"k": 7}).protection_level == 7
    assert settings_from_config({"k": 7, "protection": 3}).protection_level == 3
    for bad in ({"k": 0}, {"k": 5, "zeros": "maybe"}, {"k": 5, "objective": "money"}):
        with pytest.raises(InputError):
            settings_from_config(bad)
    with pytest.raises(InputError):
        threshold_from_config({"disclosure": {"k": True}})
