"""Targets file: format, validation and the InputError failure modes (contract §2)."""

from __future__ import annotations

import copy

import pytest
import yaml

from socialwork_ict.errors import InputError
from socialwork_ict.weighting import load_targets, validate_targets

VARS = ("age_group", "gender")
COUNTRIES = ("CA", "US", "IL", "UK")
SRC = "config/targets.yaml"


def _validate(targets, **kwargs):
    options = {"source": SRC, "variables": VARS, "countries_in_data": COUNTRIES}
    return validate_targets(targets, **{**options, **kwargs})


def _raises(targets, *fragments, **kwargs):
    with pytest.raises(InputError) as info:
        _validate(targets, **kwargs)
    message = str(info.value)
    assert "\n" not in message
    for fragment in (SRC, *fragments):
        assert fragment in message, (fragment, message)
    return message


def test_oracle_targets_validate_and_keep_source(oracle_targets):
    clean = _validate(oracle_targets)
    assert set(clean) == set(COUNTRIES)
    for country in COUNTRIES:
        block = clean[country]
        assert block["source"].startswith("illustrative synthetic shares")
        assert block["illustrative"] is None
        assert list(block["age_group"]) == ["<30", "30-39", "40-49", "50-59", "60+"]
        assert list(block["gender"]) == ["woman", "man"]
        assert sum(block["age_group"].values()) == pytest.approx(1, abs=1e-15)
    assert _validate(clean) == clean  # idempotent


def test_load_targets_reads_the_fixture(oracle_dir, oracle_targets):
    assert load_targets(oracle_dir / "targets.yaml") == oracle_targets


def test_load_targets_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_targets(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("CA: {age_group: [1, 2\n")
    with pytest.raises(InputError, match="bad.yaml.*not valid YAML"):
        load_targets(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    with pytest.raises(InputError, match="mapping of country blocks"):
        load_targets(scalar)


def test_illustrative_and_file_level_source(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["source"] = "file-wide source"
    targets["CA"]["illustrative"] = "rounded shares for a demonstration"
    clean = _validate(targets)
    assert clean["source"] == "file-wide source"
    assert clean["CA"]["illustrative"] == "rounded shares for a demonstration"
    targets["CA"]["illustrative"] = 3
    _raises(targets, "CA", "illustrative", "non-empty string")


def test_shares_are_renormalised_within_tolerance(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["CA"]["gender"] = {"woman": 0.8600004, "man": 0.14}
    clean = _validate(targets)
    assert clean["CA"]["gender"]["woman"] == pytest.approx(0.8600004 / 1.0000004, rel=1e-15)


def test_shares_not_summing_to_one(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["US"]["age_group"]["60+"] = 0.19  # sum 1.01
    _raises(targets, "'US'", "'age_group'", "sum to 1.01")


def test_negative_share(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["IL"]["gender"] = {"woman": 1.1, "man": -0.1}
    _raises(targets, "'IL'", "'gender'", "'man'", "negative")


def test_nan_share(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["IL"]["gender"] = {"woman": float("nan"), "man": 0.1}
    _raises(targets, "'IL'", "'gender'", "'woman'", "nan")


def test_non_numeric_share(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["IL"]["gender"] = {"woman": "0.9", "man": 0.1}
    _raises(targets, "'IL'", "'gender'", "'woman'", "not a number")


def test_unknown_category_label(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["UK"]["gender"] = {"female": 0.82, "male": 0.18}
    _raises(targets, "'UK'", "'gender'", "'female'", "unknown category label")


def test_country_in_data_without_targets(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    del targets["UK"]
    _raises(targets, "'UK'", "no targets block")
    assert "UK" not in _validate(targets, countries_in_data=("CA", "US", "IL"))


def test_raking_variable_missing_for_a_country(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    del targets["IL"]["gender"]
    _raises(targets, "'IL'", "'gender'", "no targets for raking variable")


def test_unknown_keys(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["FR"] = targets["CA"]
    _raises(targets, "'FR'", "unknown top-level key")
    targets = copy.deepcopy(oracle_targets)
    targets["CA"]["agegroup"] = targets["CA"]["age_group"]
    _raises(targets, "'CA'", "'agegroup'", "unknown key")


def test_extra_known_variable_is_validated_and_kept(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["CA"]["sector"] = {"public": 0.5, "non-profit": 0.3, "private practice": 0.2}
    assert _validate(targets)["CA"]["sector"]["public"] == 0.5
    targets["CA"]["sector"]["hospital"] = 0.0
    _raises(targets, "'CA'", "'sector'", "'hospital'")


# -- the joint table for post-stratification -------------------------------


def joint_from_margins(block: dict) -> list[dict]:
    """Independence joint table: share(age, gender) = share(age) x share(gender)."""
    return [
        {"age_group": a, "gender": g, "share": sa * sg}
        for a, sa in block["age_group"].items()
        for g, sg in block["gender"].items()
    ]


def test_joint_table_validates(oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    for country in COUNTRIES:
        targets[country]["joint"] = joint_from_margins(targets[country])
    clean = _validate(targets, require_joint=True)
    assert len(clean["CA"]["joint"]) == 10
    assert sum(cell["share"] for cell in clean["CA"]["joint"]) == pytest.approx(1, abs=1e-15)
    # margins may be omitted under poststratify
    for country in COUNTRIES:
        del targets[country]["age_group"], targets[country]["gender"]
    _validate(targets, require_joint=True)


def test_joint_table_failures(oracle_targets):
    base = copy.deepcopy(oracle_targets)
    for country in COUNTRIES:
        base[country]["joint"] = joint_from_margins(base[country])

    _raises(oracle_targets, "'CA'", "needs a 'joint' table", require_joint=True)

    targets = copy.deepcopy(base)
    dropped = targets["US"]["joint"].pop(3)
    _raises(targets, "'US'", f"{dropped['age_group']}|{dropped['gender']}", "missing")

    targets = copy.deepcopy(base)
    targets["US"]["joint"].append(dict(targets["US"]["joint"][0]))
    _raises(targets, "'US'", "<30|woman", "listed twice")

    targets = copy.deepcopy(base)
    targets["US"]["joint"][0]["gender"] = "female"
    _raises(targets, "'US'", "'gender'", "'female'", "unknown category label")

    targets = copy.deepcopy(base)
    del targets["US"]["joint"][0]["share"]
    _raises(targets, "'US'", "exactly the keys")

    targets = copy.deepcopy(base)
    targets["US"]["joint"][0]["share"] += 0.01
    _raises(targets, "'US'", "joint table", "sum to")

    targets = copy.deepcopy(base)
    targets["US"]["gender"] = {"woman": 0.5, "man": 0.5}
    _raises(targets, "'US'", "'gender'", "'woman'", "differs from the joint")


def test_yaml_round_trip_of_a_joint_block(tmp_path, oracle_targets):
    targets = copy.deepcopy(oracle_targets)
    targets["CA"]["joint"] = joint_from_margins(targets["CA"])
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(targets, sort_keys=False))
    clean = validate_targets(
        load_targets(path), source=str(path), variables=VARS, countries_in_data=COUNTRIES
    )
    assert clean["CA"]["joint"][0] == pytest.approx(
        {"age_group": "<30", "gender": "woman", "share": 0.16 * 0.86}
    )
