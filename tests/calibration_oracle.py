"""Loaders for the wave-2 R fixture ``tests/fixtures/oracle_calibration`` (see its PROVENANCE.md).

The eligible respondents of its raw file with the analysis file's labelled
factors (missing values kept as missing), R's weights, its replicate factor
files and expected tables.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from socialwork_ict.codes import (
    GENDER_LABELS,
    SECTOR_LABELS,
    YES_NO_ITEMS,
    age_group_from_age,
    as_factor,
)

DIR = Path(__file__).parent / "fixtures" / "oracle_calibration"
EXPECTED = DIR / "expected"
YESNO = YES_NO_ITEMS


@cache
def targets() -> dict:
    return yaml.safe_load((DIR / "targets.yaml").read_text())


@cache
def _frame() -> pd.DataFrame:
    raw = pd.read_csv(DIR / "raw.csv", dtype={"respondent_id": str})
    frame = raw[(raw["consent"] == 1) & (raw["direct_client_contact"] == 1)].reset_index(drop=True)
    frame["age_group"] = age_group_from_age(frame["age"])
    frame["country"] = as_factor(frame["country"], "country")
    frame["gender"] = as_factor(frame["gender"].map(GENDER_LABELS), "gender")
    frame["sector"] = as_factor(frame["sector"].map(SECTOR_LABELS), "sector")
    weights = expected("weights")
    assert list(weights["respondent_id"]) == list(frame["respondent_id"])
    frame["weight"] = weights["weight"].to_numpy()
    return frame


def frame() -> pd.DataFrame:
    """Eligible respondents in raw-file order, with R's raked weights in ``weight``."""
    return _frame().copy()


@cache
def _expected(name: str) -> pd.DataFrame:
    return pd.read_csv(EXPECTED / f"{name}.csv")


def expected(name: str) -> pd.DataFrame:
    """``expected/<name>.csv`` (``name`` may include a subfolder, e.g. ``calibrated/tests``)."""
    return _expected(name).copy()


@cache
def bootstrap_factors() -> np.ndarray:
    """The (2000, 200) bootstrap multipliers R used, rows in frame order."""
    table = pd.read_csv(
        EXPECTED / "replicates" / "bootstrap_factors.csv", dtype={"respondent_id": str}
    )
    assert list(table["respondent_id"]) == list(_frame()["respondent_id"])
    return table.drop(columns="respondent_id").to_numpy(dtype=float)


#: expected/ prefix of each design's tables
PREFIX = {
    "fixed": "",
    "calibrated": "calibrated/",
    "bootstrap": "replicates/bootstrap_",
    "bootstrap_reraked": "replicates_reraked/bootstrap_",
    "jkn": "replicates/jkn_",
    "jkn_reraked": "replicates_reraked/jkn_",
}


@cache
def calibration():
    """The fixture's raking (``outside_rule: not_raked``) as a calibration."""
    from socialwork_ict.inference.calibration import raking_calibration

    return raking_calibration(_frame(), targets(), outside_rule="not_raked")


@cache
def design(name: str):
    """The design R used for ``expected/<PREFIX[name]>*`` (replicates: R's factor files)."""
    from socialwork_ict.inference.replicates import (
        ReplicateDesign,
        jackknife_factors,
        supplied_factors,
    )
    from socialwork_ict.inference.variance import LinearizationDesign

    frame = _frame()
    strata = frame["country"].astype(str).to_numpy()
    weights = frame["weight"].to_numpy()
    cal = calibration() if name in ("calibrated", "bootstrap_reraked", "jkn_reraked") else None
    if name in ("fixed", "calibrated"):
        return LinearizationDesign(strata, weights, cal)
    if name.startswith("bootstrap"):
        factors = supplied_factors(
            EXPECTED / "replicates" / "bootstrap_factors.csv",
            frame["respondent_id"],
            strata,
            "bootstrap",
        )
    else:
        # R's JKn (jkn_factors.csv lists its replicates; the variance does not
        # depend on their order, test_inference_replicates checks the set)
        factors = jackknife_factors(strata)
    return ReplicateDesign(factors, strata, weights, cal)


def generated_bootstrap(calibrated: bool, replicates: int = 30, seed: int = 3):
    """A seeded Rao-Wu bootstrap design of the fixture (our factors, not R's), with
    re-raking (``calibrated``) or fixed weights: for comparing two of our own paths."""
    from socialwork_ict.inference.replicates import make_replicate_design

    frame = _frame()
    return make_replicate_design(
        "bootstrap",
        frame["country"].astype(str).to_numpy(),
        frame["weight"].to_numpy(),
        calibration=calibration() if calibrated else None,
        replicates=replicates,
        seed=seed,
    )


MODEL_ROWS_N = 1734  # complete cases on the model variables (README)


def model_inputs():
    """The complete-case frame and its positions among the design's respondents."""
    from socialwork_ict.models.model_frame import MODEL_VARIABLES, complete_cases

    frame = _frame()
    keep = frame[[*MODEL_VARIABLES, "weight"]].notna().all(axis=1).to_numpy()
    cases, _ = complete_cases(frame)
    assert len(cases) == MODEL_ROWS_N
    return cases, np.flatnonzero(keep)


@cache
def fits():
    """The ordinal model and the logistic model of ict_freq >= 4 on the complete cases."""
    from socialwork_ict.models.logistic import fit_logistic
    from socialwork_ict.models.ordinal import fit_ordinal

    cases, _ = model_inputs()
    return fit_ordinal(cases), fit_logistic(cases, at_least=4)


@cache
def ours(name: str) -> dict:
    """Our estimates on design ``name``, as the expected tables (term-indexed for models)."""
    from socialwork_ict.inference.proportions import domain_mean, table2_freq_by_age
    from socialwork_ict.inference.rao_scott import rao_scott_test
    from socialwork_ict.inference.wald import wald_test
    from socialwork_ict.models.logistic import logistic_design_vcov
    from socialwork_ict.models.ordinal import ordinal_design_vcov

    d = design(name)
    frame = _frame()
    strata = frame["country"].astype(str).to_numpy()
    out = {}
    items = []
    for country in ("CA", "US", "IL", "UK", "ALL"):
        block = None if country == "ALL" else strata == country
        for item in YESNO:
            est = domain_mean(frame[item].to_numpy(dtype=float), d, block)
            items.append({"country": country, "item": item, **est})
    out["item_means"] = pd.DataFrame(items)
    out["table2_freq_by_age"] = table2_freq_by_age(frame, design=d)
    cases, rows = model_inputs()
    po, lg = fits()
    vcov, df = ordinal_design_vcov(po, cases, d, rows)
    out["model_ordinal_vcov"] = vcov
    out["model_ordinal"] = po.params.to_frame("estimate").assign(
        std_error=np.sqrt(np.diag(vcov.to_numpy()))
    )
    lvcov, ldf = logistic_design_vcov(lg, cases, d, rows)
    out["model_logistic_often"] = lg.params.to_frame("estimate").assign(
        std_error=np.sqrt(np.diag(lvcov.to_numpy())), df=ldf
    )
    tests = []
    for country in ("CA", "US", "IL", "UK", "ALL"):
        block = None if country == "ALL" else strata == country
        r = rao_scott_test(frame, design=d, block=block)
        tests.append({"test": f"rao_scott_age_group_x_ict_freq[{country}]", **r})
    age = [t for t in po.params.index if t.startswith("age_group[")]
    b = po.params[age].to_numpy()
    v = vcov.loc[age, age].to_numpy()
    poly = np.array(  # R t(contr.poly(5))[2:4, 2:5]: quadratic, cubic, quartic contrasts
        [[-1, -2, -1, 2], [2, 0, -2, 1], [-4, 6, -4, 1]], dtype=float
    )
    poly /= np.sqrt(np.array([[14.0], [10.0], [70.0]]))
    for label, contrast in (
        ("wald_age_group", np.eye(4)),
        ("contrast_under_30_vs_older", np.full((1, 4), 0.25)),
        ("nonlinearity_age_group", poly),
    ):
        r = wald_test(b, v, contrast=contrast, df_den=df)
        tests.append({"test": label, **r})
    r = wald_test(b, v, df_den=np.inf)
    tests.append({"test": "wald_age_group_chisq", **r})
    out["tests"] = pd.DataFrame(tests).set_index("test")
    out["model_df"] = df
    return out
