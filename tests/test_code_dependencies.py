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
import re
import subprocess
import sys
from pathlib import Path

import pytest
from workflow_runner import ROOT, copy_project, snakemake

from socialwork_ict.code_dependencies import script_dependencies
from socialwork_ict.names import FIGURE_SETS

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


#: rule -> the script it runs (rules of `rule all` with a script)
RULE_SCRIPTS = {
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


def _rule_inputs(project: Path) -> dict[str, set[str]]:
    """rule -> the input files its jobs ran with (``--detailed-summary``, from
    Snakemake's records of a finished run)."""
    result = snakemake(project, "--detailed-summary")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    header = lines[0].split("\t")
    rule_at, inputs_at = header.index("rule"), header.index("input-file(s)")
    inputs: dict[str, set[str]] = {}
    for line in lines[1:]:
        cells = line.split("\t")
        if len(cells) > inputs_at:
            inputs.setdefault(cells[rule_at], set()).update(cells[inputs_at].split(","))
    return inputs


@pytest.mark.workflow
def test_each_rule_takes_exactly_the_modules_its_script_imports_as_inputs(finished_run):
    """A module is an input of a rule if and only if the rule's script imports it:
    Snakemake reruns a job whose input is newer than its outputs, so a change
    to a module reruns exactly the rules that run it (checked for real below)."""
    inputs = _rule_inputs(finished_run)  # recorded per job: needs a finished run
    assert set(RULE_SCRIPTS) <= set(inputs)
    wrong = {}
    for rule, script in RULE_SCRIPTS.items():
        modules = {str(Path(p).relative_to(ROOT)) for p in _runtime_imports(script)}
        modules -= {str(p.relative_to(ROOT)) for p in _not_run_by(rule)}
        declared = {f for f in inputs[rule] if f.startswith("workflow/socialwork_ict/")}
        static = {
            str(Path(p).resolve().relative_to(ROOT))
            for p in script_dependencies(_script(script), PACKAGE)
        } - {str(p.relative_to(ROOT)) for p in _not_run_by(rule)}
        if not modules <= declared or declared != static:
            wrong[rule] = {
                "imported, not an input": sorted(modules - declared),
                "input, not imported": sorted(declared - static),
            }
    assert wrong == {}


def _planned(project: Path) -> set[str]:
    result = snakemake(project, "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    return set(re.findall(r"(?m)^rule (\w+):$", result.stdout + result.stderr))


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("module", "first_rules", "not_rerun"),
    [
        # the drift of the hand-written lists: a variance change did not rebuild sensitivity
        (
            "inference/design.py",
            {"tabulate_sample", "fit_ordinal_model", "test_age_association",
             "fit_sensitivity_model"},
            {"simulate_survey", "clean_responses", "rake_weights"},
        ),
        # a model figure module redraws its own set only
        ("figures/odds_ratios.py", {"plot_model_figures"}, {"plot_sample_figures"}),
        # imported by every script: everything reruns
        ("codes.py", {"simulate_survey"}, set()),
    ],
)  # fmt: skip
def test_changing_a_module_reruns_the_rules_that_import_it(
    finished_run, module, first_rules, not_rerun
):
    path = finished_run / "workflow" / "socialwork_ict" / module
    original = path.read_bytes()
    path.write_bytes(original + b"\n# changed by the test\n")
    try:
        planned = _planned(finished_run)
    finally:
        path.write_bytes(original)
    assert first_rules <= planned and not (not_rerun & planned), sorted(planned)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("dependencies") / "project")
    assert snakemake(project, cores=2).returncode == 0
    assert _planned(project) == set()
    return project


def _script(name: str) -> Path:
    return ROOT / "workflow" / "scripts" / f"{name}.py"


def _not_run_by(rule: str) -> set[Path]:
    """plot_figures.py imports every figure module; a figure set's rule excludes the
    other set's (figures.smk): their plot functions never run in it. The plan's
    section figures (items.smk) exclude both sets."""
    sets = {f"plot_{name}_figures": figures for name, figures in FIGURE_SETS.items()}
    if rule == "plot_item_figures":  # the section figures: figures/items.py only
        return {(PACKAGE / "figures" / f"{f}.py").resolve() for fs in sets.values() for f in fs}
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
