"""environment.yml (conda) and requirements.txt (pip) pin the same packages."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for item in env["dependencies"]:
        if isinstance(item, str) and "=" in item:
            name, version = item.split("=", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def _pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_conda_and_pip_pin_the_same_versions():
    conda = _conda_pins()
    assert conda.pop("python") == "3.11"
    assert conda == _pip_pins()


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, line
