"""The published sample tables of rule ``tabulate_sample``, disclosure-protected.

Table 1 (sample by country) and Table 2 (frequency by age, weighted, 95 %
CI) from :mod:`socialwork_ict.tables`, with the analysis plan's Table 3
(:mod:`socialwork_ict.items`, computed by rule ``tabulate_items``), then
disclosure control of everything published at once
(:func:`~socialwork_ict.disclosure.protect_published`: Tables 1-3, the
weighting margins and diagnostics and the published
claims' counts), then the reliability flags of the shown estimates
(:mod:`socialwork_ict.reliability`, NCHS 2017). A suppressed cell carries no
flag.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialwork_ict.disclosure import protect_published, settings_from_config
from socialwork_ict.inference.proportions import table2_freq_by_age
from socialwork_ict.reliability import reliability_flags, table1_flags
from socialwork_ict.tables import table1_sample

log = logging.getLogger("socialwork_ict.tabulate_sample")


@dataclass(frozen=True)
class SampleTables:
    """The published tables (``table1``, ``table2``, ``table3``, ``margins``, ``diagnostics``),
    the unsuppressed Tables 1 and 2, the claims with their ``withheld`` flag and
    the attacker's ``audit``."""

    table1: pd.DataFrame
    table2: pd.DataFrame
    table3: pd.DataFrame
    margins: pd.DataFrame
    diagnostics: pd.DataFrame
    table1_internal: pd.DataFrame
    table2_internal: pd.DataFrame
    withheld: pd.DataFrame
    audit: pd.DataFrame


def tabulate_sample(
    frame: pd.DataFrame,
    *,
    margins: pd.DataFrame,
    diagnostics: pd.DataFrame,
    claims: Sequence[Mapping],
    countries: Sequence[str],
    design,
    disclosure: Mapping | None,
    table3: pd.DataFrame,
) -> SampleTables:
    """Tables 1 and 2 of ``frame`` (the weighted respondents) under ``design``,
    every published count protected with the config's ``disclosure`` settings
    together with the unsuppressed weighting ``margins`` and ``diagnostics`` and
    the published ``claims`` and the unsuppressed ``table3``; each step logged."""
    settings = settings_from_config(disclosure)
    countries = tuple(countries)
    table1 = table1_sample(frame, countries=countries, design=design)
    table2 = table2_freq_by_age(frame, countries=countries, design=design)
    protected = protect_published(
        table1, table2, margins, diagnostics, frame, claims, settings, table3=table3
    )
    summary = protected.summary
    log.info("disclosure control (k = %d, protection level %d, %s): %d cells, %d primary, "
             "%d secondary (%d respondents; any protecting pattern needs at least %d), "
             "%d hidden linking cells, %d equations",
             settings.k, summary["protection_level"], summary["method"], summary["cells"],
             summary["primary"], summary["secondary"], summary["respondents_in_secondary"],
             summary["secondary_lower_bound"],
             summary["hidden_cells"], summary["equations"])  # fmt: skip
    for name in ("table1", "table2", "margins"):
        table = getattr(protected, name)
        log.info("%s: %d of %d cells suppressed (%d threshold, %d to protect others)",
                 name, int(table["suppressed"].sum()), len(table),
                 int(table["n"].astype(str).str.startswith("<").sum()),
                 int((table["n"] == "x").sum()))  # fmt: skip
    for row in protected.claims[protected.claims["withheld"]].itertuples():
        log.info("published_vs_reproduced: %s withheld (disclosure control)", row.id)
    flags1 = table1_flags(table1)
    published1 = protected.table1.assign(flag=np.where(protected.table1["suppressed"], "", flags1))
    log.info("table1: %d shown estimates flagged as unreliable (NCHS 2017)",
             int((published1["flag"] != "").sum()))  # fmt: skip
    flags = reliability_flags(*(table2[c] for c in ("pct_weighted", "se_weighted", "ci_low",
                                                    "ci_high", "df", "n")))  # fmt: skip
    published2 = protected.table2.assign(flag=np.where(protected.table2["suppressed"], "", flags))
    log.info("table2: %d shown estimates flagged as unreliable (NCHS 2017)",
             int((published2["flag"] != "").sum()))  # fmt: skip
    flags3 = reliability_flags(*(table3[c] for c in ("pct_weighted", "se", "ci_low", "ci_high",
                                                     "df", "n")))  # fmt: skip
    published3 = protected.table3.assign(flag=np.where(protected.table3["suppressed"], "", flags3))
    log.info("table3: %d of %d cells suppressed; %d shown estimates flagged as unreliable",
             int(published3["suppressed"].sum()), len(published3),
             int((published3["flag"] != "").sum()))  # fmt: skip
    return SampleTables(
        table1=published1,
        table2=published2,
        table3=published3,
        margins=protected.margins,
        diagnostics=protected.diagnostics,
        table1_internal=table1,
        table2_internal=table2,
        withheld=protected.claims,
        audit=protected.audit,
    )
