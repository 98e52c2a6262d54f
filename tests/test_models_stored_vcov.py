"""The primary model's stored covariance (rule fit_ordinal_model -> test_age_association).

``save_vcov`` writes the design covariance in float64 and ``with_stored_vcov``
puts it back on a refit of the same complete cases: bit-identical to
computing it again (the Wald tests then agree with R exactly as before;
their R oracle tests are tests/test_inference_replicates.py and
tests/test_inference_wald.py). On the wave-2 fixture's re-raked bootstrap
(replicate refits) and its calibrated linearisation.
"""

from __future__ import annotations

import json

import calibration_oracle as oracle
import numpy as np
import pytest

from socialwork_ict.models.ordinal import fit_ordinal, ordinal_design_vcov
from socialwork_ict.models.primary import save_vcov, with_stored_vcov


@pytest.mark.parametrize("name", ["bootstrap_reraked", "calibrated"])
def test_stored_vcov_is_the_recomputed_one(tmp_path, name):
    cases, rows = oracle.model_inputs()
    fit = fit_ordinal(cases)
    vcov, df_residual = ordinal_design_vcov(fit, cases, oracle.design(name), rows)
    save_vcov(vcov.rename_axis("term").reset_index(), tmp_path / "vcov.npy")
    (tmp_path / "info.json").write_text(json.dumps({"df_residual": df_residual}))
    stored = with_stored_vcov(fit_ordinal(cases), tmp_path / "vcov.npy", tmp_path / "info.json")
    np.testing.assert_array_equal(stored.vcov.to_numpy(), vcov.to_numpy())
    assert list(stored.vcov.index) == list(vcov.index)
    assert stored.df_residual == df_residual


def test_stored_vcov_of_another_model_is_an_error(tmp_path):
    cases, _ = oracle.model_inputs()
    np.save(tmp_path / "vcov.npy", np.eye(3))
    (tmp_path / "info.json").write_text('{"df_residual": 10}')
    with pytest.raises(ValueError, match="vcov.npy: a \\(3, 3\\) covariance"):
        with_stored_vcov(fit_ordinal(cases), tmp_path / "vcov.npy", tmp_path / "info.json")
