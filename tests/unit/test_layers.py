"""The layers, as contracts on the import graph (docs/ARCHITECTURE.md, "What may import what").

Every import counts, at the top of a module or inside a function: a lazy import is still a
dependency. The graph is read from the source (ast), so nothing is imported to check it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the design card's top-level folders are installed as cobuild.models, cobuild.flows and
# cobuild.notifications (pyproject.toml, [tool.setuptools.package-dir])
FOLDERS = {"cobuild": "cobuild", "models": "cobuild.models", "flows": "cobuild.flows",
           "notifications": "cobuild.notifications"}


def _modules() -> dict[str, Path]:
    found = {}
    for folder, package in FOLDERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations/versions" in path.as_posix():
                continue
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _imports(path: Path, module: str) -> set[str]:
    """Every module name `path` imports (absolute names; `from a import b` gives a.b and a)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            names.add(origin)
            names |= {f"{origin}.{alias.name}" for alias in node.names}
    return names


def _ours(name: str) -> str | None:
    """The module of ours `name` is (or is inside), or None for a library."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for name in _imports(path, module):
            target = _ours(name)
            if target and target != module:
                graph[module].add(target)
    return graph


GRAPH = _graph()


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _breaches(sources: tuple[str, ...], allowed: tuple[str, ...] = (), forbidden: tuple[str, ...] = ()) -> list[str]:
    found = []
    for module, targets in sorted(GRAPH.items()):
        if not _in(module, *sources):
            continue
        for target in sorted(targets):
            if _in(target, *sources):
                continue
            if (allowed and not _in(target, *allowed)) or (forbidden and _in(target, *forbidden)):
                found.append(f"{module} imports {target}")
    return found


CONTRACTS = {
    # the domain: tables, states, pure rules, the message catalogue
    "models import nothing of the application": dict(sources=("cobuild.models",), allowed=("cobuild.models",)),
    "the platform stands on the models alone": dict(sources=("cobuild.platform",), allowed=("cobuild.models",)),
    "notifications import only the models and the platform": dict(
        sources=("cobuild.notifications",), allowed=("cobuild.models", "cobuild.platform")),
    "reports read: no use case, no sweep, no web, CLI or flows": dict(
        sources=("cobuild.reports",), allowed=("cobuild.models", "cobuild.platform")),
    "use cases import no web, CLI, flows or sweep": dict(
        sources=("cobuild.actions",), allowed=("cobuild.models", "cobuild.platform", "cobuild.notifications",
                                               "cobuild.reports")),
    "the sweep imports no web, CLI or flows": dict(
        sources=("cobuild.sweep",), forbidden=("cobuild.web", "cobuild.cli", "cobuild.flows", "cobuild.server",
                                               "cobuild.scheduler", "cobuild.demo")),
    "the web app imports no CLI and no flows": dict(
        sources=("cobuild.web",), forbidden=("cobuild.cli", "cobuild.flows", "cobuild.server", "cobuild.scheduler",
                                             "cobuild.demo", "cobuild.sweep")),
    "flows import no web and no CLI": dict(sources=("cobuild.flows",), forbidden=("cobuild.web", "cobuild.cli")),
    "the demo's world imports no CLI and no flows": dict(
        sources=("cobuild.demo",), forbidden=("cobuild.cli", "cobuild.flows")),
}


@pytest.mark.parametrize("name", CONTRACTS)
def test_layer_contract(name):
    breaches = _breaches(**CONTRACTS[name])
    assert not breaches, f"{name}:\n" + "\n".join(breaches)


def test_nothing_imports_the_cli():
    breaches = [f"{m} imports {t}" for m, ts in GRAPH.items() for t in ts
                if _in(t, "cobuild.cli") and not _in(m, "cobuild.cli") and m != "cobuild.__main__"]
    assert not breaches, "\n".join(breaches)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in sorted(MODULES):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above cannot pass by finding nothing at all."""
    graph = {**GRAPH, "cobuild.models.base": {*GRAPH.get("cobuild.models.base", ()), "cobuild.models.items"}}
    assert ["cobuild.models.base", "cobuild.models.items"] in _cycles(graph)


def test_contracts_see_a_breach():
    global GRAPH
    saved = GRAPH
    GRAPH = {**saved, "cobuild.models.base": {"cobuild.platform.db"}}
    try:
        assert _breaches(**CONTRACTS["models import nothing of the application"]) == [
            "cobuild.models.base imports cobuild.platform.db"]
    finally:
        GRAPH = saved


def _python_files(*folders: str):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_no_bare_top_level_names():
    """`models`, `flows` and `notifications` exist only as cobuild.*: a bare import would load a
    second copy of the tables from the checkout (and fails where cobuild is installed)."""
    bare = []
    for path in _python_files("cobuild", "models", "flows", "notifications", "tests", "bench", "docs"):
        for name in _imports(path, "x"):
            if name.split(".")[0] in ("models", "flows", "notifications"):
                bare.append(f"{path.relative_to(ROOT)}: {name}")
    assert not bare, "\n".join(bare)


def test_tests_do_not_import_the_bench():
    """The bench may use the tests' helpers (tests/support), never the other way round."""
    found = [f"{path.relative_to(ROOT)}: {name}" for path in _python_files("tests")
             for name in _imports(path, "tests.x") if name.split(".")[0] == "bench"]
    assert not found, "\n".join(found)


def test_every_module_imports():
    """A name imported from a module that no longer has it fails here (mypy's attr-defined is off
    for SQLModel's columns, so it would not say)."""
    import importlib

    for module in sorted(MODULES):
        if module.endswith("__main__") or ".migrations" in module:
            continue
        importlib.import_module(module)
