"""Weighting stage: population targets for raking (data contract §2).

The targets file is YAML with one block per country. A block holds, for each
raking variable, the population share of each category (shares sum to 1),
and two optional keys:

``source``
    where the shares come from (a string; also allowed once at the top level
    of the file, for every country).
``illustrative``
    a string giving the reason the shares are *not* official statistics (e.g.
    "synthetic shares for a test fixture"); reports flag such countries.

Example (the oracle fixture's format)::

    source: "national workforce survey 2023"      # optional, file-wide
    CA:
      source: "CASW workforce survey 2023, table 4"
      illustrative: "rounded shares for a demonstration"   # optional
      age_group: {"<30": 0.16, "30-39": 0.27, "40-49": 0.23, "50-59": 0.20, "60+": 0.14}
      gender: {woman: 0.86, man: 0.14}

Category labels are the analysis file's labels (``socialwork_ict.codes``):
age_group ``<30 30-39 40-49 50-59 60+``; gender ``woman man`` (and ``another
gender`` if a population share for it exists). A block need not list every
category of a variable: respondents in an unlisted category (or with a
missing value) are "outside the targets" and handled by the raking's
``outside_rule``.

Joint table for post-stratification (``method="poststratify"``)
-----------------------------------------------------------------
Post-stratification needs the population share of every *cell* of the cross
classification of the weighting variables. It is given per country under the
key ``joint``, as a list of cells, each a mapping from every weighting
variable to a category label plus ``share``::

    CA:
      joint:
        - {age_group: "<30",   gender: woman, share: 0.1376}
        - {age_group: "<30",   gender: man,   share: 0.0224}
        - {age_group: "30-39", gender: woman, share: 0.2322}
        ...

Every combination of the categories that appear in the list must appear
exactly once (a structurally empty population cell is written with
``share: 0``), shares are >= 0 and sum to 1 within 1e-6. When a country has
both a ``joint`` table and per-variable margins, the margins must equal the
joint table's marginal sums within 1e-6. Under ``poststratify`` the
per-variable margins may be omitted; the margins report then uses the joint
table's marginal sums.

A key repeated within a mapping (e.g. two ``CA:`` blocks) stops the run at
:func:`load_targets`: plain YAML would silently keep the last one.

Validation (``validate_targets``) raises :class:`~socialwork_ict.errors.InputError`
with a one-line message naming the file, country, variable and category for:
shares not summing to 1 within 1e-6; a negative, NaN or non-numeric share; an
unknown category label; an unknown key; a country in the data without
targets; a weighting variable missing for a country. Shares that sum to 1
within 1e-6 are renormalised to sum to exactly 1, as R's oracle does
(``shares / sum(shares)``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from socialwork_ict.codebook import DuplicateKeyError, load_yaml_unique
from socialwork_ict.codes import COUNTRIES, FACTOR_LEVELS
from socialwork_ict.errors import InputError

#: tolerance on the sum of shares (contract §2)
SUM_TOLERANCE = 1e-6

#: per-country keys that are not weighting variables
META_KEYS = ("source", "illustrative")
JOINT_KEY = "joint"
SHARE_KEY = "share"


def load_targets(path: str | Path) -> dict:
    """Read a targets YAML file into a plain dict (not yet validated).

    Raises InputError for a missing file, a YAML syntax error, a key repeated
    within a mapping or a file whose top level is not a mapping of country
    blocks.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("targets file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read targets file: {exc}", file=str(path)) from None
    try:
        data = load_yaml_unique(text)
    except DuplicateKeyError as exc:
        raise InputError(f"targets file: {exc}", file=str(path)) from None
    except yaml.YAMLError as exc:
        raise InputError(f"targets file is not valid YAML: {exc}", file=str(path)) from None
    if not isinstance(data, dict):
        raise InputError(
            "targets file must be a mapping of country blocks (CA:, US:, ...)", file=str(path)
        )
    return data


def validate_targets(
    targets: Mapping,
    *,
    source: str,
    variables: Iterable[str],
    countries_in_data: Iterable[str],
    require_joint: bool = False,
) -> dict:
    """Check a targets mapping and return a clean copy.

    Parameters
    ----------
    targets
        the parsed YAML (see the module docstring for the format).
    source
        the file name used in error messages.
    variables
        the weighting variables (e.g. ``("age_group", "gender")``); each must
        be a factor of ``socialwork_ict.codes.FACTOR_LEVELS``.
    countries_in_data
        the countries that have respondents; each needs a block.
    require_joint
        True for ``method="poststratify"``: every country in the data needs a
        ``joint`` table over exactly ``variables``; per-variable margins then
        become optional.

    Returns
    -------
    dict
        ``{country: {"source": str | None, "illustrative": str | None,
        <variable>: {label: share, ...}, ..., "joint": [{<var>: label, ...,
        "share": share}, ...]}}`` with shares as floats renormalised to sum to
        1, categories in the codebook's order, plus ``"source"`` at the top
        level if the file has one. Variables that are known factors but not
        weighting variables (e.g. ``sector``) are validated and kept.
        Validating an already validated dict returns an equal dict.
    """
    variables = tuple(variables)
    for var in variables:
        if var not in FACTOR_LEVELS or var == "country":
            raise InputError(f"{var!r} is not a weighting variable", file=source)
    if not isinstance(targets, Mapping):
        raise InputError("targets must be a mapping of country blocks", file=source)

    clean: dict = {}
    for key, block in targets.items():
        if key == "source":
            if block is not None:
                clean["source"] = _meta_string(block, source, "(file)", "source")
            continue
        if key not in COUNTRIES:
            raise InputError(
                f"unknown top-level key {key!r}: expected a country code "
                f"({', '.join(COUNTRIES)}) or 'source'",
                file=source,
            )
        clean[key] = _validate_country(block, key, source, variables, require_joint)

    for country in countries_in_data:
        if country not in clean:
            raise InputError(
                f"country {country!r} has respondents but no targets block", file=source
            )
        block = clean[country]
        if require_joint:
            if JOINT_KEY not in block:
                raise InputError(
                    f"country {country!r}: method poststratify needs a 'joint' table "
                    f"over {', '.join(variables)}",
                    file=source,
                )
        else:
            for var in variables:
                if var not in block:
                    raise InputError(
                        f"country {country!r}: no targets for raking variable {var!r}",
                        file=source,
                    )
    return clean


def margin_shares(block: Mapping, variable: str) -> dict[str, float]:
    """A validated country block's shares of one variable.

    Falls back to the marginal sums of the ``joint`` table when the block has
    no per-variable margin.
    """
    if variable in block:
        return dict(block[variable])
    joint = block.get(JOINT_KEY)
    if joint is None:
        raise KeyError(variable)
    sums: dict[str, float] = {}
    for cell in joint:
        sums[cell[variable]] = sums.get(cell[variable], 0.0) + cell[SHARE_KEY]
    levels = FACTOR_LEVELS[variable]
    return {label: sums[label] for label in levels if label in sums}


# ---------------------------------------------------------------------------


def _validate_country(block, country, source, variables, require_joint) -> dict:
    if not isinstance(block, Mapping):
        raise InputError(
            f"country {country!r}: block must be a mapping of variable -> shares", file=source
        )
    out: dict = {"source": None, "illustrative": None}
    for key, value in block.items():
        if key in META_KEYS:
            if value is not None:  # an empty YAML value means "not given"
                out[key] = _meta_string(value, source, country, key)
        elif key == JOINT_KEY:
            continue
        elif key in FACTOR_LEVELS and key != "country":
            out[key] = _validate_margin(value, source, country, key)
        else:
            raise InputError(
                f"country {country!r}: unknown key {key!r} (expected a variable of "
                f"{', '.join(v for v in FACTOR_LEVELS if v != 'country')}, "
                f"'source', 'illustrative' or 'joint')",
                file=source,
            )
    if JOINT_KEY in block:
        out[JOINT_KEY] = _validate_joint(block[JOINT_KEY], source, country, variables)
        for var in variables:
            if var in out:
                implied = margin_shares({JOINT_KEY: out[JOINT_KEY]}, var)
                for label in FACTOR_LEVELS[var]:
                    a, b = implied.get(label, 0.0), out[var].get(label, 0.0)
                    if abs(a - b) > SUM_TOLERANCE:
                        raise InputError(
                            f"country {country!r}, variable {var!r}, category {label!r}: "
                            f"margin share {b:.6g} differs from the joint table's {a:.6g}",
                            file=source,
                        )
    return out


def _meta_string(value, source, country, key) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"country {country!r}: {key!r} must be a non-empty string", file=source)
    return value


def _share(value, source, where) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where}: share {value!r} is not a number", file=source)
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{where}: share is {value}", file=source)
    if value < 0:
        raise InputError(f"{where}: share {value:g} is negative", file=source)
    return value


def _check_sum(total, source, where) -> None:
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise InputError(
            f"{where}: shares sum to {total:.10g}, not 1 (tolerance {SUM_TOLERANCE:g})",
            file=source,
        )


def _validate_margin(shares, source, country, var) -> dict[str, float]:
    where = f"country {country!r}, variable {var!r}"
    if not isinstance(shares, Mapping) or not shares:
        raise InputError(f"{where}: expected a mapping category -> share", file=source)
    levels = FACTOR_LEVELS[var]
    values: dict[str, float] = {}
    for label, value in shares.items():
        if label not in levels:
            raise InputError(
                f"{where}, category {label!r}: unknown category label (known: {', '.join(levels)})",
                file=source,
            )
        values[label] = _share(value, source, f"{where}, category {label!r}")
    total = math.fsum(values.values())
    _check_sum(total, source, where)
    return {label: values[label] / total for label in levels if label in values}


def _validate_joint(cells, source, country, variables) -> list[dict]:
    where = f"country {country!r}, joint table"
    if not isinstance(cells, list) or not cells:
        raise InputError(f"{where}: expected a list of cells", file=source)
    expected_keys = set(variables) | {SHARE_KEY}
    seen: dict[tuple, float] = {}
    for cell in cells:
        if not isinstance(cell, Mapping) or set(cell) != expected_keys:
            keys = sorted(cell) if isinstance(cell, Mapping) else cell
            raise InputError(
                f"{where}: cell {keys!r} must have exactly the keys {', '.join(variables)}, share",
                file=source,
            )
        key = []
        for var in variables:
            label = cell[var]
            if label not in FACTOR_LEVELS[var]:
                raise InputError(
                    f"{where}, variable {var!r}, category {label!r}: unknown category label "
                    f"(known: {', '.join(FACTOR_LEVELS[var])})",
                    file=source,
                )
            key.append(label)
        key = tuple(key)
        cell_where = f"{where}, cell {'|'.join(key)}"
        if key in seen:
            raise InputError(f"{cell_where}: listed twice", file=source)
        seen[key] = _share(cell[SHARE_KEY], source, cell_where)
    # the full cross product of the categories that appear
    used = [
        [lab for lab in FACTOR_LEVELS[var] if any(k[i] == lab for k in seen)]
        for i, var in enumerate(variables)
    ]
    for combo in itertools.product(*used):
        if combo not in seen:
            raise InputError(
                f"{where}, cell {'|'.join(combo)}: missing (list it with share 0 "
                f"if the population cell is empty)",
                file=source,
            )
    total = math.fsum(seen.values())
    _check_sum(total, source, where)
    return [
        {**dict(zip(variables, combo, strict=True)), SHARE_KEY: seen[combo] / total}
        for combo in itertools.product(*used)
    ]
