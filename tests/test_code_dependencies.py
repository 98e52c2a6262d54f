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
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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


def _rule_scripts() -> dict[str, str]:
    """rule -> the script it runs, read from the rule files (every rule with a script)."""
    found = {}
    for smk in sorted((ROOT / "workflow" / "rules").glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        for match in re.finditer(
            r'(?ms)^rule (\w+):\n.*?^    script:\n\s+"\.\./scripts/(\w+)\.py"', text
        ):
            found[match[1]] = match[2]
    return found


def _downstream(project: Path) -> dict[str, set[str]]:
    """rule -> itself and every rule that consumes its outputs (``--rulegraph``)."""
    result = snakemake(project, "--rulegraph")
    assert result.returncode == 0, result.stderr[-2000:]
    names = dict(re.findall(r'(?m)^\s*(\d+)\[label = "(\w+)"', result.stdout))
    edges = re.findall(r"(?m)^\s*(\d+) -> (\d+)$", result.stdout)
    consumers: dict[str, set[str]] = {name: set() for name in names.values()}
    for source, target in edges:
        consumers[names[source]].add(names[target])
    closure = {}
    for rule in consumers:
        seen, todo = {rule}, [rule]
        while todo:
            for after in consumers[todo.pop()] - seen:
                seen.add(after)
                todo.append(after)
        closure[rule] = seen - {"all"}
    return closure


def _changed_plan(project: Path, module: Path) -> set[str]:
    path = project / module.relative_to(ROOT)
    original = path.read_bytes()
    path.write_bytes(original + b"\n# changed by the test\n")
    try:
        return _planned(project) - {"all"}
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(ORIGINAL_TIME, ORIGINAL_TIME))


#: a module's modification time is put back after each change (outputs stay newer)
ORIGINAL_TIME = 946_684_800 * 10**9  # 2000-01-01


@pytest.mark.workflow
def test_changing_each_module_reruns_exactly_the_rules_that_import_it(
    finished_run, tmp_path_factory
):
    """Every package module in turn is changed in a finished run and the dry run's
    plan compared with the rules whose script imports the module, and every rule
    downstream of them. "Imports" is found here independently of the code under
    test: the modules loaded when the script's top level runs (a subprocess) and,
    transitively, every package module named in an import statement of the script
    or of a loaded module, in functions too (a lazy import runs when its function
    does, so its module is the rule's code as well)."""
    downstream = _downstream(finished_run)
    scripts = {rule: s for rule, s in _rule_scripts().items() if rule in downstream}
    runs = {
        rule: _imported_anywhere(_runtime_imports(script) | _all_imports(_script(script)))
        - _not_run_by(rule)
        for rule, script in scripts.items()
    }
    copies = [finished_run]  # two copies: the two cores dry-run in parallel
    copies.append(copy_finished(finished_run, tmp_path_factory.mktemp("second") / "project"))
    for project in copies:
        for module in MODULES:
            os.utime(project / module.relative_to(ROOT), ns=(ORIGINAL_TIME, ORIGINAL_TIME))

    def check(job):
        project, modules = job
        wrong = {}
        for module in modules:
            importers = {rule for rule, files in runs.items() if module.resolve() in files}
            expected = set().union(*(downstream[rule] for rule in importers))
            planned = _changed_plan(project, module)
            if planned != expected:
                wrong[str(module.relative_to(PACKAGE))] = {
                    "rerun, not expected": sorted(planned - expected),
                    "expected, not rerun": sorted(expected - planned),
                }
        return wrong

    with ThreadPoolExecutor(max_workers=len(copies)) as pool:
        results = pool.map(check, [(p, MODULES[i :: len(copies)]) for i, p in enumerate(copies)])
    wrong = {module: diff for result in results for module, diff in result.items()}
    assert wrong == {}


def _module_file(parts: list[str]) -> Path | None:
    """The package file of module ``socialwork_ict.<parts>`` (None: not a module)."""
    path = PACKAGE.joinpath(*parts)
    for target in (path / "__init__.py", path.with_suffix(".py")):
        if target.is_file():
            return target.resolve()
    return None


def _all_imports(source: Path) -> set[Path]:
    """Package modules ``source`` names in any import statement, in functions too,
    with the ``__init__.py`` of every package on their path (Python runs them)."""
    if PACKAGE in source.resolve().parents:
        here = list(source.resolve().relative_to(PACKAGE).parent.parts)
    else:
        here = []
    found: set[Path] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ["socialwork_ict", *here[: len(here) - node.level + 1]] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            # `from a import b`: b is a module of package a, or a name defined in a
            targets = [module + [a.name] for a in node.names] + [module]
        else:
            continue
        for parts in targets:
            if parts[0] != "socialwork_ict":
                continue
            for depth in range(1, len(parts) + 1):
                target = _module_file(parts[1:depth])
                if target is not None:
                    found.add(target)
    return found


def _imported_anywhere(modules: set[Path]) -> set[Path]:
    """``modules`` and every package module they import, transitively."""
    seen: set[Path] = set()
    todo = [m.resolve() for m in modules]
    while todo:
        module = todo.pop()
        if module in seen or PACKAGE not in module.parents:
            continue
        seen.add(module)
        todo.extend(_all_imports(module) - seen)
    return seen


def copy_finished(project: Path, destination: Path) -> Path:
    """A copy of a finished run with its timestamps and Snakemake's records."""
    shutil.copytree(project, destination, symlinks=True)
    return destination


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
