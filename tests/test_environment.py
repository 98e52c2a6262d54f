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


def test_citation_names_the_package_version():
    """CITATION.cff cites the version pyproject.toml builds (bump both together)."""
    import tomllib

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["cff-version"] == "1.2.0"
    assert str(citation["version"]) == project["version"]
    assert citation["preferred-citation"]["doi"] == "10.1093/bjsw/bcab066"
