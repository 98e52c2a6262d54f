"""Tests of the seeded synthetic default survey (socialwork_ict.synthetic)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from socialwork_ict.codes import (
    AGE_GROUPS,
    CLIENT_POPULATION_ITEMS,
    COUNTRIES,
    MISSING_CODE,
    OPTIONAL_COLUMNS,
    age_group_from_age,
)
from socialwork_ict.synthetic import (
    ANSWER_COLUMNS,
    CHANNELS,
    PARAMETERS,
    PUBLISHED_N,
    RAW_COLUMNS,
    calibrated_model,
    generate_raw_survey,
    scale_counts,
)

SEED = 20170
#: sha256 of generate_raw_survey(SEED).to_csv(index=False) by the v1 generator
V1_DEFAULT_SHA256 = "b258c78d459bc521cdc7495df9357a154f4d782470b809815b64187536b96d95"
PUBLISHED_ANY_USE = {"CA": 78.0, "US": 80.0, "IL": 74.0, "UK": 87.0}
ANY_USE_TOLERANCE = {"CA": 2.5, "US": 2.5, "IL": 6.0, "UK": 6.0}

ALLOWED = {
    "consent": {0, 1},
    "direct_client_contact": {0, 1},
    "gender": {1, 2, 3},
    "sector": {1, 2, 3, 4},
    "ict_freq": {1, 2, 3, 4, 5},
    "workplace_policy": {1, 2, 3},
    **{
        name: {0, 1}
        for name in (
            *CHANNELS,
            "contact_after_hours",
            "searched_client_online",
            "client_searched_worker",
            "friend_request",
            "discussed_supervisor",
            "discussed_colleagues",
            "search_inappropriate",
            "psychotherapy",
            *CLIENT_POPULATION_ITEMS,
        )
    },
    "contact_initiator": {1, 2, 3},
    "field_of_practice": {1, 2, 3, 4, 5, 6, 7},
}
RANGES = {"age": (18, 90), "years_practice": (0, 60)}


def eligible_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """The cleaning rule, minimally: blank rows, consent, client contact,
    country, empty id, then duplicates (fewest missing answers, ties: first)."""
    rest = raw.drop(columns="respondent_id")
    kept = raw[~rest.isna().all(axis=1)]
    kept = kept[kept["consent"].eq(1).fillna(False).astype(bool)]
    kept = kept[kept["direct_client_contact"].eq(1).fillna(False).astype(bool)]
    kept = kept[kept["country"].isin(COUNTRIES)]
    kept = kept[kept["respondent_id"].notna() & kept["respondent_id"].ne("")]
    answers = kept[list(ANSWER_COLUMNS)]
    n_missing = (answers.isna() | answers.eq(MISSING_CODE).fillna(False)).sum(axis=1)
    order = kept.assign(_n_missing=n_missing.to_numpy(), _row=np.arange(len(kept)))
    order = order.sort_values(["_n_missing", "_row"], kind="stable")
    kept = order.drop_duplicates("respondent_id", keep="first").sort_values("_row")
    return kept.drop(columns=["_n_missing", "_row"])


def valid(series: pd.Series) -> pd.Series:
    """Non-missing and not -99."""
    return series.notna() & series.ne(MISSING_CODE).fillna(False).astype(bool)


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return generate_raw_survey(SEED)


@pytest.fixture(scope="module")
def eligible(raw) -> pd.DataFrame:
    return eligible_rows(raw)


@pytest.fixture(scope="module")
def large_eligible() -> pd.DataFrame:
    return eligible_rows(generate_raw_survey(7, scale_counts(100_000)))


def test_deterministic_for_a_seed(raw):
    pd.testing.assert_frame_equal(raw, generate_raw_survey(SEED))
    other = generate_raw_survey(SEED + 1)
    assert not raw.equals(other)


def test_exact_eligible_counts(eligible):
    counts = eligible["country"].value_counts().to_dict()
    assert counts == dict(PUBLISHED_N)
    assert eligible["respondent_id"].is_unique


@pytest.mark.parametrize("n", [{"CA": 50, "US": 0, "IL": 7, "UK": 1}, scale_counts(20_000)])
def test_exact_eligible_counts_other_sizes(n):
    eligible = eligible_rows(generate_raw_survey(3, n))
    counts = eligible["country"].value_counts().reindex(COUNTRIES, fill_value=0).to_dict()
    assert counts == {c: n.get(c, 0) for c in COUNTRIES}


def test_scale_counts():
    assert scale_counts(4354) == dict(PUBLISHED_N)
    for total in (0, 1, 99, 100_000, 1_000_000):
        counts = scale_counts(total)
        assert list(counts) == list(COUNTRIES)
        assert sum(counts.values()) == total
    shares = np.array(list(scale_counts(1_000_000).values())) / 1e6
    published = np.array(list(PUBLISHED_N.values())) / 4354
    assert np.abs(shares - published).max() < 1e-5


def test_columns_and_codes(raw):
    assert tuple(raw.columns) == RAW_COLUMNS + OPTIONAL_COLUMNS
    blank = raw.drop(columns="respondent_id").isna().all(axis=1)
    ids = raw.loc[~blank, "respondent_id"]
    assert ids.notna().all() and ids.str.fullmatch(r"SYN-\d{6,}").all()
    assert set(raw.loc[~blank, "country"]) <= set(COUNTRIES)
    assert raw.loc[~blank, ["consent", "direct_client_contact"]].notna().all().all()
    for name in RAW_COLUMNS[2:] + OPTIONAL_COLUMNS:
        assert str(raw[name].dtype) == "Int64", name
        values = raw[name][valid(raw[name])].astype(int)
        if name in RANGES:
            low, high = RANGES[name]
            assert values.between(low, high).all(), name
        else:
            assert set(values.unique()) <= ALLOWED[name], name
    assert not raw[["consent", "direct_client_contact"]].eq(MISSING_CODE).any().any()


def test_any_use_prevalence(eligible):
    for country in COUNTRIES:
        freq = eligible.loc[eligible["country"] == country, "ict_freq"]
        freq = freq[valid(freq)]
        pct = 100 * (freq >= 2).mean()
        assert abs(pct - PUBLISHED_ANY_USE[country]) <= ANY_USE_TOLERANCE[country], (country, pct)


def test_any_use_calibration_at_scale(large_eligible):
    expected = calibrated_model()["expected_any_use"]
    for country in COUNTRIES:
        assert expected[country] == pytest.approx(PUBLISHED_ANY_USE[country] / 100, abs=1e-9)
        freq = large_eligible.loc[large_eligible["country"] == country, "ict_freq"]
        freq = freq[valid(freq)]
        tolerance = 4 * np.sqrt(0.2 / len(freq)) + 0.002
        assert abs((freq >= 2).mean() - expected[country]) < tolerance, country


def _mean_freq_by_age(frame: pd.DataFrame) -> pd.Series:
    ok = valid(frame["ict_freq"]) & valid(frame["age"])
    frame = frame[ok]
    groups = age_group_from_age(frame["age"])
    return frame["ict_freq"].astype(float).groupby(groups, observed=False).mean()


@pytest.mark.parametrize("country", [None, "CA", "US"])
def test_under_30s_use_less(eligible, country):
    frame = eligible if country is None else eligible[eligible["country"] == country]
    means = _mean_freq_by_age(frame)
    assert list(means.index) == list(AGE_GROUPS)
    assert (means.iloc[1:] > means.iloc[0]).all(), means


def test_skip_logic(raw):
    freq, contact = raw["ict_freq"], raw["contact_after_hours"]
    never = freq.eq(1).fillna(False).astype(bool)
    users = freq.ge(2).fillna(False).astype(bool)
    assert contact[never].isna().all()  # skipped: empty, never -99 or an answer
    # users: answered apart from item non-response (a few %)
    assert contact[users].isna().mean() < 0.08
    assert valid(contact[users]).mean() > 0.9


def test_channels_consistent_with_freq(eligible):
    channels = eligible[list(CHANNELS)]
    complete = valid(eligible["ict_freq"]) & channels.apply(valid).all(axis=1)
    frame = eligible[complete]
    n_used = frame[list(CHANNELS)].astype(int).sum(axis=1)
    assert (n_used[frame["ict_freq"] == 1] == 0).all()
    assert (n_used[frame["ict_freq"] >= 2] >= 1).all()


def test_boundary_items_pooled(large_eligible):
    pooled = large_eligible[large_eligible["country"].isin(["CA", "US", "IL"])]
    users = pooled[pooled["ict_freq"].ge(2).fillna(False).astype(bool)]

    def pct_yes(series):
        return series[valid(series)].astype(int).mean()

    assert pct_yes(users["contact_after_hours"]) == pytest.approx(0.64, abs=0.01)
    assert pct_yes(pooled["searched_client_online"]) == pytest.approx(0.36, abs=0.01)
    assert pct_yes(pooled["friend_request"]) == pytest.approx(0.48, abs=0.01)
    both = valid(pooled["discussed_supervisor"]) & valid(pooled["discussed_colleagues"])
    neither = (pooled.loc[both, ["discussed_supervisor", "discussed_colleagues"]] == 0).all(axis=1)
    assert neither.mean() == pytest.approx(0.41, abs=0.01)
    israel = large_eligible.loc[large_eligible["country"] == "IL", "workplace_policy"]
    assert (israel[valid(israel)] == 2).mean() > 0.5


@pytest.mark.parametrize("seed", [SEED, 7])
def test_optional_items_leave_the_v1_columns_unchanged(seed):
    """The v2 items come from their own stream: the default file without them
    is the v1 generator's, byte for byte, and another v2 stream changes only
    the v2 columns."""
    raw = generate_raw_survey(seed)
    if seed == SEED:  # sha256 of the v1 generator's file (main before the v2 items)
        v1 = raw[list(RAW_COLUMNS)].to_csv(index=False).encode()
        assert hashlib.sha256(v1).hexdigest() == V1_DEFAULT_SHA256
    other = generate_raw_survey(seed, params={**PARAMETERS, "v2_stream": 5})
    pd.testing.assert_frame_equal(raw[list(RAW_COLUMNS)], other[list(RAW_COLUMNS)])
    assert not raw[list(OPTIONAL_COLUMNS)].equals(other[list(OPTIONAL_COLUMNS)])


def test_optional_items_calibrated(large_eligible, raw):
    pooled = large_eligible[large_eligible["country"].isin(["CA", "US", "IL"])]
    users = pooled["ict_freq"].ge(2).fillna(False).astype(bool)
    initiator = pooled.loc[users, "contact_initiator"]
    assert (initiator[valid(initiator)] == 3).mean() == pytest.approx(0.67, abs=0.01)
    inappropriate = pooled["search_inappropriate"][valid(pooled["search_inappropriate"])]
    assert inappropriate.astype(int).mean() == pytest.approx(0.34, abs=0.01)
    # skip logic: contact_initiator empty for non-users
    never = raw["ict_freq"].eq(1).fillna(False).astype(bool)
    assert raw.loc[never, "contact_initiator"].isna().all()
    # psychotherapy providers use more often; any use alike in every field
    ok = valid(large_eligible["psychotherapy"]) & valid(large_eligible["ict_freq"])
    frame = large_eligible[ok]
    often = (frame["ict_freq"] >= 4).groupby(frame["psychotherapy"]).mean()
    assert often[1] > often[0] + 0.1
    ok = valid(large_eligible["field_of_practice"]) & valid(large_eligible["ict_freq"])
    frame = large_eligible[ok]
    any_use = (frame["ict_freq"] >= 2).groupby(frame["field_of_practice"]).mean()
    assert any_use.max() - any_use.min() < 0.05
    # every respondent with an answer works with at least one client population
    pops = large_eligible[list(CLIENT_POPULATION_ITEMS)]
    answered = pops.apply(valid).all(axis=1)
    assert (pops[answered].astype(int).sum(axis=1) >= 1).all()


def test_demographics(eligible):
    ok = valid(eligible["age"]) & valid(eligible["years_practice"])
    age = eligible.loc[ok, "age"].astype(int)
    years = eligible.loc[ok, "years_practice"].astype(int)
    assert (years <= age - 18).all()
    assert (years <= age - 21).all()
    assert age.between(22, 75).all()
    gender = eligible["gender"][valid(eligible["gender"])]
    for country in COUNTRIES:
        women = (gender[eligible["country"] == country] == 1).mean()
        assert 0.75 < women < 0.95, country
    assert 0.002 < (gender == 3).mean() < 0.03


def test_messiness_present(raw):
    n_elig = sum(PUBLISHED_N.values())
    blank = raw.drop(columns="respondent_id").isna().all(axis=1)
    assert blank.sum() == 1
    assert raw.loc[blank, "respondent_id"].isna().all()
    n_consent0 = raw["consent"].eq(0).sum()
    n_dcc0 = (raw["consent"].eq(1) & raw["direct_client_contact"].eq(0)).sum()
    assert 0.01 * n_elig < n_consent0 < 0.02 * n_elig
    assert 0.02 * n_elig < n_dcc0 < 0.03 * n_elig
    ids = raw.loc[~blank, "respondent_id"]
    n_dup = ids.duplicated().sum()
    assert 0.005 * n_elig < n_dup < 0.015 * n_elig
    # ineligible rows: unique ids and complete
    inelig = raw[raw["consent"].eq(0) | raw["direct_client_contact"].eq(0)]
    assert not inelig["respondent_id"].isin(ids[ids.duplicated()]).any()
    answers = inelig[[c for c in ANSWER_COLUMNS if c != "contact_after_hours"]]
    assert answers.notna().all().all() and not answers.eq(MISSING_CODE).any().any()
    # the duplicate copy comes first and is less complete
    dup_ids = set(ids[ids.duplicated()])
    dups = raw[raw["respondent_id"].isin(dup_ids)]
    n_missing = (dups[list(ANSWER_COLUMNS)].isna() | dups[list(ANSWER_COLUMNS)].eq(-99)).sum(axis=1)
    first = n_missing.groupby(dups["respondent_id"]).first()
    last = n_missing.groupby(dups["respondent_id"]).last()
    assert (first > last).all()
    # item non-response and -99 codes
    for name in ("searched_client_online", "workplace_policy", "friend_request"):
        share = (~valid(raw[name])).mean()
        assert 0.02 < share < 0.10, name
        assert raw[name].eq(MISSING_CODE).sum() > 0, name
    for name in ("age", "gender", "sector", "ict_freq"):
        share = (~valid(raw[name])).mean()
        assert 0.003 < share < 0.03, name
    for name in ("respondent_id", "country", "consent", "direct_client_contact"):
        assert raw.loc[~blank, name].notna().all(), name


def test_no_messiness():
    raw = generate_raw_survey(SEED, {"CA": 300, "US": 200, "IL": 50, "UK": 20}, messiness=False)
    assert len(raw) == 570
    assert raw["respondent_id"].is_unique
    assert raw[["consent", "direct_client_contact"]].eq(1).all().all()
    others = raw.drop(columns=["contact_after_hours", "contact_initiator"])  # skip logic
    assert others.notna().all().all() and not others.isin([MISSING_CODE]).any().any()
    never = raw["ict_freq"] == 1
    assert raw.loc[never, "contact_after_hours"].isna().all()
    assert raw.loc[~never, "contact_after_hours"].notna().all()
