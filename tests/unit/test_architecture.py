"""The layout shows the architecture: no module imports itself round a cycle, the tree stays small.

The layers (import-linter, run as a process) are checked in tests/integration/test_architecture__import_contracts.py.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("states", "tasks", "workflows")
TOP_LEVEL_MODULES = {"__init__.py", "bootstrap.py", "settings.py", "logs.py", "errors.py"}
LONGEST_MODULE = 400


def _modules() -> list[Path]:
    return [path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts]


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each a cycle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in imports.get(module, ()):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(imports):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_ours_imports_itself_round_a_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    # A package's __init__ re-exports its modules, which import each other by full path: not a cycle of ours.
    imports = {
        module: {m for m in graph.find_modules_directly_imported_by(module) if not module.startswith(m + ".")}
        for module in graph.modules
    }
    assert _cycles(imports) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_top_of_workflows_holds_only_the_composition_root_settings_logs_and_errors() -> None:
    assert {path.name for path in (ROOT / "workflows").glob("*.py")} <= TOP_LEVEL_MODULES


def test_no_module_is_longer_than_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > LONGEST_MODULE
    }
    assert long == {}


def test_every_package_declares_its_public_surface() -> None:
    missing = []
    for init in (path for path in _modules() if path.name == "__init__.py"):
        tree = ast.parse(init.read_text())
        names = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        if "__all__" not in names:
            missing.append(str(init.relative_to(ROOT)))
    assert missing == []
