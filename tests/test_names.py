"""One definition of the shared names (socialwork_ict.names).

The rules, the adapters and the package read the figure names, the
sensitivity specifications, the pooled label, the age terms, the test names
and the synthetic-data notes from ``socialwork_ict.names``. These tests scan
every Python file under ``workflow/`` and every Snakemake file and fail when
a second definition appears:

- a string equal to the pooled label, an age term, a test name or a synthetic
  note, or an f-string that builds an age term or a Rao-Scott test name;
- a tuple, list or set literal of two or more figure names or sensitivity
  specification names (a second list of them);
- a dict keyed by figure names that does not cover every figure (a
  per-figure table that a new figure would silently miss), or keyed by
  anything but known specifications.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

from socialwork_ict import names

ROOT = Path(__file__).resolve().parents[1]
NAMES_FILE = ROOT / "workflow" / "socialwork_ict" / "names.py"
PYTHON_FILES = sorted(p for p in (ROOT / "workflow").rglob("*.py") if p != NAMES_FILE)
SNAKEMAKE_FILES = sorted(
    [ROOT / "Snakefile", ROOT / "workflow" / "Snakefile", *(ROOT / "workflow/rules").glob("*.smk")]
)

#: values that must appear as a literal only in names.py
SINGLE_VALUES = {
    names.POOLED,
    *names.AGE_TERMS,
    names.RAO_SCOTT_TEST,
    *(names.RAO_SCOTT_TEST.format(c) for c in (*names.COUNTRIES, names.POOLED)),
    names.WALD_AGE_TEST,
    names.WALD_INTERACTION_TEST,
    names.CONTRAST_TEST,
    names.NONLINEARITY_TEST,
    names.TREND_TEST,
    names.SYNTHETIC_FIGURE_NOTE,
    names.SYNTHETIC_REPORT_NOTE,
}
#: prefixes of f-strings that would build a shared name a second time
BUILT_PREFIXES = (f"{names.AGE_FACTOR}[", names.RAO_SCOTT_TEST.split("{")[0])
FIGURES = set(names.FIGURES)
SPECIFICATIONS = set(names.specification_names(variance=names.VARIANCE_SPECIFICATIONS))


def _strings(nodes) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _mostly(values: list[str], known: set[str]) -> bool:
    """Two or more distinct ``known`` names making up most of ``values``: a list of
    them, or half of them (a list of tables that includes ``sensitivity`` is not one)."""
    distinct = set(values)
    return len(distinct & known) >= 2 and 2 * len(distinct & known) >= len(distinct)


def python_problems(source: str, where: str) -> list[str]:
    """Second definitions of shared names in one Python source."""
    tree = ast.parse(source)
    skip: set[int] = set()  # __all__ entries and docstrings are not values
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip.update(id(n) for n in ast.walk(node.value))
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
    problems = []
    for node in ast.walk(tree):
        line = f"{where}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Constant) and id(node) not in skip and node.value in SINGLE_VALUES:
            problems.append(f"{line}: literal {node.value!r} (import it from socialwork_ict.names)")
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value.endswith(BUILT_PREFIXES)
                and len(node.values) > 1
            ):
                problems.append(f"{line}: f-string building {first.value!r}... (a shared name)")
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            values = _strings(node.elts)
            for kind, known in (("figure", FIGURES), ("specification", SPECIFICATIONS)):
                if _mostly(values, known):
                    problems.append(f"{line}: a literal list of {kind} names {values}")
        if isinstance(node, ast.Dict):
            keys = _strings(k for k in node.keys if k is not None)
            if _mostly(keys, FIGURES) and set(keys) != FIGURES:
                problems.append(f"{line}: a per-figure dict without every figure: {keys}")
            if _mostly(keys, SPECIFICATIONS) and not set(keys) <= SPECIFICATIONS:
                problems.append(f"{line}: a per-specification dict with unknown keys: {keys}")
    return problems


def snakemake_problems(source: str, where: str) -> list[str]:
    """Second definitions of shared names in one Snakemake file (tokens: rule
    syntax is not Python): a shared value as a string, or two or more figure or
    specification names inside one bracket."""
    problems = []
    groups: list[list[str]] = [[]]
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        line = f"{where}:{token.start[0]}"
        if token.type == tokenize.OP and token.string in "([{":
            groups.append([])
        elif token.type == tokenize.OP and token.string in ")]}" and len(groups) > 1:
            values = groups.pop()
            for kind, known in (("figure", FIGURES), ("specification", SPECIFICATIONS)):
                if _mostly(values, known):
                    problems.append(f"{line}: a literal list of {kind} names {values}")
        elif token.type == tokenize.STRING:
            try:
                value = ast.literal_eval(token.string)
            except (ValueError, SyntaxError):  # an f-string
                value = None
                body = token.string.lstrip("fFrR").strip("\"'")
                if body.startswith(BUILT_PREFIXES) and "{" in body:
                    problems.append(f"{line}: f-string building a shared name: {token.string}")
            if isinstance(value, str):
                groups[-1].append(value)
                if value in SINGLE_VALUES:
                    problems.append(f"{line}: literal {value!r} (use socialwork_ict.names)")
    return problems


def test_no_second_definition_in_the_package_adapters_or_rules():
    problems = []
    for path in PYTHON_FILES:
        problems += python_problems(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    for path in SNAKEMAKE_FILES:
        problems += snakemake_problems(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "source",
    [
        'POOLED = "ALL"',
        'FIGURES = ("sample_flow", "weighting", "freq_by_age")',
        'SPECS = ["weighted", "unweighted"]',
        'TITLES = {"sample_flow": "Sample flow", "weighting": "Weighting"}',
        'TERMS = tuple(f"age_group[{g}]" for g in GROUPS)',
        'row = {"test": "wald_age_group", "p": 0.1}',
        'NOTE = "Synthetic data: illustrates the pipeline, not the study\'s findings"',
    ],
)
def test_the_scan_finds_a_planted_second_definition(source):
    """The scan is not vacuous: each kind of second definition is reported, in a
    Python file and in a Snakemake file alike."""
    assert python_problems(source, "planted.py")
    assert snakemake_problems(source, "planted.smk")


def test_the_scan_accepts_reading_the_names():
    source = (
        "from socialwork_ict.names import FIGURES, POOLED\n"
        'files = [f"results/figures/{figure}.svg" for figure in FIGURES]\n'
        'label = "pooled" if country == POOLED else country\n'
        '__all__ = ["ALL"]\n'
    )
    assert python_problems(source, "reader.py") == []
    assert snakemake_problems(source.replace('__all__ = ["ALL"]\n', ""), "reader.smk") == []


def test_every_figure_has_a_module_a_drawer_and_a_report_title():
    from socialwork_ict.figures.draw import FIGURE_DRAWERS
    from socialwork_ict.report.render import FIGURE_TITLES

    assert sorted(set(names.FIGURES)) == sorted(names.FIGURES)  # no figure twice
    assert set(FIGURE_DRAWERS) == set(FIGURE_TITLES) == set(names.FIGURES)
    for figure in names.FIGURES:
        assert (ROOT / "workflow/socialwork_ict/figures" / f"{figure}.py").is_file(), figure


def test_the_age_terms_are_the_contract_terms():
    assert names.AGE_TERMS == (
        "age_group[30-39]",
        "age_group[40-49]",
        "age_group[50-59]",
        "age_group[60+]",
    )


@pytest.mark.parametrize(
    ("method", "has_calibrated"), [("rake", True), ("poststratify", False), ("none", False)]
)
def test_run_specifications_fit_calibrated_only_with_raked_weights(method, has_calibrated):
    specifications = names.run_specifications(method, ["CA", "UK"])
    assert ("calibrated" in specifications) is has_calibrated
    assert specifications[0] == "weighted" and specifications[-1] == "age_continuous"
    assert [s for s in specifications if s.startswith("country_")] == ["country_CA", "country_UK"]


def test_names_load_without_numpy_or_pandas():
    import subprocess
    import sys

    code = (
        "import sys, socialwork_ict.names; print('numpy' in sys.modules, 'pandas' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False False", result.stderr
