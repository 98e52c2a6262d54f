"""The config schema rejects bad configs and accepts the shipped one."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from socialwork_ict.errors import InputError
from socialwork_ict.settings import check_against_schema

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
CODEBOOK_SCHEMA = ROOT / "workflow" / "schemas" / "codebook.schema.yaml"
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def test_shipped_config_and_codebook_are_valid():
    check_against_schema(CONFIG, SCHEMA, what="config")
    codebook = yaml.safe_load((ROOT / "config" / "codebook.yaml").read_text())
    check_against_schema(codebook, CODEBOOK_SCHEMA, what="codebook")


def _edit(path: tuple, value):
    config = copy.deepcopy(CONFIG)
    target = config
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return config


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("seed",), "abc", "key seed"),
        (("seed",), -1, "key seed"),
        (("input",), "", "key input"),
        (("input",), 3, "key input"),
        (("typo_key",), 1, "unknown key ('typo_key'"),
        (("countries",), ["CA", "FR"], "key countries.1"),
        (("countries",), [], "key countries"),
        (("synthetic", "n_eligible", "CA"), 0, "key synthetic.n_eligible.CA"),
        (("synthetic", "n_eligible", "XX"), 5, "unknown key ('XX'"),
        (("targets",), KeyError, "'targets' is a required property"),
    ],
)
def test_schema_rejects_bad_config_and_names_the_key(path, value, named):
    with pytest.raises(InputError) as caught:
        check_against_schema(_edit(path, value), SCHEMA, what="config")
    assert named in str(caught.value)


def test_schema_has_a_description_on_every_key():
    schema = yaml.safe_load(SCHEMA.read_text())

    def walk(node, where):
        for key, sub in node.get("properties", {}).items():
            assert "description" in sub, f"{where}.{key}"
            walk(sub, f"{where}.{key}")

    walk(schema, "config")
