"""The package files a rule script runs: its transitive imports of ``socialwork_ict``.

Each rule declares ``code=script_code("<script>")`` (workflow/rules/common.smk),
computed here from the script's actual imports, so that a change to any
module a rule's script imports, directly or through other package modules,
reruns exactly that rule (Snakemake's mtime and code rerun triggers); a
hand-written list would drift (tests/test_code_dependencies.py).

Rules (static, from the source; nothing is imported):

- every ``import socialwork_ict.a.b`` / ``from socialwork_ict.a import b`` /
  ``from .b import c`` anywhere in the file (in functions too) is followed;
- importing a module also runs every package ``__init__.py`` on its path;
- ``from package import name`` where ``name`` is not a module follows the
  package's lazy ``_EXPORTS`` table (``weighting/__init__.py``) when it names
  it, else depends on every module of the package;
- data files beside a depended module (``figures/socialwork.mplstyle``) count.

Stdlib only: the Snakefile evaluates it at every start-up.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "socialwork_ict"
DATA_SUFFIXES = (".mplstyle",)


def script_dependencies(script: str | Path, package_dir: str | Path) -> list[str]:
    """Sorted package files (paths as ``package_dir`` / relative) ``script`` depends on."""
    package_dir = Path(package_dir)
    seen: set[Path] = set()
    stack = list(_imports(Path(script), package_dir))
    while stack:
        path = stack.pop()
        if path in seen:
            continue
        seen.add(path)
        if path.suffix == ".py":
            stack.extend(_imports(path, package_dir))
    folders = {p.parent for p in seen}
    data = {f for folder in folders for f in folder.iterdir() if f.suffix in DATA_SUFFIXES}
    return sorted(str(p) for p in seen | data)


def _imports(path: Path, package_dir: Path) -> set[Path]:
    return set(_imports_cached(path.resolve(), package_dir.resolve(), package_dir))


@cache
def _imports_cached(path: Path, root: Path, shown_root: Path) -> tuple[Path, ...]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = _module_parts(path, root)
    found: set[Path] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE:
                    found |= _module_files(parts[1:], root)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from .codes import X
                base = (here or [])[: len(here or []) - node.level + (path.name == "__init__.py")]
                parts = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == PACKAGE:
                parts = node.module.split(".")[1:]
            else:
                continue
            found |= _module_files(parts, root)
            package = root.joinpath(*parts)
            if package.is_dir():
                for alias in node.names:
                    found |= _name_in_package(package, alias.name, root)
    return tuple(sorted(shown_root / p.relative_to(root) for p in found))


def _module_parts(path: Path, root: Path) -> list[str] | None:
    try:
        relative = path.relative_to(root)
    except ValueError:
        return None  # a rule script, outside the package
    return list(relative.with_suffix("").parts[:-1]) + (
        [] if path.name == "__init__.py" else [relative.stem]
    )


def _module_files(parts: list[str], root: Path) -> set[Path]:
    """The module's file and every ``__init__.py`` on its path (the package's own too)."""
    files = {root / "__init__.py"}
    for depth in range(1, len(parts) + 1):
        folder = root.joinpath(*parts[:depth])
        if folder.is_dir():
            files.add(folder / "__init__.py")
        elif folder.with_suffix(".py").is_file():
            files.add(folder.with_suffix(".py"))
    return files


def _name_in_package(package: Path, name: str, root: Path) -> set[Path]:
    module = package / f"{name}.py"
    if module.is_file() or (package / name).is_dir():
        return _module_files(list(module.relative_to(root).with_suffix("").parts), root)
    exports = _lazy_exports(package / "__init__.py")
    if name in exports:
        return {package / f"{exports[name]}.py"}
    init_names = _defined_names(package / "__init__.py")
    if name in init_names:
        return set()
    return set(package.rglob("*.py"))


def _lazy_exports(init: Path) -> dict[str, str]:
    """The ``_EXPORTS = {name: module}`` literal of a package ``__init__``, if any."""
    if not init.is_file():
        return {}
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets
        ):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()}
    return {}


def _defined_names(init: Path) -> set[str]:
    if not init.is_file():
        return set()
    names = set()
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
    return names
