"""The seeded synthetic default survey: a raw file in data contract §1 format.

``generate_raw_survey(seed)`` returns a raw survey export (one row per
submission, integer codes, missing as an empty cell or -99) whose *eligible*
respondents number exactly ``n_eligible`` per country and whose unweighted
figures are calibrated to ``shared/published-figures.md``. It is pure (no I/O),
deterministic for a seed (``numpy.random.default_rng(seed)``) and vectorised
(a million eligible respondents take a few seconds).

Every number below is in :data:`PARAMETERS`. Nothing in the published sources
fixes the covariate distributions: everything except the sample sizes, the
any-use prevalences, the pooled boundary / supervision percentages, the
direction of the age effect, private practice as a high-use sector and
Israel's "more than half no policy" is an ASSUMPTION of this generator.

Model of the data (eligible respondents; assumptions)
-----------------------------------------------------
- Gender: mostly women, 82-89 % by country; about 1 % gender 3 (non-binary
  or another gender); the rest men.
- Age: integers 22-75. A country-specific mix over the bands 22-29, 30-39,
  40-49, 50-59, 60-75 that over-represents the middle ages (a convenience
  sample recruited through listservs and professional organisations); uniform
  within a band except 60-75, whose probability falls linearly with age.
- years_practice: age - 22 minus a Gamma(1.5, 4)-distributed delay (later
  start, career breaks), floored at 0, so always within 0 .. age - 22
  (<= age - 21).
- Sector (1 public, 2 non-profit, 3 private practice, 4 other): a country
  mix; the private-practice weight is multiplied by an age factor (0.4 for
  <30 up to 1.8 for 60+: private practice comes later in a career) and the
  mix renormalised.
- ict_freq (1-5): proportional odds, ``P(ict_freq <= k) = expit(tau_k - eta)``,
  ``eta`` = age group + country + gender + sector effects (the primary
  analysis model is correctly specified). Age effects are positive for every
  group relative to <30 (under-30s use informal ICT LESS, S4); private
  practice has the largest sector effect (S2). The gaps between thresholds
  are fixed; the first threshold (CA, the reference) and the US/IL/UK country
  effects are *solved* (bisection over the exact covariate cell
  distribution) so that the expected unweighted share of any use
  (ict_freq >= 2) is 78 / 80 / 74 / 87 % in CA / US / IL / UK (S5, S6).
  :func:`calibrated_model` returns the solved truth.
- Channels (ict_email, ict_text, ict_social_media, ict_video): non-users
  (ict_freq 1) none; users each channel with probability
  ``expit(a_c + b (ict_freq - 3))``, and a user who drew no channel gets one
  (drawn by channel popularity), so every user uses at least one channel.
- contact_after_hours: asked only of users (skip logic: empty where
  ict_freq = 1); ``P(yes) = expit(a + b (ict_freq - 3))`` with ``a`` solved so
  that 64 % of users say yes, pooled CA+US+IL (S3).
- searched_client_online (36 %), friend_request (48 %),
  client_searched_worker (40 %, assumed: no published figure): asked of
  everyone, ``P(yes) = expit(a + b (ict_freq - 3))``, ``a`` solved for the
  pooled CA+US+IL target (S3).
- discussed_supervisor / discussed_colleagues: one four-way draw (neither,
  supervisor only, colleagues only, both). Non-users discuss with neither with
  probability 0.60; the users' probability is solved so that 41 % of the
  pooled CA+US+IL sample discussed it with neither (S3); the rest split
  18 / 37 / 45 % over supervisor only / colleagues only / both.
- workplace_policy (1 yes, 2 no, 3 don't know): a country mix, Israel 56 %
  "no" (S5: more than half).
- Country effects are the only between-country differences in the items'
  models (S1, S4: strong similarities across countries).

Contract v2 optional items (§1b), drawn from their own random stream
(``numpy.random.default_rng([seed, 2])``) after the v1 columns, so that
adding them leaves every v1 column of a seed unchanged; they depend on the
v1 answers only through the values already drawn:

- contact_initiator (1 client, 2 social worker, 3 both): asked only of users
  (skip logic as contact_after_hours). ``P(both) = expit(a + b (ict_freq -
  3))`` with ``a`` solved so that 67 % of users say both, pooled CA+US+IL
  (S3); the others split 60 / 40 % client / social worker (assumed).
- search_inappropriate: ``P(yes) = expit(a + b searched_client_online)``,
  ``b`` < 0 (who searched less often thinks it inappropriate; assumed), ``a``
  solved so that 34 % say yes, pooled CA+US+IL (S3).
- psychotherapy: ``P(yes) = expit(a_sector + c (ict_freq - 3))`` with
  ``c`` > 0, so that providers are among the highest users (S2; the shares,
  highest in private practice, are assumed).
- field_of_practice (1-7): a country mix, independent of use, so that use is
  the same across fields (S4: ubiquitous); assumed shares.
- client_children ... client_families (multi-select): each population with
  a probability that depends on the field of practice (assumed); a
  respondent who drew none gets adults. Independent of use (S4).
- Item non-response (``messiness=True``) at 3-5 %, the client populations
  jointly (one question), contact_initiator among users only; duplicates
  blank them (they follow every v1 column in the file).

Messiness (``messiness=True``; on top of the exact eligible counts)
-------------------------------------------------------------------
- Rows with consent = 0 (1.5 % of the eligible count) and with consent = 1,
  direct_client_contact = 0 (2.5 %), countries drawn in the sample's
  proportions. They are otherwise complete, valid rows with unique ids.
- Item non-response in eligible rows: each item is missing at a rate of
  3-6 % (age, gender, sector, ict_freq 1-1.5 %; years_practice 2 %), coded
  -99 ("prefer not to say") in a share of cases and an empty cell otherwise.
  The four channel items are one multi-select question and go missing
  together. contact_after_hours non-response only hits users (a non-user's
  empty cell is skip logic). Never missing: respondent_id, country, consent,
  direct_client_contact.
- Duplicate submissions (1 % of the eligible count): an earlier, abandoned
  copy of an eligible respondent's row with the same respondent_id, with
  every answer blanked from a random question onward (so it has strictly more
  missing answers than the full row), placed before the full row.
- One completely blank row.
- Row order is shuffled (deterministically); ids ``SYN-000001``... number the
  respondents in file order.

With ``messiness=False`` the frame holds only the eligible respondents,
shuffled, with no missing value apart from skip logic.

The cleaning rule the data satisfy: a row is excluded, in this order, as
(1) blank row, (2) consent not 1, (3) direct_client_contact not 1,
(4) country not CA/US/IL/UK, (5) respondent_id empty, (6) duplicate
submission (rows sharing an id keep the one with the fewest missing answers,
ties: the first). What remains is exactly ``n_eligible`` per country.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from .codes import (
    AGE_BREAKS,
    AGE_GROUPS,
    CLIENT_POPULATION_ITEMS,
    COUNTRIES,
    MISSING_CODE,
    OPTIONAL_COLUMNS,
    RAW_COLUMNS,
)

#: the answer columns (what a duplicate's blanking and "missing answers" count over)
ANSWER_COLUMNS = RAW_COLUMNS[4:]
CHANNELS = ("ict_email", "ict_text", "ict_social_media", "ict_video")

#: published sample sizes (S1, S4): the default eligible counts
PUBLISHED_N: Mapping[str, int] = MappingProxyType({"CA": 2609, "US": 1225, "IL": 386, "UK": 134})

#: every generator parameter (see the module docstring for what is assumed)
PARAMETERS: dict = {
    "published_n": PUBLISHED_N,
    # --- demographics ---------------------------------------------------
    # gender shares (woman, man, another gender) by country
    "gender_probs": {
        "CA": (0.870, 0.120, 0.010),
        "US": (0.850, 0.140, 0.010),
        "IL": (0.890, 0.100, 0.010),
        "UK": (0.820, 0.170, 0.010),
    },
    "age_min": 22,
    "age_max": 75,
    # probabilities of the bands 22-29, 30-39, 40-49, 50-59, 60-75 by country
    "age_band_probs": {
        "CA": (0.13, 0.27, 0.25, 0.21, 0.14),
        "US": (0.12, 0.25, 0.24, 0.22, 0.17),
        "IL": (0.15, 0.33, 0.28, 0.16, 0.08),
        "UK": (0.09, 0.24, 0.30, 0.25, 0.12),
    },
    # years_practice = max(0, age - 22 - floor(Gamma(shape, scale)))
    "career_delay_gamma": (1.5, 4.0),
    # sector shares (public, non-profit, private practice, other) by country
    "sector_probs": {
        "CA": (0.42, 0.28, 0.18, 0.12),
        "US": (0.30, 0.32, 0.26, 0.12),
        "IL": (0.60, 0.22, 0.08, 0.10),
        "UK": (0.62, 0.20, 0.08, 0.10),
    },
    # multiplier of the private-practice weight by age group (<30 ... 60+)
    "private_practice_age_factor": (0.4, 0.8, 1.0, 1.3, 1.8),
    # --- ict_freq: proportional odds ------------------------------------
    "any_use_target": {"CA": 0.78, "US": 0.80, "IL": 0.74, "UK": 0.87},
    "beta_age_group": {"<30": 0.0, "30-39": 0.45, "40-49": 0.60, "50-59": 0.65, "60+": 0.55},
    "beta_gender": {"woman": 0.0, "man": -0.10, "another gender": 0.15},
    "beta_sector": {"public": 0.0, "non-profit": 0.15, "private practice": 0.70, "other": 0.05},
    # tau_2 - tau_1, tau_3 - tau_2, tau_4 - tau_3 (tau_1 and country effects are solved)
    "threshold_gaps": (1.3, 1.2, 1.3),
    # --- channels -------------------------------------------------------
    # P(channel | user) = expit(intercept + slope * (ict_freq - 3))
    "channel_intercepts": {
        "ict_email": 0.85,
        "ict_text": 0.20,
        "ict_social_media": -1.70,
        "ict_video": -1.40,
    },
    "channel_slope": 0.6,
    # a user who drew no channel gets one, with these probabilities
    "channel_fallback_probs": (0.50, 0.35, 0.05, 0.10),
    # --- boundaries: pooled CA+US+IL targets and slopes on ict_freq ------
    "item_targets": {
        "contact_after_hours": 0.64,  # among users (S3)
        "searched_client_online": 0.36,  # S3
        "friend_request": 0.48,  # S3
        "client_searched_worker": 0.40,  # ASSUMPTION: no published figure
    },
    "item_slopes": {
        "contact_after_hours": 0.60,
        "searched_client_online": 0.25,
        "friend_request": 0.35,
        "client_searched_worker": 0.30,
    },
    "calibration_countries": ("CA", "US", "IL"),  # the S3 pooled sample
    # --- supervision -------------------------------------------------------
    "discussed_neither_target": 0.41,  # pooled CA+US+IL (S3)
    "discussed_neither_nonusers": 0.60,
    # shares of (supervisor only, colleagues only, both) among those who discussed
    "discussed_split": (0.18, 0.37, 0.45),
    # workplace_policy (yes, no, don't know) by country
    "policy_probs": {
        "CA": (0.45, 0.30, 0.25),
        "US": (0.50, 0.28, 0.22),
        "IL": (0.22, 0.56, 0.22),
        "UK": (0.55, 0.25, 0.20),
    },
    # --- messiness --------------------------------------------------------
    "share_consent_0": 0.015,  # of the total eligible count
    "share_no_client_contact": 0.025,
    "share_duplicates": 0.010,
    "n_blank_rows": 1,
    # item non-response rate by item ("channels" = the four channel items jointly)
    "nonresponse": {
        "age": 0.012,
        "gender": 0.010,
        "years_practice": 0.020,
        "sector": 0.015,
        "ict_freq": 0.012,
        "channels": 0.030,
        "contact_after_hours": 0.040,
        "searched_client_online": 0.045,
        "client_searched_worker": 0.050,
        "friend_request": 0.040,
        "discussed_supervisor": 0.035,
        "discussed_colleagues": 0.035,
        "workplace_policy": 0.055,
    },
    "share_minus99": 0.4,  # share of the missing cells coded -99 rather than empty
    # a duplicate is blanked from a random answer column at position >= this
    # index in ANSWER_COLUMNS onward (4 = ict_freq)
    "duplicate_first_blank": 4,
    # --- contract v2 optional items (own random stream) --------------------
    "v2_stream": 2,  # numpy.random.default_rng([seed, v2_stream])
    "initiated_both_target": 0.67,  # among users, pooled CA+US+IL (S3)
    "initiated_both_slope": 0.30,
    # shares of (client, social worker) among users who did not say both
    "initiator_split": (0.60, 0.40),
    "search_inappropriate_target": 0.34,  # pooled CA+US+IL (S3)
    "search_inappropriate_searched": -1.0,  # log-odds shift for who searched
    # psychotherapy: intercept by sector (public, non-profit, private practice, other)
    "psychotherapy_intercepts": (-1.2, -0.8, 1.4, -1.0),
    "psychotherapy_slope": 0.45,  # on ict_freq - 3
    # field_of_practice shares (codes 1-7) by country
    "field_probs": {
        "CA": (0.20, 0.18, 0.24, 0.08, 0.08, 0.15, 0.07),
        "US": (0.18, 0.20, 0.26, 0.10, 0.07, 0.12, 0.07),
        "IL": (0.28, 0.16, 0.14, 0.10, 0.10, 0.17, 0.05),
        "UK": (0.30, 0.14, 0.18, 0.05, 0.12, 0.14, 0.07),
    },
    # P(works with population | field): rows fields 1-7, columns children,
    # adolescents, adults, older adults, families
    "client_population_probs": (
        (0.80, 0.60, 0.30, 0.05, 0.85),
        (0.20, 0.25, 0.80, 0.60, 0.40),
        (0.10, 0.35, 0.90, 0.30, 0.35),
        (0.85, 0.80, 0.10, 0.02, 0.60),
        (0.02, 0.02, 0.35, 0.95, 0.45),
        (0.30, 0.35, 0.75, 0.35, 0.45),
        (0.25, 0.30, 0.60, 0.30, 0.35),
    ),
    "nonresponse_v2": {
        "contact_initiator": 0.040,
        "search_inappropriate": 0.045,
        "psychotherapy": 0.030,
        "field_of_practice": 0.030,
        "client_populations": 0.035,
    },
}


# ----------------------------------------------------------------------------
# small helpers


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _bisect(fun, lo: float, hi: float, n_iter: int = 100) -> float:
    """Root of an increasing function on [lo, hi]."""
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        if fun(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _age_pmf(params: dict, country: str) -> tuple[np.ndarray, np.ndarray]:
    """Ages and their probabilities in one country."""
    lo, hi = params["age_min"], params["age_max"]
    ages = np.arange(lo, hi + 1)
    edges = (lo, *AGE_BREAKS, hi + 1)
    pmf = np.zeros(ages.size)
    for band, prob in enumerate(params["age_band_probs"][country]):
        inside = (ages >= edges[band]) & (ages < edges[band + 1])
        if band == len(AGE_GROUPS) - 1:  # 60+: falling linearly with age
            shape = (hi + 1 - ages[inside]).astype(float)
        else:
            shape = np.ones(inside.sum())
        pmf[inside] = prob * shape / shape.sum()
    return ages, pmf / pmf.sum()


def _sector_given_age_group(params: dict, country: str) -> np.ndarray:
    """5 x 4 matrix: P(sector | age group) in one country."""
    base = np.asarray(params["sector_probs"][country], dtype=float)
    probs = np.tile(base, (len(AGE_GROUPS), 1))
    probs[:, 2] *= np.asarray(params["private_practice_age_factor"], dtype=float)
    return probs / probs.sum(axis=1, keepdims=True)


def _cells(params: dict, country: str) -> tuple[np.ndarray, np.ndarray]:
    """Linear predictor (without country effect) and probability of every
    age group x gender x sector cell of one country (60 cells)."""
    p_age = np.asarray(params["age_band_probs"][country], dtype=float)
    p_age = p_age / p_age.sum()
    p_gender = np.asarray(params["gender_probs"][country], dtype=float)
    p_gender = p_gender / p_gender.sum()
    p_sector = _sector_given_age_group(params, country)
    b_age = np.asarray(list(params["beta_age_group"].values()))
    b_gender = np.asarray(list(params["beta_gender"].values()))
    b_sector = np.asarray(list(params["beta_sector"].values()))
    eta = b_age[:, None, None] + b_gender[None, :, None] + b_sector[None, None, :]
    prob = p_age[:, None, None] * p_gender[None, :, None] * p_sector[:, None, :]
    return eta.ravel(), prob.ravel()


def calibrated_model(params: dict | None = None) -> dict:
    """The true proportional-odds model of ict_freq and the solved item intercepts.

    Returns ``{"thresholds": [tau_1..tau_4], "beta_country": {...},
    "beta_age_group", "beta_gender", "beta_sector", "expected_any_use": {...},
    "item_intercepts": {...}, "discussed_neither_users": float}``
    (``item_intercepts`` include the v2 items ``initiated_both`` and
    ``search_inappropriate``); the log-odds
    scale is the contract's (positive = more frequent use).
    """
    params = PARAMETERS if params is None else params
    targets = params["any_use_target"]
    cells = {c: _cells(params, c) for c in COUNTRIES}

    def any_use(country: str, shift: float) -> float:
        eta, prob = cells[country]
        return float(np.sum(prob * _expit(eta + shift)))

    # CA is the reference: solve -tau_1 so that CA hits its target, then each
    # other country's effect with tau_1 fixed.
    minus_tau1 = _bisect(lambda s: any_use("CA", s) - targets["CA"], -20.0, 20.0)
    tau1 = -minus_tau1
    beta_country = {"CA": 0.0}
    for country in COUNTRIES[1:]:
        shift = _bisect(lambda s, c=country: any_use(c, s) - targets[c], -20.0, 20.0)
        beta_country[country] = shift - minus_tau1
    thresholds = tau1 + np.concatenate([[0.0], np.cumsum(params["threshold_gaps"])])

    # expected ict_freq distribution of the pooled calibration sample
    pooled = np.zeros(5)
    weights = params["published_n"]
    for country in params["calibration_countries"]:
        eta, prob = cells[country]
        eta = eta + beta_country[country]
        cum = _expit(thresholds[None, :] - eta[:, None])  # P(Y <= k), k = 1..4
        cum = np.column_stack([np.zeros(eta.size), cum, np.ones(eta.size)])
        pooled += weights[country] * (prob[:, None] * np.diff(cum, axis=1)).sum(axis=0)
    pooled /= pooled.sum()
    freq = np.arange(1, 6)
    user = freq >= 2

    intercepts = {}
    for item, target in params["item_targets"].items():
        slope = params["item_slopes"][item]
        among = user if item == "contact_after_hours" else np.ones(5, dtype=bool)
        p = pooled[among] / pooled[among].sum()
        x = freq[among] - 3

        def gap(a, p=p, x=x, slope=slope, target=target):
            return float(np.sum(p * _expit(a + slope * x))) - target

        intercepts[item] = _bisect(gap, -20.0, 20.0)

    p_users = pooled[user] / pooled[user].sum()
    slope = params["initiated_both_slope"]
    target = params["initiated_both_target"]
    intercepts["initiated_both"] = _bisect(
        lambda a: float(np.sum(p_users * _expit(a + slope * (freq[user] - 3)))) - target,
        -20.0,
        20.0,
    )
    searched = intercepts["searched_client_online"]
    searched_slope = params["item_slopes"]["searched_client_online"]
    p_searched = float(np.sum(pooled * _expit(searched + searched_slope * (freq - 3))))
    shift = params["search_inappropriate_searched"]
    target = params["search_inappropriate_target"]
    intercepts["search_inappropriate"] = _bisect(
        lambda a: p_searched * _expit(a + shift) + (1 - p_searched) * _expit(a) - target,
        -20.0,
        20.0,
    )

    p_user = float(pooled[user].sum())
    neither_users = (
        params["discussed_neither_target"] - (1 - p_user) * params["discussed_neither_nonusers"]
    ) / p_user
    return {
        "thresholds": [float(t) for t in thresholds],
        "beta_country": beta_country,
        "beta_age_group": dict(params["beta_age_group"]),
        "beta_gender": dict(params["beta_gender"]),
        "beta_sector": dict(params["beta_sector"]),
        "expected_any_use": {c: any_use(c, beta_country[c] - tau1) for c in COUNTRIES},
        "expected_pooled_ict_freq": [float(v) for v in pooled],
        "item_intercepts": intercepts,
        "discussed_neither_users": float(np.clip(neither_users, 0.0, 1.0)),
    }


def scale_counts(n_total: int) -> dict[str, int]:
    """Country counts in the published proportions (2609:1225:386:134) summing
    exactly to ``n_total`` (largest-remainder rounding, ties to contract order)."""
    n_total = int(n_total)
    if n_total < 0:
        raise ValueError("n_total must be >= 0")
    published = np.asarray([PUBLISHED_N[c] for c in COUNTRIES], dtype=np.int64)
    exact = n_total * published / published.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder = exact - counts
    order = np.argsort(-remainder, kind="stable")
    counts[order[: n_total - int(counts.sum())]] += 1
    return {c: int(n) for c, n in zip(COUNTRIES, counts, strict=True)}


def _draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of an (n x k) probability matrix; returns 0-based codes."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


# ----------------------------------------------------------------------------
# the generator


def _complete_rows(rng: np.random.Generator, country_idx: np.ndarray, params: dict) -> dict:
    """Complete answers (numpy int arrays; contact_after_hours -1 = skipped)."""
    n = country_idx.size
    truth = calibrated_model(params)
    per_country = [np.flatnonzero(country_idx == k) for k in range(len(COUNTRIES))]
    out: dict[str, np.ndarray] = {}

    # age: inverse CDF per country
    age = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for k, country in enumerate(COUNTRIES):
        ages, pmf = _age_pmf(params, country)
        pos = np.searchsorted(np.cumsum(pmf), u[per_country[k]] * pmf.sum(), side="right")
        age[per_country[k]] = ages[np.minimum(pos, ages.size - 1)]
    age_group = np.searchsorted(np.asarray(AGE_BREAKS), age, side="right")
    out["age"] = age

    gender_p = np.asarray([params["gender_probs"][c] for c in COUNTRIES], dtype=float)
    gender = _draw_categorical(rng, gender_p[country_idx])
    out["gender"] = gender + 1

    shape, scale = params["career_delay_gamma"]
    delay = np.floor(rng.gamma(shape, scale, size=n)).astype(np.int64)
    out["years_practice"] = np.clip(age - 22 - delay, 0, np.maximum(age - 22, 0))

    sector_p = np.stack([_sector_given_age_group(params, c) for c in COUNTRIES])
    sector = _draw_categorical(rng, sector_p[country_idx, age_group])
    out["sector"] = sector + 1

    # ict_freq: latent eta + logistic noise cut at the thresholds
    eta = (
        np.asarray(list(params["beta_age_group"].values()))[age_group]
        + np.asarray([truth["beta_country"][c] for c in COUNTRIES])[country_idx]
        + np.asarray(list(params["beta_gender"].values()))[gender]
        + np.asarray(list(params["beta_sector"].values()))[sector]
    )
    latent = eta + rng.logistic(size=n)
    ict = 1 + (latent[:, None] > np.asarray(truth["thresholds"])[None, :]).sum(axis=1)
    out["ict_freq"] = ict
    user = ict >= 2
    x = ict - 3

    # channels: users at least one, non-users none
    slope = params["channel_slope"]
    chan_p = _expit(
        np.asarray([params["channel_intercepts"][c] for c in CHANNELS])[None, :]
        + slope * x[:, None]
    )
    channels = (rng.random((n, len(CHANNELS))) < chan_p) & user[:, None]
    fallback = _draw_categorical(
        rng, np.tile(np.asarray(params["channel_fallback_probs"], dtype=float), (n, 1))
    )
    none = user & ~channels.any(axis=1)
    channels[np.flatnonzero(none), fallback[none]] = True
    for j, name in enumerate(CHANNELS):
        out[name] = channels[:, j].astype(np.int64)

    # boundaries
    for item in (
        "contact_after_hours",
        "searched_client_online",
        "client_searched_worker",
        "friend_request",
    ):
        p = _expit(truth["item_intercepts"][item] + params["item_slopes"][item] * x)
        out[item] = (rng.random(n) < p).astype(np.int64)
    out["contact_after_hours"] = np.where(user, out["contact_after_hours"], -1)

    # supervision: neither / supervisor only / colleagues only / both
    neither = np.where(user, truth["discussed_neither_users"], params["discussed_neither_nonusers"])
    split = np.asarray(params["discussed_split"], dtype=float)
    split = split / split.sum()
    probs = np.column_stack([neither, (1 - neither)[:, None] * split[None, :]])
    discussed = _draw_categorical(rng, probs)
    out["discussed_supervisor"] = np.isin(discussed, (1, 3)).astype(np.int64)
    out["discussed_colleagues"] = np.isin(discussed, (2, 3)).astype(np.int64)

    policy_p = np.asarray([params["policy_probs"][c] for c in COUNTRIES], dtype=float)
    out["workplace_policy"] = _draw_categorical(rng, policy_p[country_idx]) + 1
    return out


def _optional_rows(rng: np.random.Generator, country_idx: np.ndarray, data: dict, params: dict):
    """The contract v2 items (module docstring); contact_initiator -1 = skipped."""
    n = country_idx.size
    truth = calibrated_model(params)
    ict = data["ict_freq"]
    user = ict >= 2
    out: dict[str, np.ndarray] = {}
    a = truth["item_intercepts"]["initiated_both"]
    both = rng.random(n) < _expit(a + params["initiated_both_slope"] * (ict - 3))
    split = np.asarray(params["initiator_split"], dtype=float)
    worker = rng.random(n) < split[1] / split.sum()
    initiator = np.where(both, 3, np.where(worker, 2, 1))
    out["contact_initiator"] = np.where(user, initiator, -1)
    a = truth["item_intercepts"]["search_inappropriate"]
    shift = params["search_inappropriate_searched"] * data["searched_client_online"]
    out["search_inappropriate"] = (rng.random(n) < _expit(a + shift)).astype(np.int64)
    a_sector = np.asarray(params["psychotherapy_intercepts"], dtype=float)[data["sector"] - 1]
    p_psy = _expit(a_sector + params["psychotherapy_slope"] * (ict - 3))
    out["psychotherapy"] = (rng.random(n) < p_psy).astype(np.int64)
    field_p = np.asarray([params["field_probs"][c] for c in COUNTRIES], dtype=float)
    field = _draw_categorical(rng, field_p[country_idx])
    out["field_of_practice"] = field + 1
    pop_p = np.asarray(params["client_population_probs"], dtype=float)[field]
    pops = rng.random((n, len(CLIENT_POPULATION_ITEMS))) < pop_p
    pops[~pops.any(axis=1), CLIENT_POPULATION_ITEMS.index("client_adults")] = True
    for j, name in enumerate(CLIENT_POPULATION_ITEMS):
        out[name] = pops[:, j].astype(np.int64)
    return out


def _optional_missing(
    rng: np.random.Generator, data: dict, n_elig: int, params: dict, messiness: bool
) -> tuple[dict, dict]:
    """Missing and -99 masks of the v2 items (eligible rows; skip logic kept apart)."""
    n = data["contact_initiator"].size
    missing = {name: np.zeros(n, dtype=bool) for name in OPTIONAL_COLUMNS}
    minus99 = {name: np.zeros(n, dtype=bool) for name in OPTIONAL_COLUMNS}
    skipped = data["contact_initiator"] < 0
    missing["contact_initiator"] = skipped.copy()
    if not messiness:
        return missing, minus99
    eligible = np.arange(n) < n_elig
    for item, rate in params["nonresponse_v2"].items():
        hit = eligible & (rng.random(n) < rate)
        code99 = rng.random(n) < params["share_minus99"]
        targets = list(CLIENT_POPULATION_ITEMS) if item == "client_populations" else [item]
        if item == "contact_initiator":
            hit &= ~skipped
        for name in targets:
            minus99[name] |= hit & code99
            missing[name] |= hit & ~code99
    return missing, minus99


def generate_raw_survey(
    seed: int,
    n_eligible: Mapping[str, int] = PUBLISHED_N,
    messiness: bool = True,
    params: dict | None = None,
) -> pd.DataFrame:
    """The synthetic raw survey, data contract §1 format (see the module docstring).

    ``n_eligible`` (default: the published 2609 / 1225 / 386 / 134) is the
    exact number of eligible respondents per country after the cleaning
    rule; countries may be omitted or 0. ``params`` defaults to
    :data:`PARAMETERS`. Columns in contract order: ``respondent_id`` and
    ``country`` text, all others pandas nullable ``Int64`` (missing = ``<NA>``
    or -99), then the optional v2 columns (``OPTIONAL_COLUMNS``, own random
    stream: the v1 columns of a seed do not depend on them).
    """
    params = PARAMETERS if params is None else params
    n_eligible = dict(n_eligible)
    unknown = set(n_eligible) - set(COUNTRIES)
    if unknown:
        raise ValueError(f"unknown countries in n_eligible: {sorted(unknown)}")
    counts = np.asarray([int(n_eligible.get(c, 0)) for c in COUNTRIES], dtype=np.int64)
    if (counts < 0).any():
        raise ValueError("n_eligible counts must be >= 0")
    rng = np.random.default_rng(seed)
    n_elig = int(counts.sum())

    # --- base rows: eligible first, then ineligible -----------------------
    if messiness and n_elig > 0:
        n_consent0 = int(round(params["share_consent_0"] * n_elig))
        n_dcc0 = int(round(params["share_no_client_contact"] * n_elig))
        n_dup = int(round(params["share_duplicates"] * n_elig))
        n_blank = int(params["n_blank_rows"])
    else:
        n_consent0 = n_dcc0 = n_dup = 0
        n_blank = int(params["n_blank_rows"]) if messiness else 0
    n_inelig = n_consent0 + n_dcc0
    country_idx = np.repeat(np.arange(len(COUNTRIES)), counts)
    if n_inelig:
        inelig_country = rng.choice(len(COUNTRIES), size=n_inelig, p=counts / n_elig)
        country_idx = np.concatenate([country_idx, inelig_country])
    n_base = country_idx.size
    data = _complete_rows(rng, country_idx, params)
    consent = np.ones(n_base, dtype=np.int64)
    dcc = np.ones(n_base, dtype=np.int64)
    consent[n_elig : n_elig + n_consent0] = 0
    dcc[n_elig + n_consent0 :] = 0

    # --- missing masks (True = missing) and -99 codes, eligible rows only ---
    names = list(ANSWER_COLUMNS)
    missing = {name: np.zeros(n_base, dtype=bool) for name in names}
    minus99 = {name: np.zeros(n_base, dtype=bool) for name in names}
    skipped = data["contact_after_hours"] < 0
    missing["contact_after_hours"] = skipped.copy()
    if messiness:
        eligible = np.arange(n_base) < n_elig
        for item, rate in params["nonresponse"].items():
            hit = eligible & (rng.random(n_base) < rate)
            code99 = rng.random(n_base) < params["share_minus99"]
            targets = list(CHANNELS) if item == "channels" else [item]
            if item == "contact_after_hours":
                hit &= ~skipped
            for name in targets:
                minus99[name] |= hit & code99
                missing[name] |= hit & ~code99

    # --- duplicates: abandoned earlier copies of eligible rows -------------
    first = int(params["duplicate_first_blank"])
    cut = rng.integers(first, len(names), size=n_base)
    answered = np.column_stack([~(missing[name] | minus99[name]) for name in names])
    # strictly less complete: at least one answered cell at or after the cut
    after_cut = np.arange(len(names))[None, :] >= cut[:, None]
    can_dup = (answered & after_cut).any(axis=1) & (np.arange(n_base) < n_elig)
    candidates = np.flatnonzero(can_dup)
    n_dup = min(n_dup, candidates.size)
    dup_src = np.sort(rng.choice(candidates, size=n_dup, replace=False))

    # --- order: shuffle base rows; a copy goes somewhere before its original
    key = rng.random(n_base)
    dup_key = key[dup_src] * rng.random(n_dup)
    blank_key = rng.random(n_blank)
    all_key = np.concatenate([key, dup_key, blank_key])
    # sort by key; on an (improbable) tie a copy still sorts before its original
    kind = np.concatenate([np.ones(n_base), np.zeros(n_dup), np.zeros(n_blank)])
    order = np.lexsort((kind, all_key))
    source = np.concatenate([np.arange(n_base), dup_src, np.full(n_blank, -1)])[order]
    is_dup = np.concatenate([np.zeros(n_base, bool), np.ones(n_dup, bool), np.zeros(n_blank, bool)])
    is_dup = is_dup[order]
    dup_cut = np.concatenate([np.full(n_base, len(names)), cut[dup_src], np.full(n_blank, 0)])
    dup_cut = dup_cut[order]
    blank = source < 0
    src = np.where(blank, 0, source)

    # ids: respondents numbered by first appearance in file order
    n_rows = source.size
    first_seen = np.full(n_base, -1, dtype=np.int64)
    rows_rev = np.arange(n_rows)[::-1]
    first_seen[source[rows_rev][~blank[rows_rev]]] = rows_rev[~blank[rows_rev]]
    number = np.empty(n_base, dtype=np.int64)
    number[np.argsort(first_seen, kind="stable")] = np.arange(1, n_base + 1)
    width = max(6, len(str(n_base)))
    ids = np.asarray([f"SYN-{i:0{width}d}" for i in number], dtype=object)
    respondent_id = np.where(blank, None, ids[src])
    country = np.where(blank, None, np.asarray(COUNTRIES, dtype=object)[country_idx[src]])

    frame = {
        "respondent_id": pd.array(respondent_id, dtype="str"),
        "country": pd.array(country, dtype="str"),
    }

    def int_column(values: np.ndarray, mask: np.ndarray) -> pd.api.extensions.ExtensionArray:
        return pd.arrays.IntegerArray(values.astype(np.int64), mask)

    frame["consent"] = int_column(consent[src], blank)
    frame["direct_client_contact"] = int_column(dcc[src], blank)
    for j, name in enumerate(names):
        values = np.where(minus99[name], MISSING_CODE, data[name])[src]
        mask = missing[name][src] | blank | (is_dup & (j >= dup_cut))
        values = np.where(is_dup & (j >= dup_cut), 0, values)
        frame[name] = int_column(np.where(mask, 0, values), mask)

    # --- contract v2 items: their own stream, after every v1 draw ----------
    rng_v2 = np.random.default_rng([seed, int(params["v2_stream"])])
    optional = _optional_rows(rng_v2, country_idx, data, params)
    missing_v2, minus99_v2 = _optional_missing(rng_v2, optional, n_elig, params, messiness)
    for name in OPTIONAL_COLUMNS:  # after every v1 column: a duplicate blanks them all
        values = np.where(minus99_v2[name], MISSING_CODE, optional[name])[src]
        mask = missing_v2[name][src] | blank | is_dup
        frame[name] = int_column(np.where(mask, 0, values), mask)
    return pd.DataFrame(frame, columns=[*RAW_COLUMNS, *OPTIONAL_COLUMNS])
