"""Canonical names, codes and labels of the survey (data contract §1).

The analysis file keeps integer codes for item responses (``ict_freq`` 1-5,
yes/no items 1/0, ``workplace_policy`` 1-3) and carries *labelled* columns
for the model factors (``country``, ``age_group``, ``gender``, ``sector``),
whose labels are the contract's term labels (``gender[man]``,
``sector[private practice]``). The first level of each factor is the model's
reference level.

The constants load without numpy or pandas (the Snakefile's start-up checks
use them); the two factor helpers import pandas when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

COUNTRIES = ("CA", "US", "IL", "UK")

AGE_GROUPS = ("<30", "30-39", "40-49", "50-59", "60+")
AGE_BREAKS = (30, 40, 50, 60)  # closed-left: 30-39 means 30 <= age < 40

GENDER_LABELS = {1: "woman", 2: "man", 3: "another gender"}
SECTOR_LABELS = {1: "public", 2: "non-profit", 3: "private practice", 4: "other"}
ICT_FREQ_LABELS = {1: "never", 2: "rarely", 3: "sometimes", 4: "often", 5: "very often"}
WORKPLACE_POLICY_LABELS = {1: "yes", 2: "no", 3: "don't know"}
YES_NO_LABELS = {1: "yes", 0: "no"}

#: factor -> ordered levels, reference first (contract §4)
FACTOR_LEVELS = {
    "country": COUNTRIES,
    "age_group": AGE_GROUPS,
    "gender": tuple(GENDER_LABELS.values()),
    "sector": tuple(SECTOR_LABELS.values()),
}

MISSING_CODE = -99  # "prefer not to say"

#: yes/no items (1 yes, 0 no), in data contract §1 order
YES_NO_ITEMS = (
    "ict_email",
    "ict_text",
    "ict_social_media",
    "ict_video",
    "contact_after_hours",
    "searched_client_online",
    "client_searched_worker",
    "friend_request",
    "discussed_supervisor",
    "discussed_colleagues",
)

#: the raw file's columns in data contract §1 order
RAW_COLUMNS = (
    "respondent_id",
    "country",
    "consent",
    "direct_client_contact",
    "age",
    "gender",
    "years_practice",
    "sector",
    "ict_freq",
    *YES_NO_ITEMS,
    "workplace_policy",
)


#: contract v2 optional items (data contract §1b)
CONTACT_INITIATOR_LABELS = {1: "client", 2: "social worker", 3: "both"}
FIELD_OF_PRACTICE_LABELS = {
    1: "child and family welfare",
    2: "health and hospitals",
    3: "mental health and addictions",
    4: "schools and education",
    5: "aging and older adults",
    6: "community and social services",
    7: "other",
}
CLIENT_POPULATION_ITEMS = (
    "client_children",
    "client_adolescents",
    "client_adults",
    "client_older_adults",
    "client_families",
)

#: canonical text columns (data contract §1): a codebook may not type them int
TEXT_COLUMNS = ("respondent_id", "country")

#: every contract column with a code list -> its codes and labels (§1 and §1b);
#: a codebook must describe these columns with exactly these codes
CONTRACT_CODES: dict[str, dict[int, str]] = {
    "consent": YES_NO_LABELS,
    "direct_client_contact": YES_NO_LABELS,
    "gender": GENDER_LABELS,
    "sector": SECTOR_LABELS,
    "ict_freq": ICT_FREQ_LABELS,
    **dict.fromkeys(YES_NO_ITEMS, YES_NO_LABELS),
    "workplace_policy": WORKPLACE_POLICY_LABELS,
    "contact_initiator": CONTACT_INITIATOR_LABELS,
    "search_inappropriate": YES_NO_LABELS,
    "psychotherapy": YES_NO_LABELS,
    "field_of_practice": FIELD_OF_PRACTICE_LABELS,
    **dict.fromkeys(CLIENT_POPULATION_ITEMS, YES_NO_LABELS),
}

#: the optional columns (data contract §1b) in contract order; a raw file may lack any
OPTIONAL_COLUMNS = (
    "contact_initiator",
    "search_inappropriate",
    "psychotherapy",
    "field_of_practice",
    *CLIENT_POPULATION_ITEMS,
)

#: contract columns with a range instead of codes
CONTRACT_RANGES: dict[str, tuple[int, int]] = {"age": (18, 90), "years_practice": (0, 60)}


def age_group_from_age(age: pd.Series) -> pd.Series:
    """Closed-left age groups <30, 30-39, 40-49, 50-59, 60+ (R: cut(right=FALSE))."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float)
    index = np.searchsorted(np.asarray(AGE_BREAKS, dtype=float), values, side="right")
    labels = np.asarray(AGE_GROUPS, dtype=object)[np.minimum(index, len(AGE_GROUPS) - 1)]
    labels = np.where(np.isnan(values), None, labels)
    return pd.Series(
        pd.Categorical(labels, categories=AGE_GROUPS, ordered=True),
        index=age.index,
        name="age_group",
    )


def as_factor(values: pd.Series, name: str) -> pd.Series:
    """A categorical with the factor's canonical levels in contract order."""
    import pandas as pd

    return pd.Series(
        pd.Categorical(values, categories=FACTOR_LEVELS[name]), index=values.index, name=name
    )
