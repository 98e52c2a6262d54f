"""Code inputs that cannot drift: each rule reruns when, and only when, a module it runs changes.

``socialwork_ict.code_dependencies`` computes a rule script's package files
from its source (``script_code`` in workflow/rules/common.smk). Checked here
against what really happens: the modules a script has imported once its
top-level imports ran (a subprocess), and, through the Snakemake CLI, the
rules a dry run reruns after each package module in turn is changed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_runner import ROOT, copy_project, snakemake

from socialwork_ict.code_dependencies import script_dependencies

PACKAGE = ROOT / "workflow" / "socialwork_ict"
SCRIPTS = sorted((ROOT / "workflow" / "scripts").glob("*.py"))
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)

IMPORTED = """
import json, runpy, sys
try:
    runpy.run_path(sys.argv[1], run_name="rule_script")
except NameError:  # `snakemake` is injected by Snakemake's script directive
    pass
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
print(json.dumps(sorted(f for f in files if "socialwork_ict" in f)))
"""


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_module_a_script_imports_is_a_code_input(script):
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED, str(script)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    imported = {Path(f).resolve() for f in json.loads(result.stdout.splitlines()[-1])}
    declared = {Path(p).resolve() for p in script_dependencies(script, PACKAGE)}
    assert imported - declared == set()


def _package_imports(module: Path) -> set[Path]:
    """Package modules ``module`` imports at import time (top level, not in functions)."""
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level:
            names = ["socialwork_ict." + (node.module or "")]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "socialwork_ict" and len(parts) > 1:
                path = PACKAGE.joinpath(*parts[1:])
                target = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
                if target.is_file() and target != module:
                    found.add(target)
    return found


@pytest.mark.xfail(
    strict=True,
    reason="issue 14 item 1: models/logistic.py imports models/ordinal.py, which imports "
    "logistic inside a function",
)
def test_no_import_cycle_in_the_package():
    graph = {module: _package_imports(module) for module in MODULES}
    lazy = {}
    for module in MODULES:  # imports inside functions close a cycle too
        tree = ast.parse(module.read_text(encoding="utf-8"))
        lazy[module] = {
            PACKAGE.joinpath(*n.module.split(".")[1:]).with_suffix(".py")
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("socialwork_ict.")
        } & set(MODULES)
    edges = {m: graph[m] | lazy[m] for m in MODULES}
    state: dict[Path, int] = {}

    def visit(node, path):
        state[node] = 1
        for target in edges.get(node, ()):
            if state.get(target) == 1:
                raise AssertionError(
                    "import cycle: " + " -> ".join(p.name for p in path + [node, target])
                )
            if target not in state:
                visit(target, path + [node])
        state[node] = 2

    for module in MODULES:
        if module not in state:
            visit(module, [])


def _rules_with_updated_inputs(project: Path) -> set[str]:
    """Rules with an output whose own input files are newer (``snakemake --summary``
    status "updated input files"; a dry run names only the first reason of a job)."""
    result = snakemake(project, "--summary")
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:] if "\t" in line]
    return {row[2] for row in rows if len(row) > 4 and row[4] == "updated input files"}


@pytest.mark.workflow
def test_changing_a_module_reruns_exactly_the_rules_that_run_it(tmp_path):
    project = copy_project(tmp_path / "project")
    assert snakemake(project, cores=2).returncode == 0
    assert _rules_with_updated_inputs(project) == set()
    scripts = {
        "simulate_survey": "simulate_survey",
        "clean_responses": "clean_responses",
        "rake_weights": "rake_weights",
        "tabulate_sample": "tabulate_sample",
        "fit_ordinal_model": "fit_ordinal_model",
        "test_age_association": "test_age_association",
        "fit_sensitivity_model": "fit_sensitivity_model",
        "collect_sensitivity": "collect_sensitivity",
        "plot_sample_figures": "plot_figures",
        "plot_model_figures": "plot_figures",
        "compare_published": "compare_published",
        "render_report": "render_report",
        "write_manifest": "write_manifest",
    }
    wrong = {}
    for module in MODULES:
        relative = module.relative_to(ROOT)
        copy = project / relative
        original = copy.read_bytes()
        copy.write_bytes(original + b"\n# changed by the test\n")
        try:
            direct = _rules_with_updated_inputs(project)
        finally:
            copy.write_bytes(original)
        imports = {
            rule
            for rule, script in scripts.items()
            if module.resolve() in _runtime_imports(script) - _not_run_by(rule)
        }
        static = {
            rule
            for rule, script in scripts.items()
            if module.resolve()
            in {Path(p).resolve() for p in script_dependencies(_script(script), PACKAGE)}
        }
        if not imports <= direct <= static:
            wrong[str(relative)] = {"rerun": sorted(direct), "imported by": sorted(imports)}
    assert wrong == {}


def _script(name: str) -> Path:
    return ROOT / "workflow" / "scripts" / f"{name}.py"


def _not_run_by(rule: str) -> set[Path]:
    """plot_figures.py imports every figure module; a figure set's rule excludes the
    other set's (figures.smk): their plot functions never run in it."""
    sets = {
        "plot_sample_figures": ("sample_flow", "weighting", "freq_by_age"),
        "plot_model_figures": ("odds_ratios", "predicted_often", "sensitivity"),
    }
    if rule not in sets:
        return set()
    others = {f for name, figures in sets.items() if name != rule for f in figures}
    return {(PACKAGE / "figures" / f"{f}.py").resolve() for f in others}


_RUNTIME: dict[str, set[Path]] = {}


def _runtime_imports(script: str) -> set[Path]:
    if script not in _RUNTIME:
        result = subprocess.run(
            [sys.executable, "-c", IMPORTED, str(_script(script))],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        _RUNTIME[script] = {Path(f).resolve() for f in json.loads(result.stdout.splitlines()[-1])}
    return _RUNTIME[script]
